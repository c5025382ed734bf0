import { Rule, SchematicContext } from '@angular-devkit/schematics';
import { connectionDefaults } from './app-files';
import { InitPlan } from './plan';

export function reportNextSteps(plan: InitPlan, context: SchematicContext, changesBefore: number): Rule {
  return (tree) => {
    const log = context.logger;
    if (plan.defaultsUsed.length > 0) {
      log.info(`Using defaults: ${plan.defaultsUsed.join(', ')} (pass --driver/--style, or answer the prompts in a terminal).`);
    }
    log.info(`MikroORM ${plan.orm.major} (${plan.orm.reason}), driver ${plan.options.driver}.`);
    for (const note of plan.notes) log.info(note);
    if (tree.actions.length === changesBefore) {
      log.info('Nothing to change: MikroORM and its request context are already set up in this app.');
      return;
    }
    const connection = connectionDefaults(plan.options.driver, plan.project);
    log.info('Next steps:');
    log.info(
      connection.kind === 'file'
        ? `  - The database is the file ${connection.dbName} (MIKRO_ORM_DB_NAME changes it; see .env.example).`
        : `  - Set the MIKRO_ORM_* connection variables listed in .env.example (never commit the password).`,
    );
    log.info('  - Generate the repository pattern: nest g repository users');
    log.info('  - Create the schema: npx mikro-orm schema:update --run (or migrations: npx mikro-orm migration:create)');
  };
}
