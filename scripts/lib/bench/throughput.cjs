'use strict';
// P2, what the request context costs: every variant of one leg (fixture × driver) as one or more
// fresh instances, each on a database of its own seeded with the same users, one discarded warm-up
// run each, then rounds in alternation (each round in a new shuffled order, a pause between runs),
// GET /users/:id with random ids, the same id sequence for every run of a round.
const { copyFileSync, existsSync } = require('node:fs');
const { createSchema } = require('../proof/generate.cjs');
const { postgresDatabase, sqliteDatabase } = require('../proof/database.cjs');
const { startInstance, stopInstance } = require('../proof/processes.cjs');
const { closeConnections } = require('../proof/http.cjs');
const { seedUsers } = require('./seed.cjs');
const { cpuMicros, pinServer, runLoad } = require('./load.cjs');
const { alternation, roundMeans } = require('./stats.cjs');
const { random } = require('../proof/load.cjs');
const { VARIANTS } = require('./variants-info.cjs');

/**
 * @typedef {object} Running
 * @property {import('./variants.cjs').VariantName} name
 * @property {import('../proof/processes.cjs').Instance} instance
 * @property {number[]} ids
 * @property {import('../proof/database.cjs').ProofDatabase} database
 */

/**
 * @typedef {{ database: import('../proof/database.cjs').ProofDatabase, ids: number[] }} Seed
 */

/**
 * A database with the schema and `users` users, made once with one app and then copied for every
 * instance (startVariant): the variants share the User entity, and a copy (a file on SQLite, CREATE
 * DATABASE … TEMPLATE on PostgreSQL) takes milliseconds where a schema and a seed take seconds.
 * @param {import('../proof/generate.cjs').App} app
 * @param {number} users
 * @param {string} label
 * @returns {Promise<Seed>}
 */
async function seedOnce(app, users, label) {
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
async function withSeed(app, users, label, work) {
  const seed = await seedOnce(app, users, label);
  try {
    return await work(seed);
  } finally {
    await seed.database.drop();
  }
}

/** A database of the instance's own: a copy of the seed. */
async function copyOfSeed(app, seed, label) {
  if (app.spec.driver === 'postgresql') return postgresDatabase({ template: seed.database.env.MIKRO_ORM_DB_NAME });
  const database = sqliteDatabase(app.dir, `bench-${label}`);
  copyFileSync(seed.database.env.MIKRO_ORM_DB_NAME, database.env.MIKRO_ORM_DB_NAME);
  return database;
}

/**
 * A database of its own for the app (a copy of the seed) and one instance pinned to the server CPU.
 * @param {import('./variants.cjs').VariantName} name
 * @param {import('../proof/generate.cjs').App} app
 * @param {{ seed: Seed, pin: ReturnType<import('./load.cjs').pinning>, nodeOptions?: string, label: string, launcher?: string[], timeoutMs?: number }} options
 *   launcher and timeoutMs: the command that runs the main file and how long the instance may take to boot (instructions.cjs: node under valgrind)
 * @returns {Promise<Running>}
 */
async function startVariant(name, app, { seed, pin, nodeOptions, label, launcher, timeoutMs }) {
  if (!existsSync(app.dir)) throw new Error(`The app of variant ${name} (${app.dir}) was removed while the bench ran: did another process clean .tmp/?`);
  const database = await copyOfSeed(app, seed, label);
  const { ids } = seed;
  try {
    const env = { ...database.env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) };
    const instance = await startInstance({ dir: app.dir, name, env, launcher, timeoutMs });
    pinServer(pin, /** @type {number} */ (instance.child.pid));
    return { name, instance, ids, database };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

async function stopVariant(running) {
  await stopInstance(running.instance);
  closeConnections();
  await running.database.drop();
}

/**
 * @typedef {object} Sample
 * @property {number} round
 * @property {number} instance  which instance of the variant (0, 1, …)
 * @property {number} rps
 * @property {number} cpuUs  the server's CPU time per request, µs (NaN where /proc is missing)
 * @property {number} p50
 * @property {number} p99
 * @property {number} requests
 */

/**
 * @param {{
 *   fixture: string, driver: 'sqlite'|'postgresql',
 *   apps: Map<import('./variants.cjs').VariantName, import('../proof/generate.cjs').App>,
 *   rounds: number, duration: number, warmup: number, users: number, connections: number, settleMs?: number,
 *   instances?: Partial<Record<import('./variants.cjs').VariantName, number>>,
 *   pin: ReturnType<import('./load.cjs').pinning>, log: (line: string) => void,
 * }} options
 * @returns {Promise<{ fixture: string, driver: string, rounds: number, duration: number, warmup: number, users: number, connections: number, settleMs: number, instances: Record<string, number>, samples: Record<string, Sample[]> }>}
 */
async function runLeg({ fixture, driver, apps, rounds, duration, warmup, users, connections, settleMs = 500, instances = {}, pin, log }) {
  // In the order of the variants' definition (a, a_r, b, …), whatever order they were built in.
  const names = Object.keys(VARIANTS).filter((n) => apps.has(/** @type {any} */ (n)));
  const counts = Object.fromEntries(names.map((n) => [n, instances[/** @type {import('./variants.cjs').VariantName} */ (n)] ?? 1]));
  // One entry per instance: a variant measured on two instances runs twice per round.
  const slots = names.flatMap((name) => Array.from({ length: counts[name] }, (_, instance) => ({ name, instance, key: `${name}#${instance}` })));
  /** @type {Record<string, Sample[]>} */
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  await withSeed(/** @type {any} */ (apps.get(/** @type {any} */ (names[0]))), users, `p2-${fixture}-${driver}`, async (seed) => {
    /** @type {Map<string, Running>} */
    const running = new Map();
    try {
      // Two at a time (booting is CPU work; two cores).
      const queue = [...slots];
      const starter = async () => {
        for (let slot = queue.shift(); slot; slot = queue.shift()) {
          const { name, instance, key } = slot;
          // A database file of each instance's own (b_x shares b's folder), and the variant's Node options.
          const label = `p2-${name}-${instance}`;
          running.set(key, await startVariant(name, /** @type {any} */ (apps.get(name)), { seed, pin, label, nodeOptions: VARIANTS[name].nodeOptions }));
        }
      };
      await Promise.all([starter(), starter()]);
      const multi = names.filter((n) => counts[n] > 1);
      log(`  ${slots.length} instances up (${users} users each${multi.length ? `; two or more of ${multi.join(', ')}` : ''}); warm-up ${warmup} s each, discarded`);
      for (const r of running.values()) {
        await runLoad(pin, { url: r.instance.url, ids: r.ids, order: 'random', connections, duration: warmup, seed: 999 });
      }
      const schedule = alternation(slots, rounds, random(4242));
      for (const [index, { round, variant: slot }] of schedule.entries()) {
        const r = /** @type {Running} */ (running.get(slot.key));
        // A moment for the previous run's server (on the same CPU) to finish its own after-load work.
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        const pid = /** @type {number} */ (r.instance.child.pid);
        const cpuBefore = cpuMicros(pid);
        const result = await runLoad(pin, { url: r.instance.url, ids: r.ids, order: 'random', connections, duration, seed: 1000 + round });
        const cpuAfter = cpuMicros(pid);
        // The server's CPU time per request over the run (what it spent, not how long it waited for a core).
        const cpuUs = cpuBefore === undefined || cpuAfter === undefined ? NaN : (cpuAfter - cpuBefore) / result.requests;
        samples[slot.name].push({ round, instance: slot.instance, rps: result.rps, cpuUs, p50: result.p50, p99: result.p99, requests: result.requests });
        // One progress line per round, once its last run is done: each variant's mean over its instances.
        if (schedule[index + 1]?.round !== round) {
          const mean = (name) => roundMeans(samples[name].map((x) => ({ round: x.round, value: x.rps })))[round];
          log(`  round ${round + 1}/${rounds}: ${names.map((n) => `${n} ${Math.round(mean(n))}`).join(', ')} req/s`);
        }
      }
    } finally {
      await Promise.all([...running.values()].map((r) => stopVariant(r).catch(() => undefined)));
    }
  });
  return { fixture, driver, rounds, duration, warmup, users, connections, settleMs, instances: counts, samples };
}

module.exports = { runLeg, withSeed, startVariant, stopVariant };
