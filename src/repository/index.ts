import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { formatWithAppPrettier } from '../utils/format';
import { planRepository } from './plan';
import { repositoryRules, reportRepository } from './rules';
import { RepositoryOptions } from './schema';

/** `repository`: the entity (if missing), the port, its MikroORM adapter, the module wiring and a spec on SQLite. */
export function repository(options: RepositoryOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const plan = planRepository(tree, options);
    return chain([...repositoryRules(plan), reportRepository(plan, context), formatWithAppPrettier(options)]);
  };
}
