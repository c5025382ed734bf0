import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { migrationCommands } from '../utils/migrations';
import { connectionDefaults } from './app-files';
import { InitPlan } from './plan';

/**
 * The tree's changed files and their content when init started: a tree handed over with changes of its own (a test's) is no change of
 * init's.
 */
export type Baseline = Map<string, string | undefined>;

export function baseline(tree: Tree): Baseline {
  return new Map(tree.actions.map((a) => [a.path, tree.read(a.path)?.toString()]));
}

function changedSince(tree: Tree, before: Baseline): boolean {
  return tree.actions.some((a) => !before.has(a.path) || tree.read(a.path)?.toString() !== before.get(a.path));
}

export function reportNextSteps(plan: InitPlan, context: SchematicContext, before: Baseline): Rule {
  return (tree) => {
    const log = context.logger;
    if (plan.defaultsUsed.length > 0) {
      log.info(`Using defaults: ${plan.defaultsUsed.join(', ')} (pass --driver/--style, or answer the prompts in a terminal).`);
    }
    log.info(`MikroORM ${plan.orm.major} (${plan.orm.reason}), driver ${plan.options.driver}.`);
    for (const note of plan.notes) log.info(note);
    if (!changedSince(tree, before)) {
      log.info('Nothing to change: MikroORM and its request context are already set up in this app.');
      return;
    }
    const connection = connectionDefaults(plan.options.driver, plan.project);
    log.info('Next steps:');
    const [root] = plan.ormRoots;
    log.info(
      root
        ? `  - The app's own MikroORM configuration is kept (MikroOrmModule.${root.method} at ${root.file}:${root.line}).`
        : connection.kind === 'file'
          ? `  - The database is the file ${connection.dbName} (MIKRO_ORM_DB_NAME changes it; see .env.example).`
          : `  - Set the MIKRO_ORM_* connection variables listed in .env.example (never commit the password).`,
    );
    log.info('  - Generate the repository pattern: nest g repository users');
    log.info(`  - Specs: ${plan.testing.path} gives them their database and a transaction per test. ${plan.testing.summary}`);
    log.info(
      root
        ? '  - Create the schema with your MikroORM setup (npx mikro-orm migration:create, then migration:up).'
        : `  - After adding entities, create and apply their migration: ${migrationCommands(tree, plan.project.packageJson)}.`,
    );
  };
}
