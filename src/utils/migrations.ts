import { Tree } from '@angular-devkit/schematics';
import { readJson } from './json';

/** npm scripts for the schema's lifecycle that init adds: the MikroORM CLI's own commands. */
export const MIGRATION_SCRIPTS: Readonly<Record<string, string>> = {
  'migration:create': 'mikro-orm migration:create',
  'migration:up': 'mikro-orm migration:up',
  'migration:down': 'mikro-orm migration:down',
  'migration:check': 'mikro-orm migration:check',
};

/**
 * What to type after a schematic changed the entities: create a migration from the difference, then
 * apply it. Through the app's scripts when it has them (init adds them), else the MikroORM CLI.
 */
export function migrationCommands(tree: Tree, packageJson: string): string {
  const scripts = readJson<{ scripts?: Record<string, string> }>(tree, packageJson)?.scripts ?? {};
  const command = (name: string) => (scripts[name] ? `npm run ${name}` : `npx mikro-orm ${name}`);
  return `${command('migration:create')}, then ${command('migration:up')}`;
}
