import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { formatWithAppPrettier } from '../utils/format';
import { planFeature } from '../utils/feature';
import { planEntity } from './plan';
import { entityRules, reportEntity } from './rules';
import { EntityOptions } from './schema';

/** `entity`: a MikroORM entity with typed properties, registered where the app lists its entities. */
export function entity(options: EntityOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const plan = planEntity(tree, options, planFeature(tree, options));
    return chain([...entityRules(plan), reportEntity(plan, context), formatWithAppPrettier(options)]);
  };
}
