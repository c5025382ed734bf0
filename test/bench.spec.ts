/**
 * The benchmark's pure helpers (scripts/lib/bench, run by `npm run bench`): statistics,
 * ratios against goals, growth fits, markdown tables and the report. No timing is measured or
 * asserted here: performance figures live in BENCHMARKS.md only.
 */

import * as stats from '../scripts/lib/bench/stats.ts';
import { renderReport } from '../scripts/lib/bench/report.ts';
import { asyncContext } from '../scripts/lib/bench/variants-info.ts';
import { dumpCounts } from '../scripts/lib/bench/instructions.ts';

describe('b_x: b on the AsyncLocalStorage this Node does not use by default', () => {
  it('Node 22 opts in to AsyncContextFrame, Node 24+ opts out to async_hooks', () => {
    expect(asyncContext('22.22.0')).toEqual({
      standard: 'async_hooks',
      other: 'AsyncContextFrame',
      flag: '--experimental-async-context-frame',
    });
    expect(asyncContext('24.15.0')).toEqual({ standard: 'AsyncContextFrame', other: 'async_hooks', flag: '--no-async-context-frame' });
    expect(asyncContext('26.1.0').flag).toBe('--no-async-context-frame');
  });
});

describe('instruction counts: a callgrind dump, and what the optimizing compilers did in it', () => {
  const JOB = 'v8::internal::OptimizedCompilationJob::ExecuteJob(v8::internal::RuntimeCallStats*, v8::internal::LocalIsolate*)';
  const TURBOFAN =
    'v8::internal::compiler::PipelineCompilationJob::ExecuteJobImpl(v8::internal::RuntimeCallStats*, v8::internal::LocalIsolate*)';
  const MAGLEV = 'v8::internal::maglev::MaglevCompilationJob::ExecuteJobImpl(v8::internal::RuntimeCallStats*, v8::internal::LocalIsolate*)';
  // A dump as `callgrind_control --dump` writes it (callgrind format, version 1): a function is named
  // the first time its number appears (fn= or cfn=) and by its number after; the cost line after a
  // `calls=` line is the inclusive cost of that call.
  const dump = (events: string, summary: string, body: string[] = ['fn=(1) main', '0 756'], positions = 'line') =>
    [
      '# callgrind format',
      'version: 1',
      'creator: callgrind-3.19.0',
      'pid: 6400',
      'part: 1',
      '',
      'desc: Trigger: dump',
      '',
      `positions: ${positions}`,
      `events: ${events}`,
      `summary: ${summary}`,
      '',
      ...body,
      '',
    ].join('\n');

  it('reads the Ir column of the summary line', () => {
    expect(dumpCounts(dump('Ir', '1118632586'))).toEqual({ total: 1_118_632_586, compiling: 0 });
    expect(dumpCounts(dump('Dr Ir', '77 1118632586')).total).toBe(1_118_632_586);
    expect(dumpCounts(dump('Ir', '100').replace('summary:', 'totals:')).total).toBe(100);
  });

  it("adds up the calls into TurboFan's and Maglev's jobs from outside them, once each", () => {
    const body = [
      'ob=(1) /usr/bin/node',
      'fl=(1) ???',
      'fn=(1) Builtins_LoadIC',
      '0 100000',
      `cfn=(2) ${JOB}`,
      'calls=1 0',
      '0 300000',
      'fn=(2)',
      '0 10',
      `cfn=(3) ${TURBOFAN}`,
      'calls=1 0',
      '0 250000',
      'fn=(3)',
      '0 200000',
      // A call from inside the job to itself is already in the 250,000.
      'cfn=(3)',
      'calls=1 0',
      '0 50000',
      `fn=(4) ${MAGLEV}`,
      '0 30000',
      'fn=(5) v8::internal::Runtime_OptimizeMaglevEager(int, unsigned long*, v8::internal::Isolate*)',
      'cfn=(4)',
      'calls=2 0',
      '0 40000',
      // Not a compiler job: MikroORM's `new Function(...)` hydrators compile on every call that needs them.
      'cfn=(6) v8::internal::Compiler::GetFunctionFromString(v8::internal::DirectHandle<v8::internal::NativeContext>)',
      'calls=1 0',
      '0 9000',
    ];
    expect(dumpCounts(dump('Ir', '1000000', body))).toEqual({ total: 1_000_000, compiling: 290_000 });
  });

  it('finds the Ir column after the positions, whichever they are', () => {
    const body = ['fn=(1) main', '0x10 3 4 500', `cfn=(2) ${TURBOFAN}`, 'calls=1 0x20 0', '+2 * 7 40000'];
    expect(dumpCounts(dump('Dr Ir', '9 100000', body, 'instr line'))).toEqual({ total: 100_000, compiling: 40_000 });
  });

  it('refuses a file that is not a dump with an Ir total, or whose compiler jobs exceed it', () => {
    expect(() => dumpCounts('hello')).toThrow('Not a callgrind dump with an Ir total.');
    expect(() => dumpCounts(dump('Dr', '5'))).toThrow('Not a callgrind dump with an Ir total.');
    expect(() => dumpCounts(dump('Ir', 'x'))).toThrow('unreadable Ir total (x)');
    expect(() => dumpCounts(dump('Ir', '10', ['fn=(1) main', `cfn=(2) ${TURBOFAN}`, 'calls=1 0', '0 11']))).toThrow(
      'compiler jobs (11) exceed its total (10)',
    );
  });
});

describe('bench statistics', () => {
  it('roundMeans: a variant on several instances counts as the mean of its instances in each round', () => {
    const samples = [
      { round: 0, value: 1000 },
      { round: 1, value: 900 },
      { round: 0, value: 1100 },
      { round: 1, value: 1000 },
    ];
    expect(stats.roundMeans(samples)).toEqual([1050, 950]);
    expect(stats.mean([1, 2, 6])).toBe(3);
    expect(stats.mean([])).toBeNaN();
    expect(stats.roundMeans([{ round: 1, value: 5 }])).toEqual([NaN, 5]);
  });

  it('median: middle value, mean of the two middle ones, NaN when empty; non-numbers ignored', () => {
    expect(stats.median([5, 1, 3])).toBe(3);
    expect(stats.median([4, 1, 3, 2])).toBe(2.5);
    expect(stats.median([])).toBeNaN();
    expect(stats.median([7, NaN, Infinity, 1, 4])).toBe(4);
  });

  it('summarize gives the median, the min–max and the sample count', () => {
    expect(stats.summarize([3, 9, 1, 5])).toEqual({ median: 4, min: 1, max: 9, n: 4 });
    expect(stats.range([])).toEqual({ min: NaN, max: NaN });
  });

  it('formats numbers, summaries and ratios against their goals', () => {
    expect(stats.formatNumber(12345.678, 1)).toBe('12,345.7');
    expect(stats.formatNumber(NaN)).toBe('n/a');
    expect(stats.formatSummary({ median: 1500, min: 1200, max: 1800.4, n: 6 })).toBe('1,500 (1,200–1,800)');
    expect(stats.formatSummary({ median: 2, min: 2, max: 2, n: 1 }, 1)).toBe('2.0');
    expect(stats.formatRatio(1.04, { op: '<=', target: 1.1 })).toBe('1.04 ✓ (goal ≤ 1.10)');
    expect(stats.formatRatio(1.23, { op: '<=', target: 1.1 })).toBe('1.23 ✗ (goal ≤ 1.10)');
    expect(stats.formatRatio(0.96, { op: '>=', target: 0.97 })).toBe('0.96 ✗ (goal ≥ 0.97)');
    expect(stats.formatRatio(1.5)).toBe('1.50');
    expect(stats.ratio(1, 0)).toBeNaN();
    expect(stats.formatRatio(stats.ratio(3, NaN))).toBe('n/a');
  });

  it('pairs the rounds of two alternated series', () => {
    expect(stats.pairedRatios([10, 20, 30], [5, 10])).toEqual([2, 2]);
    expect(stats.pairedRatios([10, 20], [0, 10])).toEqual([2]);
  });

  it('tells linear growth from quadratic growth', () => {
    const sizes = [50, 100, 200, 400];
    const linear = stats.growth(sizes.map((size) => ({ size, value: 20 + 2 * size })));
    // Between the two largest sizes, where the fixed cost of 20 weighs least.
    expect(linear.exponent).toBeCloseTo(Math.log(820 / 420) / Math.log(2), 10);
    expect(linear.exponent).toBeGreaterThan(0.95);
    expect(linear.marginal.map((m) => m.perUnit)).toEqual([2, 2, 2]);
    const quadratic = stats.growth(sizes.map((size) => ({ size, value: size * size })));
    expect(quadratic.exponent).toBeCloseTo(2, 6);
    expect(quadratic.marginal.map((m) => m.perUnit)).toEqual([150, 300, 600]);
    expect(stats.growth([{ size: 10, value: 1 }]).exponent).toBeNaN();
  });

  it('runs every variant once a round, in an order shuffled anew every round (replayable from the PRNG)', () => {
    // A stand-in PRNG cycling through fixed values, so the shuffles are known.
    const cycle = (values: number[]) => {
      let i = 0;
      return () => values[i++ % values.length];
    };
    const schedule = stats.alternation(['a', 'b', 'c', 'd'], 3, cycle([0.9, 0.1, 0.5, 0.3]));
    expect(schedule.map((s) => s.round)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    const rounds = [0, 1, 2].map((r) =>
      schedule
        .filter((s) => s.round === r)
        .map((s) => s.variant)
        .join(''),
    );
    // Fisher–Yates, three draws a round: round 0 draws 0.9, 0.1, 0.5; round 1 0.3, 0.9, 0.1; round 2 0.5, 0.3, 0.9.
    expect(rounds).toEqual(['cbad', 'dacb', 'dbac']);
    // b follows c, then c, then d: not always the same variant, as a fixed rotation would have it.
    // The same PRNG sequence gives the same schedule.
    expect(stats.alternation(['a', 'b', 'c', 'd'], 3, cycle([0.9, 0.1, 0.5, 0.3]))).toEqual(schedule);
  });

  it('renders a markdown table with alignment and escaped pipes, and rejects ragged rows', () => {
    const table = stats.markdownTable(
      ['name', 'value'],
      [
        ['a|b', 1],
        ['c', '2'],
      ],
      ['l', 'r'],
    );
    expect(table.split('\n')).toEqual(['| name | value |', '| --- | ---: |', '| a\\|b | 1 |', '| c | 2 |']);
    expect(() => stats.markdownTable(['one', 'two'], [['only']])).toThrow('1 cells for 2 columns');
  });
});

describe('bench report', () => {
  const MB = 2 ** 20;
  // The server's CPU per request is taken as 300,000 µs / req/s: its ratios then equal those of req/s.
  const rounds = (rps: number[], instance = 0) =>
    rps.map((r, round) => ({ round, instance, rps: r, cpuUs: 300000 / r, p50: 10 + round, p99: 40 + round, requests: r * 2 }));
  const win = (total: number, compiling = 0) => ({ total, compiling });
  const results = {
    meta: {
      command: 'npm run bench',
      date: '2026-11-29T12:00:00Z',
      node: 'v22.0.0',
      cpus: 2,
      cpuModel: 'Test CPU',
      os: 'linux',
      pinning: 'server pinned to CPU 0, load generator to CPU 1 (taskset)',
      loadBefore: '0.1 / 0.1 / 0.1',
      quick: false,
      seconds: 480,
      commands: ['`npm run bench`'],
    },
    p1: {
      pairs: [
        {
          label: 'repository vs service',
          app: 'an app',
          ours: { command: 'nest g -c mikro-request-context repository bench-users --dry-run', times: [1000, 1100, 1050, 1020, 990] },
          theirs: { command: 'nest g service bench-users --dry-run', times: [1000, 1000, 1010, 1000, 990] },
          ratio: 1.02,
          pairRatios: [1, 1.1, 1.04, 1.02, 1],
        },
      ],
      scale: {
        repetitions: 3,
        points: [
          { modules: 50, init: { median: 100, min: 90, max: 110, n: 3 }, repository: { median: 50, min: 45, max: 60, n: 3 } },
          { modules: 100, init: { median: 200, min: 190, max: 210, n: 3 }, repository: { median: 100, min: 95, max: 105, n: 3 } },
        ],
        init: { exponent: 1, marginal: [{ from: 50, to: 100, perUnit: 2 }] },
        repository: { exponent: 1, marginal: [{ from: 50, to: 100, perUnit: 1 }] },
      },
    },
    p2: {
      legs: [
        {
          fixture: 'nest12',
          driver: 'sqlite',
          rounds: 2,
          duration: 2,
          warmup: 1,
          users: 1000,
          connections: 10,
          instances: { a: 1, a_r: 2, b: 1, b_x: 1, c: 1, d: 1, e: 1 },
          samples: {
            a: rounds([2600, 2600]),
            // Two instances: per round their mean (1,020 and 980) stands for a_r.
            a_r: [...rounds([1000, 1000]), ...rounds([1040, 960], 1)],
            b: rounds([996, 984]),
            b_x: rounds([890, 880]),
            c: rounds([970, 990]),
            d: rounds([950, 970]),
            e: rounds([600, 700]),
          },
        },
      ],
      notes: ['PostgreSQL not measured: not reachable.'],
      instructions: {
        fixture: 'nest12',
        driver: 'sqlite',
        users: 1000,
        connections: 10,
        warmup: 1000,
        requests: 100,
        windows: 3,
        valgrind: 'valgrind-3.19.0',
        nodeFlags: '--single-threaded --predictable-gc-schedule',
        // Per window: the total, and what the optimizing compilers' jobs took of it.
        counts: [
          { name: 'b', requests: 100, windows: [win(110_000_000), win(111_100_000), win(109_000_000)], seconds: 60 },
          { name: 'a_r', requests: 100, windows: [win(100_000_000), win(102_000_000, 1_000_000), win(99_000_000)], seconds: 60 },
          { name: 'd', requests: 100, windows: [win(109_000_000), win(110_000_000), win(108_000_000)], seconds: 60 },
          { name: 'e', requests: 100, windows: [win(170_000_000, 5_000_000), win(170_000_000), win(170_000_000)], seconds: 60 },
        ],
      },
    },
    p3: {
      rows: 20000,
      warmupRows: 500,
      results: {
        a: {
          before: { heapUsed: 30 * MB, rss: 150 * MB, globalEntities: 500 },
          after: { heapUsed: 63 * MB, rss: 200 * MB, globalEntities: 20500 },
          requests: 20000,
          seconds: 10,
        },
        b: {
          before: { heapUsed: 30 * MB, rss: 150 * MB, globalEntities: 0 },
          after: { heapUsed: 31 * MB, rss: 160 * MB, globalEntities: 0 },
          requests: 20000,
          seconds: 10,
        },
      },
    },
  };

  it('renders every phase with its noise, ratios against the goals and the memory verdicts', () => {
    const report = renderReport(results);
    expect(report).toContain('Node v22.0.0, 2 CPUs (Test CPU)');
    const tables = tablesOf(report);
    const cli = tables.find((t) => t.headers[0] === 'command');
    expect(cli?.rows[0]).toEqual([
      '`nest g -c mikro-request-context repository bench-users --dry-run`',
      'an app',
      '5',
      '1,020 (990–1,100)',
    ]);
    expect(cli?.rows[2][3]).toBe('**1.02 ✓ (goal ≤ 1.10)**, pairs 1.00–1.10; ratio of the medians 1.02');

    const scale = tables.find((t) => t.headers[0] === 'feature modules');
    expect(scale?.rows).toEqual([
      ['50', '100 (90–110)', '2.00', '50 (45–60)', '1.00'],
      ['100', '200 (190–210)', '2.00', '100 (95–105)', '1.00'],
    ]);

    const variants = tables.find((t) => t.headers[1] === 'req/s');
    expect(variants?.rows.map((r) => r[0])).toEqual([
      'a — STALE baseline (stale reads; not a target)',
      'a_r — floor',
      'b — init --style main',
      `b_x — b on ${asyncContext().other}`,
      'c — init --style middleware',
      'd — @mikro-orm/nestjs middleware',
      'e — Scope.REQUEST',
    ]);
    expect(variants?.rows[2].slice(1)).toEqual(['990 (984–996)', '303 (301–305)', '10.5 (10.0–11.0)', '40.5 (40.0–41.0)']);

    const ratios = tables.find((t) => t.headers[0] === 'ratio');
    const byName = new Map(ratios?.rows.map((r) => [r[0].split(' ')[0], r.slice(1)]));
    // Per round b/a_r is 996/1,020 and 984/980 (median 0.99), b/d 1.048 and 1.014, b/e 1.66 and 1.406.
    expect(byName.get('b/a_r')).toEqual(['0.99 ✓ (goal ≥ 0.97), rounds 0.98–1.00', '0.99', '0.99 ✓ (goal ≥ 0.97), rounds 0.98–1.00']);
    expect(report).toContain('two instances each of a_r.');
    expect(byName.get('b/d')?.slice(0, 2)).toEqual(['1.03 ✓ (goal ≥ 1.00), rounds 1.01–1.05', '1.03']);
    expect(byName.get('b/e')?.slice(0, 2)).toEqual(['1.53 ✓ (goal ≥ 1.20), rounds 1.41–1.66', '1.52']);
    expect(byName.get('c/a_r')?.[1]).toBe('0.98');
    expect(byName.get('a/a_r')?.slice(0, 2)).toEqual(['2.60, rounds 2.55–2.65', '2.60']);
    // a_r's second instance against its first, per round: 1.04 and 0.96, the noise floor.
    expect(ratios?.rows.find((r) => r[0].startsWith('noise floor'))).toEqual([
      'noise floor: instance 2 / instance 1 of the same variant (a_r)',
      '1.00, rounds 0.96–1.04',
      '',
      '1.00, rounds 0.96–1.04',
    ]);
    // b_x/b per round: 890/996 and 880/984, both 0.89; no goal, it is context.
    expect(byName.get('b_x/b')).toEqual(['0.89, rounds 0.89–0.89', '0.89', '0.89, rounds 0.89–0.89']);

    // Instruction counts: a variant is the median of its windows with the compilers' jobs left out
    // (a_r's second window: 102,000,000 - 1,000,000 over 100 requests), a ratio the median of the
    // per-window ratios, the second variant's count over the first's.
    const counted = tables.find((t) => t.headers[1]?.startsWith('instructions per request'));
    expect(counted?.rows).toEqual([
      ['a_r — floor', '1,000,000 (990,000–1,010,000)', '0 (0–10,000)'],
      ['b — init --style main', '1,100,000 (1,090,000–1,111,000)', '0'],
      ['d — @mikro-orm/nestjs middleware', '1,090,000 (1,080,000–1,100,000)', '0'],
      ['e — Scope.REQUEST', '1,700,000 (1,650,000–1,700,000)', '0 (0–50,000)'],
    ]);
    const countedRatios = new Map(
      tables.find((t) => t.headers[1]?.startsWith('from instructions'))?.rows.map((r) => [r[0].split(' ')[0], r[1]]),
    );
    // Window by window: 1,000,000 / 1,100,000, 1,010,000 / 1,111,000 and 990,000 / 1,090,000.
    expect(countedRatios.get('b/a_r')).toBe('0.91 ✗ (goal ≥ 0.97), windows 0.908–0.909');
    expect(countedRatios.get('b/d')).toBe('0.99 ✗ (goal ≥ 1.00), windows 0.990–0.991');
    expect(countedRatios.get('b/e')).toBe('1.53 ✓ (goal ≥ 1.20), windows 1.500–1.560');
    expect(countedRatios.has('c/a_r')).toBe(false);
    // The count-only variants of --explain are neither listed nor compared when they were not counted.
    expect(report).not.toContain('a_m —');
    expect(countedRatios.has('a_f/a_r')).toBe(false);
    expect(report).toContain("- Where b's instructions over a_r go: `npm run bench -- --only=p2 --legs=nest12 --no-postgres --explain`");
    expect(report).toContain("counted by valgrind's callgrind (valgrind-3.19.0)");
    expect(report).toContain('one fresh instance under `node --single-threaded --predictable-gc-schedule`');
    expect(report).toContain('then 3 counted windows of 100 requests each');

    const memory = tables.find((t) => t.headers[0] === 'variant' && t.headers.includes('KB per kept entity'));
    expect(memory?.rows[0]).toEqual([
      'a — STALE baseline (not a target)',
      '30.0',
      '63.0',
      '33.0',
      '150',
      '200',
      '50',
      '500 → 20,500',
      '1.69',
    ]);
    expect(memory?.rows[1][3]).toBe('1.0 ✓ (goal ≤ 5 MB)');
    expect(report).toContain('a keeps every one of the 20,000 entities');
    expect(report).toContain('- PostgreSQL not measured: not reachable.');
  });

  it("with --explain: lists the count-only variants and says where b's instructions over a_r go", () => {
    const counts = [
      ...results.p2.instructions.counts,
      { name: 'a_m', requests: 100, windows: [win(101_000_000), win(102_010_000), win(99_990_000)], seconds: 60 },
      { name: 'a_f', requests: 100, windows: [win(105_000_000), win(106_050_000), win(103_950_000)], seconds: 60 },
    ];
    const report = renderReport({ ...results, p2: { ...results.p2, instructions: { ...results.p2.instructions, counts } } });
    expect(report).toContain('- **a_m — a_r + an empty middleware**: a_r with `app.use((_req, _res, next) => next())`');
    expect(report).toContain('- **a_f — a_r + a bare fork**:');
    const tables = tablesOf(report);
    const countedRatios = new Map(
      tables.find((t) => t.headers[1]?.startsWith('from instructions'))?.rows.map((r) => [r[0].split(' ')[0], r[1]]),
    );
    // Window by window: a_r 1,000,000, 1,010,000, 990,000 against a_m 1% more in each.
    expect(countedRatios.get('a_m/a_r')).toBe('0.99, windows 0.990–0.990');
    // a_f: 1,050,000, 1,060,500, 1,039,500: 5% over a_r in every window.
    expect(countedRatios.get('a_f/a_r')).toBe('0.95, windows 0.952–0.952');
    // b: 1,100,000, 1,111,000, 1,090,000 against a_f.
    expect(countedRatios.get('b/a_f')).toBe('0.95, windows 0.954–0.955');
    expect(report).not.toContain("Where b's instructions over a_r go");
    // The timed legs never show them.
    expect(tables.find((t) => t.headers[1] === 'req/s')?.rows.some((r) => r[0].startsWith('a_m'))).toBe(false);
  });

  it('says why instructions were not counted', () => {
    const p2 = {
      ...results.p2,
      instructions: { fixture: 'nest12', driver: 'sqlite', skipped: 'valgrind with callgrind_control was not found' },
    };
    const report = renderReport({ ...results, p2 });
    expect(report).toContain(
      '### Instructions per request: Express (nest12 fixture), SQLite file\n\nNot counted: valgrind with callgrind_control was not found.',
    );
    expect(tablesOf(report).some((t) => t.headers[1] === 'instructions per request')).toBe(false);
  });

  it('says which phases were not measured, and marks a quick run', () => {
    const report = renderReport({
      meta: { ...results.meta, quick: true },
      p1: { skipped: 'not selected (--only)' },
      p2: { skipped: 'x' },
      p3: results.p3,
    });
    expect(report).toContain('## P1 generation latency\n\nNot measured: not selected (--only).');
    expect(report).toContain('**Quick run**');
    expect(tablesOf(report)).toHaveLength(1);
  });
});

/** The tables of a markdown text: header cells and body rows (escaped pipes kept as text). */
function tablesOf(markdown: string): { headers: string[]; rows: string[][] }[] {
  const split = (line: string) =>
    line
      .slice(2, -2)
      .split(/(?<!\\) \| /)
      .map((c) => c.replace(/\\\|/g, '|'));
  const tables: { headers: string[]; rows: string[][] }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('| ') && lines[i + 1]?.startsWith('| ---')) {
      const table = { headers: split(lines[i]), rows: [] as string[][] };
      for (i += 2; i < lines.length && lines[i].startsWith('| '); i++) table.rows.push(split(lines[i]));
      tables.push(table);
    }
  }
  return tables;
}
