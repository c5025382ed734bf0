import * as ts from 'typescript';
import { dottedName, ExportedSymbol, findNodes, importBindings, lineOf, methodName, objectProperty, staticCalls } from './ast';
import { importedSourceFiles } from './workspace';

/**
 * Where an app's MikroORM options live and what they say about @mikro-orm/nestjs's own request
 * context middleware. The library applies that middleware to every route unless the options its core
 * module receives say `registerRequestContext: false`; which object that is depends on the call
 * (measured on @mikro-orm/nestjs 6.1 and 7.1, docs/architecture.md):
 * - `forRoot(options)`: `options` itself. `forRoot()` without options (v6; the types of v7.1 require them)
 *   loads the MikroORM CLI config for the ORM, but the middleware reads the empty module options: it
 *   is always on, whatever the config file says.
 * - `forRootAsync({ useFactory })`: what the factory returns (a `registerRequestContext` beside
 *   `useFactory` is never read); `useClass`/`useExisting`: what `createMikroOrmOptions()` returns.
 * Pure functions over parsed files; `open` gives the parsed file of a workspace path, when it exists.
 */
export type OpenSource = (path: string) => ts.SourceFile | undefined;

export const MIKRO_ORM_MODULE: ExportedSymbol = {
  name: 'MikroOrmModule',
  from: (m) => m === '@mikro-orm/nestjs' || m === 'nestjs-mikro-orm',
};

/** What a set of options says: the middleware is `off`, `on` (said, or left to the default), or `unknown` (built where we cannot see). */
export type MiddlewareSetting = 'off' | 'on' | 'unknown';

/** An edit that turns the library's middleware off for one forRoot/forRootAsync call. */
export type MiddlewareEdit =
  /** an options literal written in the call: set its property (replace `value`, or add the property) */
  | { kind: 'set'; object: ts.ObjectLiteralExpression; value?: ts.Expression }
  /**
   * options built elsewhere (an identifier, `defineConfig(...)`, a call): `{ ...<expression>, registerRequestContext: false }` in its place
   */
  | { kind: 'wrap'; expression: ts.Expression; parenthesize: boolean; awaitIt: boolean }
  /** `forRoot()` without options: pass the CLI config the ORM loads, spread, with the option */
  | { kind: 'argument'; call: ts.CallExpression; configFile: string };

/** One `MikroOrmModule.forRoot(...)` / `forRootAsync(...)` call, and what it does about request contexts. */
export interface OrmRoot {
  file: string;
  line: number;
  call: ts.CallExpression;
  method: 'forRoot' | 'forRootAsync';
  /** whether the library's middleware runs for this root ('unknown' counts as running: nothing says it does not) */
  middleware: MiddlewareSetting;
  /** the edits that turn it off (empty when it is off) */
  edits: MiddlewareEdit[];
  /** when no safe edit exists: the change to make by hand */
  manual?: string;
}

/** The MikroOrmModule.forRoot/forRootAsync calls of a file. */
export function findOrmRootCalls(source: ts.SourceFile): ts.CallExpression[] {
  return staticCalls(source, MIKRO_ORM_MODULE, ['forRoot', 'forRootAsync']);
}

/** `MikroOrmModule.forMiddleware()`: the library's middleware module for several ORMs. */
export function findOrmMiddlewareCalls(source: ts.SourceFile): ts.CallExpression[] {
  return staticCalls(source, MIKRO_ORM_MODULE, ['forMiddleware']);
}

/**
 * Analyses one forRoot/forRootAsync call. `cliConfig` is the file the MikroORM CLI loads (what a v6
 * `forRoot()` without options gives the ORM), when the app has one with a default export.
 */
export function analyseOrmRoot(call: ts.CallExpression, open: OpenSource, cliConfig?: string): OrmRoot {
  const source = call.getSourceFile();
  const method = methodName(call) as OrmRoot['method'];
  const base = { file: source.fileName, line: lineOf(source, call), call, method };
  const where = `${source.fileName}:${base.line}`;
  const [arg] = call.arguments;
  if (call.arguments.length > 1 || (arg && ts.isArrayLiteralExpression(unwrap(arg)))) {
    return {
      ...base,
      middleware: 'unknown',
      edits: [],
      manual: `${where}: MikroOrmModule.${method} with several ORMs: pass registerRequestContext: false in each one's options, or keep the library's middleware and leave init out`,
    };
  }
  if (method === 'forRoot') {
    if (!arg) {
      if (!cliConfig) {
        return {
          ...base,
          middleware: 'on',
          edits: [],
          manual: `${where}: MikroOrmModule.forRoot() loads the MikroORM CLI config, but its middleware stays on whatever that config says: write MikroOrmModule.forRoot({ ...config, registerRequestContext: false }) with config imported from your mikro-orm.config.ts`,
        };
      }
      return { ...base, middleware: 'on', edits: [{ kind: 'argument', call, configFile: cliConfig }] };
    }
    return { ...base, ...returnedOptions([arg], false, open) };
  }
  const async = arg && ts.isObjectLiteralExpression(unwrap(arg)) ? (unwrap(arg) as ts.ObjectLiteralExpression) : undefined;
  const factory = async && factoryFunction(async, open);
  if (!factory) {
    return {
      ...base,
      middleware: 'unknown',
      edits: [],
      manual: `${where}: the options of MikroOrmModule.forRootAsync come from code init cannot follow: make the options it returns say registerRequestContext: false`,
    };
  }
  const returns = returnedExpressions(factory);
  if (returns.length === 0) {
    return {
      ...base,
      middleware: 'unknown',
      edits: [],
      manual: `${where}: the forRootAsync options factory returns nothing init can read: make the options it returns say registerRequestContext: false`,
    };
  }
  const isAsync = (ts.getModifiers(factory) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  return { ...base, ...returnedOptions(returns, isAsync, open) };
}

/** The setting of the options expressions a root receives, and the edits that turn the middleware off in each. */
function returnedOptions(expressions: ts.Expression[], isAsync: boolean, open: OpenSource): Pick<OrmRoot, 'middleware' | 'edits'> {
  const settings = expressions.map((e) => expressionSetting(e, open));
  const middleware: MiddlewareSetting = settings.every((s) => s === 'off') ? 'off' : settings.includes('on') ? 'on' : 'unknown';
  const edits = expressions.flatMap((expression, i): MiddlewareEdit[] => {
    if (settings[i] === 'off') return [];
    const inner = unwrap(expression);
    if (ts.isObjectLiteralExpression(inner)) return [{ kind: 'set', object: inner, value: ownSetting(inner)?.initializer }];
    return [
      {
        kind: 'wrap',
        expression,
        parenthesize: ts.isArrowFunction(expression.parent) && expression.parent.body === expression,
        awaitIt: isAsync && !ts.isAwaitExpression(expression) && mayBePromise(inner),
      },
    ];
  });
  return { middleware, edits };
}

/** A call other than `defineConfig(...)`, in an async factory: it may return a promise, which the spread must await. */
function mayBePromise(expression: ts.Expression): boolean {
  return ts.isCallExpression(expression) && !/(^|\.)defineConfig$/.test(dottedName(expression.expression) ?? '');
}

/** The `registerRequestContext` property written last in a literal (the one that wins), when it is the literal's own last word on it. */
function ownSetting(object: ts.ObjectLiteralExpression): ts.PropertyAssignment | undefined {
  const last = object.properties.filter((p) => ts.isSpreadAssignment(p) || p.name?.getText() === 'registerRequestContext').pop();
  return last && ts.isPropertyAssignment(last) ? last : undefined;
}

/** What an options expression says, following literals, spreads, `defineConfig(...)`, variables and relative imports. */
export function expressionSetting(expression: ts.Expression, open: OpenSource, depth = 0): MiddlewareSetting {
  const object = resolveObject(expression, open, depth);
  if (!object) return 'unknown';
  const setting = objectSetting(object, open, depth + 1);
  // Nothing says it: the library's default, on.
  return setting === 'unset' ? 'on' : setting;
}

function objectSetting(object: ts.ObjectLiteralExpression, open: OpenSource, depth: number): MiddlewareSetting | 'unset' {
  let setting: MiddlewareSetting | 'unset' = 'unset';
  for (const property of object.properties) {
    if (ts.isSpreadAssignment(property)) {
      const inner = resolveObject(property.expression, open, depth);
      const spread = inner ? objectSetting(inner, open, depth + 1) : 'unknown';
      if (spread !== 'unset') setting = spread;
    } else if (property.name?.getText().replace(/['"]/g, '') === 'registerRequestContext') {
      const value = ts.isPropertyAssignment(property) ? unwrap(property.initializer).kind : undefined;
      setting = value === ts.SyntaxKind.FalseKeyword ? 'off' : value === ts.SyntaxKind.TrueKeyword ? 'on' : 'unknown';
    }
  }
  return setting;
}

/** Parentheses, `as`, `satisfies`, `!` and `await` around an expression. */
function unwrap(node: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isAwaitExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}

/**
 * The object literal an options expression stands for: itself, the argument of `defineConfig(...)`
 * (or any call that takes the options as its only argument), a variable's initializer, or what a
 * relative import names (default or named export). Undefined when it is built some other way.
 */
export function resolveObject(expression: ts.Expression, open: OpenSource, depth = 0): ts.ObjectLiteralExpression | undefined {
  if (depth > 8) return undefined;
  const node = unwrap(expression);
  if (ts.isObjectLiteralExpression(node)) return node;
  if (ts.isCallExpression(node)) {
    const callee = dottedName(node.expression) ?? '';
    const [first] = node.arguments;
    return /(^|\.)defineConfig$/.test(callee) && first ? resolveObject(first, open, depth + 1) : undefined;
  }
  if (!ts.isIdentifier(node)) return undefined;
  const source = node.getSourceFile();
  const local = variableInitializer(source, node.text);
  if (local) return resolveObject(local, open, depth + 1);
  const binding = importBindings(source).get(node.text);
  if (!binding || !binding.from.startsWith('.') || binding.name === '*') return undefined;
  const target = importedSourceFiles(source.fileName, binding.from)
    .map(open)
    .find((s) => !!s);
  const exported = target && exportedExpression(target, binding.name);
  return exported ? resolveObject(exported, open, depth + 1) : undefined;
}

/** The initializer of a `const name = ...` anywhere in the file (the top-level one first). */
function variableInitializer(source: ts.SourceFile, name: string): ts.Expression | undefined {
  const declarations = findNodes(
    source,
    (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name,
  );
  return declarations.find((d) => d.parent.parent.parent === source)?.initializer ?? declarations[0]?.initializer;
}

/** What a module exports under a name (`default` for `export default ...`). */
export function exportedExpression(source: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const statement of source.statements) {
    if (name === 'default' && ts.isExportAssignment(statement) && !statement.isExportEquals) return statement.expression;
    if (
      name !== 'default' &&
      ts.isVariableStatement(statement) &&
      statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    ) {
      const declaration = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === name);
      if (declaration?.initializer) return declaration.initializer;
    }
  }
  return undefined;
}

/**
 * The function that makes forRootAsync's options: `useFactory` (inline, or a function of the file), or `createMikroOrmOptions` of a
 * `useClass`/`useExisting` class of the file.
 */
function factoryFunction(options: ts.ObjectLiteralExpression, open: OpenSource): ts.FunctionLikeDeclaration | undefined {
  const factory = options.properties.find((p) => p.name?.getText() === 'useFactory');
  if (factory && ts.isMethodDeclaration(factory)) return factory;
  if (factory && ts.isPropertyAssignment(factory)) {
    const value = unwrap(factory.initializer);
    if (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) return value;
    if (ts.isIdentifier(value)) {
      const source = value.getSourceFile();
      const fn = source.statements.find((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && s.name?.text === value.text);
      const initializer = fn ? undefined : variableInitializer(source, value.text);
      return fn ?? (initializer && (ts.isArrowFunction(initializer) || ts.isFunctionExpression(initializer)) ? initializer : undefined);
    }
    return undefined;
  }
  const cls = ['useClass', 'useExisting'].map((k) => objectProperty(options, k)?.initializer).find((i) => i && ts.isIdentifier(i));
  if (!cls || !ts.isIdentifier(cls)) return undefined;
  const declaration = classDeclaration(cls, open);
  return declaration?.members.find(
    (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText() === 'createMikroOrmOptions' && !!m.body,
  );
}

/** A class declared in the file, or imported from a relative module. */
function classDeclaration(name: ts.Identifier, open: OpenSource): ts.ClassDeclaration | undefined {
  const source = name.getSourceFile();
  const local = source.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name.text);
  if (local) return local;
  const binding = importBindings(source).get(name.text);
  if (!binding || !binding.from.startsWith('.') || binding.name === 'default' || binding.name === '*') return undefined;
  const target = importedSourceFiles(source.fileName, binding.from)
    .map(open)
    .find((s) => !!s);
  return target?.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === binding.name);
}

/** What a function returns: its expression body, or the expression of each `return` of its own body. */
function returnedExpressions(fn: ts.FunctionLikeDeclaration): ts.Expression[] {
  const body = fn.body;
  if (!body) return [];
  if (!ts.isBlock(body)) return [body];
  const found: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isReturnStatement(node)) {
      if (node.expression) found.push(node.expression);
      return;
    }
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return found;
}
