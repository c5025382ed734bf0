// Renders the benchmark's results as the markdown of BENCHMARKS.md (also printed). Pure: the
// results object in, text out (test/bench.spec.ts renders a made-up one).
import { formatNumber, formatRatio, formatSummary, markdownTable, median, pairedRatios, ratio, roundMeans, summarize } from './stats.ts';
import type { Goal, Summary } from './stats.ts';
import { VARIANT_NAMES, VARIANTS, variantInfo, type VariantName } from './variants-info.ts';
import type { CliPair, ScaleResult } from './generation.ts';
import type { Instructions } from './instructions.ts';
import type { MemoryResult } from './memory.ts';
import type { LegResult, Sample } from './throughput.ts';

const MB = 2 ** 20;

/** What the run was: where, when, how, and the commands it ran (for the report's first and last sections). */
export interface BenchMeta {
  /** the command line, as `npm run bench -- …` */
  command: string;
  /** ISO 8601, to the second */
  date: string;
  node: string;
  cpus: number;
  cpuModel: string;
  os: string;
  /** how the server and the load generator were placed on the CPUs */
  pinning: string;
  /** the load average (1 / 5 / 15 min) when the run started, and when it ended */
  loadBefore: string;
  loadAfter?: string;
  quick: boolean;
  /** the run's wall time */
  seconds: number;
  /** the commands behind the figures, as markdown list items */
  commands: string[];
}

/** A phase that did not run, and why. */
export interface Skipped {
  skipped: string;
}

/** Everything scripts/bench.ts gathered, which renderReport turns into BENCHMARKS.md. */
export interface BenchResults {
  meta: BenchMeta;
  /** generation latency: the CLI pairs, and the growth with the size of the app */
  p1: Skipped | { pairs: CliPair[]; scale: ScaleResult & { repetitions: number } };
  /** what the request context costs per request: the timed legs, the notes on legs left out, the instruction counts */
  p2: Skipped | { legs: LegResult[]; notes: string[]; instructions?: Instructions };
  /** memory: per variant its readings */
  p3: Skipped | { rows: number; warmupRows: number; results: Record<string, MemoryResult> };
}

/** Goals from the issue (ratios of medians). */
export const GOALS = {
  cli: { op: '<=', target: 1.1 },
  'b/a_r': { op: '>=', target: 0.97 },
  'b/d': { op: '>=', target: 1.0 },
  'b/e': { op: '>=', target: 1.2 },
  memoryB: 5 * MB,
} satisfies Record<string, Goal | number>;

/** The ratios printed for each leg (when it ran both variants): [numerator, denominator, goal?, what it shows?]. */
export const RATIOS: [numerator: VariantName, denominator: VariantName, goal?: Goal, shows?: string][] = [
  ['b', 'a_r', GOALS['b/a_r']],
  ['c', 'a_r', undefined],
  ['b', 'd', GOALS['b/d']],
  ['b', 'e', GOALS['b/e']],
  ['a', 'a_r', undefined, 'the stale baseline against the floor: what the identity map "saves"'],
  ['b_x', 'b', undefined, `${VARIANTS.b_x.title.replace('b_x — ', '')} against this Node's default`],
  ['b', 'b_m', undefined, 'the hook against the same callback run by middie'],
  // Counted only, with --explain: where b's instructions over a_r go.
  ['a_m', 'a_r', undefined, 'an empty middleware: what the app.use layer costs'],
  ['a_f', 'a_r', undefined, 'a fork per request that nothing uses: what em.fork() costs'],
  ['b', 'a_f', undefined, 'b against the bare fork: the request running in the fork'],
];

const ADAPTERS: Partial<Record<string, string>> = { nest12: 'Express (nest12 fixture)', fastify: 'Fastify (fastify fixture)' };
const DRIVERS: Partial<Record<string, string>> = { sqlite: 'SQLite file', postgresql: 'PostgreSQL' };

/** The CPU figure of a run, and its req/s: what a variant's figure per round is taken of. */
type Metric = 'rps' | 'cpuUs';

/**
 * @param results  what scripts/bench.ts gathered
 */
export function renderReport(results: BenchResults): string {
  const { meta } = results;
  const out: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `Written by \`${meta.command}\` (scripts/bench.ts) on ${meta.date}: Node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel}), ${meta.os}; ` +
      `${meta.pinning}; load average (1/5/15 min) ${meta.loadBefore} when it started and ${meta.loadAfter ?? 'n/a'} when it ended (the cores are shared with other work). The run took ${formatNumber(meta.seconds, 0)} s after the build.`,
  );
  out.push('');
  out.push(
    'Every figure is a median, with the min–max of the runs in parentheses: that spread is the noise of this machine. ' +
      'A ratio of two variants is the median of their per-round (P1: per-pair) ratios, runs made close in time, with the min–max of those ratios; the ratio of their medians is given too. ' +
      'Traffic is loopback only (127.0.0.1). Performance claims live here, never in tests.',
  );
  if (meta.quick) {
    out.push('');
    out.push('> **Quick run** (`--quick`): too few runs to quote. `npm run bench` gives the figures.');
  }
  out.push('');
  out.push(...renderGeneration(results.p1));
  out.push(...renderThroughput(results.p2));
  out.push(...renderMemory(results.p3));
  out.push('## Commands');
  out.push('');
  out.push(...meta.commands.map((c) => `- ${c}`));
  out.push('');
  return out.join('\n');
}

function renderGeneration(p1: BenchResults['p1']): string[] {
  const out = ['## P1 generation latency', ''];
  if ('skipped' in p1) return [...out, `Not measured: ${p1.skipped}.`, ''];
  out.push(
    'Wall time of real Nest CLI 12 runs (`node --preserve-symlinks --preserve-symlinks-main node_modules/@nestjs/cli/bin/nest.js …`) in an app where ' +
      'the package is installed (node_modules/mikro-request-context links to this project), ours and `nest g service` interleaved A B A B after one discarded run of each; ' +
      "each run's output is checked for the expected CREATE/UPDATE lines, and the app is checked unchanged afterwards.",
  );
  out.push('');
  const rows: string[][] = [];
  for (const pair of p1.pairs) {
    rows.push([`\`${pair.ours.command}\``, pair.app, String(pair.ours.times.length), formatSummary(summarize(pair.ours.times))]);
    rows.push([`\`${pair.theirs.command}\``, pair.app, String(pair.theirs.times.length), formatSummary(summarize(pair.theirs.times))]);
    const paired = summarize(pair.pairRatios);
    rows.push([
      `**${pair.label}** (ours / service)`,
      '',
      '',
      `**${formatRatio(paired.median, GOALS.cli)}**, pairs ${formatNumber(paired.min, 2)}–${formatNumber(paired.max, 2)}; ratio of the medians ${formatRatio(pair.ratio)}`,
    ]);
  }
  out.push(markdownTable(['command', 'app', 'runs', 'wall time, ms'], rows, ['l', 'l', 'r', 'r']));
  out.push('');
  if (p1.scale) {
    const { scale } = p1;
    out.push(
      `In-process time of \`init --dry-run\` and of \`repository bench-users --dry-run\` (on the app after init) through the devkit's NodeWorkflow on a real folder (the host \`nest g\` uses), ` +
        `on a Nest 12 app with N feature modules (a controller and a service each) imported into AppModule; ${scale.repetitions} runs per size after a discarded warm-up, sizes interleaved. ` +
        `(The devkit's in-memory host behind SchematicTestRunner lists a directory by scanning every path it holds, which is quadratic by itself: it is not used here.)`,
    );
    out.push('');
    const perModule = (s: Summary, n: number): string => formatNumber(s.median / n, 2);
    out.push(
      markdownTable(
        ['feature modules', 'init, ms', 'init, ms per module', 'repository, ms', 'repository, ms per module'],
        scale.points.map((p) => [
          String(p.modules),
          formatSummary(p.init, 0),
          perModule(p.init, p.modules),
          formatSummary(p.repository, 0),
          perModule(p.repository, p.modules),
        ]),
        ['r', 'r', 'r', 'r', 'r'],
      ),
    );
    out.push('');
    for (const [name, g] of [
      ['init', scale.init],
      ['repository', scale.repository],
    ] as const) {
      const marginal = g.marginal.map((m) => `${m.from}→${m.to}: ${formatNumber(m.perUnit, 2)} ms`).join(', ');
      const [low, high] = scale.points.slice(-2).map((p) => p.modules);
      out.push(
        `- ${name}: time ∝ modules^${formatNumber(g.exponent, 2)} from ${low} to ${high} modules (1 is linear, 2 quadratic); marginal cost per added module ${marginal}.`,
      );
    }
    out.push('');
  }
  return out;
}

/** A variant's figure (req/s or CPU µs per request) per round: the mean of its instances. */
function perRound(samples: Sample[], metric: Metric): number[] {
  return roundMeans(samples.map((x) => ({ round: x.round, value: x[metric] })));
}

/** For every variant run on two or more instances, each round's ratio of its second instance's figure to its first's. */
function twinRatios(samplesByVariant: Record<string, Sample[]>, metric: Metric): number[] {
  const out: number[] = [];
  for (const samples of Object.values(samplesByVariant)) {
    const first = new Map(samples.filter((x) => x.instance === 0).map((x) => [x.round, x[metric]]));
    for (const x of samples) {
      const twin = first.get(x.round);
      if (x.instance === 1 && twin !== undefined) out.push(ratio(x[metric], twin));
    }
  }
  return out.filter(Number.isFinite);
}

function renderThroughput(p2: BenchResults['p2']): string[] {
  const out = ['## P2 what the request context costs', ''];
  if ('skipped' in p2) return [...out, `Not measured: ${p2.skipped}.`, ''];
  out.push(
    'The generated app (`init`, `repository users`, `resource users`) serving GET /users/:id with random ids over the seeded users, loaded by autocannon in a separate process; ' +
      `each variant on one or more fresh instances, each on a database of its own, one discarded warm-up run per instance, then rounds in alternation (a new shuffled order every round, ${p2.legs[0]?.settleMs ?? 0} ms between runs, every run of a round gets the same ids). ` +
      'Any non-2xx answer fails the run. Two fresh instances of the same build differ by several percent (JIT and memory layout of each process, on top of the load of the moment): ' +
      'on the Express leg a_r and b run on two instances each, their figure for a round is the mean of their instances, and the ratio of an instance to its twin, per round, is printed as the noise floor. ' +
      'Where that floor is wider than a goal, the timed ratios cannot decide it; the instruction counts after the legs can. ' +
      "Beside req/s, each run reads the server's CPU time (/proc, user + system) and divides it by the requests served: what a request costs the server, without the time it waited for a core that other work held; its ratios are turned around so that, as for req/s, above 1 means the first variant is cheaper.",
  );
  out.push('');
  out.push('Variants:');
  out.push('');
  const counted = new Set((p2.instructions && 'counts' in p2.instructions ? p2.instructions.counts : []).map((count) => count.name));
  for (const v of Object.values(VARIANTS)) if (!v.countOnly || counted.has(v.name)) out.push(`- **${v.title}**: ${v.detail}`);
  out.push('');
  for (const leg of p2.legs) {
    out.push(`### ${ADAPTERS[leg.fixture] ?? leg.fixture}, ${DRIVERS[leg.driver] ?? leg.driver}`);
    out.push('');
    const twins = Object.entries(leg.instances ?? {})
      .filter(([, n]) => n > 1)
      .map(([name]) => name);
    out.push(
      `${formatNumber(leg.users)} users, ${leg.connections} connections, ${leg.rounds} rounds of ${leg.duration} s after a ${leg.warmup} s warm-up per instance` +
        `${twins.length ? `; two instances each of ${twins.join(', ')}` : ''}.`,
    );
    out.push('');
    const names = Object.keys(leg.samples);
    const rows = names.map((name) => {
      const s = leg.samples[name];
      const info = variantInfo(name);
      const title = info?.stale ? `${info.title} (stale reads; not a target)` : (info?.title ?? name);
      return [
        title,
        formatSummary(summarize(s.map((x) => x.rps))),
        formatSummary(summarize(s.map((x) => x.cpuUs))),
        formatSummary(summarize(s.map((x) => x.p50)), 1),
        formatSummary(summarize(s.map((x) => x.p99)), 1),
      ];
    });
    out.push(markdownTable(['variant', 'req/s', 'server CPU, µs per request', 'p50, ms', 'p99, ms'], rows, ['l', 'r', 'r', 'r', 'r']));
    out.push('');
    const ratioRows: string[][] = [];
    const range = (summary: Summary, goal?: Goal): string =>
      `${formatRatio(summary.median, goal)}, rounds ${formatNumber(summary.min, 2)}–${formatNumber(summary.max, 2)}`;
    for (const [num, den, goal, shows] of RATIOS) {
      if (!leg.samples[num] || !leg.samples[den]) continue;
      // Paired by round (runs made close in time), so that a drift of the machine's load cancels out;
      // a variant's figure for a round is the mean of its instances. The CPU ratio is turned around
      // (den's µs per request over num's) so that, like req/s, above 1 means num is cheaper.
      const rps = summarize(pairedRatios(perRound(leg.samples[num], 'rps'), perRound(leg.samples[den], 'rps')));
      const cpu = summarize(pairedRatios(perRound(leg.samples[den], 'cpuUs'), perRound(leg.samples[num], 'cpuUs')));
      const medians = ratio(median(leg.samples[num].map((x) => x.rps)), median(leg.samples[den].map((x) => x.rps)));
      ratioRows.push([
        `${num}/${den}${shows ? ` (${shows})` : ''}`,
        range(rps, goal),
        formatRatio(medians),
        cpu.n > 0 ? range(cpu, goal) : 'n/a',
      ]);
    }
    const floorRps = summarize(twinRatios(leg.samples, 'rps'));
    if (floorRps.n > 0) {
      const floorCpu = summarize(twinRatios(leg.samples, 'cpuUs').map((r) => 1 / r));
      ratioRows.push([
        `noise floor: instance 2 / instance 1 of the same variant (${twins.join(', ')})`,
        range(floorRps),
        '',
        floorCpu.n > 0 ? range(floorCpu) : 'n/a',
      ]);
    }
    out.push(
      markdownTable(
        [
          'ratio',
          'req/s: median of the per-round ratios',
          'req/s: ratio of the medians',
          'from server CPU per request: median of the per-round ratios',
        ],
        ratioRows,
        ['l', 'r', 'r', 'r'],
      ),
    );
    out.push('');
  }
  out.push(...renderInstructions(p2.instructions));
  for (const note of p2.notes ?? []) out.push(`- ${note}`);
  if ((p2.notes ?? []).length) out.push('');
  return out;
}

/**
 * The instruction counts (instructions.ts): per variant the median of its counted windows, with the
 * optimizing compilers' jobs left out, and their min–max; per ratio the median of the per-window
 * ratios (window i of one variant against window i of the other: the same point of each process's
 * life), the denominator's count over the numerator's (above 1: the numerator is cheaper).
 */
function renderInstructions(instructions: Instructions | undefined): string[] {
  if (!instructions) return [];
  const title = `### Instructions per request: ${ADAPTERS[instructions.fixture] ?? instructions.fixture}, ${DRIVERS[instructions.driver] ?? instructions.driver}`;
  if ('skipped' in instructions) return [title, '', `Not counted: ${instructions.skipped}.`, ''];
  const { requests, windows, warmup } = instructions;
  const out = [title, ''];
  out.push(
    `The same question counted instead of timed: the machine instructions the server's process executes per request, counted by valgrind's callgrind (${instructions.valgrind}), ` +
      `a figure that the load of the machine barely moves. Each variant runs as one fresh instance under \`node ${instructions.nodeFlags}\`: V8 then runs its garbage collector and its compilers on the main thread on a fixed schedule (otherwise they are timed by the clock, on background threads), ` +
      'and optimizes a function after a tenth of the calls it takes by default, so that after its uncounted requests the process runs the code a server runs after many thousands (with the defaults the count was still falling after 4,000). ' +
      `It serves ${formatNumber(warmup)} GET /users/:id uncounted (ids in turn over ${formatNumber(instructions.users)} seeded users, ${instructions.connections} connections as in the timed runs), then ${windows} counted windows of ${formatNumber(requests)} requests each. ` +
      "Left out of each window: the work of V8's optimizing compilers (the ExecuteJob step of TurboFan's and Maglev's jobs), which a normal Node process runs on a background thread and which `--single-threaded` puts on the main thread; " +
      'which compilations fall into a window depends on the window, not on the variant. Garbage collection stays in. ' +
      'A count leaves out what instructions do not show (cache misses, time waiting for the database).',
  );
  out.push('');
  // Instructions per request of each window, the compilers' jobs left out; and the compilers' jobs per request of each window.
  const perWindow: Partial<Record<string, number[]>> = {};
  const compiling: Partial<Record<string, number[]>> = {};
  for (const count of instructions.counts) {
    perWindow[count.name] = count.windows.map((w) => (w.total - w.compiling) / count.requests);
    compiling[count.name] = count.windows.map((w) => w.compiling / count.requests);
  }
  const names = VARIANT_NAMES.filter((name) => perWindow[name]);
  out.push(
    markdownTable(
      [
        'variant',
        "instructions per request, compilers' jobs left out: median of the windows (min–max)",
        "compilers' jobs per request (left out): median (min–max)",
      ],
      names.map((name) => [
        VARIANTS[name].title,
        formatSummary(summarize(perWindow[name] ?? [])),
        formatSummary(summarize(compiling[name] ?? [])),
      ]),
      ['l', 'r', 'r'],
    ),
  );
  out.push('');
  const rows: string[][] = [];
  for (const [num, den, goal, shows] of RATIOS) {
    const numerator = perWindow[num];
    const denominator = perWindow[den];
    if (!numerator || !denominator) continue;
    const spread = summarize(pairedRatios(denominator, numerator));
    rows.push([
      `${num}/${den}${shows ? ` (${shows})` : ''}`,
      `${formatRatio(spread.median, goal)}${spread.n > 1 ? `, windows ${formatNumber(spread.min, 3)}–${formatNumber(spread.max, 3)}` : ''}`,
    ]);
  }
  out.push(
    markdownTable(
      [
        'ratio',
        "from instructions per request (the second variant's count over the first's, window by window: above 1, the first is cheaper)",
      ],
      rows,
      ['l', 'r'],
    ),
  );
  out.push('');
  if (!perWindow.a_f)
    out.push(
      "- Where b's instructions over a_r go: `npm run bench -- --only=p2 --legs=nest12 --no-postgres --explain` counts a_r with an empty middleware and with a bare fork (docs/bench.md).",
      '',
    );
  return out;
}

function renderMemory(p3: BenchResults['p3']): string[] {
  const out = ['## P3 memory', ''];
  if ('skipped' in p3) return [...out, `Not measured: ${p3.skipped}.`, ''];
  out.push(
    `Express, SQLite file. Each variant a fresh instance started with \`--expose-gc\`: GET /users/:id once for each of ${formatNumber(p3.warmupRows)} warm-up rows, ` +
      `then a forced GC and a reading ("before"), then ${formatNumber(p3.rows)} GETs over ${formatNumber(p3.rows)} distinct rows (each once), then a forced GC and a reading ("after"). ` +
      "The readings come from GET /bench/memory (bench scaffolding: gc() twice, process.memoryUsage(), and the size of the global EntityManager's own identity map).",
  );
  out.push('');
  const rows: string[][] = [];
  for (const [name, r] of Object.entries(p3.results)) {
    const heapDelta = r.after.heapUsed - r.before.heapUsed;
    const kept = r.after.globalEntities - r.before.globalEntities;
    const info = variantInfo(name);
    const title = info?.stale ? `${info.title} (not a target)` : (info?.title ?? name);
    let verdict = '';
    if (name === 'b') verdict = heapDelta <= GOALS.memoryB ? ' ✓ (goal ≤ 5 MB)' : ' ✗ (goal ≤ 5 MB)';
    rows.push([
      title,
      formatNumber(r.before.heapUsed / MB, 1),
      formatNumber(r.after.heapUsed / MB, 1),
      `${formatNumber(heapDelta / MB, 1)}${verdict}`,
      formatNumber(r.before.rss / MB, 0),
      formatNumber(r.after.rss / MB, 0),
      formatNumber((r.after.rss - r.before.rss) / MB, 0),
      `${formatNumber(r.before.globalEntities)} → ${formatNumber(r.after.globalEntities)}`,
      kept > 0 ? formatNumber(heapDelta / kept / 1024, 2) : '—',
    ]);
  }
  out.push(
    markdownTable(
      [
        'variant',
        'heap before, MB',
        'heap after, MB',
        'heap kept, MB',
        'RSS before, MB',
        'RSS after, MB',
        'RSS growth, MB',
        'entities in the global identity map',
        'KB per kept entity',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  out.push('');
  const a = p3.results.a;
  if (a) {
    const kept = a.after.globalEntities - a.before.globalEntities;
    out.push(
      `- a keeps ${kept === p3.rows ? 'every one' : `${formatNumber(kept)}`} of the ${formatNumber(p3.rows)} entities it loaded in the global identity map for as long as the process lives; ` +
        'b and e fork an EntityManager per request, which goes with the request.',
    );
    out.push('');
  }
  return out;
}
