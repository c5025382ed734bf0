// Builds the apps the proof runs: a fixture copied into a temporary folder where packages resolve
// from the project's own node_modules (Nest 12 + MikroORM 7 under .tmp/, Nest 11 + MikroORM 6 under
// test/orm6/.tmp/), the package's own schematics run on it through the Angular devkit exactly as a
// user's `nest g` / `schematics` run does, compiled with tsc and given its schema. The control is
// a copy of that app with the request context taken out, and the double-context build a copy with
// the library's middleware switched back on next to init's registration, both made by AST edits
// (clearly marked).
import { HostTree } from '@angular-devkit/schematics';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import type * as Ast from '../../../src/utils/ast.ts';
import type * as Module from '../../../src/utils/module.ts';
import type * as SourceStyle from '../../../src/utils/source-style.ts';
import type * as Versions from '../../../src/utils/versions.ts';
import type * as Workspace from '../../../src/utils/workspace.ts';
import type * as Bootstrap from '../../../src/utils/bootstrap.ts';
import type * as OrmOptions from '../../../src/utils/orm-options.ts';
import { listFiles } from '../files.ts';
import { built, FIXTURES, type OrmMajor, projectRequire, ROOT, tempBase } from '../paths.ts';
import { runInFolder, type SchematicOptions } from '../schematics.ts';
import { trackFolder } from './processes.ts';

export { ROOT };

/** The package's compiled helpers (npm run build): the same AST code the schematics use. */
export function utils(): {
  ast: typeof Ast;
  bootstrap: typeof Bootstrap;
  ormOptions: typeof OrmOptions;
  module: typeof Module;
  style: typeof SourceStyle;
  workspace: typeof Workspace;
  versions: typeof Versions;
} {
  return {
    ast: built('utils/ast'),
    bootstrap: built('utils/bootstrap'),
    ormOptions: built('utils/orm-options'),
    module: built('utils/module'),
    style: built('utils/source-style'),
    workspace: built('utils/workspace'),
    versions: built('utils/versions'),
  };
}

export interface AppSpec {
  /** folder under test/fixtures (nest12, nest11, fastify...) */
  fixture: string;
  /** 7: resolves from the root node_modules; 6: from test/orm6 */
  ormMajor: OrmMajor;
  driver: 'sqlite' | 'postgresql';
  style: 'main' | 'middleware';
}

/**
 * What a build is: `generated` (init, then the features), `control` (the generated app without any
 * request context, allowGlobalContext: true), `before-init` (the fixture with only the features: an app
 * that already had MikroORM keeps the library's middleware as its one context) and `double-context`
 * (the generated app with the library's middleware switched back on next to init's registration:
 * two nested contexts per request). The benchmark's variants are `bench-<name>` builds.
 */
export type AppKind = 'generated' | 'control' | 'before-init' | 'double-context' | `bench-${string}`;

export interface App {
  dir: string;
  spec: AppSpec;
  kind: AppKind;
  /** the source file with the app's MikroOrmModule.forRoot */
  ormRoot: string;
  esm: boolean;
  /** what the schematics reported (CREATE/UPDATE lines and their messages) */
  log: string[];
}

/** The schematics the proof runs after init, in order (the seed's repository pattern, then its REST resource). */
export const FEATURE_SCHEMATICS: [string, SchematicOptions][] = [
  // skipInstall: the apps resolve their packages from the project's node_modules (an install would
  // fetch the SQLite the specs of a PostgreSQL app add).
  ['repository', { name: 'users', fields: 'name:string', skipInstall: true }],
  ['resource', { name: 'users', skipInstall: true }],
];

/**
 * A fixture app with init, repository and resource applied, plus the proof's isolation endpoint.
 * @param [options]
 *   features: what runs after init (default: the FEATURE_SCHEMATICS, i.e. `repository users` and `resource users`)
 *   prefix: the start of the app folder's name (default 'proof'; the benchmark's apps are 'bench-…')
 *   init: false builds the `before-init` app: the features only, on a fixture that already has MikroORM
 *   forkProbe: also add the fork probe (GET /proof/forks, see addForkProbe); it wraps EntityManager#fork,
 *     so the benchmark's apps, which time every request, leave it out
 */
export async function generateApp(
  spec: AppSpec,
  {
    features = runFeatureSchematics,
    prefix = 'proof',
    init = true,
    forkProbe = false,
  }: { features?: (dir: string, log: string[]) => Promise<void>; prefix?: string; init?: boolean; forkProbe?: boolean } = {},
): Promise<App> {
  const source = join(FIXTURES, spec.fixture);
  if (!existsSync(join(source, 'package.json'))) throw new Error(`No fixture app at test/fixtures/${spec.fixture}.`);
  const name = `${prefix}-${spec.fixture}-${init ? `${spec.driver}-${spec.style}` : 'before-init'}-`;
  const dir = trackFolder(mkdtempSync(join(tempBase(spec.ormMajor), name)));
  cpSync(source, dir, { recursive: true, filter: (path) => !/[\\/](node_modules|dist)$/.test(path) });
  const log: string[] = [];
  const { versions } = utils();
  if (spec.ormMajor === 6) {
    // A user who stays on MikroORM 6 has it in package.json already; init then generates for 6.
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    pkg.dependencies = { ...pkg.dependencies, '@mikro-orm/core': versions.ORM_RELEASES[6].orm };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  }
  if (init) log.push(...(await runInFolder(dir, 'init', { driver: spec.driver, style: spec.style, skipInstall: true })));
  await features(dir, log);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const ormMajor = versions.majorOf(pkg.dependencies?.['@mikro-orm/core']);
  if (ormMajor !== spec.ormMajor) {
    const what = init ? 'init set up' : `test/fixtures/${spec.fixture} has`;
    throw new Error(
      `${what} MikroORM ${ormMajor ?? '(none)'} in ${dir}, not ${spec.ormMajor}: the packages under ${tempBase(spec.ormMajor)} would not match.`,
    );
  }
  const esm = pkg.type === 'module';
  addIsolationEndpoint(dir, esm);
  if (forkProbe) addForkProbe(dir, esm);
  return { dir, spec, kind: init ? 'generated' : 'before-init', esm, log, ormRoot: ormRootFile(dir) };
}

async function runFeatureSchematics(dir: string, log: string[]): Promise<void> {
  for (const [schematic, options] of FEATURE_SCHEMATICS) log.push(...(await runInFolder(dir, schematic, options)));
}

/** Parses, edits through the AST (the package's own helpers) and writes back one file of an app. */
export function editFile(dir: string, path: string, edit: (source: ts.SourceFile, tree: HostTree) => void): void {
  const { ast } = utils();
  const full = join(dir, path);
  const tree = new HostTree();
  tree.create(path, readFileSync(full));
  edit(ast.parseText(path, readFileSync(full, 'utf8')), tree);
  writeFileSync(full, tree.readText(path));
}

/** Every .ts file under the app's src (no specs). */
export function sourcePaths(dir: string): string[] {
  return listFiles(join(dir, 'src'))
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.spec.ts'))
    .map((path) => `src/${path}`);
}

/** The file that declares the `User` entity that `repository users` generated. */
function userEntityPath(dir: string): string {
  const { ast } = utils();
  for (const path of sourcePaths(dir)) {
    const source = ast.parseText(path, readFileSync(join(dir, path), 'utf8'));
    if (ast.classesWithDecorator(source, 'Entity').some((c) => c.name?.text === 'User')) return path;
  }
  throw new Error(`No @Entity() class User under ${join(dir, 'src')}: did \`repository users\` run?`);
}

const ISOLATION_CONTROLLER = 'src/proof/proof-isolation.controller.ts';

/**
 * PROOF SCAFFOLDING (not generated code): one endpoint for the isolation check, added to both the
 * generated app and the control. It loads one user, changes it without flushing, waits so that other
 * requests interleave, then reports which entities its EntityManager holds and which changes its
 * flush would write. With one context per request, that is only its own user.
 */
function addIsolationEndpoint(dir: string, esm: boolean): void {
  const { workspace } = utils();
  const entity = userEntityPath(dir);
  const entityImport = workspace.relativeImport(ISOLATION_CONTROLLER, entity, esm ? '.js' : '');
  const controller = `// PROOF SCAFFOLDING, not generated code: the endpoint that the proof's isolation check calls
// (scripts/lib/proof/isolation.ts). It is added to the generated app and to the control alike.
import { Body, Controller, Param, ParseIntPipe, Post } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/core';
import { User } from '${entityImport}';

@Controller('proof')
export class ProofIsolationController {
  constructor(private readonly em: EntityManager) {}

  @Post('isolation/:id')
  async isolate(@Param('id', ParseIntPipe) id: number, @Body() body: { marker: string; waitMs: number }) {
    // The EntityManager this request works with: its own fork, or the global one when there is no context.
    const em = this.em.getContext();
    const user = await em.findOneOrFail(User, { id });
    user.name = body.marker;
    await new Promise((resolve) => setTimeout(resolve, body.waitMs));
    const uow = em.getUnitOfWork();
    const seen = uow.getIdentityMap().values().map((e) => Number((e as { id?: unknown }).id));
    uow.computeChangeSets();
    const changed = uow.getChangeSets().map((c) => Number((c.entity as { id?: unknown }).id));
    await em.flush();
    return { id, context: em.id, seen, changed };
  }
}
`;
  mkdirSync(join(dir, dirname(ISOLATION_CONTROLLER)), { recursive: true });
  writeFileSync(join(dir, ISOLATION_CONTROLLER), controller);
  registerController(dir, esm, ISOLATION_CONTROLLER, 'ProofIsolationController');
}

/** Lists a scaffolding controller in AppModule's `controllers` (the proof's and the benchmark's). */
export function registerController(dir: string, esm: boolean, path: string, className: string): void {
  const { ast, module, style, workspace } = utils();
  const appModule = 'src/app.module.ts';
  editFile(dir, appModule, (source, tree) => {
    const found = module.findModuleClass(source, 'AppModule');
    if (!found) throw new Error(`${appModule} has no AppModule.`);
    const from = workspace.relativeImport(appModule, path, esm ? '.js' : '');
    ast.applyInsertions(
      tree,
      appModule,
      module.moduleArrayInsertions(source, style.detectSourceStyle(source), found, 'controllers', className, [
        { names: [className], from },
      ]),
    );
  });
}

const FORK_PROBE_CONTROLLER = 'src/proof/proof-forks.controller.ts';

/**
 * PROOF SCAFFOLDING (not generated code): the fork probe, GET /proof/forks, for the one-fork check
 * (forks.ts). MikroORM keeps no link from a fork to the EntityManager it was forked from, so the
 * probe wraps EntityManager#fork once, when the app loads (before it serves anything), to record that
 * link. The endpoint then walks from the EntityManager the handler works with up to the global one:
 * with one request context per request that is exactly one step; with two nested contexts (init's
 * registration and the library's middleware both on) two; without a context none.
 */
function addForkProbe(dir: string, esm: boolean): void {
  const controller = `// PROOF SCAFFOLDING, not generated code: the endpoint that the proof's one-fork check calls
// (scripts/lib/proof/forks.ts). It is added to every build of a variant alike.
import { Controller, Get, Query } from '@nestjs/common';
import { EntityManager, RequestContext } from '@mikro-orm/core';

type ForkOptions = { disableContextResolution?: boolean };
type Forkable = { fork(options?: ForkOptions): EntityManager; __proofForkProbe?: boolean };

/** The EntityManager each fork was made from (fork() forks the current context's EntityManager, not always the one it is called on). */
const forkedFrom = new WeakMap<EntityManager, EntityManager>();
const prototype = EntityManager.prototype as unknown as Forkable;
if (!prototype.__proofForkProbe) {
  const fork = prototype.fork;
  prototype.fork = function (this: EntityManager, options?: ForkOptions) {
    const from = options?.disableContextResolution ? this : this.getContext(false);
    const forked = fork.call(this, options);
    forkedFrom.set(forked, from);
    return forked;
  };
  prototype.__proofForkProbe = true;
}

@Controller('proof')
export class ProofForksController {
  constructor(private readonly em: EntityManager) {}

  @Get('forks')
  async forks(@Query('waitMs') waitMs?: string) {
    await new Promise((resolve) => setTimeout(resolve, Number(waitMs ?? 0)));
    // The EntityManager this handler works with (what an injected EntityManager or repository uses).
    const em = this.em.getContext(false);
    // From it up the forks to the EntityManager nothing was forked from (the global one). \`_id\` is each
    // instance's own id: \`id\` answers for the current context, whichever instance it is asked of.
    const own = (e: EntityManager) => (e as unknown as { _id: number })._id;
    const chain: { id: number; global: boolean }[] = [];
    for (let current: EntityManager | undefined = em; current && chain.length < 16; current = forkedFrom.get(current)) {
      chain.push({ id: own(current), global: current.global });
    }
    const context = RequestContext.getEntityManager();
    return { handler: own(em), requestContext: context ? own(context) : null, chain };
  }
}
`;
  mkdirSync(join(dir, dirname(FORK_PROBE_CONTROLLER)), { recursive: true });
  writeFileSync(join(dir, FORK_PROBE_CONTROLLER), controller);
  registerController(dir, esm, FORK_PROBE_CONTROLLER, 'ProofForksController');
}

/** The one source file of an app that calls MikroOrmModule.forRoot/forRootAsync. */
export function ormRootFile(dir: string): string {
  const { ast, ormOptions } = utils();
  const roots = sourcePaths(dir).filter(
    (path) => ormOptions.findOrmRootCalls(ast.parseText(path, readFileSync(join(dir, path), 'utf8'))).length > 0,
  );
  if (roots.length !== 1) throw new Error(`Expected one MikroOrmModule.forRoot in ${dir}, found ${roots.length}.`);
  return roots[0];
}

/** The options literal of an app's MikroOrmModule root, and its own `registerRequestContext` property if it has one. */
function rootOptions(
  source: ts.SourceFile,
  path: string,
): { options: ts.ObjectLiteralExpression; setting: ts.PropertyAssignment | undefined } {
  const { bootstrap, ormOptions } = utils();
  const options = bootstrap.ormRootOptions(ormOptions.findOrmRootCalls(source)[0]);
  if (!options) throw new Error(`${path}: the forRoot options are not an object literal.`);
  const setting = options.properties
    .filter(ts.isPropertyAssignment)
    .filter((p) => p.name.getText(source) === 'registerRequestContext')
    .pop();
  return { options, setting };
}

export const CONTROL_NOTE = 'PROOF CONTROL, not generated code';

/** A copy of a build's folder for a derived build (no node_modules, build output or tsc state). */
function copyApp(app: App, suffix: string): string {
  const dir = trackFolder(mkdtempSync(`${app.dir}-${suffix}-`));
  cpSync(app.dir, dir, { recursive: true, filter: (path) => !/[\\/](node_modules|dist)$/.test(path) && !path.endsWith('.tsbuildinfo') });
  return dir;
}

/**
 * The control: a copy of the generated app with the request context taken out and the global
 * EntityManager allowed (`allowGlobalContext: true`, the usual "fix" for MikroORM's v5+ error).
 * Both ways a request can get a context are gone: init's registration is removed, and the library's
 * middleware stays off (init switched it off; if the root's options do not say so themselves, the
 * control says `registerRequestContext: false`). It must serve stale data, or the proof proves nothing.
 */
export function makeControl(app: App): App {
  const { ast, style } = utils();
  const dir = copyApp(app, 'control');
  const removed = app.spec.style === 'main' ? removeMainRegistration(dir) : removeMiddlewareRegistration(dir);

  // allowGlobalContext: true in the MikroOrmModule.forRoot options (and the library's middleware off).
  const root = app.ormRoot;
  const changes = ['allowGlobalContext: true'];
  editFile(dir, root, (source, tree) => {
    const { options, setting } = rootOptions(source, root);
    const sourceStyle = style.detectSourceStyle(source);
    const insertions = [ast.propertyInsertion(source, sourceStyle, options, 'allowGlobalContext: true')];
    if (!setting) {
      insertions.push(ast.propertyInsertion(source, sourceStyle, options, 'registerRequestContext: false'));
      changes.push('registerRequestContext: false');
    } else if (setting.initializer.getText(source) !== 'false') {
      insertions.push({ pos: setting.initializer.getStart(source), length: setting.initializer.getWidth(source), text: 'false' });
      changes.push('registerRequestContext: false');
    }
    const note = `// ${CONTROL_NOTE}: the global EntityManager is allowed (${changes.join(', ')}).\n`;
    ast.applyInsertions(tree, root, [{ pos: 0, text: note }, ...insertions]);
  });
  writeFileSync(
    join(dir, 'PROOF-CONTROL.md'),
    `# ${CONTROL_NOTE}\n\nThis app is the proof's control: the generated app with its request context removed (${removed}) ` +
      `and \`${changes.join('`, `')}\` in the MikroORM options. Every request shares the global EntityManager, ` +
      `so it serves stale data across instances. Never ship this.\n`,
  );
  return { ...app, dir, kind: 'control', log: [...app.log, `CONTROL ${removed}`, ...changes.map((c) => `CONTROL ${root}: ${c}`)] };
}

export const DOUBLE_NOTE = 'PROOF DOUBLE CONTEXT, not generated code';

/**
 * The double-context build: a copy of the generated app with @mikro-orm/nestjs's middleware switched
 * back on (`registerRequestContext: true` where init wrote `false`), next to init's own registration.
 * That is what adding a registration without switching the library's off gives: two nested request
 * contexts, so the EntityManager a handler gets is a fork of a fork. It serves fresh data, but the
 * one-fork check must flag every request, or that check proves nothing.
 */
export function makeDoubleContext(app: App): App {
  const { ast } = utils();
  const dir = copyApp(app, 'double');
  const root = app.ormRoot;
  editFile(dir, root, (source, tree) => {
    const { setting } = rootOptions(source, root);
    if (!setting || setting.initializer.getText(source) !== 'false') {
      throw new Error(
        `${root}: the generated app's MikroOrmModule options do not say registerRequestContext: false, so there is no library middleware to switch back on.`,
      );
    }
    ast.applyInsertions(tree, root, [
      {
        pos: 0,
        text: `// ${DOUBLE_NOTE}: @mikro-orm/nestjs's middleware is back on (registerRequestContext: true) next to init's registration.\n`,
      },
      { pos: setting.initializer.getStart(source), length: setting.initializer.getWidth(source), text: 'true' },
    ]);
  });
  writeFileSync(
    join(dir, 'PROOF-DOUBLE-CONTEXT.md'),
    `# ${DOUBLE_NOTE}\n\nThe generated app with @mikro-orm/nestjs's own request-context middleware switched back on ` +
      `(\`registerRequestContext: true\` in ${root}) while init's registration stays: every request opens two nested ` +
      `contexts and its handlers work on a fork of a fork. The proof's one-fork check must flag it. Never ship this.\n`,
  );
  return { ...app, dir, kind: 'double-context', log: [...app.log, `DOUBLE ${root}: registerRequestContext: true`] };
}

/** style main: the `app.use(... RequestContext.create ...)` statement of main.ts, with its comment. */
export function removeMainRegistration(dir: string): string {
  const { ast } = utils();
  const main = 'src/main.ts';
  let description = '';
  editFile(dir, main, (source, tree) => {
    const calls = ast.findNodes(source, (n) => ast.isMethodCall(n, 'RequestContext', ['create', 'createAsync', 'enter']));
    if (calls.length !== 1) throw new Error(`${main}: expected one RequestContext.create registration, found ${calls.length}.`);
    const statement = enclosingStatement(calls[0]);
    description = `${main}: ${statement.getText(source).split('\n')[0]}`;
    removeStatement(source, tree, main, statement);
  });
  return description;
}

/** style middleware: the `consumer.apply(MikroOrmRequestContextMiddleware).forRoutes(...)` statement in configure(). */
function removeMiddlewareRegistration(dir: string): string {
  const { ast } = utils();
  const appModule = 'src/app.module.ts';
  let description = '';
  editFile(dir, appModule, (source, tree) => {
    const applies = ast.findNodes(
      source,
      (n): n is ts.CallExpression =>
        ts.isCallExpression(n) &&
        ast.calledName(n) === 'apply' &&
        n.arguments.some((a) => ts.isIdentifier(a) && a.text === 'MikroOrmRequestContextMiddleware'),
    );
    if (applies.length !== 1)
      throw new Error(`${appModule}: expected one consumer.apply(MikroOrmRequestContextMiddleware), found ${applies.length}.`);
    const statement = enclosingStatement(applies[0]);
    description = `${appModule}: ${statement.getText(source).split('\n')[0]}`;
    removeStatement(source, tree, appModule, statement);
  });
  return description;
}

function enclosingStatement(node: ts.Node): ts.ExpressionStatement {
  let n: ts.Node | undefined = node;
  while (n && !ts.isExpressionStatement(n)) n = n.parent;
  if (!n) throw new Error('The registration is not a statement of its own.');
  return n;
}

/** Replaces the statement (and the comment lines above it) with a marked comment. */
function removeStatement(source: ts.SourceFile, tree: HostTree, path: string, statement: ts.Statement): void {
  const { ast } = utils();
  const indent = ast.lineIndent(source, statement);
  const start = statement.getFullStart();
  const recorder = tree.beginUpdate(path);
  recorder.remove(start, statement.getEnd() - start);
  recorder.insertLeft(start, `\n${indent}// ${CONTROL_NOTE}: the request context registration was removed here.`);
  tree.commitUpdate(recorder);
}

/**
 * Compiles several apps in parallel and fails with the first error only once every tsc has ended: a
 * tsc still writing into a folder that cleanup() is removing would leave that folder behind.
 */
export async function compileApps(apps: App[]) {
  const results = await Promise.allSettled(apps.map((app) => compileApp(app)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * Compiles the app with its own tsconfig.build.json and the TypeScript its workspace resolves.
 */
export function compileApp(app: App) {
  const tsc = projectRequire.resolve('typescript/bin/tsc', { paths: [app.dir] });
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-p', join(app.dir, 'tsconfig.build.json')],
      { cwd: app.dir, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`tsc failed for the ${app.kind} app in ${app.dir}:\n${stdout}${stderr}`));
        else resolve(undefined);
      },
    );
  });
}

/** The compiled MikroORM config of an app (dist/ layout follows the tsconfig's rootDir). */
function compiledConfig(dir: string): string {
  const found = [join(dir, 'dist', 'mikro-orm.config.js'), join(dir, 'dist', 'src', 'mikro-orm.config.js')].find((f) => existsSync(f));
  if (!found) throw new Error(`No compiled mikro-orm.config.js under ${join(dir, 'dist')}.`);
  return found;
}

/**
 * Runs a piece of ES module code with the app's own compiled config and MikroORM (6 or 7), in a
 * process started in the app's folder: `body` sees `orm` (initialised, closed after it) and may
 * write to stdout, which the promise resolves with.
 * @param env  the database's MIKRO_ORM_* variables
 * @param options  what: for the error message ("Creating the schema")
 */
export function runWithAppOrm(
  app: App,
  env: Record<string, string>,
  body: string,
  { what, timeoutMs = 0 }: { what: string; timeoutMs?: number },
): Promise<string> {
  const config = relative(app.dir, compiledConfig(app.dir)).split('\\').join('/');
  const script = `
    const { MikroORM } = await import('@mikro-orm/core');
    const mod = await import('./${config}');
    const config = mod.default?.default ?? mod.default;
    const orm = await MikroORM.init({ ...config, debug: false });
    ${body}
    await orm.close(true);
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: app.dir, env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${what} failed for the ${app.kind} app in ${app.dir}:\n${stdout.slice(0, 4096)}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Gives a fresh database the app's schema as a user's deploy does: from the app's own migrations,
 * through the MikroORM CLI of the app's major on its TypeScript config (`npm run migration:create`
 * the first time, when src/migrations has none yet, then `npm run migration:up`). An app whose own
 * config registers no Migrator (the existing-MikroORM fixture: init keeps its config) gets the
 * schema from the entities instead, through its compiled config (`schema:create`).
 * @param env  the database's MIKRO_ORM_* variables
 */
export async function createSchema(app: App, env: Record<string, string>): Promise<SchemaSource> {
  const pkg = JSON.parse(readFileSync(join(app.dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  if (!pkg.dependencies?.['@mikro-orm/migrations']) {
    await runWithAppOrm(
      app,
      env,
      `const generator = orm.schema;
    await (typeof generator.create === 'function' ? generator.create() : generator.createSchema());`,
      { what: 'Creating the schema' },
    );
    return 'the entities';
  }
  const migrations = join(app.dir, 'src', 'migrations');
  if (!existsSync(migrations) || listFiles(migrations).length === 0) await appCli(app, env, ['migration:create']);
  await appCli(app, env, ['migration:up']);
  return 'its migrations';
}

/** Where a proof database's schema came from. */
export type SchemaSource = 'its migrations' | 'the entities';

/** The MikroORM CLI the app resolves (its major's), run in the app's folder with the database's variables. */
function appCli(app: App, env: Record<string, string>, args: string[]): Promise<string> {
  const cli = join(dirname(createRequire(join(app.dir, 'package.json')).resolve('@mikro-orm/cli/package.json')), 'cli.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: app.dir, env: { ...process.env, ...env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`mikro-orm ${args.join(' ')} failed for the ${app.kind} app in ${app.dir}:\n${stdout}${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
