import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { formatWithAppPrettier } from '../utils/format';
import { planContext } from './plan';
import { addDecoratorsPackage, applyEdits, report } from './rules';
import { ContextOptions } from './schema';

/**
 * `context`: `@CreateRequestContext()` on every queue processor, scheduled job, microservice or
 * WebSocket handler and startup hook that reaches the database (docs/architecture.md §3: no middleware runs for
 * them). Everything is decided by planContext before the first edit, so an error changes nothing.
 */
export function context(options: ContextOptions): Rule {
  return (tree: Tree, ctx: SchematicContext) => {
    const plan = planContext(tree, options);
    return chain([applyEdits(plan), addDecoratorsPackage(plan), report(plan, ctx), formatWithAppPrettier(options)]);
  };
}
