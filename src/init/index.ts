import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { formatWithAppPrettier } from '../utils/format';
import { createTestingModule } from '../utils/testing';
import {
  addMigrationScripts,
  addOrmDependencies,
  configureOrmCli,
  createConfiguration,
  enableDecorators,
  ignoreDatabaseFile,
  ignoreGeneratedMigrations,
  makeDefaultCollection,
} from './app-files';
import { callSetup, disableLibraryMiddleware, importDatabaseModule, registerRequestContext } from './context';
import { createHealthModule } from './health';
import { closeE2eApps } from './e2e';
import { configureJestForEsm } from './jest';
import { planInit } from './plan';
import { baseline, reportNextSteps } from './report';
import { InitOptions } from './schema';

/**
 * `init`: MikroORM in a Nest app with exactly one request context per request, registered before
 * everything else (docs/architecture.md says why there). Every decision is made (and every bad input
 * refused) in planInit before the first edit, so an error leaves all files as they were.
 */
export function init(options: InitOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const plan = planInit(tree, options);
    const before = baseline(tree);
    return chain([
      // First of the source edits: its edits were planned on the files as they are now.
      disableLibraryMiddleware(plan),
      addOrmDependencies(plan),
      createConfiguration(plan),
      registerRequestContext(plan),
      callSetup(plan),
      importDatabaseModule(plan),
      createHealthModule(plan),
      // The specs' database and per-test transaction, for the generated specs and the user's own.
      createTestingModule(plan.testing, plan.project.packageJson, plan.orm.major, plan.options.skipInstall),
      enableDecorators(plan),
      configureJestForEsm(plan),
      closeE2eApps(plan),
      makeDefaultCollection(plan),
      configureOrmCli(plan),
      addMigrationScripts(plan),
      ignoreDatabaseFile(plan),
      ignoreGeneratedMigrations(plan),
      reportNextSteps(plan, context, before),
      formatWithAppPrettier(options),
    ]);
  };
}
