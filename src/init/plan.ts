import { SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { AppProfile, readAppProfile } from '../utils/app-profile';
import { findNodes, isNameTaken, lineOf, objectProperty, parseSource } from '../utils/ast';
import { listedDrivers } from '../utils/drivers';
import { Bootstrap, ContextRegistration, contextRegistrations, findBootstrap, OwnOrm, ownOrms, SETUP_FILE } from '../utils/bootstrap';
import { importResolver, reachableFiles } from '../utils/import-graph';
import { readJson } from '../utils/json';
import { findModuleClass } from '../utils/module';
import { configFile } from '../utils/orm-config';
import { analyseOrmRoot, findOrmMiddlewareCalls, findOrmRootCalls, OrmRoot } from '../utils/orm-options';
import { Driver, driverPackage, DRIVERS, majorOf, OrmPackages, ormPackages } from '../utils/versions';
import { importedSourceFiles, NestProject, resolveProject } from '../utils/workspace';
import { planTestingModule, TestingModule } from '../utils/testing';
import { HealthPlan, planHealth } from './health';
import { InitOptions } from './schema';

/** Everything init decided before touching the tree: rules only carry it out. */
export interface InitPlan {
  options: Required<Pick<InitOptions, 'force' | 'skipInstall' | 'validation'>> & { driver: Driver; style: 'main' | 'middleware' };
  defaultsUsed: string[];
  project: NestProject;
  profile: AppProfile;
  orm: OrmPackages;
  bootstrap: Bootstrap;
  appModulePath: string;
  appModuleClass: string;
  configPath: string;
  databaseModulePath: string;
  /** `DatabaseModule`, or another name when the root module already has a class of that name */
  databaseModuleClass: string;
  middlewarePath: string;
  /**
   * setupApp(app): the pipes and filters main.ts and the e2e specs both apply. Only in apps init sets
   * MikroORM up in: an app with MikroORM and a context of its own keeps its main.ts as it is.
   */
  setup: boolean;
  setupPath: string;
  /** the exception filter that answers MikroORM's errors with HTTP errors */
  filterPath: string;
  /** the setup adds a global ValidationPipe (and init the packages it needs) */
  validation: boolean;
  /** the /health module init writes (`--health`), unless the app has one */
  health?: HealthPlan;
  /** the specs' testing module: their database and per-test isolation */
  testing: TestingModule;
  /** where the app already opens a request context itself (empty: we register ours) */
  registrations: ContextRegistration[];
  /** the MikroOrmModule.forRoot/forRootAsync call the app already has, if any (at most one: see planInit) */
  ormRoots: OrmRoot[];
  /** things init chose that the user should hear about */
  notes: string[];
}

/**
 * The oldest majors init supports: @mikro-orm/nestjs 6 peers Nest 10+, and request contexts need MikroORM 6+ (no global-context fallback).
 */
export const MIN_NEST_MAJOR = 10;
export const MIN_ORM_MAJOR = 6;

export function planInit(tree: Tree, raw: InitOptions): InitPlan {
  const defaultsUsed: string[] = [];
  const project = resolveProject(tree, raw);
  const profile = readAppProfile(tree, project);
  refuseUnsupportedVersions(profile, project);
  const driver = chooseDriver(raw, defaultsUsed, listedDrivers(tree, project, profile));
  const style = raw.style ?? (defaultsUsed.push('style=main'), 'main');
  if (style !== 'main' && style !== 'middleware') {
    throw new SchematicsException(`Unknown style "${style}": use --style main (app.use in main.ts) or --style middleware.`);
  }
  if (!tree.exists(project.main)) {
    throw new SchematicsException(
      `${project.main} not found: init registers the request context in the app's bootstrap file. ` +
        `Run it in the app's root folder, or pass --project (monorepo) or --sourceRoot.`,
    );
  }
  const main = parseSource(tree, project.main);
  const bootstrap = findBootstrap(main);
  if ('kind' in bootstrap) {
    throw new SchematicsException(
      bootstrap.others.length > 0
        ? `${project.main} creates the app with NestFactory.${bootstrap.others.join('/NestFactory.')} only: it serves no HTTP requests, ` +
            `so there is no request to give a context. Use \`nest g context\` for message handlers, jobs and lifecycle hooks.`
        : `${project.main} has no NestFactory.create(...) call: init registers the request context right after it. ` +
            `Create the app with NestFactory.create, or pass --project/--sourceRoot to point at the right app.`,
    );
  }
  const sources = appSources(tree, project, main);
  const { registrations, ormRoots } = contextPaths(tree, project, sources);
  if (registrations.length === 0 && style === 'main' && !bootstrap.statement) {
    throw new SchematicsException(
      `${project.main}: the result of NestFactory.create(...) is not kept in a variable, so nothing can be registered on it. ` +
        `Write \`const app = await NestFactory.create(...)\`, then run init again.`,
    );
  }
  const appModulePath = rootModulePath(tree, project, bootstrap);
  const appModuleSource = parseSource(tree, appModulePath);
  const appModule = findModuleClass(appModuleSource, bootstrap.rootModule);
  if (!appModule) {
    throw new SchematicsException(
      `${appModulePath} has no @Module() class${bootstrap.rootModule ? ` named ${bootstrap.rootModule}` : ''}: init imports the database module there.`,
    );
  }
  const folder = cleanFolder(raw.path ?? 'database');
  const notes: string[] = [];
  let databaseModuleClass = 'DatabaseModule';
  let databaseModulePath = `${project.sourceRoot}/${folder}/database.module.ts`;
  if (ormRoots.length === 0) {
    // Without a MikroOrmModule root, an existing DatabaseModule is another one (another ORM's, say):
    // ours must not shadow it, nor share its name anywhere in the app.
    const taken = [...sources.values()].find((source) => declaresClass(source, databaseModuleClass));
    if (taken || isNameTaken(appModuleSource, databaseModuleClass) || tree.exists(databaseModulePath)) {
      databaseModuleClass = 'MikroOrmDatabaseModule';
      databaseModulePath = `${project.sourceRoot}/${folder}/mikro-orm-database.module.ts`;
      notes.push(
        `${taken?.fileName ?? appModulePath} already has a DatabaseModule: MikroORM's module is ${databaseModuleClass} (${databaseModulePath}).`,
      );
    }
    const imports = appModule.metadata && objectProperty(appModule.metadata, 'imports');
    if (!appModule.metadata || (imports && !ts.isArrayLiteralExpression(imports.initializer))) {
      throw new SchematicsException(
        `${appModulePath}:${lineOf(appModuleSource, appModule.node)}: the imports of @Module() on ${appModule.name} are not an array init can add to ` +
          `(${imports ? imports.initializer.getText(appModuleSource) : 'no metadata object'}), so ${databaseModuleClass} would be imported nowhere. ` +
          `Write \`imports: [...]\` there (spread what you build: imports: [...${imports ? imports.initializer.getText(appModuleSource) : 'modules'}]), then run init again. Nothing was changed.`,
      );
    }
  }
  const setup = ormRoots.length === 0 && registrations.length === 0;
  const health = planHealth(raw, profile, project, sources, appModulePath, appModuleSource, appModule, defaultsUsed, notes);
  const orm = alignedWithApp(
    ormPackages(driver, { nestMajor: profile.nestMajor, existingOrmMajor: profile.ormMajor, nodeVersion: process.versions.node }),
    profile,
    tree,
  );
  return {
    options: { driver, style, force: raw.force === true, skipInstall: raw.skipInstall === true, validation: raw.validation !== false },
    defaultsUsed,
    project,
    profile,
    orm,
    bootstrap,
    appModulePath,
    appModuleClass: appModule.name,
    configPath: `${project.sourceRoot}/mikro-orm.config.ts`,
    databaseModulePath,
    databaseModuleClass,
    middlewarePath: `${project.sourceRoot}/${folder}/mikro-orm-request-context.middleware.ts`,
    setupPath: `${project.sourceRoot}/${SETUP_FILE}`,
    filterPath: `${project.sourceRoot}/${folder}/mikro-orm-exception.filter.ts`,
    setup,
    validation: setup && raw.validation !== false && !usesValidationPipe(main, notes) && !takesBodies(sources, notes),
    health,
    testing: planTestingModule(tree, project, driver, orm.major),
    registrations,
    ormRoots,
    notes,
  };
}

/** main.ts's own global ValidationPipe is kept: the setup adds no second one (two pipes with other options would disagree). */
function usesValidationPipe(main: ts.SourceFile, notes: string[]): boolean {
  const pipe = findNodes(
    main,
    (n): n is ts.NewExpression => ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'ValidationPipe',
  )[0];
  if (pipe) notes.push(`${main.fileName}:${lineOf(main, pipe)} has a ValidationPipe of its own: kept, and setupApp adds none.`);
  return !!pipe;
}

/**
 * Controllers that already take bodies: their DTOs may carry no class-validator decorators, and a
 * global ValidationPipe with whitelist would strip (forbidNonWhitelisted: refuse) every field of
 * theirs. The pipe is then the user's to add, once those DTOs are decorated.
 */
function takesBodies(sources: Map<string, ts.SourceFile>, notes: string[]): boolean {
  for (const source of sources.values()) {
    const body = findNodes(
      source,
      (n): n is ts.Decorator =>
        ts.isDecorator(n) && ts.isCallExpression(n.expression) && n.expression.expression.getText(source) === 'Body',
    )[0];
    if (!body) continue;
    notes.push(
      `${source.fileName}:${lineOf(source, body)} takes a request body already: setupApp gets no global ValidationPipe (whitelist would strip the fields of DTOs without class-validator decorators). Add it there once they are decorated.`,
    );
    return true;
  }
  return false;
}

/** Nest and MikroORM majors below what init supports: refused before any file changes. */
function refuseUnsupportedVersions(profile: AppProfile, project: NestProject): void {
  const found: string[] = [];
  const nest = profile.dependencies['@nestjs/core'];
  if (profile.nestMajor !== undefined && profile.nestMajor < MIN_NEST_MAJOR)
    found.push(`@nestjs/core ${nest} (init needs Nest ${MIN_NEST_MAJOR} or later)`);
  const core = profile.dependencies['@mikro-orm/core'];
  const coreMajor = majorOf(core);
  if (coreMajor !== undefined && coreMajor < MIN_ORM_MAJOR)
    found.push(`@mikro-orm/core ${core} (init needs MikroORM ${MIN_ORM_MAJOR} or later)`);
  if (profile.hasDependency('mikro-orm'))
    found.push(`the legacy mikro-orm package ${profile.dependencies['mikro-orm']} (init needs @mikro-orm/core ${MIN_ORM_MAJOR} or later)`);
  if (found.length === 0) return;
  throw new SchematicsException(
    `${project.packageJson} lists ${found.join(' and ')}: upgrade first (Nest: https://docs.nestjs.com/migration-guide, ` +
      `MikroORM: https://mikro-orm.io/docs/upgrading-v5-to-v6), then run init again. Nothing was changed.`,
  );
}

/**
 * Every way the app already opens a request context for HTTP requests, counted across the files
 * main.ts reaches: its own registrations, and the library's middleware of each MikroOrmModule root.
 * Refuses, naming file:line and the change to make by hand, every app in which init could not end
 * with exactly one context per request and one ORM.
 */
function contextPaths(
  tree: Tree,
  project: NestProject,
  sources: Map<string, ts.SourceFile>,
): { registrations: ContextRegistration[]; ormRoots: OrmRoot[] } {
  const open = (path: string) => sources.get(path) ?? (tree.exists(path) ? parseSource(tree, path) : undefined);
  const cliConfig = configFile(tree, project);
  const registrations: ContextRegistration[] = [];
  const ormRoots: OrmRoot[] = [];
  const own: OwnOrm[] = [];
  const middlewareModules: string[] = [];
  for (const [path, source] of sources) {
    registrations.push(...contextRegistrations(source, path === project.main));
    ormRoots.push(...findOrmRootCalls(source).map((call) => analyseOrmRoot(call, open, cliConfig)));
    own.push(...ownOrms(source));
    middlewareModules.push(...findOrmMiddlewareCalls(source).map((call) => `${path}:${lineOf(source, call)}`));
  }
  const refuse = (why: string) => {
    throw new SchematicsException(`${why} Nothing was changed.`);
  };
  const at = (r: { file: string; line: number }) => `${r.file}:${r.line}`;
  if (own.length > 0 && ormRoots.length === 0) {
    refuse(
      `The app builds its own MikroORM (${own.map((o) => `${at(o)}${o.token ? ` provides ${o.token}` : ''}`).join(', ')}): init would add a second ORM whose ` +
        `EntityManager no request uses. Give that ORM's EntityManager a context per request yourself (app.use((req, res, next) => RequestContext.create(orm.em, next)) ` +
        `right after NestFactory.create), or replace the provider with MikroOrmModule.forRoot(config) and run init again.`,
    );
  }
  if (ormRoots.length > 1) {
    refuse(
      `The app has ${ormRoots.length} MikroOrmModule roots (${ormRoots.map(at).join(', ')}): init sets up one ORM. Register a context for each (MikroOrmModule.forMiddleware()) by hand.`,
    );
  }
  if (middlewareModules.length > 0) {
    refuse(
      `${middlewareModules.join(', ')}: MikroOrmModule.forMiddleware() already opens a context per request for several ORMs; init handles apps with one.`,
    );
  }
  if (registrations.length > 1) {
    refuse(
      `The app opens a request context ${registrations.length} times (${registrations.map((r) => `${r.what} at ${at(r)}`).join(', ')}): each request forks twice. Keep one (the first, right after NestFactory.create), then run init again.`,
    );
  }
  const manual = ormRoots.filter((r) => r.middleware !== 'off' && r.manual);
  if (manual.length > 0) {
    refuse(
      `@mikro-orm/nestjs's middleware would open a second context per request, and init cannot switch it off safely: ${manual.map((r) => r.manual).join('; ')}.`,
    );
  }
  return { registrations, ormRoots };
}

/**
 * The TypeScript files of the app: those its bootstrap file reaches through imports (relative, and
 * the tsconfig's paths and baseUrl, which is how a monorepo app reaches its libraries). A test helper
 * under src/ with a forRoot of its own is no part of the app's requests.
 */
function appSources(tree: Tree, project: NestProject, main: ts.SourceFile): Map<string, ts.SourceFile> {
  const parsed = new Map<string, ts.SourceFile>([[project.main, main]]);
  const open = (path: string) => {
    if (!parsed.has(path) && tree.exists(path) && path.endsWith('.ts') && !path.endsWith('.d.ts'))
      parsed.set(path, parseSource(tree, path));
    return parsed.get(path);
  };
  const reachable = reachableFiles(project.main, open, importResolver(tree, project.tsconfig));
  return new Map([...reachable].map((path) => [path, parsed.get(path)!]));
}

function chooseDriver(raw: InitOptions, defaultsUsed: string[], { listed, serving }: { listed: Driver[]; serving: Driver[] }): Driver {
  // --type is only ever typed on a command line (nest g has no --driver), while driver may be the
  // answer of the prompt that the devkit shows because --driver was not given: --type wins.
  const given = raw.type ?? raw.driver;
  if (given !== undefined && !(DRIVERS as readonly string[]).includes(given)) {
    throw new SchematicsException(`Unknown driver "${given}": choose one of ${DRIVERS.join(', ')}.`);
  }
  // An app that already has MikroORM keeps its driver: a second one would be a second database setup.
  const existing = serving.length > 0 ? serving : listed;
  if (existing.length > 0) {
    if (given !== undefined && !existing.includes(given as Driver)) {
      throw new SchematicsException(
        `The app already uses ${existing.map(driverPackage).join(' and ')}: init --driver ${given} would add a second driver beside it. ` +
          `Run init without --driver (or with --driver ${existing[0]}), or move the app to ${driverPackage(given as Driver)} first. Nothing was changed.`,
      );
    }
    if (given !== undefined) return given as Driver;
    if (existing.length > 1) {
      throw new SchematicsException(
        `The app lists ${existing.map(driverPackage).join(' and ')}: say which one serves its requests with --driver. Nothing was changed.`,
      );
    }
    defaultsUsed.push(`driver=${existing[0]} (the app's)`);
    return existing[0];
  }
  if (given === undefined) {
    defaultsUsed.push('driver=sqlite');
    return 'sqlite';
  }
  return given as Driver;
}

function cleanFolder(path: string): string {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || !/^[\w.-]+$/.test(p))) {
    throw new SchematicsException(`Invalid --path "${path}": give a folder inside the source root, e.g. "database".`);
  }
  return parts.join('/');
}

/** The file of the module given to NestFactory.create, from main.ts's import of it. */
function rootModulePath(tree: Tree, project: NestProject, bootstrap: Bootstrap): string {
  const fallback = `${project.sourceRoot}/app.module.ts`;
  const main = bootstrap.create.getSourceFile();
  const name = bootstrap.rootModule;
  for (const statement of main.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!name || !bindings || !ts.isNamedImports(bindings) || !bindings.elements.some((e) => e.name.text === name)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) break;
    const candidate = importedSourceFiles(project.main, specifier).find((p) => tree.exists(p));
    if (candidate) return candidate;
  }
  if (!tree.exists(fallback)) {
    throw new SchematicsException(`Could not find the root module file (${fallback}) that ${project.main} bootstraps.`);
  }
  return fallback;
}

/**
 * In an app that already has @mikro-orm/core, the MikroORM packages init adds (the CLI, decorators)
 * take the app's core version, exactly: each MikroORM package peers one exact core, so `^7.1.0` beside
 * an installed core 7.1.4 would resolve to the newest 7.x and fail with ERESOLVE. The installed core's
 * version when node_modules has it, else the version the app's range names. The app's own entries
 * are kept as they are.
 */
function alignedWithApp(orm: OrmPackages, profile: AppProfile, tree: Tree): OrmPackages {
  const range = profile.dependencies['@mikro-orm/core'];
  if (!range) return orm;
  const installed = readJson<{ version?: string }>(tree, 'node_modules/@mikro-orm/core/package.json')?.version;
  const core = installed ?? range.replace(/^[\^~=v\s]+/, '');
  const align = (packages: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(packages).map(([name, version]) => [
        name,
        name.startsWith('@mikro-orm/') && name !== '@mikro-orm/nestjs' ? core : version,
      ]),
    );
  return { ...orm, dependencies: align(orm.dependencies), devDependencies: align(orm.devDependencies) };
}

function declaresClass(source: ts.SourceFile, name: string): boolean {
  return source.statements.some((s) => ts.isClassDeclaration(s) && s.name?.text === name);
}
