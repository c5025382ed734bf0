// `npm run demo`: the stale-data bug and its fix, side by side, on two instances of one app.
//
// Builds a fresh Nest app from the default `nest new` layout (test/fixtures/nest12) in a temporary
// folder, runs this package's own `init`, `repository users` and `resource users` on it, compiles
// it, and derives a control: the same app with the request context taken out and
// `allowGlobalContext: true` (how people silence MikroORM's v5+ error). Each build runs as two
// processes (instances A and B, two ports) on one database, replays the seed's six steps, and asks
// instance A which EntityManager 100 concurrent handlers work on (the one-fork check).
// The control must serve the stale name and the generated app must never do so, with exactly one
// fork of the global EntityManager per request; the exit code says whether all held. Processes and
// folders are removed on success, failure and Ctrl-C.
//
//   node scripts/demo.ts [--driver sqlite|postgresql] [--style main|middleware] [--fixture nest12|fastify|existing-orm]
//                         [--load] [--keep]
//   --fixture  nest12: a `nest new` app (default); fastify: the same on Fastify; existing-orm: a `nest new`
//              app that already uses MikroORM (SQLite) with @mikro-orm/nestjs's own request-context middleware on
//   --load     also run the load check (3 instances, 1,200 interleaved GET/PATCH over 50 users) on both builds
//   --keep     keep the generated apps (their folders are printed) instead of removing them
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import * as proof from './lib/proof/index.ts';

/** The fixtures the demo can run on (Nest 12 only: the demo's apps resolve Nest 12 and MikroORM 7 from the project's node_modules). */
const FIXTURES: Record<string, string> = {
  nest12: 'a `nest new` app',
  fastify: 'a `nest new` app on Fastify',
  'existing-orm': "a `nest new` app that already uses MikroORM, with @mikro-orm/nestjs's own request-context middleware on",
};
const USAGE = `usage: node scripts/demo.ts [--driver sqlite|postgresql] [--style main|middleware] [--fixture ${Object.keys(FIXTURES).join('|')}] [--load] [--keep]
  --driver   sqlite (default: a file, nothing to start) or postgresql (127.0.0.1:5432, user postgres)
  --style    main (default: app.use in main.ts) or middleware (a middleware class in AppModule.configure())
  --fixture  the app init runs on, under test/fixtures:
${Object.entries(FIXTURES)
  .map(([name, what]) => `               ${name.padEnd(13)}${what}${name === 'nest12' ? ' (default)' : ''}`)
  .join('\n')}
  --load     also run the load check (3 instances, 1,200 interleaved GET/PATCH over 50 users) on both builds
  --keep     keep the generated apps (their folders are printed) instead of removing them
  -h, --help this text`;

const OPTIONS = {
  driver: { type: 'string', default: 'sqlite' },
  style: { type: 'string', default: 'main' },
  fixture: { type: 'string', default: 'nest12' },
  load: { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function parse(): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
}
const args = parse();
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!['sqlite', 'postgresql'].includes(args.driver)) usage(`--driver must be sqlite or postgresql, not ${args.driver}`);
if (!['main', 'middleware'].includes(args.style)) usage(`--style must be main or middleware, not ${args.style}`);
if (!Object.hasOwn(FIXTURES, args.fixture)) usage(`--fixture must be ${Object.keys(FIXTURES).join(', ')}, not ${args.fixture}`);
// Its driver is the app's own: init keeps the mikro-orm.config.ts it finds.
if (args.fixture === 'existing-orm' && args.driver !== 'sqlite')
  usage(`--fixture existing-orm is an app on SQLite already: --driver ${args.driver} does not apply`);

const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
const rel = (path: string): string => relative(proof.ROOT, path) || '.';
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const spec: proof.AppSpec = {
  fixture: args.fixture,
  ormMajor: 7,
  driver: args.driver as proof.AppSpec['driver'],
  style: args.style as proof.AppSpec['style'],
};
const PHASES = args.load ? 7 : 5;
let phase = 0;
const step = (title: string): boolean => out(`\n[${++phase}/${PHASES}] ${title}`);

proof.installSignalHandlers();
const started = Date.now();
let exitCode: number;
try {
  exitCode = await demo();
} catch (error) {
  out(`\nThe demo could not run: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  if (args.keep) {
    out('\n--keep: the apps stay where they are (remove them yourself); the instances are stopped.');
    proof.releaseFolders();
    await proof.cleanup();
  } else {
    await proof.cleanup();
  }
}
out(`\n(${seconds(started)} in all)`);
process.exit(exitCode);

async function demo(): Promise<number> {
  out('mikro-request-context demo: can one instance of an API serve data another instance already changed?');
  out(
    `App: test/fixtures/${spec.fixture} (${FIXTURES[spec.fixture]}), MikroORM 7, driver ${spec.driver}, request context --style ${spec.style}.`,
  );
  if (spec.driver === 'postgresql') {
    const reachable = await proof.postgresReachable();
    if (!reachable.ok) throw new Error(`${reachable.reason}. Start PostgreSQL or run the demo with SQLite (the default).`);
  }

  step("Generating the app with this package's schematics");
  let t = Date.now();
  const generated = await proof.generateApp(spec, { forkProbe: true });
  out(
    `  init --driver ${spec.driver} --style ${spec.style} --skip-install, then ${proof.FEATURE_SCHEMATICS.map(([s, o]) => `${s} ${o.name}`).join(', then ')}:`,
  );
  for (const line of generated.log) {
    if (/^(CREATE|UPDATE) /.test(line)) out(`    ${line}`);
    else if (/middleware switched off/.test(line)) out(`    ${line.trim().replace(/^info: /, '')}`);
  }
  out(
    `  + proof scaffolding: src/proof/proof-isolation.controller.ts (the test suite's isolation check), src/proof/proof-forks.controller.ts (the one-fork check)`,
  );
  out(`  in ${rel(generated.dir)} (${seconds(t)})`);

  step('Deriving the control: the same app without its request context (PROOF CONTROL)');
  const control = proof.makeControl(generated);
  for (const line of control.log) if (line.startsWith('CONTROL ')) out(`  removed/changed: ${line.slice(8)}`);
  out(`  in ${rel(control.dir)}`);

  step('Compiling both apps with tsc (tsconfig.build.json)');
  t = Date.now();
  await proof.compileApps([generated, control]);
  out(`  done (${seconds(t)})`);

  type Built = 'control' | 'generated';
  const results = {} as Record<Built, Awaited<ReturnType<typeof proof.runScenario>>>;
  const loads = {} as Record<Built, proof.LoadReport>;
  const forks = {} as Record<Built, proof.ForkReport>;
  for (const app of [control, generated]) {
    const kind: Built = app.kind === 'control' ? 'control' : 'generated';
    const label = app.kind === 'control' ? 'control (global EntityManager)' : 'generated (one request context per request)';
    step(`Running the ${label}: schema, ${args.load ? 'instances A, B and C' : 'instances A and B'} on one database, the six steps`);
    t = Date.now();
    const run = await proof.startBuild(app, { count: args.load ? 3 : 2 });
    try {
      out(`  database ${spec.driver === 'sqlite' ? rel(run.database.label) : run.database.label}, its schema from ${run.schema}`);
      out(`  ${run.instances.map((i) => `instance ${i.name} on ${i.url}`).join(', ')} (${seconds(t)})`);
      const [a, b] = run.instances;
      results[kind] = await proof.runScenario({ a, b, database: run.database });
      for (const s of results[kind].steps) {
        out(`  ${s.step}. ${s.action.padEnd(40)} ${s.instance.padEnd(2)} -> ${s.actual}${s.ok ? '' : `   (expected ${s.expected})`}`);
      }
      forks[kind] = await proof.runForkCheck({ instance: a });
      out(`  one fork per request? ${proof.describeForks(forks[kind])}`);
      if (args.load) {
        step(`Load on the ${app.kind} build: ${run.instances.length} instances, interleaved GET/PATCH from 16 clients`);
        loads[kind] = await proof.runLoad({ instances: run.instances });
        out(`  ${proof.describeLoad(loads[kind])}`);
        for (const example of loads[kind].examples.slice(0, 3)) out(`    e.g. ${example}`);
      }
    } finally {
      await run.stop();
    }
  }

  out('');
  out(proof.scenarioTable(results.control.steps, results.generated.steps));
  out('');
  if (args.load) {
    out(
      `Load: control ${loads.control.stale} stale of ${loads.control.gets} GETs; generated ${loads.generated.stale} stale of ${loads.generated.gets} GETs (${loads.generated.errors} errors).`,
    );
  }
  out(`One fork per request: control ${describeDepth(forks.control)}; generated ${describeDepth(forks.generated)}.`);
  const { code, message } = proof.verdict({
    control: results.control,
    generated: results.generated,
    loads: args.load ? loads : undefined,
    forks,
  });
  out(message);
  return code;
}

/** "100 of 100 requests on one fork of the global EntityManager" (or what they were on instead). */
function describeDepth(report: proof.ForkReport): string {
  const one = report.oneFork === report.requests && report.violations === 0;
  if (one) return `${report.oneFork} of ${report.requests} requests on a fork of their own, forked from the global EntityManager`;
  if (report.forks[0] === report.requests) return `all ${report.requests} requests on the global EntityManager itself`;
  return `${report.violations} of ${report.requests} requests not on exactly one fork of their own (${JSON.stringify(report.forks)} by forks from the global EntityManager)`;
}

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(64);
}
