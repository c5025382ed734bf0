'use strict';
// Seeds users into a variant's database through the app's own compiled config and MikroORM (as a
// user's seeder would), in a process started in the app's folder, in batches of one flush each.
const { execFile } = require('node:child_process');
const { relative } = require('node:path');
const { compiledConfig } = require('../proof/generate.cjs');

/**
 * Inserts `count` users named `bench-user-<n>` into an empty table and returns their ids in order.
 * @param {import('../proof/generate.cjs').App} app
 * @param {Record<string, string>} env  the database's MIKRO_ORM_* variables
 * @param {number} count
 * @returns {Promise<number[]>}
 */
function seedUsers(app, env, count) {
  const config = relative(app.dir, compiledConfig(app.dir)).split('\\').join('/');
  const script = `
    const { MikroORM } = await import('@mikro-orm/core');
    const mod = await import('./${config}');
    const config = mod.default?.default ?? mod.default;
    const orm = await MikroORM.init({ ...config, debug: false });
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
    await orm.close(true);
    process.stdout.write(JSON.stringify(ids));
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: app.dir, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`Seeding ${count} users failed for the ${app.kind} app in ${app.dir}:\n${stderr}`));
        const ids = JSON.parse(stdout);
        if (ids.length !== count || ids.some((id) => typeof id !== 'number')) return reject(new Error(`Seeding returned ${ids.length} ids for ${count} users.`));
        resolve(ids);
      },
    );
  });
}

module.exports = { seedUsers };
