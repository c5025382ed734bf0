#!/usr/bin/env node
// npm run bench: generation latency (P1), what the request context costs per request (P2) and in
// memory (P3), side by side in one run; the table goes to BENCHMARKS.md and to the terminal.
// Loopback traffic only, every loop bounded in count and time, under 10 minutes on 2 cores.
//
//   npm run bench                     the full run (writes BENCHMARKS.md)
//   npm run bench -- --quick          a short development run (writes .tmp/BENCHMARKS.quick.md)
//   options: --only=p1,p2,p3  --legs=nest12,fastify  --no-postgres  --out=<file>  --rounds=N  --duration=<s>  --runs=N
import { createRequire } from 'node:module';
import { writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { cleanup, installSignalHandlers } = require('./lib/proof/processes.cjs');
const { postgresReachable } = require('./lib/proof/database.cjs');
const { cliLatency, scaleLatency } = require('./lib/bench/generation.cjs');
const { buildVariants, ALL } = require('./lib/bench/variants.cjs');
const { runLeg } = require('./lib/bench/throughput.cjs');
const { runMemory } = require('./lib/bench/memory.cjs');
const { pinning } = require('./lib/bench/load.cjs');
const { renderReport } = require('./lib/bench/report.cjs');
const { median } = require('./lib/bench/stats.cjs');

/** The variants of the goal ratios (b/a_r, b/d, b/e) run on two instances each. */
const TWINS = { a_r: 2, b: 2, d: 2, e: 2 };

/** Everything the run does, bounded: counts, sizes and seconds. */
const PLANS = {
  full: {
    p1: { runs: 5, sizes: [50, 100, 200, 400, 800], repetitions: 5 },
    // Measured: an instance's req/s climbs steeply for its first seconds of load (JIT), so each one
    // gets a warm-up before the rounds; 0.3 s between runs lets the previous server settle. Two
    // fresh instances of the same build differ by several percent, which weighs more than 1 s
    // against 2 s runs: the variants of the goal ratios run on two instances each, with 1 s runs.
    p2: { rounds: 6, duration: 1, warmup: 4, users: 1000, connections: 10, settleMs: 300, instances: TWINS },
    p2pg: { rounds: 6, duration: 1, warmup: 4, variants: ['a_r', 'b', 'd', 'e'] },
    p3: { rows: 20000, warmupRows: 2000, connections: 10, capSeconds: 150 },
    legs: ['nest12', 'fastify'],
  },
  quick: {
    p1: { runs: 2, sizes: [25, 50, 100], repetitions: 1 },
    p2: { rounds: 2, duration: 1, warmup: 0.5, users: 200, connections: 10, settleMs: 200, instances: TWINS },
    p2pg: { rounds: 2, duration: 1, warmup: 0.5, variants: ['a_r', 'b', 'd', 'e'] },
    p3: { rows: 2000, warmupRows: 100, connections: 10, capSeconds: 60 },
    legs: ['nest12'],
  },
};
/**
 * The whole `npm run bench` (with its build) must stay under 10 minutes: a leg after the first one
 * is skipped, and said so, when the time the first one took no longer fits.
 */
const BUDGET_SECONDS = 550;

function parseArgs(argv) {
  const options = { quick: false, only: new Set(['p1', 'p2', 'p3']), legs: undefined, postgres: true, out: undefined, rounds: undefined, duration: undefined, runs: undefined };
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    if (key === 'quick') options.quick = true;
    else if (key === 'no-postgres') options.postgres = false;
    else if (key === 'only' && value) options.only = new Set(value.split(','));
    else if (key === 'out' && value) options.out = value;
    else if (key === 'legs' && value) options.legs = value.split(',');
    else if (['rounds', 'duration', 'runs'].includes(key) && Number(value) > 0) options[key] = Number(value);
    else if (key === 'help' || key === 'h') {
      console.log('npm run bench [-- --quick] [--only=p1,p2,p3] [--legs=nest12,fastify] [--no-postgres] [--out=<file>] [--rounds=N] [--duration=<s>] [--runs=N]');
      process.exit(0);
    } else throw new Error(`Unknown option ${arg} (try --help).`);
  }
  for (const phase of options.only) if (!['p1', 'p2', 'p3'].includes(phase)) throw new Error(`--only takes p1, p2, p3, not ${phase}.`);
  for (const leg of options.legs ?? []) if (!['nest12', 'fastify'].includes(leg)) throw new Error(`--legs takes nest12 (Express) and fastify, not ${leg}.`);
  return options;
}

const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const log = (line) => console.log(line);
const phase = (title) => console.log(`\n[${elapsed().toFixed(0).padStart(3)} s] ${title}`);

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const plan = structuredClone(options.quick ? PLANS.quick : PLANS.full);
  if (options.rounds) plan.p2.rounds = plan.p2pg.rounds = options.rounds;
  if (options.duration) plan.p2.duration = plan.p2pg.duration = options.duration;
  if (options.runs) plan.p1.runs = options.runs;
  if (options.legs) plan.legs = options.legs;
  installSignalHandlers(log);
  const pin = pinning();
  const argv = process.argv.slice(2);
  const meta = {
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    os: `${platform()} ${release()}`,
    pinning: pin.note,
    loadBefore: loadavg().map((l) => l.toFixed(1)).join(' / '),
    quick: options.quick,
    seconds: 0,
    commands: [],
  };
  log(`mikro-request-context benchmark: Node ${meta.node}, ${meta.cpus} CPUs, ${pin.note}, load ${meta.loadBefore}${options.quick ? ', QUICK run' : ''}`);

  const results = { meta, p1: { skipped: 'not selected (--only)' }, p2: { skipped: 'not selected (--only)' }, p3: { skipped: 'not selected (--only)' } };

  if (options.only.has('p1')) {
    phase(`P1 generation latency: nest g, ${plan.p1.runs} interleaved runs of each`);
    const pairs = await cliLatency({ runs: plan.p1.runs, log });
    for (const p of pairs) log(`  ${p.label}: median of the pair ratios ${median(p.pairRatios).toFixed(2)}, ratio of the medians ${p.ratio.toFixed(2)} (goal ≤ 1.10)`);
    phase(`P1 generation latency: init and repository in-process on ${plan.p1.sizes.join(', ')} feature modules`);
    const scale = await scaleLatency({ sizes: plan.p1.sizes, repetitions: plan.p1.repetitions, log });
    log(`  growth exponent between the two largest apps: init ${scale.init.exponent.toFixed(2)}, repository ${scale.repository.exponent.toFixed(2)} (1 is linear, 2 quadratic)`);
    results.p1 = { pairs, scale: { ...scale, repetitions: plan.p1.repetitions } };
    meta.commands.push(...pairs.flatMap((p) => [`\`${p.ours.command}\` and \`${p.theirs.command}\` in the ${p.app}`]));
  }

  const p2Legs = [];
  const p2Notes = [];
  // Priority order: Express/SQLite (P2 then P3 on the same builds), Fastify/SQLite, PostgreSQL. A later
  // leg runs only if the time the Express leg took still fits in the budget.
  let expressLegSeconds = 0;
  const fits = (seconds, what) => {
    const remaining = BUDGET_SECONDS - elapsed();
    if (options.quick || remaining >= seconds) return true;
    p2Notes.push(`${what} skipped: ${remaining.toFixed(0)} s were left of the ${BUDGET_SECONDS} s budget and it needs about ${seconds.toFixed(0)} s (the machine was slow: see the load average).`);
    log(`  ${p2Notes[p2Notes.length - 1]}`);
    return false;
  };
  if (options.only.has('p2') || options.only.has('p3')) {
    for (const fixture of options.only.has('p2') ? plan.legs : ['nest12']) {
      if (fixture !== 'nest12' && !fits(expressLegSeconds, `The ${fixture} leg`)) continue;
      const legStarted = elapsed();
      // For context, one leg each: b_x (b on the other AsyncLocalStorage) on Express, b_m (b through middie) on Fastify.
      const only = { b_x: 'nest12', b_m: 'fastify' };
      const variants = options.only.has('p2') ? ALL.filter((v) => !(v in only) || only[v] === fixture) : ['a', 'b', 'e'];
      phase(`Building ${variants.join(', ')} on ${fixture} with SQLite`);
      const apps = await buildVariants({ fixture, driver: 'sqlite', variants, log });
      if (options.only.has('p2')) {
        phase(`P2 ${fixture} / SQLite: ${variants.length} variants × ${plan.p2.rounds} rounds of ${plan.p2.duration} s`);
        p2Legs.push(await runLeg({ fixture, driver: 'sqlite', apps, ...plan.p2, pin, log }));
      }
      if (fixture === 'nest12') expressLegSeconds = elapsed() - legStarted;
      if (fixture === 'nest12' && options.only.has('p3')) {
        phase(`P3 memory: a, b, e after ${plan.p3.rows} GETs over ${plan.p3.rows} distinct rows`);
        const memoryApps = new Map(['a', 'b', 'e'].map((name) => [name, apps.get(name)]));
        results.p3 = { rows: plan.p3.rows, warmupRows: plan.p3.warmupRows, results: await runMemory({ apps: memoryApps, ...plan.p3, pin, log }) };
      }
    }
  }
  if (options.only.has('p2')) {
    const pg = options.postgres ? await postgresReachable() : { ok: false, reason: 'skipped with --no-postgres' };
    // Fewer variants and shorter rounds than the SQLite legs.
    // 8 instances (a_r, b, d, e twice) against the Express leg's 11: measured at about 0.73 of its time.
    const pgShare = 0.75;
    if (!pg.ok) {
      p2Notes.push(`PostgreSQL not measured: ${pg.reason}.`);
    } else if (fits(Math.max(expressLegSeconds * pgShare, 30), 'The PostgreSQL leg')) {
      phase(`Building ${plan.p2pg.variants.join(', ')} on nest12 with PostgreSQL (${pg.reason})`);
      const apps = await buildVariants({ fixture: 'nest12', driver: 'postgresql', variants: plan.p2pg.variants, log });
      phase(`P2 nest12 / PostgreSQL: ${plan.p2pg.variants.length} variants × ${plan.p2pg.rounds} rounds of ${plan.p2pg.duration} s`);
      const { variants: _variants, ...pgPlan } = plan.p2pg;
      p2Legs.push(await runLeg({ fixture: 'nest12', driver: 'postgresql', apps, ...plan.p2, ...pgPlan, pin, log }));
      p2Notes.push(`The PostgreSQL leg (a database of its own per variant, created and dropped on ${pg.reason}) runs ${plan.p2pg.variants.join(', ')} with shorter rounds to keep the whole run under 10 minutes.`);
    }
    results.p2 = { legs: p2Legs, notes: p2Notes };
  }

  meta.seconds = elapsed();
  meta.loadAfter = loadavg().map((l) => l.toFixed(1)).join(' / ');
  meta.commands.unshift(
    `\`${meta.command}\` (\`npm run build && node scripts/bench.mjs\`)`,
  );
  meta.commands.push(
    `load: autocannon's programmatic API in its own process (scripts/lib/bench/load-worker.cjs${pin.enabled ? `, under \`taskset -c ${pin.client}\`` : ''}), ` +
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

try {
  await main();
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.stack ?? error.message : error}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
