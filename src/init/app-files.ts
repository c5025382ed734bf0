import { chain, Rule, Tree } from '@angular-devkit/schematics';
import { compiledPath, compilerOption } from '../utils/app-profile';
import { addPackages, allowSqliteInstallScript } from '../utils/dependencies';
import { createFile, renderFiles } from '../utils/files';
import { JSONFile } from '../utils/json';
import { MIGRATION_SCRIPTS } from '../utils/migrations';
import { Driver } from '../utils/versions';
import { NestProject, projectBuild, relativeImport } from '../utils/workspace';
import { ownPackage } from '../utils/own-package';
import { healthPackages } from './health';
import { InitPlan } from './plan';

export const COLLECTION_NAME = 'mikro-request-context';
const TEMPLATES = '../../templates/init';

export function addOrmDependencies(plan: InitPlan): Rule {
  const devDependencies = { ...plan.orm.devDependencies };
  // The v7 CLI loads the TypeScript config through a loader; tsx is the lightest that works in ESM and CommonJS apps.
  if (plan.orm.major === 7) devDependencies['tsx'] = '^4.20.0';
  // nest-cli.json is about to name this collection: every nest command (build and start too) fails to
  // load a collection the app does not list, so the app lists it, as ng add does for its package.
  devDependencies[COLLECTION_NAME] = `^${ownPackage().version}`;
  const dependencies = {
    ...plan.orm.dependencies,
    ...(plan.validation ? validationPackages(plan.profile.nestMajor) : {}),
    ...(plan.health ? healthPackages(plan.profile.nestMajor) : {}),
  };
  // The Migrator runs in the app too (the config names it), so it is a runtime dependency.
  if (plan.ormRoots.length === 0) dependencies[migrationsPackage(plan.options.driver)] = plan.orm.dependencies['@mikro-orm/core'];
  return chain([
    addPackages(plan.project.packageJson, { dependencies, devDependencies }, plan.options.skipInstall),
    ...(plan.options.driver === 'sqlite' ? [allowSqliteInstallScript(plan.project.packageJson, plan.orm.major)] : []),
  ]);
}

/**
 * What ValidationPipe and the DTOs' PartialType need: @nestjs/mapped-types 12 is ESM only and peers Nest 10 to 12, 2.x is CommonJS for Nest
 * 10 and 11.
 */
export function validationPackages(nestMajor: number | undefined): Record<string, string> {
  return {
    'class-validator': '^0.14.2',
    'class-transformer': '^0.5.1',
    '@nestjs/mapped-types': (nestMajor ?? 12) >= 12 ? '^12.0.1' : '^2.1.0',
  };
}

export function migrationsPackage(driver: Driver): string {
  return driver === 'mongodb' ? '@mikro-orm/migrations-mongodb' : '@mikro-orm/migrations';
}

/** mikro-orm.config.ts, the database module, the middleware class (style middleware) and .env.example. */
export function createConfiguration(plan: InitPlan): Rule {
  return (tree) => configuration(tree, plan);
}

function configuration(tree: Tree, plan: InitPlan): Rule {
  const { driver, style, force } = plan.options;
  const values = {
    driver,
    ormMajor: plan.orm.major,
    connection: connectionDefaults(driver, plan.project),
    configPath: plan.configPath,
    configImport: relativeImport(plan.databaseModulePath, plan.configPath, plan.profile.importSuffix),
    registeredIn: style === 'main' ? plan.project.main : `${plan.appModuleClass}.configure()`,
    appModuleClass: plan.appModuleClass,
    databaseModuleClass: plan.databaseModuleClass,
    databaseModuleFile: plan.databaseModulePath.split('/').pop()!.replace(/\.ts$/, ''),
    migrationsPackage: migrationsPackage(driver),
    migrations: migrationPaths(tree, plan),
    setupFile: plan.setupPath.split('/').pop()!.replace(/\.ts$/, ''),
    filterImport: relativeImport(plan.setupPath, plan.filterPath, plan.profile.importSuffix),
    validation: plan.validation,
    testServer: plan.testing.server,
  };
  const folder = (path: string) => path.split('/').slice(0, -1).join('/');
  // An app with a MikroOrmModule root keeps its own configuration: only the middleware class may be new.
  const rules =
    plan.ormRoots.length > 0
      ? []
      : [
          renderFiles({ from: `${TEMPLATES}/config`, to: folder(plan.configPath), values, force }),
          renderFiles({ from: `${TEMPLATES}/database`, to: folder(plan.databaseModulePath), values, force }),
          renderFiles({ from: `${TEMPLATES}/root`, to: plan.project.root, values, force }),
        ];
  if (style === 'middleware' && plan.registrations.length === 0) {
    rules.push(renderFiles({ from: `${TEMPLATES}/middleware`, to: folder(plan.middlewarePath), values, force }));
  }
  if (plan.setup) {
    rules.push(
      renderFiles({ from: `${TEMPLATES}/setup`, to: folder(plan.setupPath), values, force }),
      renderFiles({ from: `${TEMPLATES}/filter`, to: folder(plan.filterPath), values, force }),
    );
  }
  return chain(rules);
}

export interface Connection {
  kind: 'file' | 'url' | 'server';
  dbName: string;
  port?: number;
  user?: string;
  url?: string;
}

export function connectionDefaults(driver: Driver, project: NestProject): Connection {
  const dbName = databaseName(project);
  switch (driver) {
    case 'sqlite':
      return { kind: 'file', dbName: `${dbName}.sqlite3` };
    case 'libsql':
      return { kind: 'file', dbName: `${dbName}.db` };
    case 'mongodb':
      return { kind: 'url', dbName, url: 'mongodb://127.0.0.1:27017' };
    case 'postgresql':
      return { kind: 'server', dbName, port: 5432, user: 'postgres' };
    case 'mssql':
      return { kind: 'server', dbName, port: 1433, user: 'sa' };
    default:
      return { kind: 'server', dbName, port: 3306, user: 'root' };
  }
}

/**
 * The database is named after the app: a monorepo project's own name, else package.json's "name",
 * without an npm scope either way (`@acme/api` → api: the scope is the organisation, not the app,
 * and `_acme_api` is no name anyone would pick), else `app`.
 */
function databaseName(project: NestProject): string {
  const name = project.name ?? project.packageName;
  const unscoped = name?.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return (unscoped || 'app').replace(/[^\w]/g, '_');
}

/**
 * MikroORM's legacy decorators (the ones Nest uses) need experimentalDecorators, and the reflect
 * metadata provider reads emitDecoratorMetadata: set them in the app's tsconfig only when its
 * config chain lacks them, through the JSONC editor (comments kept).
 */
export function enableDecorators(plan: InitPlan): Rule {
  return (tree, context) => {
    const path = plan.project.tsconfig;
    if (!tree.exists(path)) return;
    const json = new JSONFile(tree, path);
    for (const option of ['experimentalDecorators', 'emitDecoratorMetadata']) {
      if (compilerOption(tree, path, option) === true) continue;
      json.modify(['compilerOptions', option], true);
      context.logger.info(`${path}: compilerOptions.${option} = true (MikroORM's decorators need it).`);
    }
  };
}

/** nest-cli.json's collection, so that `nest g repository users` finds this package (which extends @nestjs/schematics). */
export function makeDefaultCollection(plan: InitPlan): Rule {
  return (tree, context) => {
    const path = plan.project.nestCli;
    if (!tree.exists(path)) {
      const config = {
        $schema: 'https://json.schemastore.org/nest-cli',
        collection: COLLECTION_NAME,
        sourceRoot: plan.project.sourceRoot,
      };
      createFile(tree, context, path, `${JSON.stringify(config, null, 2)}\n`);
      return;
    }
    const json = new JSONFile(tree, path);
    if (json.get(['collection']) !== COLLECTION_NAME) json.modify(['collection'], COLLECTION_NAME);
  };
}

/**
 * package.json "mikro-orm".configPaths, so that the MikroORM CLI loads the same config as the app:
 * the TypeScript file, then the JavaScript the project's build emits (its build tsconfig's outDir
 * and rootDir, relative to the workspace root, where package.json is). A webpack or rspack build
 * bundles the app into one main.js, so no compiled config exists on its own: the TypeScript one only.
 */
export function configureOrmCli(plan: InitPlan): Rule {
  return (tree, context) => {
    if (plan.ormRoots.length > 0) return;
    const json = new JSONFile(tree, plan.project.packageJson);
    const current = json.get(['mikro-orm', 'configPaths']);
    if (Array.isArray(current) && current.length > 0) return;
    const build = projectBuild(tree, plan.project);
    const compiled = build.bundled
      ? undefined
      : compiledPath(tree, build.tsconfig, plan.configPath, {
          builder: build.builder,
          sourceRoot: plan.project.sourceRoot,
          typescriptMajor: plan.profile.typescriptMajor,
        });
    if (build.bundled) {
      context.logger.info(
        `${plan.project.nestCli}: ${build.builder} bundles ${plan.project.name ?? 'the app'} into one main.js, so the MikroORM CLI uses the TypeScript config (./${plan.configPath}).`,
      );
    }
    json.modify(['mikro-orm', 'configPaths'], [`./${plan.configPath}`, ...(compiled ? [`./${compiled}`] : [])]);
  };
}

/**
 * Where migrations live: written as TypeScript under the source root (`pathTs`, what the CLI uses
 * when it runs on the TypeScript config), and found compiled where the build puts that folder
 * (`path`, what the built app uses). A bundled build (webpack, rspack) emits no migration files of
 * its own: both point at the sources.
 */
function migrationPaths(tree: Tree, plan: InitPlan): { path: string; pathTs: string } {
  const pathTs = `${plan.project.sourceRoot}/migrations`;
  const build = projectBuild(tree, plan.project);
  const compiled = build.bundled
    ? undefined
    : compiledPath(tree, build.tsconfig, `${pathTs}/migration.ts`, {
        builder: build.builder,
        sourceRoot: plan.project.sourceRoot,
        typescriptMajor: plan.profile.typescriptMajor,
      });
  return { path: compiled ? compiled.split('/').slice(0, -1).join('/') : pathTs, pathTs };
}

/** The migration scripts in package.json; an app's own script of the same name is kept. */
export function addMigrationScripts(plan: InitPlan): Rule {
  return (tree, context) => {
    if (plan.ormRoots.length > 0) return;
    const json = new JSONFile(tree, plan.project.packageJson);
    for (const [name, command] of Object.entries(MIGRATION_SCRIPTS)) {
      const current = json.get(['scripts', name]);
      if (current === undefined) json.modify(['scripts', name], command);
      else if (current !== command)
        context.logger.info(`${plan.project.packageJson}: script "${name}" is the app's own (${String(current)}): kept.`);
    }
  };
}

/** The SQLite file is data, not source. */
export function ignoreDatabaseFile(plan: InitPlan): Rule {
  return (tree) => {
    const connection = connectionDefaults(plan.options.driver, plan.project);
    if (connection.kind !== 'file' || plan.ormRoots.length > 0) return;
    addIgnoreEntry(tree, '.gitignore', connection.dbName, `MikroORM ${plan.options.driver} database`);
  };
}

/**
 * The migrations the MikroORM CLI writes are generated code in its own layout: the app's prettier
 * (and the lint's prettier rule, which honours .prettierignore) leaves them as written, as it does a
 * lock file. Only in apps that have prettier.
 */
export function ignoreGeneratedMigrations(plan: InitPlan): Rule {
  return (tree) => {
    if (plan.ormRoots.length > 0 || !plan.profile.hasDependency('prettier')) return;
    const migrations = `${plan.project.sourceRoot}/migrations`;
    addIgnoreEntry(tree, '.prettierignore', migrations, 'written by the MikroORM CLI (npm run migration:create)');
  };
}

/**
 * Appends `entry` under a `# comment` line to an ignore file (created if missing), unless a line already says it; keeps the file's line
 * endings.
 */
function addIgnoreEntry(tree: Tree, path: string, entry: string, comment: string): void {
  const current = tree.exists(path) ? tree.readText(path) : '';
  const lines = current.split(/\r?\n/).map((l) => l.trim().replace(/\/$/, ''));
  if (lines.includes(entry) || lines.includes(`/${entry}`)) return;
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const block = `${current && !current.endsWith('\n') ? eol : ''}${current ? eol : ''}# ${comment}${eol}${entry}${eol}`;
  if (tree.exists(path)) tree.overwrite(path, current + block);
  else tree.create(path, block.replace(/^\r?\n/, ''));
}
