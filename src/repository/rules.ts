import { chain, Rule, SchematicContext } from '@angular-devkit/schematics';
import { entityRules, reportEntity } from '../entity/rules';
import { addPackages, allowSqliteInstallScript } from '../utils/dependencies';
import { renderFiles } from '../utils/files';
import { ORM_RELEASES } from '../utils/versions';
import { importIntoParent, moduleFileParts, updateFeatureModule } from './feature-module';
import { RepositoryPlan } from './plan';

const TEMPLATES = '../../templates/repository';

export function repositoryRules(plan: RepositoryPlan): Rule[] {
  return [...entityRules(plan.entity), renderRepository(plan), wireModule(plan), importModuleIntoParent(plan), addTestDependencies(plan)];
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

/** The specs run on in-memory SQLite: an app on another database gets @mikro-orm/sqlite as a dev dependency. */
function addTestDependencies(plan: RepositoryPlan): Rule {
  if (!plan.feature.spec || plan.feature.driver === 'sqlite' || !plan.sample) return () => undefined;
  const { packageJson } = plan.feature.project;
  return chain([
    addPackages(
      packageJson,
      { devDependencies: { '@mikro-orm/sqlite': ORM_RELEASES[plan.feature.ormMajor].orm } },
      plan.feature.skipInstall,
    ),
    allowSqliteInstallScript(packageJson, plan.feature.ormMajor),
  ]);
}

export function reportRepository(plan: RepositoryPlan, context: SchematicContext): Rule {
  return (tree) => {
    reportEntity({ ...plan.entity, defaultsUsed: plan.defaultsUsed, notes: plan.notes }, context)(tree, context);
    if (plan.entity.create === false)
      context.logger.info(`Using the existing entity ${plan.entity.model.className} (${plan.entity.model.path}).`);
    if (plan.feature.driver !== 'sqlite' && plan.feature.spec && plan.sample) {
      context.logger.info(
        `The specs run on in-memory SQLite: @mikro-orm/sqlite is in devDependencies${plan.feature.skipInstall ? " (--skip-install: run your package manager's install)" : ''}.`,
      );
    }
  };
}
