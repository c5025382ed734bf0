import { Rule, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import {
  applyInsertions,
  ExportedSymbol,
  findNodes,
  importBindings,
  importInsertion,
  Insertion,
  isNameTaken,
  lineIndent,
  parseSource,
  propertyInsertion,
  staticCalls,
} from '../utils/ast';
import {
  Bootstrap,
  fastifyAdapterSite,
  findBootstrap,
  MIKRO_ORM,
  REQUEST_CONTEXT,
  REQUEST_CONTEXT_METHODS,
  SETUP_FUNCTION,
} from '../utils/bootstrap';
import { findModuleClass, middlewareInsertions, moduleArrayInsertions } from '../utils/module';
import { MiddlewareEdit } from '../utils/orm-options';
import { detectSourceStyle, quoted, SourceStyle, terminate } from '../utils/source-style';
import { relativeImport } from '../utils/workspace';
import { InitPlan } from './plan';

export const MIDDLEWARE_CLASS = 'MikroOrmRequestContextMiddleware';

/**
 * The request context itself. Style main: the first statement after NestFactory.create (`app.use`), or on
 * Fastify a hook on the adapter just before create; style middleware: the middleware in configure().
 */
export function registerRequestContext(plan: InitPlan): Rule {
  return (tree, context) => {
    if (plan.registrations.length > 0) {
      const [r] = plan.registrations;
      context.logger.info(`Request context already registered (${r.what} at ${r.file}:${r.line}): left as it is.`);
      return;
    }
    if (plan.options.style === 'middleware') {
      const source = parseSource(tree, plan.appModulePath);
      const style = detectSourceStyle(source);
      const module = findModuleClass(source, plan.appModuleClass)!;
      const routes = (plan.profile.nestMajor ?? 12) >= 11 ? '{*splat}' : '*';
      applyInsertions(tree, plan.appModulePath, [
        ...middlewareInsertions(source, style, module, MIDDLEWARE_CLASS, routes),
        importInsertion(
          source,
          style,
          [MIDDLEWARE_CLASS],
          relativeImport(plan.appModulePath, plan.middlewarePath, plan.profile.importSuffix),
        )!,
      ]);
      return;
    }
    const source = parseSource(tree, plan.project.main);
    const style = detectSourceStyle(source);
    const bootstrap = findBootstrap(source) as Bootstrap;
    const statement = bootstrap.statement!;
    const indent = lineIndent(source, statement);
    const app = bootstrap.appVariable!;
    const names = ormNames(source, style);
    const em = `${app}.get(${names.MikroORM}).em`;
    const imports = names.imports;
    const RequestContext = names.RequestContext;
    const fastify = bootstrap.adapter === 'fastify' ? fastifyAdapterSite(source, bootstrap) : undefined;
    if (fastify) {
      // Fastify: a hook on the adapter, added before NestFactory.create registers middie, runs before
      // all middleware and skips middie's per-request work (b/b_m in BENCHMARKS.md).
      const lines = [
        ...(fastify.kind === 'inline' ? [terminate(`const ${fastify.name} = ${fastify.expression.getText(source)}`, style)] : []),
        `// One MikroORM request context per request, opened by a hook that runs before any middleware (and only once ${app} exists): no request sees another's entities.`,
        terminate(
          `${fastify.name}.getInstance().addHook(${quoted('onRequest', style)}, (_request, _reply, done) => ${RequestContext}.create(${em}, done))`,
          style,
        ),
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
    const registration = terminate(
      `${app}.use((_req: unknown, _res: unknown, next: () => void) => ${RequestContext}.create(${em}, next))`,
      style,
    );
    const comment = "// One MikroORM request context per request, before any other middleware: no request sees another's entities.";
    applyInsertions(tree, plan.project.main, [
      { pos: endOfLine(source, statement), text: `${style.eol}${indent}${comment}${style.eol}${indent}${registration}` },
      ...(imports ? [imports] : []),
    ]);
  };
}

/**
 * main.ts calls setupApp(app) (the pipes and filters the e2e specs apply too) right after the app is
 * created, after the request context registered there: the context stays the first middleware.
 */
export function callSetup(plan: InitPlan): Rule {
  return (tree) => {
    if (!plan.setup) return;
    const source = parseSource(tree, plan.project.main);
    const calls = findNodes(
      source,
      (n): n is ts.CallExpression => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === SETUP_FUNCTION,
    );
    if (calls.length > 0) return;
    const bootstrap = findBootstrap(source) as Bootstrap;
    if (!bootstrap.statement || !bootstrap.appVariable) return;
    const style = detectSourceStyle(source);
    const block = bootstrap.statement.parent as ts.Block | ts.SourceFile;
    const following = block.statements.slice(block.statements.indexOf(bootstrap.statement) + 1);
    const registrations = following.findIndex((s) => staticCalls(source, REQUEST_CONTEXT, REQUEST_CONTEXT_METHODS, s).length === 0);
    const after =
      registrations > 0
        ? following[registrations - 1]
        : registrations === -1 && following.length > 0
          ? following[following.length - 1]
          : bootstrap.statement;
    const indent = lineIndent(source, bootstrap.statement);
    applyInsertions(tree, plan.project.main, [
      { pos: endOfLine(source, after), text: `${style.eol}${indent}${terminate(`${SETUP_FUNCTION}(${bootstrap.appVariable})`, style)}` },
      importInsertion(source, style, [SETUP_FUNCTION], relativeImport(plan.project.main, plan.setupPath, plan.profile.importSuffix))!,
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

/** Packages that export MikroORM's core classes (core itself and every driver): an import from one of them can take RequestContext too. */
const CORE_EXPORTERS = new Set(
  ['core', 'sqlite', 'better-sqlite', 'libsql', 'postgresql', 'mysql', 'mariadb', 'mssql', 'mongodb', 'knex', 'sql'].map(
    (p) => `@mikro-orm/${p}`,
  ),
);

/**
 * The names main.ts reaches MikroORM and RequestContext by: what it already imports (from core, a
 * driver package or a namespace import, under any local name), else a new import from the package it
 * already imports MikroORM's classes from (@mikro-orm/core by default), under a free local name.
 */
function ormNames(source: ts.SourceFile, style: SourceStyle): { MikroORM: string; RequestContext: string; imports?: Insertion } {
  const bindings = importBindings(source);
  const existing = (symbol: ExportedSymbol) => {
    for (const [local, b] of bindings) {
      if (!symbol.from(b.from)) continue;
      if (b.name === symbol.name) return local;
      if (b.name === '*' && CORE_EXPORTERS.has(b.from)) return `${local}.${symbol.name}`;
    }
    return undefined;
  };
  const from =
    [...bindings.values()].find((b) => CORE_EXPORTERS.has(b.from) && b.name !== '*' && b.name !== 'default')?.from ?? '@mikro-orm/core';
  const missing: string[] = [];
  const name = (symbol: ExportedSymbol): string => {
    const found = existing(symbol);
    if (found) return found;
    const local = isNameTaken(source, symbol.name) ? `MikroOrm${symbol.name.replace(/^MikroORM$/, 'Instance')}` : symbol.name;
    missing.push(local === symbol.name ? local : `${symbol.name} as ${local}`);
    return local;
  };
  const MikroORM = name(MIKRO_ORM);
  const RequestContext = name(REQUEST_CONTEXT);
  return { MikroORM, RequestContext, imports: missing.length > 0 ? importInsertion(source, style, missing, from) : undefined };
}

/**
 * Turns @mikro-orm/nestjs's own middleware off wherever the app's MikroOrmModule root has it on, so
 * that the one context per request is the one registered first: edits planned by analyseOrmRoot on
 * the files as they were before any rule ran (this rule runs before the others edit sources).
 */
export function disableLibraryMiddleware(plan: InitPlan): Rule {
  return (tree, context) => {
    for (const root of plan.ormRoots) {
      if (root.middleware === 'off') continue;
      // An edit may land in another file than the call (a useClass factory's createMikroOrmOptions).
      const byFile = new Map<string, MiddlewareEdit[]>();
      for (const edit of root.edits) {
        const file = editedNode(edit).getSourceFile().fileName;
        byFile.set(file, [...(byFile.get(file) ?? []), edit]);
      }
      for (const [file, edits] of byFile) {
        const source = parseSource(tree, file);
        if (source.text !== editedNode(edits[0]).getSourceFile().text) {
          throw new Error(`${file} changed between planning and editing: init's rules are out of order.`);
        }
        const style = detectSourceStyle(source);
        applyInsertions(
          tree,
          file,
          edits.flatMap((edit) => middlewareEdit(plan, source, style, edit)),
        );
      }
      context.logger.info(
        `${root.file}:${root.line}: @mikro-orm/nestjs's middleware switched off (registerRequestContext: false), so that each request gets exactly one context.`,
      );
    }
  };
}

function editedNode(edit: MiddlewareEdit): ts.Node {
  return edit.kind === 'set' ? edit.object : edit.kind === 'wrap' ? edit.expression : edit.call;
}

function middlewareEdit(plan: InitPlan, source: ts.SourceFile, style: SourceStyle, edit: MiddlewareEdit): Insertion[] {
  const option = 'registerRequestContext: false';
  switch (edit.kind) {
    case 'set':
      return edit.value
        ? [{ pos: edit.value.getStart(source), length: edit.value.getWidth(source), text: 'false' }]
        : [propertyInsertion(source, style, edit.object, option)];
    case 'wrap': {
      const text = edit.expression.getText(source);
      const spread = `...${edit.awaitIt ? `(await ${text})` : text}`;
      let wrapped = `{ ${spread}, ${option} }`;
      if (text.includes('\n')) {
        // A literal over several lines gets one property a line; the wrapped expression moves in by one level.
        const base = lineIndent(source, edit.expression);
        const inner = base + style.indent;
        const moved = spread.split(/\r?\n/).join(`${style.eol}${style.indent}`);
        wrapped = `{${style.eol}${inner}${moved},${style.eol}${inner}${option},${style.eol}${base}}`;
      }
      return [
        {
          pos: edit.expression.getStart(source),
          length: edit.expression.getWidth(source),
          text: edit.parenthesize ? `(${wrapped})` : wrapped,
        },
      ];
    }
    case 'argument': {
      const local = isNameTaken(source, 'config') ? 'mikroOrmConfig' : 'config';
      const open = edit.call.arguments.pos;
      return [
        { pos: open, length: edit.call.arguments.end - open, text: `{ ...${local}, ${option} }` },
        importInsertion(source, style, [local], relativeImport(source.fileName, edit.configFile, plan.profile.importSuffix), 'default')!,
      ];
    }
  }
}

export function importDatabaseModule(plan: InitPlan): Rule {
  return (tree) => {
    if (plan.ormRoots.length > 0) return;
    importIntoRootModule(tree, plan, plan.databaseModuleClass, plan.databaseModulePath, 'first');
  };
}

/** Lists a module class of init's in the root module's `imports` (`first`: before the app's own), with its import. */
export function importIntoRootModule(tree: Tree, plan: InitPlan, className: string, modulePath: string, position: 'first' | 'last'): void {
  const source = parseSource(tree, plan.appModulePath);
  const module = findModuleClass(source, plan.appModuleClass)!;
  const from = relativeImport(plan.appModulePath, modulePath, plan.profile.importSuffix);
  applyInsertions(
    tree,
    plan.appModulePath,
    moduleArrayInsertions(source, detectSourceStyle(source), module, 'imports', className, [{ names: [className], from }], position),
  );
}
