// Seeds users into a variant's database through the app's own compiled config and MikroORM (as a
// user's seeder would), in a process started in the app's folder, in batches of one flush each.
import { runWithAppOrm } from '../proof/generate.ts';
import type { App } from '../proof/generate.ts';

/**
 * Inserts `count` users named `bench-user-<n>` into an empty table and returns their ids in order.
 * @param env  the database's MIKRO_ORM_* variables
 */
export async function seedUsers(app: App, env: Record<string, string>, count: number): Promise<number[]> {
  const body = `
    const meta = orm.getMetadata().getAll();
    const user = (meta instanceof Map ? [...meta.values()] : Object.values(meta)).find((m) => m.className === 'User');
    if (!user) throw new Error('No User entity in the app.');
    const ids = [];
    for (let start = 0; start < ${count}; start += 1000) {
      const em = orm.em.fork();
      const batch = [];
      for (let n = start; n < Math.min(start + 1000, ${count}); n++) batch.push(em.create(user.class, { name: 'bench-user-' + n }));
      await em.flush();
      ids.push(...batch.map((u) => u.id));
    }
    process.stdout.write(JSON.stringify(ids));
  `;
  const ids: unknown[] = JSON.parse(await runWithAppOrm(app, env, body, { what: `Seeding ${count} users`, timeoutMs: 120_000 }));
  if (ids.length !== count || !ids.every((id): id is number => typeof id === 'number'))
    throw new Error(`Seeding returned ${ids.length} ids for ${count} users.`);
  return ids;
}
