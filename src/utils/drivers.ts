import { Tree } from '@angular-devkit/schematics';
import { AppProfile } from './app-profile';
import { importBindings, parseSource } from './ast';
import { readJson } from './json';
import { configFile } from './orm-config';
import { Driver, driverPackage, DRIVERS } from './versions';
import { NestProject } from './workspace';

/**
 * The MikroORM drivers an app lists. Those among its runtime dependencies serve its requests; one
 * only in devDependencies is for tests (the generated specs' in-memory SQLite), never the app's.
 */
export function listedDrivers(tree: Tree, project: NestProject, profile: AppProfile): { listed: Driver[]; serving: Driver[] } {
  const runtime = readJson<{ dependencies?: Record<string, string> }>(tree, project.packageJson)?.dependencies ?? {};
  const listed = DRIVERS.filter((d) => profile.hasDependency(driverPackage(d)));
  return { listed, serving: listed.filter((d) => driverPackage(d) in runtime) };
}

/**
 * The driver that serves the app: the one its MikroORM config file imports from (`defineConfig`
 * from `@mikro-orm/postgresql`), else the one runtime dependency, else the one it lists at all.
 * Undefined when that leaves none or several.
 */
export function appDriver(tree: Tree, project: NestProject, profile: AppProfile): Driver | undefined {
  const config = configFile(tree, project);
  if (config) {
    const imported = new Set([...importBindings(parseSource(tree, config)).values()].map((b) => b.from));
    const fromConfig = DRIVERS.filter((d) => imported.has(driverPackage(d)));
    if (fromConfig.length === 1) return fromConfig[0];
  }
  const { listed, serving } = listedDrivers(tree, project, profile);
  const candidates = serving.length > 0 ? serving : listed;
  return candidates.length === 1 ? candidates[0] : undefined;
}
