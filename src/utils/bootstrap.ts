import * as ts from 'typescript';
import {
  decoratorArgument,
  dottedName,
  ExportedSymbol,
  findNodes,
  lineOf,
  methodName,
  objectProperty,
  staticCalls,
  symbolSpellings,
} from './ast';

const isMikroOrmPackage = (specifier: string) => specifier.startsWith('@mikro-orm/') || specifier === 'mikro-orm';
export const NEST_FACTORY: ExportedSymbol = { name: 'NestFactory', from: (m) => m === '@nestjs/core' };
/** MikroORM's own classes, which every driver package re-exports. */
export const MIKRO_ORM: ExportedSymbol = { name: 'MikroORM', from: isMikroOrmPackage };
export const REQUEST_CONTEXT: ExportedSymbol = { name: 'RequestContext', from: isMikroOrmPackage };
/** The RequestContext methods that run a callback in a context of its own. */
export const REQUEST_CONTEXT_METHODS: readonly string[] = ['create', 'createAsync', 'enter'];
const LIBRARY_MIDDLEWARE: ExportedSymbol = { name: 'MikroOrmMiddleware', from: (m) => m === '@mikro-orm/nestjs' };

/** init's setup function, which main.ts and the generated e2e specs both call, and its file under the source root. */
export const SETUP_FUNCTION = 'setupApp';
export const SETUP_FILE = 'app.setup.ts';

/** What main.ts does with NestFactory: the HTTP app it creates, and how. */
export interface Bootstrap {
  /** the `NestFactory.create(...)` call */
  create: ts.CallExpression;
  /** the variable that holds the app (`app` in `const app = await NestFactory.create(...)`) */
  appVariable?: string;
  /** the statement to insert after: the declaration or assignment holding the create call */
  statement?: ts.Statement;
  adapter: 'express' | 'fastify';
  /** the class given as the root module (`AppModule`) */
  rootModule?: string;
}

export type BootstrapProblem = { kind: 'no-create'; others: string[] };

/** Finds the HTTP app creation in a bootstrap file, or says why there is none. */
export function findBootstrap(source: ts.SourceFile): Bootstrap | BootstrapProblem {
  const calls = staticCalls(source, NEST_FACTORY, ['create', 'createMicroservice', 'createApplicationContext']);
  const create = calls.find((c) => methodName(c) === 'create');
  if (!create) {
    return { kind: 'no-create', others: calls.map(methodName) };
  }
  const holder = holdingStatement(create);
  const [moduleArg] = create.arguments;
  return {
    create,
    appVariable: holder?.name,
    statement: holder?.statement,
    adapter: isFastify(source, create) ? 'fastify' : 'express',
    rootModule: moduleArg && ts.isIdentifier(moduleArg) ? moduleArg.text : undefined,
  };
}

/** `const app = await NestFactory.create(...)` or `app = await NestFactory.create(...)`, walking up through await/parens/casts. */
function holdingStatement(create: ts.CallExpression): { name: string; statement: ts.Statement } | undefined {
  let node: ts.Node = create;
  while (
    ts.isAwaitExpression(node.parent) ||
    ts.isParenthesizedExpression(node.parent) ||
    ts.isAsExpression(node.parent) ||
    ts.isNonNullExpression(node.parent)
  ) {
    node = node.parent;
  }
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isIdentifier(parent.name)) {
    const statement = parent.parent?.parent;
    if (statement && ts.isVariableStatement(statement)) return { name: parent.name.text, statement };
  }
  if (
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    parent.right === node &&
    ts.isIdentifier(parent.left) &&
    ts.isExpressionStatement(parent.parent)
  ) {
    return { name: parent.left.text, statement: parent.parent };
  }
  return undefined;
}

/** Fastify when the create call names NestFastifyApplication or gets a FastifyAdapter (directly or through a variable). */
function isFastify(source: ts.SourceFile, create: ts.CallExpression): boolean {
  if (create.typeArguments?.some((t) => t.getText(source).includes('Fastify'))) return true;
  return create.arguments.some((arg) => {
    if (ts.isNewExpression(arg)) return arg.expression.getText(source).includes('FastifyAdapter');
    if (ts.isIdentifier(arg)) {
      const declarations = findNodes(source, (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n));
      return declarations.some(
        (d) =>
          ts.isIdentifier(d.name) &&
          d.name.text === arg.text &&
          !!d.initializer &&
          ts.isNewExpression(d.initializer) &&
          d.initializer.expression.getText(source).includes('FastifyAdapter'),
      );
    }
    return false;
  });
}

/**
 * The FastifyAdapter that main.ts hands to NestFactory.create, when a hook can be added to it before
 * create runs (create registers middie, so only a hook added before it runs before all middleware):
 * `new FastifyAdapter(...)` written in the call (to be moved into a variable), or a variable declared
 * with it earlier in the same block. Undefined for anything else (an adapter built elsewhere).
 */
export type FastifyAdapterSite = { kind: 'inline'; expression: ts.NewExpression; name: string } | { kind: 'variable'; name: string };

export function fastifyAdapterSite(source: ts.SourceFile, bootstrap: Bootstrap): FastifyAdapterSite | undefined {
  const { statement } = bootstrap;
  const arg = bootstrap.create.arguments[1];
  const block = statement?.parent;
  if (!statement || !arg || !block || !(ts.isBlock(block) || ts.isSourceFile(block))) return undefined;
  if (ts.isNewExpression(arg) && isFastifyAdapterClass(arg)) {
    const taken = new Set(findNodes(source, ts.isIdentifier).map((id) => id.text));
    const name = ['adapter', 'fastifyAdapter'].find((candidate) => !taken.has(candidate));
    return name ? { kind: 'inline', expression: arg, name } : undefined;
  }
  if (!ts.isIdentifier(arg)) return undefined;
  const before = block.statements.slice(0, block.statements.indexOf(statement));
  const declared = before.some(
    (s) =>
      ts.isVariableStatement(s) &&
      s.declarationList.declarations.some(
        (d) =>
          ts.isIdentifier(d.name) &&
          d.name.text === arg.text &&
          !!d.initializer &&
          ts.isNewExpression(d.initializer) &&
          isFastifyAdapterClass(d.initializer),
      ),
  );
  return declared ? { kind: 'variable', name: arg.text } : undefined;
}

function isFastifyAdapterClass(expression: ts.NewExpression): boolean {
  return ts.isIdentifier(expression.expression) && expression.expression.text === 'FastifyAdapter';
}

/** A place where the app opens a MikroORM request context for HTTP requests. */
export interface ContextRegistration {
  file: string;
  line: number;
  /** `RequestContext.create`, `MikroOrmMiddleware`… */
  what: string;
}

/** Where a file already opens a MikroORM request context for HTTP requests: in the bootstrap file, or in a middleware class. */
export function contextRegistrations(source: ts.SourceFile, isBootstrap: boolean): ContextRegistration[] {
  const found: ContextRegistration[] = [];
  const at = (node: ts.Node, what: string) => ({ file: source.fileName, line: lineOf(source, node), what });
  for (const call of staticCalls(source, REQUEST_CONTEXT, REQUEST_CONTEXT_METHODS)) {
    if (isBootstrap || insideMiddleware(call)) found.push(at(call, `RequestContext.${methodName(call)}`));
  }
  // The library's middleware class applied by hand (`consumer.apply(MikroOrmMiddleware)`); an app's own class of that name is counted
  // above.
  const libraryMiddleware = new Set(symbolSpellings(source, LIBRARY_MIDDLEWARE));
  for (const node of findNodes(source, (n): n is ts.Expression => ts.isIdentifier(n) || ts.isPropertyAccessExpression(n))) {
    if (
      !libraryMiddleware.has(dottedName(node) ?? '') ||
      !ts.isCallExpression(node.parent) ||
      !node.parent.arguments.some((a) => a === node)
    )
      continue;
    found.push(at(node, 'MikroOrmMiddleware'));
  }
  return found;
}

/** A MikroORM instance the app builds itself (`MikroORM.init(...)` or `new MikroORM(...)` in a provider or a Nest class). */
export interface OwnOrm {
  file: string;
  line: number;
  /** the provider's token (`MikroORM`, `'ORM'`…) when it is a `{ provide, useFactory }` provider */
  token?: string;
}

export function ownOrms(source: ts.SourceFile): OwnOrm[] {
  const inits: ts.Node[] = [
    ...staticCalls(source, MIKRO_ORM, ['init']),
    ...findNodes(
      source,
      (n): n is ts.NewExpression => ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'MikroORM',
    ),
  ];
  return inits.flatMap((node) => {
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
      if (ts.isObjectLiteralExpression(n) && objectProperty(n, 'provide')) {
        return [{ file: source.fileName, line: lineOf(source, node), token: objectProperty(n, 'provide')!.initializer.getText(source) }];
      }
      if (ts.isClassDeclaration(n) && (decoratorArgument(n, 'Module') || decoratorArgument(n, 'Injectable'))) {
        return [{ file: source.fileName, line: lineOf(source, node) }];
      }
    }
    return [];
  });
}

/** Inside a class that implements NestMiddleware, or in its `use` method. */
function insideMiddleware(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isClassDeclaration(n)) {
      const implementsMiddleware = (n.heritageClauses ?? []).some((h) => h.types.some((t) => t.expression.getText() === 'NestMiddleware'));
      const hasUse = n.members.some((m) => ts.isMethodDeclaration(m) && m.name.getText() === 'use');
      return implementsMiddleware || hasUse;
    }
  }
  return false;
}

/**
 * The object literal that holds the options of a forRoot call: its argument, or for forRootAsync the
 * object an arrow `useFactory` returns. Undefined when the options are built elsewhere.
 */
export function ormRootOptions(call: ts.CallExpression): ts.ObjectLiteralExpression | undefined {
  const [arg] = call.arguments;
  if (!arg || !ts.isObjectLiteralExpression(arg)) return undefined;
  const method = (call.expression as ts.PropertyAccessExpression).name.text;
  if (method === 'forRoot') return arg;
  const factory = arg.properties.find((p) => p.name?.getText() === 'useFactory');
  const fn =
    factory && ts.isPropertyAssignment(factory) ? factory.initializer : factory && ts.isMethodDeclaration(factory) ? factory : undefined;
  if (!fn) return undefined;
  if (ts.isArrowFunction(fn)) {
    let body: ts.Node = fn.body;
    while (ts.isParenthesizedExpression(body)) body = body.expression;
    if (ts.isObjectLiteralExpression(body)) return body;
    if (ts.isBlock(body)) return returnedObject(body);
  }
  if ((ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn)) && fn.body) return returnedObject(fn.body);
  return undefined;
}

function returnedObject(block: ts.Block): ts.ObjectLiteralExpression | undefined {
  const returns = block.statements.filter(ts.isReturnStatement);
  const last = returns[returns.length - 1]?.expression;
  return last && ts.isObjectLiteralExpression(last) ? last : undefined;
}
