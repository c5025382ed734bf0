import * as ts from 'typescript';
import { decoratorArgument, findNodes, objectProperty } from '../../utils/ast';
import { ormRootOptions } from '../../utils/bootstrap';
import { findOrmRootCalls } from '../../utils/orm-options';
import { ClassFacts, databaseClasses } from '../../utils/handlers';
import { at, DoctorInput, Finding } from './finding';

/** Request-scoped providers used to get a per-request EntityManager. */
export function requestScopeRule(input: DoctorInput, facts: ClassFacts[]): Finding[] {
  const findings: Finding[] = [];
  const database = databaseClasses(facts);
  const cost =
    'Nest builds it, and every provider that injects it, again on each request (DI work per request), and jobs or startup hooks cannot use it';
  const fix =
    'make it a singleton: the registered request context already gives each request its own EntityManager through the injected one';
  for (const source of input.sources.values()) {
    const roots = findOrmRootCalls(source);
    for (const scope of findNodes(
      source,
      (n): n is ts.PropertyAssignment => ts.isPropertyAssignment(n) && n.name.getText(source) === 'scope',
    )) {
      if (scope.initializer.getText(source) !== 'Scope.REQUEST' || !ts.isObjectLiteralExpression(scope.parent)) continue;
      const object = scope.parent;
      const decorated = injectableClass(object);
      if (decorated) {
        const reason = decorated.name && database.get(decorated.name.text);
        if (reason)
          findings.push(
            at(source, scope, 'warning', 'request-scope', `${decorated.name!.text} is request-scoped (${reason}): ${cost}`, fix),
          );
        continue;
      }
      if (roots.some((call) => ormRootOptions(call) === object || call.arguments[0] === object)) {
        findings.push(
          at(
            source,
            scope,
            'warning',
            'request-scope',
            `MikroOrmModule is given scope: Scope.REQUEST, which makes the EntityManager provider request-scoped: ${cost.replace('it, and every provider that injects it,', 'every provider that injects the EntityManager')}`,
            'remove scope: the registered request context already gives each request its own EntityManager',
          ),
        );
        continue;
      }
      if (objectProperty(object, 'provide') && /EntityManager|MikroORM|\.fork\(/.test(object.getText(source))) {
        findings.push(
          at(
            source,
            scope,
            'warning',
            'request-scope',
            `a request-scoped provider creates an EntityManager per request: ${cost}`,
            fix.replace('make it a singleton', 'inject EntityManager itself'),
          ),
        );
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
