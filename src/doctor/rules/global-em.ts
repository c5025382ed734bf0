import * as ts from 'typescript';
import { findNodes, staticCalls } from '../../utils/ast';
import { REQUEST_CONTEXT, REQUEST_CONTEXT_METHODS } from '../../utils/bootstrap';
import { ClassFacts, memberRole, repositoryClasses } from '../../utils/handlers';
import { at, DoctorInput, Finding } from './finding';

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
          (p) => p.expression.kind === ts.SyntaxKind.ThisKeyword && members.has(p.name.text) && usedForQuery(p) && !insideContext(p),
        );
      const message = (where: string, member: string) =>
        `${cls.name} uses this.${member} ${where}, outside any request context: MikroORM throws its global-context error there (or, with allowGlobalContext, shares the global identity map)`;
      const fix =
        'move the work into an async method with @CreateRequestContext() (for a recurring task, an @Interval()/@Cron() method that nest g context decorates)';
      if (cls.constructorNode?.body) {
        const [first] = uses(cls.constructorNode.body);
        if (first)
          findings.push(
            at(source, first, 'warning', 'global-em-outside-context', message('in its constructor (at startup)', first.name.text), fix),
          );
      }
      for (const timer of findNodes(
        cls.node,
        (n): n is ts.CallExpression => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && TIMERS.includes(n.expression.text),
      )) {
        const callback = timer.arguments[0];
        const [first] = callback ? uses(callback) : [];
        if (first) {
          findings.push(
            at(
              source,
              first,
              'warning',
              'global-em-outside-context',
              message(`in a ${(timer.expression as ts.Identifier).text}() callback`, first.name.text),
              fix,
            ),
          );
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

/** Inside a `RequestContext.create(...)` callback, whatever local name or namespace reaches RequestContext. */
function insideContext(node: ts.Node): boolean {
  const source = node.getSourceFile();
  let calls = contextCalls.get(source);
  if (!calls) contextCalls.set(source, (calls = staticCalls(source, REQUEST_CONTEXT, REQUEST_CONTEXT_METHODS)));
  return calls.some((call) => call !== node && call.pos <= node.pos && node.end <= call.end);
}

const contextCalls = new WeakMap<ts.SourceFile, ts.CallExpression[]>();
