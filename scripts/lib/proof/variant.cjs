'use strict';
// One proof variant (fixture × driver × style × MikroORM major): the generated app and its control,
// each compiled once and run as several instances on a database of its own, shared by the scenario,
// the load check, the isolation check and the one-fork check. On a fixture that already has MikroORM,
// two more builds can join: the app before init, and the double-context app (see generate.cjs).
const { compileApps, createSchema, generateApp, makeControl, makeDoubleContext } = require('./generate.cjs');
const { postgresDatabase, sqliteDatabase } = require('./database.cjs');
const { startInstance, stopInstance } = require('./processes.cjs');
const { closeConnections } = require('./http.cjs');

/**
 * @typedef {import('./generate.cjs').AppSpec & { name?: string }} VariantSpec
 */

/** A short label: "nest12 express/sqlite/main MikroORM 7". */
function variantName(spec) {
  return spec.name ?? `${spec.fixture} ${spec.driver} --style ${spec.style} (MikroORM ${spec.ormMajor})`;
}

/**
 * Generates the app (with the fork probe), derives the control, and the extra builds asked for;
 * compiles them all (in parallel).
 * @param {VariantSpec} spec
 * @param {{ log?: (line: string) => void, features?: (dir: string, log: string[]) => Promise<void>, extras?: ('before-init'|'double-context')[] }} [options]
 * @returns {Promise<{ spec: VariantSpec, generated: import('./generate.cjs').App, control: import('./generate.cjs').App, extras: Partial<Record<'before-init'|'double-context', import('./generate.cjs').App>> }>}
 */
async function buildVariant(spec, { log = () => undefined, features, extras = [] } = {}) {
  const started = Date.now();
  const options = { forkProbe: true, ...(features ? { features } : {}) };
  const generated = await generateApp(spec, options);
  log(`generated ${generated.dir} (${generated.log.filter((l) => /^(CREATE|UPDATE)/.test(l)).length} files created or updated)`);
  const control = makeControl(generated);
  log(`control ${control.dir}: ${control.log.filter((l) => l.startsWith('CONTROL')).join('; ')}`);
  /** @type {Partial<Record<'before-init'|'double-context', import('./generate.cjs').App>>} */
  const more = {};
  if (extras.includes('before-init')) {
    more['before-init'] = await generateApp(spec, { ...options, init: false });
    log(`before init ${more['before-init'].dir}: test/fixtures/${spec.fixture} with the features only`);
  }
  if (extras.includes('double-context')) {
    more['double-context'] = makeDoubleContext(generated);
    log(`double context ${more['double-context'].dir}: ${more['double-context'].log.at(-1)}`);
  }
  await compileApps([generated, control, ...Object.values(more)]);
  log(`compiled ${2 + Object.keys(more).length} apps with tsc (${((Date.now() - started) / 1000).toFixed(1)} s so far)`);
  return { spec, generated, control, extras: more };
}

/**
 * @typedef {object} RunningBuild
 * @property {import('./generate.cjs').App} app
 * @property {import('./database.cjs').ProofDatabase} database
 * @property {import('./processes.cjs').Instance[]} instances
 * @property {() => Promise<void>} stop   stops the instances and drops the database
 */

/**
 * A fresh database with the app's schema, and `count` instances of the app on it (A, B, C...).
 * @param {import('./generate.cjs').App} app
 * @param {{ count?: number, sqliteDir?: string }} [options]  sqliteDir: where the SQLite file goes (default: the app's folder)
 * @returns {Promise<RunningBuild>}
 */
async function startBuild(app, { count = 2, sqliteDir = app.dir } = {}) {
  const database = app.spec.driver === 'postgresql' ? await postgresDatabase() : sqliteDatabase(sqliteDir, app.kind);
  /** @type {import('./processes.cjs').Instance[]} */
  const instances = [];
  const stop = async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    closeConnections();
    await database.drop();
  };
  try {
    await createSchema(app, database.env);
    const names = 'ABCDEFGH'.slice(0, count).split('');
    const started = await Promise.allSettled(names.map((name) => startInstance({ dir: app.dir, name, env: database.env })));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw /** @type {PromiseRejectedResult} */ (failed).reason;
  } catch (error) {
    await stop();
    throw error;
  }
  return { app, database, instances, stop };
}

module.exports = { buildVariant, startBuild, variantName };
