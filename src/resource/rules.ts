import { chain, Rule, SchematicContext } from '@angular-devkit/schematics';
import { reportRepository } from '../repository/rules';
import { renderFiles } from '../utils/files';
import { ResourcePlan } from './plan';

const TEMPLATES = '../../templates/resource';

export function renderResource(plan: ResourcePlan): Rule {
  const { feature } = plan.repository;
  const force = feature.force;
  const rules = [renderFiles({ from: `${TEMPLATES}/files`, to: feature.folder, values: plan.values, force })];
  if (plan.e2e) {
    const folder = plan.e2ePath.split('/').slice(0, -1).join('/');
    rules.push(
      renderFiles({
        from: `${TEMPLATES}/e2e`,
        to: folder,
        // The e2e template's one suffix is on a package subpath (supertest/types), which never takes `.ts`.
        values: {
          ...plan.values,
          suffix: feature.profile.subpathSuffix,
          pluralFile: plan.e2ePath
            .split('/')
            .pop()!
            .replace(/\.e2e-spec\.ts$/, ''),
        },
        force,
      }),
    );
  }
  return chain(rules);
}

export function reportResource(plan: ResourcePlan, context: SchematicContext): Rule {
  return (tree) => {
    reportRepository(plan.repository, context)(tree, context);
    const route = (plan.values as { route: string }).route;
    context.logger.info(`REST: GET /${route}?limit&offset, GET /${route}/:id, POST /${route}, PATCH /${route}/:id, DELETE /${route}/:id.`);
    if (!plan.validated) {
      context.logger.info(
        'Request bodies are not validated: the app has no class-validator. Run init again (it adds class-validator, class-transformer and the ValidationPipe in setupApp), then regenerate the DTOs with --force.',
      );
    }
  };
}
