import { chain, Rule, SchematicContext } from '@angular-devkit/schematics';
import { entityRules, reportEntity } from '../entity/rules';
import { renderFiles } from '../utils/files';
import { createTestingModule } from '../utils/testing';
import { importIntoParent, moduleFileParts, updateFeatureModule } from './feature-module';
import { RepositoryPlan } from './plan';

const TEMPLATES = '../../templates/repository';

export function repositoryRules(plan: RepositoryPlan): Rule[] {
  return [...entityRules(plan.entity), renderRepository(plan), wireModule(plan), importModuleIntoParent(plan), addTestingModule(plan)];
}

function renderRepository(plan: RepositoryPlan): Rule {
  const { feature, values } = plan;
  const folders = plan.pattern === 'repository' ? ['port', 'adapter'] : ['custom'];
  if (feature.spec && plan.sample) folders.push('spec');
  return chain(folders.map((name) => renderFiles({ from: `${TEMPLATES}/${name}`, to: feature.folder, values, force: feature.force })));
}

/** Creates the feature module, or adds forFeature, the provider and the export to the one that exists. */
function wireModule(plan: RepositoryPlan): Rule {
  return (tree) => {
    if (!plan.module.exists) {
      const { fileImports, parts } = moduleFileParts(plan.module);
      return renderFiles({
        from: `${TEMPLATES}/module`,
        to: plan.feature.folder,
        values: { ...plan.values, fileImports, parts },
        force: plan.feature.force,
      });
    }
    updateFeatureModule(tree, plan.module);
    return undefined;
  };
}

function importModuleIntoParent(plan: RepositoryPlan): Rule {
  return (tree) => {
    if (!plan.parent) return;
    importIntoParent(tree, plan.parent, plan.module.className, plan.feature.importPath(plan.parent.path, plan.module.path));
  };
}

/** The specs' testing module (when the app has none yet) and the packages its embedded database needs. */
function addTestingModule(plan: RepositoryPlan): Rule {
  if (!plan.feature.spec || !plan.sample) return () => undefined;
  const { feature } = plan;
  return createTestingModule(plan.testing, feature.project.packageJson, feature.ormMajor, feature.skipInstall);
}

export function reportRepository(plan: RepositoryPlan, context: SchematicContext): Rule {
  return (tree) => {
    reportEntity({ ...plan.entity, defaultsUsed: plan.defaultsUsed, notes: plan.notes }, context)(tree, context);
    if (plan.entity.create === false)
      context.logger.info(`Using the existing entity ${plan.entity.model.className} (${plan.entity.model.path}).`);
    if (plan.feature.spec && plan.sample) {
      const added = Object.keys(plan.testing.devDependencies);
      const install = added.length > 0 && plan.feature.skipInstall ? " (--skip-install: run your package manager's install)" : '';
      context.logger.info(`${plan.testing.summary}${added.length > 0 ? ` ${added.join(', ')} is in devDependencies${install}.` : ''}`);
    }
  };
}
