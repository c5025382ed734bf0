'use strict';
// P2 counted in instructions: what one request costs the server, as the number of machine
// instructions its process executes, counted by valgrind's callgrind. A count barely moves with the
// load of the machine, unlike req/s and CPU time (on shared cores they move by more than the goals),
// so it can tell a 3% difference. Each instance runs under `valgrind --tool=callgrind
// --instr-atstart=no`: it boots and warms up uncounted (at a few times native speed), then counting
// is switched on (`callgrind_control --instr=on`), a fixed number of requests is sent at the timed
// runs' concurrency, the counts are dumped (`callgrind_control --dump`) and their total is divided by
// the requests. The garbage collections that fall in that window are counted too, so the window's
// length moves a ratio by a few percent (docs/bench.md). Linux with valgrind only; elsewhere the
// figure is skipped and the report says so.
const { execFile, execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { promisify } = require('node:util');
const { runLoad } = require('./load.cjs');
const { startVariant, stopVariant, withSeed } = require('./throughput.cjs');

const run = promisify(execFile);
const VALGRIND = ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--dump-instr=no', '--dump-line=no'];
/**
 * V8 decides when to collect garbage and when to compile from timings (allocation rate, GC speed)
 * and runs both on background threads: on a busy host a count then moved by several percent between
 * two instances of one build. These flags make it run them on the main thread on a fixed schedule.
 */
const V8_FLAGS = ['--single-threaded', '--predictable-gc-schedule'];
/** The load generator is not pinned here: a count does not depend on which CPU anything ran. */
const UNPINNED = { enabled: false, note: 'not pinned' };

/**
 * valgrind's version when valgrind and callgrind_control are installed.
 * @returns {{ ok: true, version: string } | { ok: false, reason: string }}
 */
function callgrindAvailable() {
  try {
    const version = execFileSync('valgrind', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    return { ok: true, version };
  } catch {
    return { ok: false, reason: 'valgrind with callgrind_control was not found (Debian: apt install valgrind)' };
  }
}

/**
 * The total instruction count (event Ir) of a callgrind dump: its `summary:` or `totals:` line.
 * @param {string} text  the dump file's contents
 */
function dumpTotal(text) {
  const events = /^events:\s*(.+)$/m.exec(text)?.[1].trim().split(/\s+/) ?? [];
  const column = events.indexOf('Ir');
  const line = /^(?:summary|totals):\s*(.+)$/m.exec(text)?.[1].trim().split(/\s+/);
  if (column < 0 || !line) throw new Error('Not a callgrind dump with an Ir total.');
  const total = Number(line[column]);
  if (!Number.isSafeInteger(total) || total <= 0) throw new Error(`A callgrind dump with an unreadable Ir total (${line[column]}).`);
  return total;
}

/**
 * @typedef {object} Count
 * @property {string} name        the variant
 * @property {number} instance    which instance of it (0, 1, …)
 * @property {number} requests    requests counted
 * @property {number} instructions  instructions executed by the server over them
 * @property {number} perRequest
 * @property {number} seconds     wall time of the whole instance (boot, warm-up, counted requests)
 */

/**
 * One fresh instance of a variant under callgrind: boot, `warmup` uncounted requests, `requests` counted ones.
 * @param {{ name: import('./variants.cjs').VariantName, instance: number, app: import('../proof/generate.cjs').App,
 *   seed: import('./throughput.cjs').Seed, warmup: number, requests: number, connections: number }} options
 * @returns {Promise<Count>}
 */
async function countOne({ name, instance, app, seed, warmup, requests, connections }) {
  const started = Date.now();
  const out = join(app.dir, `callgrind-${name}-${instance}.out`);
  const launcher = [...VALGRIND, `--callgrind-out-file=${out}`, process.execPath, ...V8_FLAGS];
  // Booting under valgrind takes several times longer than natively, more with the other core busy.
  const running = await startVariant(name, app, { seed, pin: UNPINNED, label: `instructions-${name}-${instance}`, launcher, timeoutMs: 240_000 });
  try {
    const pid = String(running.instance.child.pid);
    // Switching the count on makes valgrind translate all code again, which can hold the first
    // requests for many seconds on a busy machine: they get a minute, not the timed runs' 10 s.
    const load = (amount) =>
      runLoad(UNPINNED, { url: running.instance.url, ids: running.ids, order: 'sequential', connections, amount, duration: 600, timeout: 60 });
    await load(warmup);
    await run('callgrind_control', ['--instr=on', pid]);
    const counted = await load(requests);
    if (counted.requests !== requests) throw new Error(`${name}: ${counted.requests} requests answered instead of ${requests}.`);
    await run('callgrind_control', ['--dump', pid]);
    // The first dump is written next to the out file as <out>.1.
    const instructions = dumpTotal(readFileSync(`${out}.1`, 'utf8'));
    return { name, instance, requests, instructions, perRequest: instructions / requests, seconds: (Date.now() - started) / 1000 };
  } finally {
    await stopVariant(running);
  }
}

/**
 * Every variant (and each of its twins) counted, two instances at a time (valgrind runs a process on
 * one core at a time; a second instance keeps the other core busy without changing either count).
 * @param {{
 *   apps: Map<import('./variants.cjs').VariantName, import('../proof/generate.cjs').App>,
 *   instances?: Partial<Record<import('./variants.cjs').VariantName, number>>,
 *   users: number, warmup: number, requests: number, connections: number, parallel?: number, log: (line: string) => void,
 * }} options
 * @returns {Promise<Count[]>}
 */
async function countInstructions({ apps, instances = {}, users, warmup, requests, connections, parallel = 2, log }) {
  const queue = [...apps].flatMap(([name, app]) => Array.from({ length: instances[name] ?? 1 }, (_, instance) => ({ name, instance, app })));
  /** @type {Count[]} */
  const counts = [];
  const worker = async (seed) => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const count = await countOne({ ...next, seed, warmup, requests, connections });
      counts.push(count);
      log(`  ${count.name}${count.instance ? ` (instance ${count.instance + 1})` : ''}: ${Math.round(count.perRequest).toLocaleString('en-US')} instructions per request (${count.requests} counted after ${warmup} uncounted; ${count.seconds.toFixed(0)} s under valgrind)`);
    }
  };
  await withSeed(queue[0].app, users, 'instructions', (seed) => Promise.all(Array.from({ length: parallel }, () => worker(seed))));
  return counts;
}

module.exports = { callgrindAvailable, countInstructions, dumpTotal, VALGRIND, V8_FLAGS };
