// Runs the load generator (load-worker.ts) as a separate process and pins processes to CPUs:
// the server on CPU 0, the load generator on CPU 1, when taskset exists and there are two CPUs.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { WorkerOptions } from './load-worker.ts';

const WORKER = join(import.meta.dirname, 'load-worker.ts');
/** Linux's USER_HZ: /proc counts CPU time in ticks of 1/100 s on every mainstream architecture. */
const CLOCK_TICKS = 100;

/**
 * Where the server and the load generator run: on CPUs of their own (taskset), or wherever the OS
 * puts them; `note` says which, for the report.
 */
export type Pinning = { enabled: true; server: string; client: string; note: string } | { enabled: false; note: string };

export function pinning(): Pinning {
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
export function cpuMicros(pid: number | undefined): number | undefined {
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
export function pinServer(pin: Pinning, pid: number | undefined): void {
  if (!pin.enabled) return;
  execFileSync('taskset', ['-a', '-p', '-c', pin.server, String(pid)], { stdio: 'ignore' });
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** ms */
  p50: number;
  /** ms */
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * One autocannon run in its own process. Any non-2xx answer or connection error fails the run: a
 * variant that answers errors must not be reported as fast.
 */
export function runLoad(pin: Pinning, options: WorkerOptions): Promise<LoadResult> {
  const node = [process.execPath, WORKER];
  const [command, ...args] = pin.enabled ? ['taskset', '-c', pin.client, ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    // A hard cap whatever autocannon does: its own bound plus a margin.
    const cap = setTimeout(() => child.kill('SIGKILL'), ((options.duration ?? 0) + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(cap);
      if (code !== 0) return reject(new Error(`The load generator failed (${code}):\n${stderr}`));
      const result: LoadResult = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
      if (result.non2xx > 0 || result.errors > 0 || result.requests === 0) {
        return reject(
          new Error(
            `${options.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors (${result.timeouts} of them timeouts) in ${result.requests} requests.`,
          ),
        );
      }
      resolve(result);
    });
    child.stdin.end(JSON.stringify(options));
  });
}
