'use strict';
// Runs the load generator (load-worker.cjs) as a separate process and pins processes to CPUs:
// the server on CPU 0, the load generator on CPU 1, when taskset exists and there are two CPUs.
const { execFileSync, spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');

const WORKER = join(__dirname, 'load-worker.cjs');
/** Linux's USER_HZ: /proc counts CPU time in ticks of 1/100 s on every mainstream architecture. */
const CLOCK_TICKS = 100;

/** @returns {{ enabled: boolean, server?: string, client?: string, note: string }} */
function pinning() {
  let taskset = '';
  try {
    taskset = execFileSync('which', ['taskset'], { encoding: 'utf8' }).trim();
  } catch {
    /* not installed */
  }
  const cpus = availableParallelism();
  if (!taskset) return { enabled: false, note: 'not pinned (taskset not found)' };
  if (cpus < 2) return { enabled: false, note: `not pinned (${cpus} CPU)` };
  return { enabled: true, server: '0', client: '1', note: 'server pinned to CPU 0, load generator to CPU 1 (taskset)' };
}

/**
 * CPU time a process has used so far (user + system, all threads), in µs, from /proc/<pid>/stat
 * (Linux); undefined elsewhere. Unlike req/s it leaves out the time the server waited for a CPU.
 */
function cpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name in parentheses: state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / CLOCK_TICKS : undefined;
  } catch {
    return undefined;
  }
}

/** Pins every thread of a running server process to the server CPU. */
function pinServer(pin, pid) {
  if (!pin.enabled) return;
  execFileSync('taskset', ['-a', '-p', '-c', /** @type {string} */ (pin.server), String(pid)], { stdio: 'ignore' });
}

/**
 * @typedef {object} LoadResult
 * @property {number} requests
 * @property {number} seconds
 * @property {number} rps
 * @property {number} p50   ms
 * @property {number} p99   ms
 * @property {number} non2xx
 * @property {number} errors
 * @property {number} timeouts
 */

/**
 * One autocannon run in its own process. Any non-2xx answer or connection error fails the run: a
 * variant that answers errors must not be reported as fast.
 * @param {ReturnType<typeof pinning>} pin
 * @param {import('./load-worker.cjs').WorkerOptions} options
 * @returns {Promise<LoadResult>}
 */
function runLoad(pin, options) {
  const node = [process.execPath, WORKER];
  const [command, ...args] = pin.enabled ? ['taskset', '-c', /** @type {string} */ (pin.client), ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // A hard cap whatever autocannon does: its own bound plus a margin.
    const cap = setTimeout(() => child.kill('SIGKILL'), ((options.duration ?? 0) + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(cap);
      if (code !== 0) return reject(new Error(`The load generator failed (${code}):\n${stderr}`));
      /** @type {LoadResult} */
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      if (result.non2xx > 0 || result.errors > 0 || result.requests === 0) {
        return reject(new Error(`${options.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${result.timeouts} of them timeouts) in ${result.requests} requests.`));
      }
      resolve(result);
    });
    child.stdin.end(JSON.stringify(options));
  });
}

module.exports = { pinning, pinServer, runLoad, cpuMicros };
