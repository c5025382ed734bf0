// `npm run demo`: the stale-data bug and its fix, side by side, on two instances of one app.
//
// Builds a fresh Nest app from the default `nest new` layout (test/fixtures/nest12) in a temporary
// folder, runs this package's own `init`, `repository users` and `resource users` on it, compiles
// it, and derives a control: the same app with the request context taken out and
// `allowGlobalContext: true` (how people silence MikroORM's v5+ error). Each build runs as two
// processes (instances A and B, two ports) on one database, and replays the seed's six steps.
// The control must serve the stale name and the generated app must never do so; the exit code says
// whether both held. Processes and folders are removed on success, failure and Ctrl-C.
//
//   node scripts/demo.mjs [--driver sqlite|postgresql] [--style main|middleware] [--fixture nest12|fastify]
//                         [--load] [--keep]
//   --load  also run the load check (3 instances, 1,200 interleaved GET/PATCH over 50 users) on both builds
//   --keep  keep the generated apps (their folders are printed) instead of removing them
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const proof = require('./lib/proof/index.cjs');

const { values: args } = parseArgs({
  options: {
    driver: { type: 'string', default: 'sqlite' },
    style: { type: 'string', default: 'main' },
    fixture: { type: 'string', default: 'nest12' },
    load: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
if (!['sqlite', 'postgresql'].includes(args.driver)) usage(`--driver must be sqlite or postgresql, not ${args.driver}`);
if (!['main', 'middleware'].includes(args.style)) usage(`--style must be main or middleware, not ${args.style}`);
// Nest 12 fixtures only: the demo's apps resolve Nest 12 and MikroORM 7 from the project's node_modules.
if (!['nest12', 'fastify'].includes(args.fixture)) usage(`--fixture must be nest12 or fastify, not ${args.fixture}`);

const out = (line = '') => process.stdout.write(`${line}\n`);
const rel = (path) => relative(proof.ROOT, path) || '.';
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const spec = { fixture: args.fixture, ormMajor: 7, driver: args.driver, style: args.style };
const PHASES = args.load ? 7 : 5;
let phase = 0;
const step = (title) => out(`\n[${++phase}/${PHASES}] ${title}`);

proof.installSignalHandlers();
const started = Date.now();
let exitCode = 1;
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

async function demo() {
  out('mikro-request-context demo: can one instance of an API serve data another instance already changed?');
  out(`App: test/fixtures/${spec.fixture} (a \`nest new\` app), MikroORM 7, driver ${spec.driver}, request context --style ${spec.style}.`);
  if (spec.driver === 'postgresql') {
    const reachable = await proof.postgresReachable();
    if (!reachable.ok) throw new Error(`${reachable.reason}. Start PostgreSQL or run the demo with SQLite (the default).`);
  }

  step('Generating the app with this package\'s schematics');
  let t = Date.now();
  const generated = await proof.generateApp(spec);
  out(`  init --driver ${spec.driver} --style ${spec.style} --skip-install, then ${proof.FEATURE_SCHEMATICS.map(([s, o]) => `${s} ${o.name}`).join(', then ')}:`);
  for (const line of generated.log) if (/^(CREATE|UPDATE) /.test(line)) out(`    ${line}`);
  out(`  + proof scaffolding: src/proof/proof-isolation.controller.ts (used by the test suite's isolation check)`);
  out(`  in ${rel(generated.dir)} (${seconds(t)})`);

  step('Deriving the control: the same app without its request context (PROOF CONTROL)');
  const control = proof.makeControl(generated);
  for (const line of control.log) if (line.startsWith('CONTROL ')) out(`  removed/changed: ${line.slice(8)}`);
  out(`  in ${rel(control.dir)}`);

  step('Compiling both apps with tsc (tsconfig.build.json)');
  t = Date.now();
  await Promise.all([proof.compileApp(generated), proof.compileApp(control)]);
  out(`  done (${seconds(t)})`);

  const results = {};
  const loads = {};
  for (const app of [control, generated]) {
    const label = app.kind === 'control' ? 'control (global EntityManager)' : 'generated (one request context per request)';
    step(`Running the ${label}: schema, ${args.load ? 'instances A, B and C' : 'instances A and B'} on one database, the six steps`);
    t = Date.now();
    const run = await proof.startBuild(app, { count: args.load ? 3 : 2 });
    try {
      out(`  database ${spec.driver === 'sqlite' ? rel(run.database.label) : run.database.label}`);
      out(`  ${run.instances.map((i) => `instance ${i.name} on ${i.url}`).join(', ')} (${seconds(t)})`);
      const [a, b] = run.instances;
      results[app.kind] = await proof.runScenario({ a, b, database: run.database });
      for (const s of results[app.kind].steps) {
        out(`  ${s.step}. ${s.action.padEnd(40)} ${s.instance.padEnd(2)} -> ${s.actual}${s.ok ? '' : `   (expected ${s.expected})`}`);
      }
      if (args.load) {
        step(`Load on the ${app.kind} build: ${run.instances.length} instances, interleaved GET/PATCH from 16 clients`);
        loads[app.kind] = await proof.runLoad({ instances: run.instances });
        out(`  ${proof.describeLoad(loads[app.kind])}`);
        for (const example of loads[app.kind].examples.slice(0, 3)) out(`    e.g. ${example}`);
      }
    } finally {
      await run.stop();
    }
  }

  out('');
  out(proof.scenarioTable(results.control.steps, results.generated.steps));
  out('');
  if (args.load) {
    out(`Load: control ${loads.control.stale} stale of ${loads.control.gets} GETs; generated ${loads.generated.stale} stale of ${loads.generated.gets} GETs (${loads.generated.errors} errors).`);
  }
  const { code, message } = proof.verdict({ control: results.control, generated: results.generated, loads: args.load ? loads : undefined });
  out(message);
  return code;
}

function usage(message) {
  process.stderr.write(`${message}\nusage: node scripts/demo.mjs [--driver sqlite|postgresql] [--style main|middleware] [--fixture nest12|fastify] [--load] [--keep]\n`);
  process.exit(64);
}
