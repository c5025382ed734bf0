import { findNodeAtLocation, Node as JsonNode, parseTree } from 'jsonc-parser';
import * as ts from 'typescript';
import { decoratorArgument, findNodes, isMethodCall, lineOf, objectProperty } from './ast';
import { contextRegistrations, findBootstrap, findOrmRoots, ormRootOptions, OwnOrm, ownOrms } from './bootstrap';
import { analyseOrmRoot, findOrmMiddlewareCalls, findOrmRootCalls } from './orm-options';
import { ClassFacts, databaseClasses, Handler, memberRole, repositoryClasses, storedForks } from './handlers';
import { majorOf, ORM_RELEASES } from './versions';

/**
 * The doctor's rules: pure functions from the app's parsed files to findings, one per problem, each
 * at the exact file and line (docs/architecture.md §3 says why each one is a problem).
 */
export type Severity = 'error' | 'warning';

export type RuleId =
  | 'syntax'
  | 'global-context'
  | 'stored-fork'
  | 'global-em-outside-context'
  | 'request-scope'
  | 'context-registration'
  | 'repository-provider'
  | 'handler-context'
  | 'versions';

export interface Finding {
  file: string;
  line: number;
  severity: Severity;
  rule: RuleId;
  message: string;
  fix: string;
  /** the schematic that `doctor fix` runs for it, when the fix is safe */
  fixBy?: 'context' | 'init';
}

export interface DoctorInput {
  /** the app's TypeScript files, path → parsed file */
  sources: Map<string, ts.SourceFile>;
  /** the bootstrap file (main.ts) */
  main: string;
  packageJson?: { path: string; text: string };
  envFiles: { path: string; text: string }[];
  /** the files main.ts reaches through imports: context paths count there only (all files when absent) */
  reachable?: Set<string>;
}

/** `file:line severity message — fix` */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line} ${f.severity} ${f.message} — ${f.fix}`;
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

const INIT = 'nest g -c mikro-request-context init';

function at(source: ts.SourceFile, node: ts.Node, severity: Severity, rule: RuleId, message: string, fix: string): Finding {
  return { file: source.fileName, line: lineOf(source, node), severity, rule, message, fix };
}

/** allowGlobalContext: true in any TypeScript file, or MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=true in an env file. */
export function globalContextRule(input: DoctorInput): Finding[] {
  const consequence = 'lets code use the global EntityManager outside a request context, whose identity map everything shares: it serves stale entities';
  const fix = (what: string) => `remove ${what}: HTTP requests get a context from the registration (${INIT}), other handlers from nest g context`;
  const findings: Finding[] = [];
  for (const source of input.sources.values()) {
    for (const p of findNodes(source, (n): n is ts.PropertyAssignment => ts.isPropertyAssignment(n))) {
      if (p.name.getText(source).replace(/['"]/g, '') === 'allowGlobalContext' && p.initializer.kind === ts.SyntaxKind.TrueKeyword) {
        // Outside what main.ts reaches (a test helper under src/), it does not touch the app's requests;
        // a MikroORM config file counts wherever it is, since the CLI and forRoot() load it without an import.
        const outside = input.reachable && !input.reachable.has(source.fileName) && !/(^|\/)mikro-orm\.config\.[cm]?ts$/.test(source.fileName);
        findings.push(
          outside
            ? at(source, p, 'warning', 'global-context', `allowGlobalContext: true in a file the app does not import (a test helper?): whatever uses it ${consequence.replace(/^lets code /, 'may ')}`, fix('it, or keep it to tests'))
            : at(source, p, 'error', 'global-context', `allowGlobalContext: true ${consequence}`, fix('it')),
        );
      }
    }
  }
  for (const env of input.envFiles) {
    env.text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim().replace(/^export\s+/, '');
      const eq = line.indexOf('=');
      if (line.startsWith('#') || eq < 0) return;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2').toLowerCase();
      if (key === 'MIKRO_ORM_ALLOW_GLOBAL_CONTEXT' && ['true', 't', '1'].includes(value)) {
        const message = `MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=${value} ${consequence}`;
        findings.push({ file: env.path, line: index + 1, severity: 'error', rule: 'global-context', message, fix: fix('the variable') });
      }
    });
  }
  return findings;
}

/** em.fork() kept in a class field, set in the constructor or a startup hook: one fork for the life of a singleton. */
export function storedForkRule(input: DoctorInput): Finding[] {
  const findings: Finding[] = [];
  for (const source of input.sources.values()) {
    for (const cls of findNodes(source, (n): n is ts.ClassDeclaration => ts.isClassDeclaration(n) && !!n.name)) {
      // A request-scoped class lives for one request: its fork is per request (requestScopeRule tells the cost).
      if (requestScoped(cls, source)) continue;
      const name = cls.name!.text;
      for (const { node, field } of storedForks(cls)) {
        findings.push(
          at(
            source,
            node,
            'error',
            'stored-fork',
            `${name}.${field} keeps one em.fork() for the life of the ${name} singleton: every request and job shares its identity map (stale entities, memory that only grows)`,
            'inject EntityManager and use it as it is (inside a request context it resolves to that context\'s fork), or fork inside the method that needs it',
          ),
        );
      }
    }
  }
  return findings;
}

function requestScoped(cls: ts.ClassDeclaration, source: ts.SourceFile): boolean {
  const options = decoratorArgument(cls, 'Injectable')?.object;
  return options !== undefined && objectProperty(options, 'scope')?.initializer.getText(source) === 'Scope.REQUEST';
}

const TIMERS = ['setInterval', 'setTimeout', 'setImmediate'];

/**
 * The global EntityManager used where no request context exists: in a constructor (at startup), or
 * in a timer callback, which runs outside any request (or keeps the context it was created in).
 */
export function globalEntityManagerRule(input: DoctorInput, facts: ClassFacts[]): Finding[] {
  const findings: Finding[] = [];
  const repositories = repositoryClasses(facts);
  for (const source of input.sources.values()) {
    for (const cls of facts.filter((c) => c.path === source.fileName)) {
      const members = new Set(cls.members.filter((m) => memberRole(m, repositories) !== undefined).map((m) => m.name));
      if (members.size === 0) continue;
      const uses = (root: ts.Node) =>
        findNodes(root, (n): n is ts.PropertyAccessExpression => ts.isPropertyAccessExpression(n)).filter(
          (p) =>
            p.expression.kind === ts.SyntaxKind.ThisKeyword &&
            members.has(p.name.text) &&
            usedForQuery(p) &&
            !insideContext(p),
        );
      const message = (where: string, member: string) =>
        `${cls.name} uses this.${member} ${where}, outside any request context: MikroORM throws its global-context error there (or, with allowGlobalContext, shares the global identity map)`;
      const fix = 'move the work into an async method with @CreateRequestContext() (for a recurring task, an @Interval()/@Cron() method that nest g context decorates)';
      if (cls.constructorNode?.body) {
        const [first] = uses(cls.constructorNode.body);
        if (first) findings.push(at(source, first, 'warning', 'global-em-outside-context', message('in its constructor (at startup)', first.name.text), fix));
      }
      for (const timer of findNodes(cls.node, (n): n is ts.CallExpression => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && TIMERS.includes(n.expression.text))) {
        const callback = timer.arguments[0];
        const [first] = callback ? uses(callback) : [];
        if (first) {
          findings.push(at(source, first, 'warning', 'global-em-outside-context', message(`in a ${(timer.expression as ts.Identifier).text}() callback`, first.name.text), fix));
        }
      }
    }
  }
  return findings;
}

/** `this.em.find(...)`, `this.orm.em.flush()`, `this.repo.count()`: a member call, not an assignment or a fork. */
function usedForQuery(access: ts.PropertyAccessExpression): boolean {
  let node: ts.Node = access;
  while (ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) node = node.parent;
  if (!ts.isCallExpression(node.parent) || node.parent.expression !== node) return false;
  return !(ts.isPropertyAccessExpression(node) && node.name.text === 'fork');
}

function insideContext(node: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isCallExpression(n) && isMethodCall(n, 'RequestContext', ['create', 'createAsync', 'enter'])) return true;
  }
  return false;
}

/** Request-scoped providers used to get a per-request EntityManager. */
export function requestScopeRule(input: DoctorInput, facts: ClassFacts[]): Finding[] {
  const findings: Finding[] = [];
  const database = databaseClasses(facts);
  const cost = 'Nest builds it, and every provider that injects it, again on each request (DI work per request), and jobs or startup hooks cannot use it';
  const fix = 'make it a singleton: the registered request context already gives each request its own EntityManager through the injected one';
  for (const source of input.sources.values()) {
    const roots = findOrmRoots(source);
    for (const scope of findNodes(source, (n): n is ts.PropertyAssignment => ts.isPropertyAssignment(n) && n.name.getText(source) === 'scope')) {
      if (scope.initializer.getText(source) !== 'Scope.REQUEST' || !ts.isObjectLiteralExpression(scope.parent)) continue;
      const object = scope.parent;
      const decorated = injectableClass(object);
      if (decorated) {
        const reason = decorated.name && database.get(decorated.name.text);
        if (reason) findings.push(at(source, scope, 'warning', 'request-scope', `${decorated.name!.text} is request-scoped (${reason}): ${cost}`, fix));
        continue;
      }
      if (roots.some((call) => ormRootOptions(call) === object || call.arguments[0] === object)) {
        findings.push(at(source, scope, 'warning', 'request-scope', `MikroOrmModule is given scope: Scope.REQUEST, which makes the EntityManager provider request-scoped: ${cost.replace('it, and every provider that injects it,', 'every provider that injects the EntityManager')}`, 'remove scope: the registered request context already gives each request its own EntityManager'));
        continue;
      }
      if (objectProperty(object, 'provide') && /EntityManager|MikroORM|\.fork\(/.test(object.getText(source))) {
        findings.push(at(source, scope, 'warning', 'request-scope', `a request-scoped provider creates an EntityManager per request: ${cost}`, fix.replace('make it a singleton', 'inject EntityManager itself')));
      }
    }
  }
  return findings;
}

function injectableClass(object: ts.ObjectLiteralExpression): ts.ClassDeclaration | undefined {
  const call = object.parent;
  if (!ts.isCallExpression(call) || !ts.isDecorator(call.parent)) return undefined;
  const cls = call.parent.parent;
  return ts.isClassDeclaration(cls) && decoratorArgument(cls, 'Injectable')?.call === call ? cls : undefined;
}

/**
 * The request context opened exactly once per HTTP request, counted across the app: the app's own
 * registrations, and @mikro-orm/nestjs's middleware for every MikroOrmModule root whose options (followed
 * through variables, imports, spreads, defineConfig and factories) do not switch it off. Also one ORM:
 * an ORM the app builds itself gets no context from the library, and a second ORM beside it none at all.
 */
export function registrationRule(input: DoctorInput): Finding[] {
  const main = input.sources.get(input.main);
  const bootstrap = main && findBootstrap(main);
  if (!main || !bootstrap || 'kind' in bootstrap) return [];
  const open = (path: string) => input.sources.get(path);
  const paths: { file: string; line: number; what: string; library: boolean; fix?: string; certain: boolean }[] = [];
  const own: OwnOrm[] = [];
  let roots = 0;
  for (const [path, source] of input.sources) {
    if (input.reachable && !input.reachable.has(path)) continue;
    for (const r of contextRegistrations(source, path === input.main)) paths.push({ ...r, library: false, certain: true });
    own.push(...ownOrms(source));
    for (const call of findOrmRootCalls(source)) {
      roots++;
      const root = analyseOrmRoot(call, open);
      if (root.middleware === 'off') continue;
      paths.push({
        file: root.file,
        line: root.line,
        what: `@mikro-orm/nestjs's middleware (MikroOrmModule.${root.method} without registerRequestContext: false)`,
        library: true,
        fix: root.manual,
        certain: root.middleware === 'on',
      });
    }
    for (const call of findOrmMiddlewareCalls(source)) {
      paths.push({ file: path, line: lineOf(source, call), what: `@mikro-orm/nestjs's middleware (MikroOrmModule.forMiddleware)`, library: true, certain: true });
    }
  }
  const findings: Finding[] = own.flatMap((o): Finding[] =>
    roots > 0
      ? [{
          file: o.file, line: o.line, severity: 'error', rule: 'context-registration',
          message: 'the app builds a MikroORM of its own here beside MikroOrmModule\'s: two ORMs, and the request context of one never reaches the other\'s EntityManager',
          fix: 'keep one ORM: inject the MikroORM that MikroOrmModule provides instead of building another',
        }]
      : paths.length === 0
        ? [{
            file: o.file, line: o.line, severity: 'error', rule: 'context-registration',
            message: 'the app builds its own MikroORM here and no request context reaches its EntityManager: every request shares one identity map (stale entities)',
            fix: 'open a context per request with that ORM right after NestFactory.create: app.use((req, res, next) => RequestContext.create(orm.em, next))',
          }]
        : [],
  );
  if (paths.length === 0) {
    if (roots === 0) return findings;
    return [
      ...findings,
      {
        ...at(main, bootstrap.create, 'error', 'context-registration',
          'no request context is registered for HTTP requests: every handler uses the global EntityManager (MikroORM\'s global-context error, or stale entities with allowGlobalContext)',
          `${INIT} registers one right after NestFactory.create (nest g -c mikro-request-context doctor fix runs it)`),
        fixBy: 'init',
      },
    ];
  }
  // Ours first: the finding goes to the one that should not be there.
  const ordered = [...paths.filter((r) => !r.library), ...paths.filter((r) => r.library)];
  const [first, ...extra] = ordered;
  const doubles = extra.map((r) => ({
    file: r.file,
    line: r.line,
    severity: r.certain ? ('error' as const) : ('warning' as const),
    rule: 'context-registration' as const,
    message: `the request context is registered ${r.certain ? 'twice' : 'twice unless these options switch the library\'s middleware off'}: ${r.what} here and ${first.what} at ${first.file}:${first.line}; each request forks twice, and entities loaded in the outer context are not the ones handlers see`,
    fix: !r.library
      ? 'keep one registration (the first, right after NestFactory.create) and remove this one'
      : r.fix
        ? r.fix.replace(/^[^ ]+: /, '')
        : 'set registerRequestContext: false in the options this MikroOrmModule root receives (nest g -c mikro-request-context doctor fix does it)',
    ...(r.library && !r.fix && ordered.filter((o) => !o.library).length === 1 ? { fixBy: 'init' as const } : {}),
  }));
  return [...findings, ...doubles];
}

/** Custom repository classes listed in a module's providers instead of coming from forFeature. */
export function repositoryProvidersRule(input: DoctorInput, facts: ClassFacts[]): Finding[] {
  const repositories = repositoryClasses(facts);
  for (const source of input.sources.values()) {
    for (const call of findNodes(source, (n): n is ts.CallExpression => ts.isCallExpression(n) && n.expression.getText(source) === 'Entity')) {
      const options = call.arguments[0];
      const repository = options && ts.isObjectLiteralExpression(options) ? objectProperty(options, 'repository') : undefined;
      const target = repository && ts.isArrowFunction(repository.initializer) ? repository.initializer.body : undefined;
      if (target && ts.isIdentifier(target)) repositories.add(target.text);
    }
  }
  const findings: Finding[] = [];
  if (repositories.size === 0) return findings;
  for (const source of input.sources.values()) {
    for (const cls of findNodes(source, (n): n is ts.ClassDeclaration => ts.isClassDeclaration(n))) {
      const providers = decoratorArgument(cls, 'Module')?.object;
      const list = providers && objectProperty(providers, 'providers')?.initializer;
      if (!list || !ts.isArrayLiteralExpression(list)) continue;
      for (const element of list.elements) {
        const named = ts.isIdentifier(element)
          ? element.text
          : ts.isObjectLiteralExpression(element)
            ? ['provide', 'useClass'].map((k) => objectProperty(element, k)?.initializer).find((i) => i && ts.isIdentifier(i) && repositories.has(i.text))?.getText(source)
            : undefined;
        if (!named || !repositories.has(named)) continue;
        findings.push(
          at(source, element, 'error', 'repository-provider',
            `${named} is a MikroORM repository listed in ${cls.name?.text ?? 'a module'}'s providers: Nest builds it itself, without the EntityManager and entity a repository needs`,
            `remove it from providers: MikroOrmModule.forFeature([...]) with its entity provides it (inject it with @InjectRepository(Entity))`),
        );
      }
    }
  }
  return findings;
}

/** What `nest g context` would fix, or leaves to the user, as findings. */
export function handlerFindings(
  outcomes: readonly { kind: string; path: string; handler: Handler; database?: string; decorator?: string; reason?: string; fix?: string }[],
): Finding[] {
  return outcomes.flatMap((o) => {
    const h = o.handler;
    const what = `${h.className}.${h.methodName}() (${h.trigger}) reaches the database with no request context (${o.database})`;
    if (o.kind === 'add') {
      return [{ file: o.path, line: h.line, severity: 'error' as const, rule: 'handler-context' as const, message: `${what}: MikroORM throws its global-context error there (with allowGlobalContext it serves stale entities)`, fix: `nest g context adds ${o.decorator}`, fixBy: 'context' as const }];
    }
    if (o.kind === 'report') {
      return [{ file: o.path, line: h.line, severity: 'error' as const, rule: 'handler-context' as const, message: `${what}, and it ${o.reason}`, fix: o.fix! }];
    }
    return [];
  });
}

/** Which @mikro-orm/nestjs major works with which MikroORM and Nest majors (its peerDependencies). */
export const NESTJS_SUPPORT: Record<number, { orm: number; nest: number[] }> = {
  7: { orm: 7, nest: [11, 12] },
  6: { orm: 6, nest: [10, 11] },
  5: { orm: 5, nest: [8, 9, 10] },
};

/**
 * @mikro-orm/* packages versioned on a line of their own rather than released with @mikro-orm/core, so
 * the "same major / same version as core" checks leave them out: the CLI query highlighters, whose
 * only line is 1.x (sql-highlighter 1.0.1, mongo-highlighter 1.0.0 while core is at 7), and
 * @mikro-orm/nestjs, whose releases follow the MikroORM major but not its versions (NESTJS_SUPPORT
 * checks it instead).
 */
export const OWN_VERSION_LINE: ReadonlySet<string> = new Set(['@mikro-orm/nestjs', '@mikro-orm/sql-highlighter', '@mikro-orm/mongo-highlighter']);

/** MikroORM packages of one version, @mikro-orm/nestjs made for that major, and a Nest major it supports. */
export function versionsRule(input: DoctorInput): Finding[] {
  if (!input.packageJson) return [];
  const { path, text } = input.packageJson;
  const tree = parseTree(text);
  if (!tree) return [];
  const entries = new Map<string, { version: string; node: JsonNode }>();
  for (const section of ['devDependencies', 'dependencies']) {
    const node = findNodeAtLocation(tree, [section]);
    for (const property of node?.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key && value && typeof value.value === 'string') entries.set(String(key.value), { version: value.value, node: property });
    }
  }
  const lineAt = (node: JsonNode) => text.slice(0, node.offset).split('\n').length;
  const finding = (name: string, severity: Severity, message: string, fix: string): Finding => ({
    file: path, line: lineAt(entries.get(name)!.node), severity, rule: 'versions', message, fix,
  });
  const findings: Finding[] = [];
  const core = entries.get('@mikro-orm/core');
  const coreMajor = majorOf(core?.version);
  const nestjs = entries.get('@mikro-orm/nestjs');
  const nestMajor = majorOf(entries.get('@nestjs/core')?.version);
  const release = (major: number | undefined) => (major && major in ORM_RELEASES ? ORM_RELEASES[major as 6 | 7] : undefined);
  if (nestjs) {
    const support = NESTJS_SUPPORT[majorOf(nestjs.version) ?? -1];
    if (support && coreMajor !== undefined && support.orm !== coreMajor) {
      const good = release(coreMajor);
      findings.push(finding('@mikro-orm/nestjs', 'error', `@mikro-orm/nestjs ${nestjs.version} is made for MikroORM ${support.orm}, but @mikro-orm/core is ${core!.version}`, good ? `use @mikro-orm/nestjs ${good.nestjs} with MikroORM ${good.orm}` : `use the @mikro-orm/nestjs major that matches MikroORM ${coreMajor}`));
    } else if (support && nestMajor !== undefined && !support.nest.includes(nestMajor)) {
      const fitting = Object.entries(NESTJS_SUPPORT).find(([, s]) => s.nest.includes(nestMajor));
      const good = fitting ? release(Number(fitting[0])) : undefined;
      findings.push(finding('@mikro-orm/nestjs', 'error', `@mikro-orm/nestjs ${nestjs.version} supports Nest ${support.nest.join(' and ')}, but this app has Nest ${nestMajor}`, good ? `Nest ${nestMajor} needs @mikro-orm/nestjs ${good.nestjs} with MikroORM ${good.orm} (every @mikro-orm/* package)` : `use a Nest major that @mikro-orm/nestjs supports`));
    }
  }
  if (core) {
    const bare = (v: string) => v.replace(/^[\^~=v]+/, '');
    for (const [name, entry] of entries) {
      if (!name.startsWith('@mikro-orm/') || name === '@mikro-orm/core' || OWN_VERSION_LINE.has(name)) continue;
      if (majorOf(entry.version) !== coreMajor) {
        findings.push(finding(name, 'error', `${name} ${entry.version} is not the MikroORM major of @mikro-orm/core ${core.version}: two cores get loaded, and entities of one are unknown to the other`, `use ${name} ${bare(core.version)}, the version of @mikro-orm/core`));
      } else if (bare(entry.version) !== bare(core.version)) {
        findings.push(finding(name, 'warning', `${name} ${entry.version} and @mikro-orm/core ${core.version} differ: MikroORM releases its packages together, and a driver peers one exact core (npm fails with ERESOLVE, or installs two cores)`, `pin every @mikro-orm/* package except @mikro-orm/nestjs to one version (${bare(core.version)})`));
      }
    }
  }
  return findings;
}
