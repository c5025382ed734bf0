import * as ts from 'typescript';
import { decoratorArgument, findNodes, objectProperty } from '../../utils/ast';
import { storedForks } from '../../utils/handlers';
import { at, DoctorInput, Finding } from './finding';

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
            "inject EntityManager and use it as it is (inside a request context it resolves to that context's fork), or fork inside the method that needs it",
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
