import { Rule, SchematicContext } from '@angular-devkit/schematics';
import { applyInsertions } from '../utils/ast';
import { addPackages } from '../utils/dependencies';
import { ContextPlan, HandlerOutcome, ORM_PARAMETER } from './plan';

export function applyEdits(plan: ContextPlan): Rule {
  return (tree) => {
    for (const [path, insertions] of plan.edits) applyInsertions(tree, path, insertions);
  };
}

export function addDecoratorsPackage(plan: ContextPlan): Rule {
  if (Object.keys(plan.packages).length === 0) return () => undefined;
  return addPackages(plan.project.packageJson, { dependencies: plan.packages }, plan.skipInstall);
}

/** One line per change (file and method), one per handler left to the user, and a summary. */
export function report(plan: ContextPlan, ctx: SchematicContext): Rule {
  return () => {
    const log = ctx.logger;
    for (const path of plan.edits.keys()) {
      for (const { className, because } of plan.injections.filter((i) => i.path === path)) {
        log.info(
          `UPDATE ${path}: ${className} gets \`${ORM_PARAMETER}\` (injected by Nest), where @${plan.decorator.name}() finds the ORM; ${because}.`,
        );
      }
      for (const o of plan.outcomes) {
        if (o.kind === 'add' && o.path === path)
          log.info(`UPDATE ${o.path}: ${o.decorator} on ${o.handler.className}.${o.handler.methodName}()`);
      }
    }
    for (const o of plan.outcomes) {
      if (o.kind === 'report') {
        log.warn(
          `SKIP ${o.path}:${o.handler.line} ${o.handler.className}.${o.handler.methodName}() (${o.handler.trigger}) ${o.reason} — ${o.fix}`,
        );
      }
    }
    for (const [name, version] of Object.entries(plan.packages)) {
      log.info(`UPDATE ${plan.project.packageJson}: ${name}@${version} (MikroORM ${plan.ormMajor} keeps @${plan.decorator.name}() there).`);
    }
    const count = (kind: HandlerOutcome['kind']) => plan.outcomes.filter((o) => o.kind === kind).length;
    if (plan.outcomes.length === 0) {
      log.info(`context: no queue, schedule, microservice, WebSocket or startup handlers in ${plan.scope}.`);
      return;
    }
    const ormOnly =
      count('orm-only') > 0
        ? `, ${count('orm-only')} that only use the ORM itself (migrations, schema, seeding, connection) left alone`
        : '';
    log.info(
      `context: ${count('add')} handler(s) given a request context, ${count('covered')} already had one, ` +
        `${count('report')} left to you, ${count('no-database')} without database access left alone${ormOnly} (${plan.scope}).`,
    );
  };
}
