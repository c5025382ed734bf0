import { lineOf } from '../../utils/ast';
import { contextRegistrations, findBootstrap, OwnOrm, ownOrms } from '../../utils/bootstrap';
import { analyseOrmRoot, findOrmMiddlewareCalls, findOrmRootCalls } from '../../utils/orm-options';
import { at, DoctorInput, Finding, INIT } from './finding';

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
      paths.push({
        file: path,
        line: lineOf(source, call),
        what: `@mikro-orm/nestjs's middleware (MikroOrmModule.forMiddleware)`,
        library: true,
        certain: true,
      });
    }
  }
  const findings: Finding[] = own.flatMap((o): Finding[] =>
    roots > 0
      ? [
          {
            file: o.file,
            line: o.line,
            severity: 'error',
            rule: 'context-registration',
            message:
              "the app builds a MikroORM of its own here beside MikroOrmModule's: two ORMs, and the request context of one never reaches the other's EntityManager",
            fix: 'keep one ORM: inject the MikroORM that MikroOrmModule provides instead of building another',
          },
        ]
      : paths.length === 0
        ? [
            {
              file: o.file,
              line: o.line,
              severity: 'error',
              rule: 'context-registration',
              message:
                'the app builds its own MikroORM here and no request context reaches its EntityManager: every request shares one identity map (stale entities)',
              fix: 'open a context per request with that ORM right after NestFactory.create: app.use((req, res, next) => RequestContext.create(orm.em, next))',
            },
          ]
        : [],
  );
  if (paths.length === 0) {
    if (roots === 0) return findings;
    return [
      ...findings,
      {
        ...at(
          main,
          bootstrap.create,
          'error',
          'context-registration',
          "no request context is registered for HTTP requests: every handler uses the global EntityManager (MikroORM's global-context error, or stale entities with allowGlobalContext)",
          `${INIT} registers one right after NestFactory.create (nest g -c mikro-request-context doctor fix runs it)`,
        ),
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
    message: `the request context is registered ${r.certain ? 'twice' : "twice unless these options switch the library's middleware off"}: ${r.what} here and ${first.what} at ${first.file}:${first.line}; each request forks twice, and entities loaded in the outer context are not the ones handlers see`,
    fix: !r.library
      ? 'keep one registration (the first, right after NestFactory.create) and remove this one'
      : r.fix
        ? r.fix.replace(/^[^ ]+: /, '')
        : 'set registerRequestContext: false in the options this MikroOrmModule root receives (nest g -c mikro-request-context doctor fix does it)',
    ...(r.library && !r.fix && ordered.filter((o) => !o.library).length === 1 ? { fixBy: 'init' as const } : {}),
  }));
  return [...findings, ...doubles];
}
