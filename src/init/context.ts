import { Rule } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { applyInsertions, importInsertion, lineIndent, objectProperty, parseSource, propertyInsertion } from '../utils/ast';
import { Bootstrap, fastifyAdapterSite, findBootstrap, findOrmRoots, ormRootOptions } from '../utils/bootstrap';
import { findModuleClass, middlewareInsertions, moduleArrayInsertions } from '../utils/module';
import { detectSourceStyle, quoted, terminate } from '../utils/source-style';
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
export function disableLibraryMiddleware(plan: InitPlan): Rule {
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

export function importDatabaseModule(plan: InitPlan): Rule {
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

