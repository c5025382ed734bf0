// `npm run test:matrix [-- --shape nest12,fastify --driver sqlite --gates every|ends --jobs 2 --keep]`:
// the app-shape matrix of issue 15. For each app shape the package supports (scripts/lib/matrix/plan.ts)
// and each driver, the packed package is installed into a copy of the shape's `nest new` app, the
// README's steps run as a user types them (init, entity with scalar, enum and relation fields,
// repository, resource, context), and after each step the app's own gates run: npm run build,
// npm test, npm run test:e2e, npm run lint (eslint's --fix may change nothing) and prettier --check
// with the app's config. Prints shape × step × gate with each cell's verdict and time; exits 1 on
// any red cell, 2 on a bad command line.
import { installSignalHandlers, cleanup } from './lib/proof/processes.ts';
import { postgresReachable } from './lib/proof/database.ts';
import { pooled } from './lib/proof/isolation.ts';
import { parseOptions, type Options } from './lib/matrix/plan.ts';
import { pack, prepareShape, runCell, workFolder } from './lib/matrix/run.ts';
import { duration, redCells, renderTable, type Row } from './lib/matrix/table.ts';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

let options: Options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  log((error as Error).message);
  process.exit(2);
}
installSignalHandlers(log);

async function main({ shapes, drivers, gates, jobs, keep }: Options): Promise<number> {
  const started = performance.now();
  if (drivers.includes('postgresql')) {
    const pg = await postgresReachable();
    if (!pg.ok) throw new Error(`the PostgreSQL cells need a database server: ${pg.reason} (or run with --driver sqlite)`);
  }
  const work = workFolder(keep);
  const tarball = await pack(work);
  log(`packed ${tarball}; apps under ${work}${keep ? ' (kept)' : ''}`);
  const baselines = new Map<string, Row>();
  const cells = new Map<string, Row[]>();
  // `jobs` shapes at once; a shape installs, then runs its cells one after the other on its copies.
  const shapeTasks = shapes.map((shape) => async () => {
    const prepared = await prepareShape(shape, drivers, tarball, work, log);
    baselines.set(shape.name, prepared.baseline);
    for (const driver of drivers) cells.set(`${shape.name}/${driver}`, await runCell(shape, driver, prepared.apps[driver], gates, log));
  });
  await pooled(shapeTasks, jobs);
  const rows = shapes
    .flatMap((shape) => [baselines.get(shape.name), ...drivers.flatMap((driver) => cells.get(`${shape.name}/${driver}`) ?? [])])
    .filter((row) => row !== undefined);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${renderTable(rows)}\n\n`);
  for (const shape of shapes) process.stdout.write(`- ${shape.name}: ${shape.label}\n`);
  const red = redCells(rows);
  for (const { where, outcome } of red)
    process.stdout.write(`\nRED ${where}: ${outcome.reason}\n${outcome.output.split('\n').slice(-60).join('\n')}\n`);
  process.stdout.write(
    `\n${red.length === 0 ? 'every cell green' : `${red.length} red cell(s)`}; ${shapes.length} shape(s) × ${drivers.length} driver(s), gates ${gates === 'every' ? 'after every step' : 'after init and the last step, build after every step'}, ${jobs} job(s): ${duration(seconds)} wall time (Node ${process.versions.node})\n`,
  );
  return red.length === 0 ? 0 : 1;
}

main(options)
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    await cleanup();
    process.exit(1);
  });
