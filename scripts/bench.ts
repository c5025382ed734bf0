#!/usr/bin/env node
// npm run bench: generation latency (P1), what the request context costs per request (P2) and in
// memory (P3), side by side in one run; the table goes to BENCHMARKS.md and to the terminal.
// Loopback traffic only, every loop bounded in count and time, under 10 minutes on 2 cores.
//
//   npm run bench                     the full run (writes BENCHMARKS.md)
//   npm run bench -- --quick          a short development run (writes .tmp/BENCHMARKS.quick.md)
// options: --only=p1,p2,p3  --legs=nest12,fastify  --no-postgres  --no-instructions  --explain  --out=<file>  --rounds=N  --duration=<s>
// --runs=N
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ROOT } from './lib/paths.ts';
import { cleanup, installSignalHandlers } from './lib/proof/processes.ts';
import { postgresReachable } from './lib/proof/database.ts';
import { cliLatency, scaleLatency } from './lib/bench/generation.ts';
import { ALL, appOf, buildVariants, COUNT_ONLY } from './lib/bench/variants.ts';
import { runLeg } from './lib/bench/throughput.ts';
import { runMemory } from './lib/bench/memory.ts';
import { callgrindAvailable, countInstructions, V8_FLAGS, VALGRIND } from './lib/bench/instructions.ts';
import { pinning } from './lib/bench/load.ts';
import { renderReport } from './lib/bench/report.ts';
import { median } from './lib/bench/stats.ts';
import type { App, AppSpec } from './lib/proof/generate.ts';
import type { CountSettings, Instructions } from './lib/bench/instructions.ts';
import type { Pinning } from './lib/bench/load.ts';
import type { MemorySettings } from './lib/bench/memory.ts';
import type { BenchMeta, BenchResults } from './lib/bench/report.ts';
import type { LegResult, LegSettings } from './lib/bench/throughput.ts';
import type { VariantName } from './lib/bench/variants-info.ts';

/**
 * On the Express leg, a_r and b (the 3% goal) run on two instances each: their ratio is the timed
 * figures' noise floor. The instruction counts, which a busy host does not move, decide the goals.
 */
const TWINS: Partial<Record<VariantName, number>> = { a_r: 2, b: 2 };

/** What one run does: P1's runs and sizes, how P2 is timed and counted, P3's rows, the legs in order. */
interface Plan {
  p1: { runs: number; sizes: number[]; repetitions: number };
  p2: Required<LegSettings>;
  /** the variants of the PostgreSQL leg */
  p2pg: { variants: VariantName[] };
  p3: MemorySettings;
  /** the variants counted, and how */
  instructions: CountSettings & { variants: VariantName[] };
  /** the fixtures of the SQLite legs */
  legs: string[];
}

/** Everything the run does, bounded: counts, sizes and seconds. */
const PLANS: { full: Plan; quick: Plan } = {
  full: {
    p1: { runs: 5, sizes: [50, 100, 200, 400, 800], repetitions: 5 },
    // Measured: an instance's req/s climbs steeply for its first seconds of load (JIT), so each one
    // gets a warm-up before the rounds; 0.3 s between runs lets the previous server settle. Two
    // fresh instances of the same build differ by several percent, which weighs more than 1 s
    // against 2 s runs: 1 s runs, and twins on the Express leg (TWINS).
    p2: { rounds: 6, duration: 1, warmup: 3, users: 1000, connections: 10, settleMs: 300, instances: TWINS },
    p2pg: { variants: ['a_r', 'b', 'd', 'e'] },
    p3: { rows: 20000, warmupRows: 2000, connections: 10, capSeconds: 150 },
    // Instruction counts of the goal variants on the Express/SQLite builds, beside P3 and the next
    // leg's build (neither figure depends on the load of the other). Measured: with V8_FLAGS a count
    // settles after about 1,400 requests; its windows show the count's own noise.
    instructions: { variants: ['a_r', 'b', 'd', 'e'], users: 1000, connections: 10, warmup: 1500, requests: 200, windows: 3 },
    legs: ['nest12', 'fastify'],
  },
  quick: {
    p1: { runs: 2, sizes: [25, 50, 100], repetitions: 1 },
    p2: { rounds: 2, duration: 1, warmup: 0.5, users: 200, connections: 10, settleMs: 200, instances: TWINS },
    p2pg: { variants: ['a_r', 'b', 'd', 'e'] },
    p3: { rows: 2000, warmupRows: 100, connections: 10, capSeconds: 60 },
    instructions: { variants: ['a_r', 'b'], users: 200, connections: 10, warmup: 800, requests: 100, windows: 2 },
    legs: ['nest12'],
  },
};
/**
 * The whole `npm run bench` (with its build, about 5 s) must stay under 10 minutes: a leg after the
 * first one is skipped, and said so, when the time the first one took no longer fits.
 */
const BUDGET_SECONDS = 560;

/** A mistake in the command line: said in one line, without a stack. */
class UsageError extends Error {}

/** The command line. */
interface Options {
  quick: boolean;
  /** the phases: p1, p2, p3 */
  only: Set<string>;
  legs?: string[];
  postgres: boolean;
  instructions: boolean;
  explain: boolean;
  /** the report's file, relative to the project */
  out?: string;
  rounds?: number;
  duration?: number;
  runs?: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    quick: false,
    only: new Set(['p1', 'p2', 'p3']),
    legs: undefined,
    postgres: true,
    instructions: true,
    explain: false,
    out: undefined,
    rounds: undefined,
    duration: undefined,
    runs: undefined,
  };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    if (key === 'quick') options.quick = true;
    else if (key === 'no-postgres') options.postgres = false;
    else if (key === 'no-instructions') options.instructions = false;
    else if (key === 'explain') options.explain = true;
    else if (key === 'only' && value) options.only = new Set(value.split(','));
    else if (key === 'out' && value) options.out = value;
    else if (key === 'legs' && value) options.legs = value.split(',');
    else if ((key === 'rounds' || key === 'duration' || key === 'runs') && Number(value) > 0) options[key] = Number(value);
    else if (key === 'help' || key === 'h') {
      console.log(
        'npm run bench [-- --quick] [--only=p1,p2,p3] [--legs=nest12,fastify] [--no-postgres] [--no-instructions] [--explain] [--out=<file>] [--rounds=N] [--duration=<s>] [--runs=N]',
      );
      process.exit(0);
    } else throw new UsageError(`Unknown option ${arg} (try --help).`);
  }
  for (const phase of options.only) if (!['p1', 'p2', 'p3'].includes(phase)) throw new UsageError(`--only takes p1, p2, p3, not ${phase}.`);
  for (const leg of options.legs ?? [])
    if (!['nest12', 'fastify'].includes(leg)) throw new UsageError(`--legs takes nest12 (Express) and fastify, not ${leg}.`);
  if (options.explain && !options.only.has('p2')) throw new UsageError('--explain adds to the counts of P2: select p2.');
  if (options.explain && !options.instructions) throw new UsageError('--explain adds to the instruction counts: drop --no-instructions.');
  if (options.explain && (options.legs?.[0] ?? 'nest12') !== 'nest12')
    throw new UsageError("--explain counts the Express leg (b's app.use registration): put nest12 first in --legs.");
  return options;
}

const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const log = (line: string): void => console.log(line);
const phase = (title: string): void => console.log(`\n[${elapsed().toFixed(0).padStart(3)} s] ${title}`);

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const plan = structuredClone(options.quick ? PLANS.quick : PLANS.full);
  if (options.rounds) plan.p2.rounds = options.rounds;
  if (options.duration) plan.p2.duration = options.duration;
  if (options.runs) plan.p1.runs = options.runs;
  if (options.legs) plan.legs = options.legs;
  // --explain: where b's instructions over a_r go, by two more counted variants (a third pair of counts, about a minute more).
  if (options.explain) plan.instructions.variants.push(...COUNT_ONLY);
  installSignalHandlers(log);
  const pin = pinning();
  const argv = process.argv.slice(2);
  const meta: BenchMeta = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    os: `${platform()} ${release()}`,
    pinning: pin.note,
    loadBefore: loadavg()
      .map((l) => l.toFixed(1))
      .join(' / '),
    quick: options.quick,
    seconds: 0,
    commands: [],
  };
  log(
    `mikro-request-context benchmark: Node ${meta.node}, ${meta.cpus} CPUs, ${pin.note}, load ${meta.loadBefore}${options.quick ? ', QUICK run' : ''}`,
  );

  const results: BenchResults = {
    meta,
    p1: { skipped: 'not selected (--only)' },
    p2: { skipped: 'not selected (--only)' },
    p3: { skipped: 'not selected (--only)' },
  };

  if (options.only.has('p1')) {
    phase(`P1 generation latency: nest g, ${plan.p1.runs} interleaved runs of each`);
    const pairs = await cliLatency({ runs: plan.p1.runs, log });
    for (const p of pairs)
      log(
        `  ${p.label}: median of the pair ratios ${median(p.pairRatios).toFixed(2)}, ratio of the medians ${p.ratio.toFixed(2)} (goal ≤ 1.10)`,
      );
    phase(`P1 generation latency: init and repository in-process on ${plan.p1.sizes.join(', ')} feature modules`);
    const scale = await scaleLatency({ sizes: plan.p1.sizes, repetitions: plan.p1.repetitions, log });
    log(
      `  growth exponent between the two largest apps: init ${scale.init.exponent.toFixed(2)}, repository ${scale.repository.exponent.toFixed(2)} (1 is linear, 2 quadratic)`,
    );
    results.p1 = { pairs, scale: { ...scale, repetitions: plan.p1.repetitions } };
    meta.commands.push(...pairs.flatMap((p) => [`\`${p.ours.command}\` and \`${p.theirs.command}\` in the ${p.app}`]));
  }

  const p2Legs: LegResult[] = [];
  const p2Notes: string[] = [];
  let instructions: Instructions | undefined;
  if (options.only.has('p2') || options.only.has('p3')) {
    const timed = options.only.has('p2');
    const [first, ...later] = await plannedLegs(plan, options, p2Notes);
    // 1. The first leg (Express/SQLite unless --legs says otherwise): built and timed first; its
    // builds then serve the instruction counts (with the count-only variants of --explain) and, on
    // Express, P3.
    const countOnly = plan.instructions.variants.filter((name) => COUNT_ONLY.includes(name));
    const firstApps = await buildLeg(first, countOnly);
    let secondsPerInstance = 0;
    if (timed) {
      const timedStarted = elapsed();
      p2Legs.push(await timeLeg(first, firstApps, plan, pin));
      secondsPerInstance = (elapsed() - timedStarted) / instancesOf(first);
    }
    // 2. Beside them, work that no clock reads: the counts (a count does not move with the load of
    // the machine), P3 (it reads memory, not time) and the builds of the later legs.
    const counting = timed ? instructionCounts(first, firstApps, plan.instructions, options.instructions) : undefined;
    // Its failure is thrown where it is awaited, not as an unhandled rejection meanwhile.
    counting?.catch(() => undefined);
    if (options.only.has('p3') && first.fixture !== 'nest12')
      results.p3 = { skipped: 'P3 runs on the Express leg (nest12), which --legs left out' };
    else if (options.only.has('p3')) {
      phase(`P3 memory: a, b, e after ${plan.p3.rows} GETs over ${plan.p3.rows} distinct rows`);
      const memoryApps = new Map((['a', 'b', 'e'] as const).map((name) => [name, appOf(firstApps, name)]));
      results.p3 = {
        rows: plan.p3.rows,
        warmupRows: plan.p3.warmupRows,
        results: await runMemory({ apps: memoryApps, ...plan.p3, pin, log }),
      };
    }
    const built: { leg: Leg; apps: Map<VariantName, App> }[] = [];
    for (const leg of timed ? later : []) built.push({ leg, apps: await buildLeg(leg) });
    if (counting) instructions = await counting;
    // 3. The later legs, timed one after the other while they fit in the budget, at the time per
    // instance that the Express leg took.
    for (const { leg, apps } of built) {
      const remaining = BUDGET_SECONDS - elapsed();
      const needed = secondsPerInstance * instancesOf(leg);
      if (!options.quick && remaining < needed) {
        p2Notes.push(
          `${leg.title} skipped: ${remaining.toFixed(0)} s were left of the ${BUDGET_SECONDS} s budget and it needs about ${needed.toFixed(0)} s (the machine was slow: see the load average).`,
        );
        log(`  ${p2Notes[p2Notes.length - 1]}`);
        continue;
      }
      p2Legs.push(await timeLeg(leg, apps, plan, pin));
      if (leg.note) p2Notes.push(leg.note);
    }
  }
  if (options.only.has('p2')) results.p2 = { legs: p2Legs, notes: p2Notes, instructions };

  if (instructions && 'counts' in instructions) {
    meta.commands.push(
      `instructions: \`${[...VALGRIND, '--callgrind-out-file=<file>', 'node', ...V8_FLAGS, 'dist/main.js'].join(' ')}\`, ` +
        `\`callgrind_control --instr=on <pid>\` after the uncounted requests, \`callgrind_control --dump <pid>\` after each counted window (the load generator as above with ${plan.instructions.connections} connections, not pinned)`,
    );
  }
  meta.seconds = elapsed();
  meta.loadAfter = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  meta.commands.unshift(`\`${meta.command}\` (\`npm run build && node scripts/bench.ts\`)`);
  meta.commands.push(
    `load: autocannon's programmatic API in its own process (scripts/lib/bench/load-worker.ts${pin.enabled ? `, under \`taskset -c ${pin.client}\`` : ''}), ` +
      `GET http://127.0.0.1:<port>/users/<id>, ${plan.p2.connections} connections, pipelining 1`,
    `server: \`node dist/main.js\` of each variant with NODE_ENV=production and its MIKRO_ORM_* variables${pin.enabled ? `, pinned with \`taskset -a -p -c ${pin.server} <pid>\`` : ''}; P3 adds NODE_OPTIONS=--expose-gc`,
  );
  const report = renderReport(results);
  const out = options.out ?? (options.quick ? join('.tmp', 'BENCHMARKS.quick.md') : 'BENCHMARKS.md');
  mkdirSync(dirname(join(ROOT, out)), { recursive: true });
  writeFileSync(join(ROOT, out), report);
  phase(`Done in ${elapsed().toFixed(0)} s: ${relative(ROOT, join(ROOT, out))}\n`);
  console.log(report);
}

interface Leg {
  fixture: string;
  driver: AppSpec['driver'];
  variants: VariantName[];
  instances: Partial<Record<VariantName, number>>;
  title: string;
  note?: string;
}

/**
 * The P2 legs in order of priority: Express/SQLite (also the builds of P3 and the instruction
 * counts), Fastify/SQLite, Express/PostgreSQL when PostgreSQL answers. Only Express/SQLite with a,
 * b and e when P2 is not selected (P3 alone).
 */
async function plannedLegs(plan: Plan, options: Options, notes: string[]): Promise<Leg[]> {
  if (!options.only.has('p2')) return [{ fixture: 'nest12', driver: 'sqlite', variants: ['a', 'b', 'e'], instances: {}, title: 'P3' }];
  // For context, one leg each: b_x (b on the other AsyncLocalStorage) on Express, b_m (b through middie) on Fastify.
  const only: Partial<Record<VariantName, string>> = { b_x: 'nest12', b_m: 'fastify' };
  const legs: Leg[] = plan.legs.map((fixture) => ({
    fixture,
    driver: 'sqlite',
    variants: ALL.filter((v) => !(v in only) || only[v] === fixture),
    // Twins on the Express leg only (their ratio is the noise floor of the timed figures).
    instances: fixture === 'nest12' ? plan.p2.instances : {},
    title: `The ${fixture} leg`,
  }));
  const pg = options.postgres ? await postgresReachable() : { ok: false, reason: 'skipped with --no-postgres' };
  if (!pg.ok) notes.push(`PostgreSQL not measured: ${pg.reason}.`);
  else {
    legs.push({
      fixture: 'nest12',
      driver: 'postgresql',
      variants: plan.p2pg.variants,
      instances: {},
      title: 'The PostgreSQL leg',
      note: `The PostgreSQL leg (a database of its own per instance, created and dropped on ${pg.reason}) runs ${plan.p2pg.variants.join(', ')}, one instance each, to keep the whole run under 10 minutes.`,
    });
  }
  return legs;
}

/** How many instances a leg starts. */
function instancesOf(leg: Leg): number {
  return leg.variants.reduce((n, v) => n + (leg.instances[v] ?? 1), 0);
}

/** A leg's apps, and those of the variants that are only counted on it (`countOnly`). */
async function buildLeg(leg: Leg, countOnly: VariantName[] = []): Promise<Map<VariantName, App>> {
  const variants = [...leg.variants, ...countOnly];
  phase(`Building ${variants.join(', ')} on ${leg.fixture} with ${leg.driver === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`);
  return buildVariants({ fixture: leg.fixture, driver: leg.driver, variants, log });
}

async function timeLeg(leg: Leg, apps: Map<VariantName, App>, plan: Plan, pin: Pinning): Promise<LegResult> {
  phase(
    `P2 ${leg.fixture} / ${leg.driver === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${leg.variants.length} variants × ${plan.p2.rounds} rounds of ${plan.p2.duration} s`,
  );
  const timed = new Map([...apps].filter(([name]) => leg.variants.includes(name)));
  return runLeg({ fixture: leg.fixture, driver: leg.driver, apps: timed, ...plan.p2, instances: leg.instances, pin, log });
}

/**
 * Instructions per request of the chosen variants of a leg under valgrind (instructions.ts), or
 * why they were not counted.
 */
async function instructionCounts(
  leg: Leg,
  apps: Map<VariantName, App>,
  plan: Plan['instructions'],
  enabled: boolean,
): Promise<Instructions> {
  const { variants, ...counted } = plan;
  const base = { fixture: leg.fixture, driver: leg.driver, ...counted };
  if (!enabled) return { ...base, skipped: 'skipped with --no-instructions' };
  const tool = callgrindAvailable();
  if (!tool.ok) return { ...base, skipped: tool.reason };
  const chosen = new Map(variants.filter((name) => apps.has(name)).map((name) => [name, appOf(apps, name)]));
  phase(`P2 counted: instructions per request of ${[...chosen.keys()].join(', ')} under valgrind (two at a time, beside P3)`);
  const counts = await countInstructions({ apps: chosen, ...counted, log });
  return { ...base, valgrind: tool.version, nodeFlags: V8_FLAGS.join(' '), counts };
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) console.error(`npm run bench: ${error.message}`);
  else console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
