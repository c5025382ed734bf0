// P2 counted in instructions: what one request costs the server, as the number of machine
// instructions its process executes, counted by valgrind's callgrind. A count barely moves with the
// load of the machine, unlike req/s and CPU time (on shared cores they move by more than the goals),
// so it can tell a 3% difference. Each variant runs as one instance under `valgrind --tool=callgrind
// --instr-atstart=no`: it boots and warms up uncounted, then counting is switched on
// (`callgrind_control --instr=on`) and a few windows of a fixed number of requests are sent at the
// timed runs' concurrency, each ended by a dump (`callgrind_control --dump`). A window's figure is
// its total, less what V8's optimizing compilers did in it (COMPILER_JOB), divided by its requests;
// garbage collection stays in. docs/bench.md says what the count shows and what it leaves out.
// Linux with valgrind only; elsewhere the figure is skipped and the report says so.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runLoad } from './load.ts';
import { startVariant, stopVariant, withSeed } from './throughput.ts';
import { appOf } from './variants.ts';
import type { App } from '../proof/generate.ts';
import type { Pinning } from './load.ts';
import type { Seed } from './throughput.ts';
import type { VariantName } from './variants-info.ts';

const run = promisify(execFile);
export const VALGRIND = ['valgrind', '--tool=callgrind', '--instr-atstart=no', '--dump-instr=no', '--dump-line=no'];
/**
 * V8 decides when to collect garbage and when to compile from timings (allocation rate, GC speed)
 * and runs both on background threads: on a busy host a count then moved by several percent between
 * two instances of one build. The first two flags make it run them on the main thread on a fixed
 * schedule. The others optimize a function after a tenth of the calls it takes by default: with the
 * defaults the count per request was still falling after 4,000 requests (functions reaching
 * TurboFan one after another); with these it settles after about 1,400, at the level a
 * long-running server reaches.
 */
export const V8_FLAGS = [
  '--single-threaded',
  '--predictable-gc-schedule',
  '--invocation-count-for-turbofan=300',
  '--invocation-count-for-maglev=40',
  '--minimum-invocations-after-ic-update=50',
];
/** The load generator is not pinned here: a count does not depend on which CPU anything ran. */
const UNPINNED: Pinning = { enabled: false, note: 'not pinned' };

/**
 * valgrind's version when valgrind and callgrind_control are installed.
 */
export function callgrindAvailable(): { ok: true; version: string } | { ok: false; reason: string } {
  try {
    const version = execFileSync('valgrind', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    return { ok: true, version };
  } catch {
    return { ok: false, reason: 'valgrind with callgrind_control was not found (Debian: apt install valgrind)' };
  }
}

/**
 * What V8's optimizing compilers (TurboFan, Maglev) do in a compilation job's ExecuteJob step: the
 * part that a Node process runs on a background thread, which `--single-threaded` moves onto the
 * main thread, and so into a count. It is a warm-up cost (each hot function is compiled once or
 * a few times), and which compilations fall into a counted window depends on the window, not on the
 * variant: they made from 2% to over half of a window's count in development runs.
 */
const COMPILER_JOB = /^v8::internal::(?:compiler::PipelineCompilationJob|maglev::MaglevCompilationJob)::ExecuteJobImpl\(/;

/**
 * A callgrind dump's Ir total (`summary:` or `totals:`), and how much of it ran in the optimizing
 * compilers' jobs (COMPILER_JOB): the inclusive costs of the calls into them from outside them.
 * Callgrind's format names a function once (`fn=(12) name`) and by its number (`fn=(12)`) after;
 * the cost line that follows a `calls=` line is the inclusive cost of that call.
 * @param text  the dump file's contents
 */
export function dumpCounts(text: string): { total: number; compiling: number } {
  const events = /^events:\s*(.+)$/m.exec(text)?.[1].trim().split(/\s+/) ?? [];
  const column = events.indexOf('Ir');
  const line = /^(?:summary|totals):\s*(.+)$/m.exec(text)?.[1].trim().split(/\s+/);
  if (column < 0 || !line) throw new Error('Not a callgrind dump with an Ir total.');
  const total = Number(line[column]);
  if (!Number.isSafeInteger(total) || total <= 0) throw new Error(`A callgrind dump with an unreadable Ir total (${line[column]}).`);
  // A cost line holds the positions (`positions:`, `line` by default), then the events.
  const positions = /^positions:\s*(.+)$/m.exec(text)?.[1].trim().split(/\s+/).length ?? 1;
  const names: Map<string, string> = new Map();
  const nameOf = (reference: string): string => {
    const [, id, name] = /^\((\d+)\)(?: (.*))?$/.exec(reference) ?? [undefined, undefined, reference];
    if (id === undefined) return name ?? '';
    if (name !== undefined) names.set(id, name);
    return names.get(id) ?? '';
  };
  let caller = '';
  let callee = '';
  let callCost = false;
  let compiling = 0;
  for (const row of text.split('\n')) {
    if (row.startsWith('fn=')) caller = nameOf(row.slice(3));
    else if (row.startsWith('cfn=')) callee = nameOf(row.slice(4));
    else if (row.startsWith('calls=')) callCost = true;
    else if (callCost && /^[+\-*\d]/.test(row)) {
      callCost = false;
      if (COMPILER_JOB.test(callee) && !COMPILER_JOB.test(caller)) compiling += Number(row.trim().split(/\s+/)[positions + column] ?? 0);
    }
  }
  if (compiling > total) throw new Error(`A callgrind dump whose compiler jobs (${compiling}) exceed its total (${total}).`);
  return { total, compiling };
}

export interface Count {
  /** the variant */
  name: string;
  /** requests in each counted window */
  requests: number;
  /** each window's instructions (dumpCounts) */
  windows: { total: number; compiling: number }[];
  /** wall time of the whole instance (boot, warm-up, counted windows) */
  seconds: number;
}

/** How the instructions are counted (bench.ts's plan). */
export interface CountSettings {
  /** the users seeded, whose ids the requests go through in turn */
  users: number;
  /** requests served before counting starts */
  warmup: number;
  /** requests per counted window */
  requests: number;
  windows: number;
  connections: number;
}

/** The counts of a leg's variants as the report reads them, or why there are none. */
export type Instructions = { fixture: string; driver: string } & (
  { skipped: string } | (CountSettings & { valgrind: string; nodeFlags: string; counts: Count[] })
);

/**
 * One fresh instance of a variant under callgrind: boot, `warmup` uncounted requests, then `windows`
 * counted windows of `requests` requests, each ended by a dump.
 */
async function countOne({
  name,
  app,
  seed,
  warmup,
  requests,
  windows,
  connections,
}: Omit<CountSettings, 'users'> & {
  name: VariantName;
  app: App;
  seed: Seed;
}): Promise<Count> {
  const started = Date.now();
  const out = join(app.dir, `callgrind-${name}.out`);
  const launcher = [...VALGRIND, `--callgrind-out-file=${out}`, process.execPath, ...V8_FLAGS];
  // Booting under valgrind takes several times longer than natively, more with the other core busy.
  const running = await startVariant(name, app, { seed, pin: UNPINNED, label: `instructions-${name}`, launcher, timeoutMs: 240_000 });
  try {
    const pid = String(running.instance.child.pid);
    // Switching the count on makes valgrind translate all code again, and a compilation under the
    // count runs some fifty times slower than natively: one request can wait for a minute or more on
    // a busy machine. They get five minutes, not the timed runs' 10 s (a window is bounded by ten).
    const load = (amount: number) =>
      runLoad(UNPINNED, {
        url: running.instance.url,
        ids: running.ids,
        order: 'sequential',
        connections,
        amount,
        duration: 600,
        timeout: 300,
      });
    await load(warmup);
    await run('callgrind_control', ['--instr=on', pid]);
    const counted: Count['windows'] = [];
    for (let window = 1; window <= windows; window++) {
      const served = await load(requests);
      if (served.requests !== requests) throw new Error(`${name}: ${served.requests} requests answered instead of ${requests}.`);
      // Each dump goes next to the out file as <out>.1, <out>.2, …, and the count starts again from zero.
      await run('callgrind_control', ['--dump', pid]);
      counted.push(dumpCounts(readFileSync(`${out}.${window}`, 'utf8')));
    }
    return { name, requests, windows: counted, seconds: (Date.now() - started) / 1000 };
  } finally {
    await stopVariant(running);
  }
}

/**
 * Every variant counted, two at a time (valgrind runs a process on one core at a time; a second
 * instance keeps the other core busy without changing either count).
 */
export async function countInstructions({
  apps,
  users,
  warmup,
  requests,
  windows,
  connections,
  parallel = 2,
  log,
}: CountSettings & {
  apps: Map<VariantName, App>;
  parallel?: number;
  log: (line: string) => void;
}): Promise<Count[]> {
  const queue = [...apps];
  const counts: Count[] = [];
  const per = (n: number): string => Math.round(n / requests).toLocaleString('en-US');
  const worker = async (seed: Seed): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [name, app] = next;
      const count = await countOne({ name, app, seed, warmup, requests, windows, connections });
      counts.push(count);
      log(
        `  ${name}: ${count.windows.map((w) => `${per(w.total - w.compiling)} (+${per(w.compiling)})`).join(', ')} instructions per request ` +
          `(+ the optimizing compilers' jobs), ${windows} windows of ${requests} after ${warmup} uncounted; ${count.seconds.toFixed(0)} s under valgrind`,
      );
    }
  };
  await withSeed(appOf(apps, [...apps.keys()][0]), users, 'instructions', (seed) =>
    Promise.all(Array.from({ length: parallel }, () => worker(seed))),
  );
  return counts;
}
