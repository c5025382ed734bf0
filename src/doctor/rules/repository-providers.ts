import * as ts from 'typescript';
import { decoratorArgument, findNodes, objectProperty } from '../../utils/ast';
import { ClassFacts, repositoryClasses } from '../../utils/handlers';
import { at, DoctorInput, Finding } from './finding';

/** Custom repository classes listed in a module's providers instead of coming from forFeature. */
export function repositoryProvidersRule(input: DoctorInput, facts: ClassFacts[]): Finding[] {
  const repositories = repositoryClasses(facts);
  for (const source of input.sources.values()) {
    for (const call of findNodes(
      source,
      (n): n is ts.CallExpression => ts.isCallExpression(n) && n.expression.getText(source) === 'Entity',
    )) {
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
            ? ['provide', 'useClass']
                .map((k) => objectProperty(element, k)?.initializer)
                .find((i) => i && ts.isIdentifier(i) && repositories.has(i.text))
                ?.getText(source)
            : undefined;
        if (!named || !repositories.has(named)) continue;
        findings.push(
          at(
            source,
            element,
            'error',
            'repository-provider',
            `${named} is a MikroORM repository listed in ${cls.name?.text ?? 'a module'}'s providers: Nest builds it itself, without the EntityManager and entity a repository needs`,
            `remove it from providers: MikroOrmModule.forFeature([...]) with its entity provides it (inject it with @InjectRepository(Entity))`,
          ),
        );
      }
    }
  }
  return findings;
}
