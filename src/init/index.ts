import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { AppProfile, compilerOption, readAppProfile } from '../utils/app-profile';
import { applyInsertions, importInsertion, lineIndent, objectProperty, parseSource, propertyInsertion } from '../utils/ast';
import { Bootstrap, contextRegistrations, fastifyAdapterSite, findBootstrap, findOrmRoots, ormRootOptions } from '../utils/bootstrap';
import { addPackages } from '../utils/dependencies';
import { createFile, renderFiles } from '../utils/files';
import { JSONFile } from '../utils/json';
import { findModuleClass, middlewareInsertions, moduleArrayInsertions } from '../utils/module';
import { detectSourceStyle, quoted, terminate } from '../utils/source-style';
import { sourceFiles } from '../utils/tree';
import { Driver, DRIVERS, OrmPackages, ormPackages } from '../utils/versions';
import { importedSourceFiles, NestProject, relativeImport, resolveProject } from '../utils/workspace';
import { InitOptions } from './schema';

export const COLLECTION_NAME = 'mikro-request-context';
const TEMPLATES = '../../templates/init';
const MIDDLEWARE_CLASS = 'MikroOrmRequestContextMiddleware';

/** Everything init decided before touching the tree: rules only carry it out. */
interface InitPlan {
  options: Required<Pick<InitOptions, 'force' | 'skipInstall'>> & { driver: Driver; style: 'main' | 'middleware' };
  defaultsUsed: string[];
  project: NestProject;
  profile: AppProfile;
  orm: OrmPackages;
  bootstrap: Bootstrap;
  appModulePath: string;
  appModuleClass: string;
  configPath: string;
  databaseModulePath: string;
  middlewarePath: string;
  /** where the app already opens a request context (empty: we register ours) */
  registrations: string[];
  /** MikroOrmModule.forRoot calls the app already has */
  ormRoots: { path: string; call: ts.CallExpression }[];
}

/**
 * `init`: MikroORM in a Nest app with exactly one request context per request, registered before
 * everything else (DESIGN.md §3). Every decision is made (and every bad input refused) in
 * planInit before the first edit, so an error leaves all files as they were.
 */
export function init(options: InitOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const plan = planInit(tree, options);
    const changesBefore = tree.actions.length;
    return chain([
      addOrmDependencies(plan),
      createConfiguration(plan),
      registerRequestContext(plan),
      disableLibraryMiddleware(plan),
      importDatabaseModule(plan),
      enableDecorators(plan),
      makeDefaultCollection(plan),
      configureOrmCli(plan),
      ignoreDatabaseFile(plan),
      reportNextSteps(plan, context, changesBefore),
    ]);
  };
}

export function planInit(tree: Tree, raw: InitOptions): InitPlan {
  const defaultsUsed: string[] = [];
  const driver = chooseDriver(raw, defaultsUsed);
  const style = raw.style ?? (defaultsUsed.push('style=main'), 'main');
  if (style !== 'main' && style !== 'middleware') {
    throw new SchematicsException(`Unknown style "${style}": use --style main (app.use in main.ts) or --style middleware.`);
  }
  const project = resolveProject(tree, raw);
  const profile = readAppProfile(tree, project);
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
  const registrations: string[] = [];
  const ormRoots: InitPlan['ormRoots'] = [];
  for (const path of sourceFiles(tree, project.sourceRoot)) {
    const source = path === project.main ? main : parseSource(tree, path);
    registrations.push(...contextRegistrations(source, path === project.main));
    ormRoots.push(...findOrmRoots(source).map((call) => ({ path, call })));
  }
  if (registrations.length === 0 && style === 'main' && !bootstrap.statement) {
    throw new SchematicsException(
      `${project.main}: the result of NestFactory.create(...) is not kept in a variable, so nothing can be registered on it. ` +
        `Write \`const app = await NestFactory.create(...)\`, then run init again.`,
    );
  }
  const appModulePath = rootModulePath(tree, project, bootstrap);
  const appModule = findModuleClass(parseSource(tree, appModulePath), bootstrap.rootModule);
  if (!appModule) {
    throw new SchematicsException(
      `${appModulePath} has no @Module() class${bootstrap.rootModule ? ` named ${bootstrap.rootModule}` : ''}: init imports the database module there.`,
    );
  }
  const folder = cleanFolder(raw.path ?? 'database');
  return {
    options: { driver, style, force: raw.force === true, skipInstall: raw.skipInstall === true },
    defaultsUsed,
    project,
    profile,
    orm: ormPackages(driver, { nestMajor: profile.nestMajor, existingOrmMajor: profile.ormMajor, nodeVersion: process.versions.node }),
    bootstrap,
    appModulePath,
    appModuleClass: appModule.name,
    configPath: `${project.sourceRoot}/mikro-orm.config.ts`,
    databaseModulePath: `${project.sourceRoot}/${folder}/database.module.ts`,
    middlewarePath: `${project.sourceRoot}/${folder}/mikro-orm-request-context.middleware.ts`,
    registrations,
    ormRoots,
  };
}

function chooseDriver(raw: InitOptions, defaultsUsed: string[]): Driver {
  // --type is only ever typed on a command line (nest g has no --driver), while driver may be the
  // answer of the prompt that the devkit shows because --driver was not given: --type wins.
  const given = raw.type ?? raw.driver;
  if (given === undefined) {
    defaultsUsed.push('driver=sqlite');
    return 'sqlite';
  }
  if (!(DRIVERS as readonly string[]).includes(given)) {
    throw new SchematicsException(`Unknown driver "${given}": choose one of ${DRIVERS.join(', ')}.`);
  }
  return given as Driver;
}

function cleanFolder(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.');
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

function addOrmDependencies(plan: InitPlan): Rule {
  const devDependencies = { ...plan.orm.devDependencies };
  // The v7 CLI loads the TypeScript config through a loader; tsx is the lightest that works in ESM and CommonJS apps.
  if (plan.orm.major === 7) devDependencies['tsx'] = '^4.20.0';
  return addPackages(plan.project.packageJson, { dependencies: plan.orm.dependencies, devDependencies }, plan.options.skipInstall);
}

/** mikro-orm.config.ts, the database module, the middleware class (style middleware) and .env.example. */
function createConfiguration(plan: InitPlan): Rule {
  if (plan.ormRoots.length > 0) return () => undefined;
  const { driver, style, force } = plan.options;
  const values = {
    driver,
    ormMajor: plan.orm.major,
    connection: connectionDefaults(driver, plan.project),
    configPath: plan.configPath,
    configImport: relativeImport(plan.databaseModulePath, plan.configPath, plan.profile.importSuffix),
    registeredIn: style === 'main' ? plan.project.main : `${plan.appModuleClass}.configure()`,
    appModuleClass: plan.appModuleClass,
  };
  const folder = (path: string) => path.split('/').slice(0, -1).join('/');
  const rules = [
    renderFiles({ from: `${TEMPLATES}/config`, to: folder(plan.configPath), values, force }),
    renderFiles({ from: `${TEMPLATES}/database`, to: folder(plan.databaseModulePath), values, force }),
    renderFiles({ from: `${TEMPLATES}/root`, to: plan.project.root, values, force }),
  ];
  if (style === 'middleware' && plan.registrations.length === 0) {
    rules.push(renderFiles({ from: `${TEMPLATES}/middleware`, to: folder(plan.middlewarePath), values, force }));
  }
  return chain(rules);
}

interface Connection {
  kind: 'file' | 'url' | 'server';
  dbName: string;
  port?: number;
  user?: string;
  url?: string;
}

export function connectionDefaults(driver: Driver, project: NestProject): Connection {
  const dbName = (project.name ?? 'app').replace(/[^\w]/g, '_');
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
 * The request context itself. Style main: the first statement after NestFactory.create (`app.use`), or on
 * Fastify a hook on the adapter just before create; style middleware: the middleware in configure().
 */
function registerRequestContext(plan: InitPlan): Rule {
  return (tree, context) => {
    if (plan.registrations.length > 0) {
      context.logger.info(`Request context already registered (${plan.registrations.join('; ')}): left as it is.`);
      return;
    }
    if (plan.options.style === 'middleware') {
      const source = parseSource(tree, plan.appModulePath);
      const style = detectSourceStyle(source);
      const module = findModuleClass(source, plan.appModuleClass)!;
      const routes = (plan.profile.nestMajor ?? 12) >= 11 ? '{*splat}' : '*';
      applyInsertions(tree, plan.appModulePath, [
        ...middlewareInsertions(source, style, module, MIDDLEWARE_CLASS, routes),
        importInsertion(source, style, [MIDDLEWARE_CLASS], relativeImport(plan.appModulePath, plan.middlewarePath, plan.profile.importSuffix))!,
      ]);
      return;
    }
    const source = parseSource(tree, plan.project.main);
    const style = detectSourceStyle(source);
    const bootstrap = findBootstrap(source) as Bootstrap;
    const statement = bootstrap.statement!;
    const indent = lineIndent(source, statement);
    const app = bootstrap.appVariable!;
    const em = `${app}.get(MikroORM).em`;
    const imports = importInsertion(source, style, ['MikroORM', 'RequestContext'], '@mikro-orm/core');
    const fastify = bootstrap.adapter === 'fastify' ? fastifyAdapterSite(source, bootstrap) : undefined;
    if (fastify) {
      // Fastify: a hook on the adapter, added before NestFactory.create registers middie, runs before
      // all middleware and skips middie's per-request work (b/b_m in BENCHMARKS.md).
      const lines = [
        ...(fastify.kind === 'inline' ? [terminate(`const ${fastify.name} = ${fastify.expression.getText(source)}`, style)] : []),
        `// One MikroORM request context per request, opened by a hook that runs before any middleware (and only once ${app} exists): no request sees another's entities.`,
        terminate(`${fastify.name}.getInstance().addHook(${quoted('onRequest', style)}, (_request, _reply, done) => RequestContext.create(${em}, done))`, style),
      ];
      applyInsertions(tree, plan.project.main, [
        { pos: startOfLeadingComments(source, statement), text: lines.map((line) => `${line}${style.eol}${indent}`).join('') },
        ...(fastify.kind === 'inline'
          ? [{ pos: fastify.expression.getStart(source), length: fastify.expression.getWidth(source), text: fastify.name }]
          : []),
        ...(imports ? [imports] : []),
      ]);
      return;
    }
    const registration = terminate(`${app}.use((_req: unknown, _res: unknown, next: () => void) => RequestContext.create(${em}, next))`, style);
    const comment = '// One MikroORM request context per request, before any other middleware: no request sees another\'s entities.';
    applyInsertions(tree, plan.project.main, [
      { pos: endOfLine(source, statement), text: `${style.eol}${indent}${comment}${style.eol}${indent}${registration}` },
      ...(imports ? [imports] : []),
    ]);
  };
}

/** Where a statement begins, comments on the lines above it included (not one that ends the previous line). */
function startOfLeadingComments(source: ts.SourceFile, statement: ts.Statement): number {
  const comments = ts.getLeadingCommentRanges(source.text, statement.getFullStart()) ?? [];
  const own = comments.find((c) => source.text.slice(statement.getFullStart(), c.pos).includes('\n'));
  return own ? own.pos : statement.getStart(source);
}

/** The end of a statement including a comment that follows it on the same line (`}); // note`). */
function endOfLine(source: ts.SourceFile, statement: ts.Statement): number {
  const trailing = ts.getTrailingCommentRanges(source.text, statement.getEnd()) ?? [];
  const sameLine = trailing.filter((c) => !source.text.slice(statement.getEnd(), c.pos).includes('\n'));
  return sameLine.length > 0 ? sameLine[sameLine.length - 1].end : statement.getEnd();
}

/** An existing MikroOrmModule.forRoot must not fork a second context: set registerRequestContext: false. */
function disableLibraryMiddleware(plan: InitPlan): Rule {
  return (tree, context) => {
    for (const { path, call } of plan.ormRoots) {
      const source = parseSource(tree, path);
      const fresh = findOrmRoots(source).find((c) => c.getStart(source) === call.getStart(call.getSourceFile()));
      const options = fresh && ormRootOptions(fresh);
      if (!options) {
        context.logger.warn(
          `${path}: set registerRequestContext: false in the MikroOrmModule options yourself: the app registers its own context, and the library's middleware would fork a second one.`,
        );
        continue;
      }
      const existing = objectProperty(options, 'registerRequestContext');
      if (existing?.initializer.kind === ts.SyntaxKind.FalseKeyword) continue;
      const style = detectSourceStyle(source);
      if (existing) {
        const recorder = tree.beginUpdate(path);
        recorder.remove(existing.initializer.getStart(source), existing.initializer.getWidth(source));
        recorder.insertLeft(existing.initializer.getStart(source), 'false');
        tree.commitUpdate(recorder);
      } else {
        applyInsertions(tree, path, [propertyInsertion(source, style, options, 'registerRequestContext: false')]);
      }
      context.logger.info(`${path}: registerRequestContext: false, so that each request gets exactly one context.`);
    }
  };
}

function importDatabaseModule(plan: InitPlan): Rule {
  return (tree) => {
    if (plan.ormRoots.length > 0) return;
    const source = parseSource(tree, plan.appModulePath);
    const module = findModuleClass(source, plan.appModuleClass)!;
    const from = relativeImport(plan.appModulePath, plan.databaseModulePath, plan.profile.importSuffix);
    applyInsertions(
      tree,
      plan.appModulePath,
      moduleArrayInsertions(source, detectSourceStyle(source), module, 'imports', 'DatabaseModule', [{ names: ['DatabaseModule'], from }], 'first'),
    );
  };
}

/**
 * MikroORM's legacy decorators (the ones Nest uses) need experimentalDecorators, and the reflect
 * metadata provider reads emitDecoratorMetadata: set them in the app's tsconfig only when its
 * config chain lacks them, through the JSONC editor (comments kept).
 */
function enableDecorators(plan: InitPlan): Rule {
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
function makeDefaultCollection(plan: InitPlan): Rule {
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

/** package.json "mikro-orm".configPaths, so that the MikroORM CLI loads the same config as the app. */
function configureOrmCli(plan: InitPlan): Rule {
  return (tree) => {
    if (plan.ormRoots.length > 0) return;
    const json = new JSONFile(tree, plan.project.packageJson);
    const paths = [`./${plan.configPath}`, `./dist/${plan.configPath.slice(plan.project.sourceRoot.length + 1).replace(/\.ts$/, '.js')}`];
    const current = json.get(['mikro-orm', 'configPaths']);
    if (Array.isArray(current) && current.length > 0) return;
    if (json.get(['mikro-orm']) === undefined) json.modify(['mikro-orm'], { configPaths: paths }, false);
    else json.modify(['mikro-orm', 'configPaths'], paths, false);
  };
}

/** The SQLite file is data, not source. */
function ignoreDatabaseFile(plan: InitPlan): Rule {
  return (tree) => {
    const connection = connectionDefaults(plan.options.driver, plan.project);
    if (connection.kind !== 'file' || plan.ormRoots.length > 0) return;
    const path = '.gitignore';
    const current = tree.exists(path) ? tree.readText(path) : '';
    const lines = current.split(/\r?\n/).map((l) => l.trim());
    if (lines.includes(connection.dbName) || lines.includes(`/${connection.dbName}`)) return;
    const eol = current.includes('\r\n') ? '\r\n' : '\n';
    const entry = `${current && !current.endsWith('\n') ? eol : ''}${current ? eol : ''}# MikroORM ${plan.options.driver} database${eol}${connection.dbName}${eol}`;
    if (tree.exists(path)) tree.overwrite(path, current + entry);
    else tree.create(path, entry.replace(/^\r?\n/, ''));
  };
}

function reportNextSteps(plan: InitPlan, context: SchematicContext, changesBefore: number): Rule {
  return (tree) => {
    const log = context.logger;
    if (plan.defaultsUsed.length > 0) {
      log.info(`Using defaults: ${plan.defaultsUsed.join(', ')} (pass --driver/--style, or answer the prompts in a terminal).`);
    }
    log.info(`MikroORM ${plan.orm.major} (${plan.orm.reason}), driver ${plan.options.driver}.`);
    if (tree.actions.length === changesBefore) {
      log.info('Nothing to change: MikroORM and its request context are already set up in this app.');
      return;
    }
    const connection = connectionDefaults(plan.options.driver, plan.project);
    log.info('Next steps:');
    log.info(
      connection.kind === 'file'
        ? `  - The database is the file ${connection.dbName} (MIKRO_ORM_DB_NAME changes it; see .env.example).`
        : `  - Set the MIKRO_ORM_* connection variables listed in .env.example (never commit the password).`,
    );
    log.info('  - Generate the repository pattern: nest g repository users');
    log.info('  - Create the schema: npx mikro-orm schema:update --run (or migrations: npx mikro-orm migration:create)');
  };
}
