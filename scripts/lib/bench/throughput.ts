// P2, what the request context costs: every variant of one leg (fixture × driver) as one or more
// fresh instances, each on a database of its own seeded with the same users, one discarded warm-up
// run each, then rounds in alternation (each round in a new shuffled order, a pause between runs),
// GET /users/:id with random ids, the same id sequence for every run of a round.
import { copyFileSync, existsSync } from 'node:fs';
import { createSchema } from '../proof/generate.ts';
import { postgresDatabase, sqliteDatabase } from '../proof/database.ts';
import { startInstance, stopInstance } from '../proof/processes.ts';
import { closeConnections } from '../proof/http.ts';
import { seedUsers } from './seed.ts';
import { cpuMicros, pinServer, runLoad } from './load.ts';
import { alternation, roundMeans } from './stats.ts';
import { random } from '../proof/load.ts';
import { appOf } from './variants.ts';
import { VARIANT_NAMES, VARIANTS } from './variants-info.ts';
import type { ProofDatabase } from '../proof/database.ts';
import type { App, AppSpec } from '../proof/generate.ts';
import type { Instance } from '../proof/processes.ts';
import type { Pinning } from './load.ts';
import type { VariantName } from './variants-info.ts';

export interface Running {
  name: VariantName;
  instance: Instance;
  ids: number[];
  database: ProofDatabase;
}

export type Seed = { database: ProofDatabase; ids: number[] };

/**
 * A database with the schema and `users` users, made once with one app and then copied for every
 * instance (startVariant): the variants share the User entity, and a copy (a file on SQLite, CREATE
 * DATABASE … TEMPLATE on PostgreSQL) takes milliseconds where a schema and a seed take seconds.
 */
async function seedOnce(app: App, users: number, label: string): Promise<Seed> {
  const database = app.spec.driver === 'postgresql' ? await postgresDatabase() : sqliteDatabase(app.dir, `bench-${label}-seed`);
  try {
    await createSchema(app, database.env);
    return { database, ids: await seedUsers(app, database.env, users) };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** `work` with a seed (seedOnce) that is dropped afterwards, whatever happens. */
export async function withSeed<T>(app: App, users: number, label: string, work: (seed: Seed) => Promise<T>): Promise<T> {
  const seed = await seedOnce(app, users, label);
  try {
    return await work(seed);
  } finally {
    await seed.database.drop();
  }
}

/** A database of the instance's own: a copy of the seed. */
async function copyOfSeed(app: App, seed: Seed, label: string): Promise<ProofDatabase> {
  if (app.spec.driver === 'postgresql') return postgresDatabase({ template: seed.database.env.MIKRO_ORM_DB_NAME });
  const database = sqliteDatabase(app.dir, `bench-${label}`);
  copyFileSync(seed.database.env.MIKRO_ORM_DB_NAME, database.env.MIKRO_ORM_DB_NAME);
  return database;
}

/**
 * A database of its own for the app (a copy of the seed) and one instance pinned to the server CPU.
 * @param options
 *   launcher and timeoutMs: the command that runs the main file and how long the instance may take to boot (instructions.ts: node under
 * valgrind)
 */
export async function startVariant(
  name: VariantName,
  app: App,
  {
    seed,
    pin,
    nodeOptions,
    label,
    launcher,
    timeoutMs,
  }: { seed: Seed; pin: Pinning; nodeOptions?: string; label: string; launcher?: string[]; timeoutMs?: number },
): Promise<Running> {
  if (!existsSync(app.dir))
    throw new Error(`The app of variant ${name} (${app.dir}) was removed while the bench ran: did another process clean .tmp/?`);
  const database = await copyOfSeed(app, seed, label);
  const { ids } = seed;
  try {
    const env = { ...database.env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    const instance = await startInstance({ dir: app.dir, name, env, launcher, timeoutMs });
    pinServer(pin, instance.child.pid);
    return { name, instance, ids, database };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

export async function stopVariant(running: Running): Promise<void> {
  await stopInstance(running.instance);
  closeConnections();
  await running.database.drop();
}

export interface Sample {
  round: number;
  /** which instance of the variant (0, 1, …) */
  instance: number;
  rps: number;
  /** the server's CPU time per request, µs (NaN where /proc is missing) */
  cpuUs: number;
  p50: number;
  p99: number;
  requests: number;
}

/** How a leg is timed (bench.ts's plan). */
export interface LegSettings {
  rounds: number;
  /** seconds per run */
  duration: number;
  /** seconds of the discarded run of each instance */
  warmup: number;
  /** the users seeded, whose ids the runs draw from */
  users: number;
  connections: number;
  /** ms between runs (500 by default) */
  settleMs?: number;
  /** instances per variant (1 by default) */
  instances?: Partial<Record<VariantName, number>>;
}

/** A timed leg: its settings, and per variant (by name) the samples of its runs. */
export interface LegResult extends Omit<LegSettings, 'instances'> {
  fixture: string;
  driver: string;
  /** instances per variant */
  instances: Record<string, number>;
  samples: Record<string, Sample[]>;
}

/**
 * Every variant of one leg (`apps`), timed in alternating rounds on its instances.
 */
export async function runLeg({
  fixture,
  driver,
  apps,
  rounds,
  duration,
  warmup,
  users,
  connections,
  settleMs = 500,
  instances = {},
  pin,
  log,
}: LegSettings & {
  fixture: string;
  driver: AppSpec['driver'];
  apps: Map<VariantName, App>;
  pin: Pinning;
  log: (line: string) => void;
}): Promise<LegResult> {
  // In the order of the variants' definition (a, a_r, b, …), whatever order they were built in.
  const names = VARIANT_NAMES.filter((n) => apps.has(n));
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, instances[n] ?? 1]));
  // One entry per instance: a variant measured on two instances runs twice per round.
  const slots = names.flatMap((name) =>
    Array.from({ length: counts[name] }, (_, instance) => ({ name, instance, key: `${name}#${instance}` })),
  );
  const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
  await withSeed(appOf(apps, names[0]), users, `p2-${fixture}-${driver}`, async (seed) => {
    const running: Map<string, Running> = new Map();
    try {
      // Two at a time (booting is CPU work; two cores).
      const queue = [...slots];
      const starter = async () => {
        for (let slot = queue.shift(); slot; slot = queue.shift()) {
          const { name, instance, key } = slot;
          // A database file of each instance's own (b_x shares b's folder), and the variant's Node options.
          const label = `p2-${name}-${instance}`;
          running.set(key, await startVariant(name, appOf(apps, name), { seed, pin, label, nodeOptions: VARIANTS[name].nodeOptions }));
        }
      };
      await Promise.all([starter(), starter()]);
      const multi = names.filter((n) => counts[n] > 1);
      log(
        `  ${slots.length} instances up (${users} users each${multi.length ? `; two or more of ${multi.join(', ')}` : ''}); warm-up ${warmup} s each, discarded`,
      );
      for (const r of running.values()) {
        await runLoad(pin, { url: r.instance.url, ids: r.ids, order: 'random', connections, duration: warmup, seed: 999 });
      }
      const schedule = alternation(slots, rounds, random(4242));
      for (const [index, { round, variant: slot }] of schedule.entries()) {
        const r = running.get(slot.key);
        if (!r) throw new Error(`${slot.key} is not running.`);
        // A moment for the previous run's server (on the same CPU) to finish its own after-load work.
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        const pid = r.instance.child.pid;
        const cpuBefore = cpuMicros(pid);
        const result = await runLoad(pin, { url: r.instance.url, ids: r.ids, order: 'random', connections, duration, seed: 1000 + round });
        const cpuAfter = cpuMicros(pid);
        // The server's CPU time per request over the run (what it spent, not how long it waited for a core).
        const cpuUs = cpuBefore === undefined || cpuAfter === undefined ? NaN : (cpuAfter - cpuBefore) / result.requests;
        samples[slot.name].push({
          round,
          instance: slot.instance,
          rps: result.rps,
          cpuUs,
          p50: result.p50,
          p99: result.p99,
          requests: result.requests,
        });
        // One progress line per round, once its last run is done: each variant's mean over its instances.
        if (schedule[index + 1]?.round !== round) {
          const mean = (name: VariantName): number => roundMeans(samples[name].map((x) => ({ round: x.round, value: x.rps })))[round];
          log(`  round ${round + 1}/${rounds}: ${names.map((n) => `${n} ${Math.round(mean(n))}`).join(', ')} req/s`);
        }
      }
    } finally {
      await Promise.all([...running.values()].map((r) => stopVariant(r).catch(() => undefined)));
    }
  });
  return { fixture, driver, rounds, duration, warmup, users, connections, settleMs, instances: counts, samples };
}
