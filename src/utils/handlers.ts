import * as ts from 'typescript';
import { Binding, findNodes, importBindings, Insertion, lineIndent, lineOf } from './ast';
import { SourceStyle } from './source-style';

/**
 * Work that no HTTP middleware reaches (docs/architecture.md §3): queue processors, scheduled jobs, microservice
 * and WebSocket handlers, lifecycle hooks. Pure helpers over parsed files: which methods are such
 * handlers, whether they already run in a request context, and which classes reach the database.
 */

/** Decorators that make a method a non-HTTP handler, with the package each must come from. */
export const HANDLER_DECORATORS: readonly { name: string; from: string }[] = [
  { name: 'Process', from: '@nestjs/bull' },
  { name: 'Cron', from: '@nestjs/schedule' },
  { name: 'Interval', from: '@nestjs/schedule' },
  { name: 'Timeout', from: '@nestjs/schedule' },
  { name: 'MessagePattern', from: '@nestjs/microservices' },
  { name: 'EventPattern', from: '@nestjs/microservices' },
  { name: 'SubscribeMessage', from: '@nestjs/websockets' },
];

/** Lifecycle hooks that run once at startup, outside any request. */
export const LIFECYCLE_HOOKS: readonly string[] = ['onModuleInit', 'onApplicationBootstrap'];

/** Method decorators from @mikro-orm/* that run the method in its own context. */
export const CONTEXT_DECORATORS: readonly string[] = ['CreateRequestContext', 'EnsureRequestContext', 'UseRequestContext', 'Transactional'];

const ENTITY_MANAGER_TYPES = new Set(['EntityManager', 'SqlEntityManager', 'MongoEntityManager']);
const REPOSITORY_TYPES = new Set(['EntityRepository', 'SqlEntityRepository', 'MongoEntityRepository']);
const ORM_TYPES = new Set(['MikroORM']);

/** A decorator resolved to the name it is exported under and the module it comes from (undefined: declared in the file). */
export interface ResolvedDecorator {
  node: ts.Decorator;
  name: string;
  from?: string;
}

export function resolvedDecorators(node: ts.HasDecorators, bindings: Map<string, Binding>): ResolvedDecorator[] {
  return (ts.getDecorators(node) ?? []).flatMap((decorator) => {
    let expression = decorator.expression;
    if (ts.isCallExpression(expression)) expression = expression.expression;
    if (ts.isIdentifier(expression)) {
      const binding = bindings.get(expression.text);
      return [{ node: decorator, name: binding && binding.name !== '*' ? binding.name : expression.text, from: binding?.from }];
    }
    if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression)) {
      const binding = bindings.get(expression.expression.text);
      if (binding?.name === '*') return [{ node: decorator, name: expression.name.text, from: binding.from }];
    }
    return [];
  });
}

export interface Handler {
  className: string;
  cls: ts.ClassDeclaration;
  method: ts.MethodDeclaration;
  methodName: string;
  /** what makes it a handler: `@Cron()`, `WorkerHost.process()`, `onModuleInit()` */
  trigger: string;
  isAsync: boolean;
  isStatic: boolean;
  /** the line of the method's name */
  line: number;
  /** how it already gets a context, when it does */
  existingContext?: string;
}

/** The non-HTTP handlers declared in a file. */
export function findHandlers(source: ts.SourceFile): Handler[] {
  const bindings = importBindings(source);
  const handlers: Handler[] = [];
  for (const cls of findNodes(source, (n): n is ts.ClassDeclaration => ts.isClassDeclaration(n))) {
    if (!cls.name) continue;
    const workerHost = extendsFrom(cls, bindings, 'WorkerHost', '@nestjs/bullmq');
    for (const member of cls.members) {
      if (!ts.isMethodDeclaration(member) || !member.body || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) continue;
      const methodName = member.name.text;
      const decorators = resolvedDecorators(member, bindings);
      const decorator = decorators.find((d) => HANDLER_DECORATORS.some((h) => h.name === d.name && h.from === d.from));
      let trigger: string | undefined;
      if (decorator) trigger = `@${decorator.name}()`;
      else if (workerHost && methodName === 'process') trigger = 'WorkerHost.process()';
      else if (LIFECYCLE_HOOKS.includes(methodName)) trigger = `${methodName}()`;
      if (!trigger) continue;
      const modifiers = ts.getModifiers(member) ?? [];
      handlers.push({
        className: cls.name.text,
        cls,
        method: member,
        methodName,
        trigger,
        isAsync: modifiers.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword),
        isStatic: modifiers.some((m) => m.kind === ts.SyntaxKind.StaticKeyword),
        line: lineOf(source, member.name),
        existingContext: existingContext(member, decorators),
      });
    }
  }
  return handlers;
}

function extendsFrom(cls: ts.ClassDeclaration, bindings: Map<string, Binding>, name: string, from: string): boolean {
  const base = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
  if (!base || !ts.isIdentifier(base)) return false;
  const binding = bindings.get(base.text);
  return binding?.name === name && binding.from === from;
}

/** How a method already runs in its own context: a MikroORM context decorator, RequestContext.create, or a local em.fork(). */
export function existingContext(method: ts.MethodDeclaration, decorators: ResolvedDecorator[]): string | undefined {
  const decorator = decorators.find((d) => CONTEXT_DECORATORS.includes(d.name) && (d.from ?? '').startsWith('@mikro-orm/'));
  if (decorator) return `@${decorator.name}()`;
  if (!method.body) return undefined;
  for (const call of findNodes(method.body, (n): n is ts.CallExpression => ts.isCallExpression(n))) {
    const callee = call.expression;
    if (!ts.isPropertyAccessExpression(callee)) continue;
    const receiver = callee.expression;
    if (
      ts.isIdentifier(receiver) &&
      (receiver.text === 'RequestContext' || receiver.text === 'TransactionContext') &&
      ['create', 'createAsync', 'enter'].includes(callee.name.text)
    ) {
      return `${receiver.text}.${callee.name.text}()`;
    }
    if (callee.name.text === 'fork' && isEntityManagerExpression(receiver)) return `${receiver.getText()}.fork()`;
  }
  return undefined;
}

/** `em`, `this.em`, `this.orm.em`, `entityManager`, `this.userEm`…: an expression that names an EntityManager. */
export function isEntityManagerExpression(node: ts.Expression): boolean {
  const name = ts.isIdentifier(node) ? node.text : ts.isPropertyAccessExpression(node) ? node.name.text : undefined;
  return name !== undefined && (name === 'em' || /Em$/.test(name) || /[eE]ntityManager$/.test(name));
}

/**
 * Members of the MikroORM instance that work on the ORM itself (its connection, schema, migrations,
 * seeding, configuration and metadata) and never through the global EntityManager's identity map, so
 * they need no request context: a startup hook that runs the migrations is the usual case. As MikroORM
 * 6.6 and 7.2 implement them: connect/reconnect/isConnected/checkConnection/close go to the driver; the
 * migrator and the schema generator run their SQL through the driver and its connection (the schema
 * generator clears the global identity map with allowGlobalContext switched on for that one call); the
 * seeder runs the seeders on a fork it makes when it is created. The get…() forms are MikroORM 5 and 6's
 * (7 keeps only the getters).
 */
export const CONTEXT_FREE_ORM_MEMBERS: ReadonlySet<string> = new Set([
  'migrator',
  'getMigrator',
  'schema',
  'getSchemaGenerator',
  'seeder',
  'getSeeder',
  'connect',
  'reconnect',
  'isConnected',
  'checkConnection',
  'close',
  'config',
  'getMetadata',
]);

/**
 * The ORM-level work of a handler (`this.orm.migrator`, the first one) when that is all it does with the
 * database, else undefined. Anything else that could reach the global EntityManager keeps the handler
 * counted: an EntityManager, a repository or a database class of the app used in any way, the ORM used
 * any other way (`this.orm.em`), a method or inherited member of its class called, `this` or `super`
 * handed on. A handler with no ORM-level work gets undefined too: the class still decides for it.
 */
export function contextFreeOrmWork(
  method: ts.MethodDeclaration,
  cls: ClassFacts,
  database: ReadonlyMap<string, string>,
  repositories: ReadonlySet<string> = new Set(),
): string | undefined {
  if (!method.body) return undefined;
  const properties = new Map(cls.members.filter((m) => m.isProperty).map((m) => [m.name, m] as const));
  const selves = findNodes(method.body, (n): n is ts.Node => n.kind === ts.SyntaxKind.ThisKeyword || n.kind === ts.SyntaxKind.SuperKeyword);
  let work: string | undefined;
  for (const self of selves) {
    const access = self.parent;
    if (self.kind === ts.SyntaxKind.SuperKeyword || !ts.isPropertyAccessExpression(access) || access.expression !== self) return undefined;
    const member = properties.get(access.name.text);
    if (!member) return undefined;
    const role = memberRole(member, repositories);
    if (role === 'orm') {
      const use = access.parent;
      if (!ts.isPropertyAccessExpression(use) || use.expression !== access || !CONTEXT_FREE_ORM_MEMBERS.has(use.name.text))
        return undefined;
      work ??= use.getText();
      continue;
    }
    if (role || (member.type && (database.has(member.type) || /Repository$/.test(member.type)))) return undefined;
  }
  return work;
}

/**
 * Whether a handler's own body can reach the database: it uses a member that does (an
 * EntityManager, the ORM, a repository, a database class of the app), calls a method of its class,
 * or hands `this`/`super` on. Referring to a method without calling it (`this.onEvent.bind(this)`,
 * registered as a listener) runs that method later, outside the handler: its own context is its own
 * matter. A class that reaches the database may still have hooks that do not (wiring listeners).
 */
export function touchesDatabase(
  method: ts.MethodDeclaration,
  cls: ClassFacts,
  database: ReadonlyMap<string, string>,
  repositories: ReadonlySet<string> = new Set(),
  seen = new Set<ts.MethodDeclaration>([method]),
): boolean {
  if (!method.body) return false;
  const properties = new Map(cls.members.filter((m) => m.isProperty).map((m) => [m.name, m] as const));
  // A fork the class stored once never touches the global EntityManager, so no context is missing
  // there; the stored fork is a problem of its own, which the doctor tells.
  const forks = new Set(storedForks(cls.node).map((f) => f.field));
  const methods = new Set(
    cls.node.members.filter((m) => ts.isMethodDeclaration(m) || ts.isPropertyDeclaration(m)).map((m) => m.name?.getText()),
  );
  const selves = findNodes(method.body, (n): n is ts.Node => n.kind === ts.SyntaxKind.ThisKeyword || n.kind === ts.SyntaxKind.SuperKeyword);
  for (const self of selves) {
    if (self.kind === ts.SyntaxKind.SuperKeyword) return true;
    const access = self.parent;
    if (!ts.isPropertyAccessExpression(access) || access.expression !== self) {
      // `fn.bind(this)` hands `this` to a method reference only.
      const bound =
        ts.isCallExpression(access) && ts.isPropertyAccessExpression(access.expression) && access.expression.name.text === 'bind';
      if (bound) continue;
      return true;
    }
    if (forks.has(access.name.text)) continue;
    const member = properties.get(access.name.text);
    if (member) {
      if (memberRole(member, repositories) || (member.type && (database.has(member.type) || /Repository$/.test(member.type)))) return true;
      continue;
    }
    if (!methods.has(access.name.text)) return true;
    // An own method: called here, it runs inside the handler (and counts as what it does); referred to, it runs later.
    if (ts.isCallExpression(access.parent) && access.parent.expression === access) {
      const callee = cls.node.members.find(
        (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText() === access.name.text,
      );
      if (!callee || seen.has(callee)) return !callee;
      seen.add(callee);
      if (touchesDatabase(callee, cls, database, repositories, seen)) return true;
    }
  }
  return false;
}

/** One injected or declared member of a class: a constructor parameter or a property. */
export interface ClassMember {
  name: string;
  /** the type reference's name (`EntityRepository` for `EntityRepository<User>`) */
  type?: string;
  /** names of its decorators (`InjectRepository`) */
  decorators: string[];
  kind: 'parameter' | 'property';
  /** a constructor parameter that declares a property (private/readonly/public…) */
  isProperty: boolean;
}

/** What the analyses need to know about a class. */
export interface ClassFacts {
  name: string;
  path: string;
  node: ts.ClassDeclaration;
  members: ClassMember[];
  extendsName?: string;
  implementsNames: string[];
  /** has at least one class decorator (so Nest creates it through DI) */
  decorated: boolean;
  constructorNode?: ts.ConstructorDeclaration;
}

export function classFacts(source: ts.SourceFile, path: string): ClassFacts[] {
  return findNodes(source, (n): n is ts.ClassDeclaration => ts.isClassDeclaration(n) && !!n.name).map((cls) => {
    const members: ClassMember[] = [];
    const constructorNode = cls.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && !!m.body);
    for (const parameter of constructorNode?.parameters ?? []) {
      if (!ts.isIdentifier(parameter.name)) continue;
      members.push({
        name: parameter.name.text,
        type: typeName(parameter.type),
        decorators: decoratorNames(parameter),
        kind: 'parameter',
        isProperty: (ts.getModifiers(parameter) ?? []).some((m) =>
          [
            ts.SyntaxKind.PrivateKeyword,
            ts.SyntaxKind.ProtectedKeyword,
            ts.SyntaxKind.PublicKeyword,
            ts.SyntaxKind.ReadonlyKeyword,
          ].includes(m.kind),
        ),
      });
    }
    for (const member of cls.members) {
      if (!ts.isPropertyDeclaration(member) || !(ts.isIdentifier(member.name) || ts.isPrivateIdentifier(member.name))) continue;
      members.push({
        name: member.name.text,
        type: typeName(member.type),
        decorators: decoratorNames(member),
        kind: 'property',
        isProperty: true,
      });
    }
    const heritage = (token: ts.SyntaxKind) =>
      (cls.heritageClauses ?? []).filter((h) => h.token === token).flatMap((h) => h.types.map((t) => t.expression.getText(source)));
    return {
      name: cls.name!.text,
      path,
      node: cls,
      members,
      extendsName: heritage(ts.SyntaxKind.ExtendsKeyword)[0],
      implementsNames: heritage(ts.SyntaxKind.ImplementsKeyword),
      decorated: (ts.getDecorators(cls) ?? []).length > 0,
      constructorNode,
    };
  });
}

function typeName(type: ts.TypeNode | undefined): string | undefined {
  if (!type || !ts.isTypeReferenceNode(type)) return undefined;
  return ts.isIdentifier(type.typeName) ? type.typeName.text : type.typeName.right.text;
}

function decoratorNames(node: ts.HasDecorators): string[] {
  return (ts.getDecorators(node) ?? []).flatMap((d) => {
    const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
    return ts.isIdentifier(e) ? [e.text] : ts.isPropertyAccessExpression(e) ? [e.name.text] : [];
  });
}

/** What a member gives access to, when it is a MikroORM object. */
export function memberRole(
  member: ClassMember,
  repositoryClasses: ReadonlySet<string> = new Set(),
): 'orm' | 'em' | 'repository' | undefined {
  const type = member.type;
  if (member.decorators.includes('InjectMikroORM') || (type && ORM_TYPES.has(type))) return 'orm';
  if (member.decorators.includes('InjectEntityManager') || (type && ENTITY_MANAGER_TYPES.has(type))) return 'em';
  if (member.decorators.includes('InjectRepository') || (type && (REPOSITORY_TYPES.has(type) || repositoryClasses.has(type))))
    return 'repository';
  return undefined;
}

/** The classes of the app that extend a MikroORM repository class (custom repositories). */
export function repositoryClasses(classes: readonly ClassFacts[]): Set<string> {
  return new Set(classes.filter((c) => c.extendsName && REPOSITORY_TYPES.has(c.extendsName.replace(/<.*$/s, ''))).map((c) => c.name));
}

/** A `.fork()` call on an EntityManager somewhere inside `node`. */
function forkIn(node: ts.Node): ts.CallExpression | undefined {
  // A fork inside a function (`private load = () => this.em.fork().find(...)`) is made on each call, not stored.
  const calls = findNodes(node, (n): n is ts.CallExpression => ts.isCallExpression(n)).filter((c) => !insideFunction(c, node));
  if (ts.isCallExpression(node)) calls.unshift(node);
  return calls.find(
    (c) =>
      ts.isPropertyAccessExpression(c.expression) &&
      c.expression.name.text === 'fork' &&
      isEntityManagerExpression(c.expression.expression),
  );
}

function insideFunction(node: ts.Node, root: ts.Node): boolean {
  for (let n = node.parent; n && n !== root; n = n.parent) if (ts.isFunctionLike(n)) return true;
  return ts.isFunctionLike(root) && node !== root;
}

const ONCE = new Set(['onModuleInit', 'onApplicationBootstrap']);

/**
 * The fields of a class that keep an em.fork() made once (a field initializer, the constructor, a startup hook), with the node that stores
 * it.
 */
export function storedForks(cls: ts.ClassDeclaration): { node: ts.Node; field: string }[] {
  const found: { node: ts.Node; field: string }[] = [];
  for (const member of cls.members) {
    if (ts.isPropertyDeclaration(member) && member.initializer && forkIn(member.initializer)) {
      found.push({ node: member, field: member.name.getText() });
    }
    const once = ts.isConstructorDeclaration(member) || (ts.isMethodDeclaration(member) && ONCE.has(member.name.getText()));
    if (!once || !member.body) continue;
    for (const assignment of findNodes(member.body, (n): n is ts.BinaryExpression => ts.isBinaryExpression(n))) {
      if (
        assignment.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(assignment.left) &&
        assignment.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
        forkIn(assignment.right)
      ) {
        found.push({ node: assignment, field: assignment.left.name.text });
      }
    }
  }
  return found;
}

/**
 * The classes that reach the database, each with the reason: they inject an EntityManager, the
 * MikroORM instance or a repository, or (transitively) a class of the app that does. A class that a
 * database class extends or implements counts too (a repository port bound to its MikroORM adapter).
 */
export function databaseClasses(classes: readonly ClassFacts[]): Map<string, string> {
  const reasons = new Map<string, string>();
  const known = new Set(classes.map((c) => c.name));
  for (const cls of classes) {
    if (cls.extendsName && REPOSITORY_TYPES.has(cls.extendsName.replace(/<.*$/s, ''))) {
      reasons.set(cls.name, `${cls.name} is a MikroORM repository`);
      continue;
    }
    const direct = cls.members.find((m) => memberRole(m) !== undefined);
    if (direct) reasons.set(cls.name, `${cls.name} injects ${direct.type ?? `@${direct.decorators[0]}()`} (${direct.name})`);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const cls of classes) {
      if (reasons.has(cls.name)) continue;
      const via = cls.members.find(
        (m) => m.type !== undefined && (reasons.has(m.type) || (!known.has(m.type) && /Repository$/.test(m.type))),
      );
      const subclass = classes.find((c) => reasons.has(c.name) && (c.extendsName === cls.name || c.implementsNames.includes(cls.name)));
      if (via) {
        reasons.set(
          cls.name,
          `${cls.name} injects ${via.type} (${via.name})${reasons.has(via.type!) ? `, and ${reasons.get(via.type!)}` : ''}`,
        );
        changed = true;
      } else if (subclass) {
        reasons.set(cls.name, `${subclass.name}, bound to ${cls.name}, reaches the database`);
        changed = true;
      }
    }
  }
  return reasons;
}

/**
 * How `@CreateRequestContext()` finds the EntityManager on `this` (it looks at `this.em`, then
 * `this.orm`; MikroORM 5's `@UseRequestContext()` only at `this.orm`), or the member a decorator
 * callback can return instead.
 */
export function contextAccess(
  cls: ClassFacts,
  ormMajor: number,
  repositories: ReadonlySet<string> = new Set(),
): { kind: 'this'; member: 'em' | 'orm' } | { kind: 'member'; member: string } | undefined {
  const properties = cls.members.filter((m) => m.isProperty && !m.name.startsWith('#'));
  const orm = properties.find((m) => m.name === 'orm' && memberRole(m) === 'orm');
  const em = properties.find((m) => m.name === 'em' && memberRole(m) === 'em');
  if (orm) return { kind: 'this', member: 'orm' };
  if (em && ormMajor >= 6) return { kind: 'this', member: 'em' };
  const other = properties.find((m) => memberRole(m, repositories) !== undefined);
  return other && ormMajor >= 6 ? { kind: 'member', member: other.name } : undefined;
}

/**
 * Inserts a method decorator as the innermost one (right above the method's modifiers and name):
 * Nest's @Cron(), @MessagePattern()… store their metadata on the function they receive, so the
 * context wrapper must be in place before them. On the line of the last decorator when it shares the
 * method's line, else on its own line.
 */
export function methodDecoratorInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  method: ts.MethodDeclaration,
  decorator: string,
): Insertion {
  const first = (ts.getModifiers(method) ?? [])[0] ?? method.asteriskToken ?? method.name;
  const pos = first.getStart(source);
  const decorators = ts.getDecorators(method) ?? [];
  const last = decorators[decorators.length - 1];
  const lineStart = (p: number) => source.getLineAndCharacterOfPosition(p).line;
  if (last && lineStart(last.getEnd()) === lineStart(pos)) return { pos, text: `${decorator} ` };
  return { pos, text: `${decorator}${style.eol}${lineIndent(source, method)}` };
}

/**
 * Adds a constructor parameter property (`private readonly orm: MikroORM`) to a class: appended to
 * the constructor's parameters in their layout, or a new constructor before the first method when
 * the class has none. Undefined when the class extends another without its own constructor (a new
 * constructor would have to call super() with arguments we cannot know).
 */
export function constructorParameterInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  cls: ts.ClassDeclaration,
  parameter: string,
): Insertion | undefined {
  const ctor = cls.members.find((m): m is ts.ConstructorDeclaration => ts.isConstructorDeclaration(m) && !!m.body);
  if (ctor) {
    const params = ctor.parameters;
    if (params.length === 0) return { pos: params.pos, text: parameter };
    const last = params[params.length - 1];
    const multiline = source.text.slice(params.pos, params[0].getStart(source)).includes('\n');
    if (!multiline) return { pos: last.getEnd(), text: `, ${parameter}` };
    const indent = lineIndent(source, params[0]);
    return params.hasTrailingComma
      ? { pos: params.end, text: `${style.eol}${indent}${parameter},` }
      : { pos: last.getEnd(), text: `,${style.eol}${indent}${parameter}` };
  }
  if (cls.heritageClauses?.some((h) => h.token === ts.SyntaxKind.ExtendsKeyword)) return undefined;
  const anchor = cls.members.find(
    (m) => !ts.isPropertyDeclaration(m) && !ts.isIndexSignatureDeclaration(m) && !ts.isClassStaticBlockDeclaration(m),
  );
  const constructor = `constructor(${parameter}) {}`;
  if (anchor) {
    return { pos: anchor.getStart(source), text: `${constructor}${style.eol}${style.eol}${lineIndent(source, anchor)}` };
  }
  const indent = lineIndent(source, cls) + style.indent;
  return { pos: cls.members.end, text: `${style.eol}${style.eol}${indent}${constructor}` };
}
