// One proof variant (fixture × driver × style × MikroORM major): the generated app and its control,
// each compiled once and run as several instances on a database of its own, shared by the scenario,
// the load check, the isolation check and the one-fork check. On a fixture that already has MikroORM,
// two more builds can join: the app before init, and the double-context app (see generate.ts).
import { compileApps, createSchema, generateApp, makeControl, makeDoubleContext, type SchemaSource } from './generate.ts';
import { postgresDatabase, sqliteDatabase } from './database.ts';
import { startInstance, stopInstance } from './processes.ts';
import { closeConnections } from './http.ts';
import type { ProofDatabase } from './database.ts';
import type { App, AppSpec } from './generate.ts';
import type { Instance } from './processes.ts';

export type VariantSpec = AppSpec & { name?: string };

/** A short label: "nest12 express/sqlite/main MikroORM 7". */
export function variantName(spec: VariantSpec): string {
  return spec.name ?? `${spec.fixture} ${spec.driver} --style ${spec.style} (MikroORM ${spec.ormMajor})`;
}

/**
 * Generates the app (with the fork probe), derives the control, and the extra builds asked for;
 * compiles them all (in parallel).
 */
export async function buildVariant(
  spec: VariantSpec,
  {
    log = () => undefined,
    features,
    extras = [],
  }: {
    log?: (line: string) => void;
    features?: (dir: string, log: string[]) => Promise<void>;
    extras?: ('before-init' | 'double-context')[];
  } = {},
): Promise<{
  spec: VariantSpec;
  generated: App;
  control: App;
  extras: Partial<Record<'before-init' | 'double-context', App>>;
}> {
  const started = Date.now();
  const options = { forkProbe: true, ...(features ? { features } : {}) };
  const generated = await generateApp(spec, options);
  log(`generated ${generated.dir} (${generated.log.filter((l) => /^(CREATE|UPDATE)/.test(l)).length} files created or updated)`);
  const control = makeControl(generated);
  log(`control ${control.dir}: ${control.log.filter((l) => l.startsWith('CONTROL')).join('; ')}`);
  const more: Partial<Record<'before-init' | 'double-context', App>> = {};
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

export interface RunningBuild {
  app: App;
  database: ProofDatabase;
  instances: Instance[];
  /** where the database's schema came from */
  schema: SchemaSource;
  /** stops the instances and drops the database */
  stop: () => Promise<void>;
}

/**
 * A fresh database with the app's schema, and `count` instances of the app on it (A, B, C...).
 * @param [options]  sqliteDir: where the SQLite file goes (default: the app's folder)
 */
export async function startBuild(
  app: App,
  { count = 2, sqliteDir = app.dir }: { count?: number; sqliteDir?: string } = {},
): Promise<RunningBuild> {
  const database = app.spec.driver === 'postgresql' ? await postgresDatabase() : sqliteDatabase(sqliteDir, app.kind);
  const instances: Instance[] = [];
  let schema: SchemaSource;
  const stop = async () => {
    await Promise.all(instances.map((i) => stopInstance(i)));
    closeConnections();
    await database.drop();
  };
  try {
    schema = await createSchema(app, database.env);
    const names = 'ABCDEFGH'.slice(0, count).split('');
    const started = await Promise.allSettled(names.map((name) => startInstance({ dir: app.dir, name, env: database.env })));
    for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await stop();
    throw error;
  }
  return { app, database, instances, schema, stop };
}
