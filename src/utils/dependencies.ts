import { chain, Rule } from '@angular-devkit/schematics';
import { NodePackageInstallTask } from '@angular-devkit/schematics/tasks';
import { dirname } from 'node:path';
import { addDependency, DependencyType, ExistingBehavior, InstallBehavior } from '@schematics/angular/utility/dependency';
import { JSONFile } from './json';

/** The package.json files an install is scheduled for, per schematic run (its context). */
const installs = new WeakMap<object, Set<string>>();

export interface PackagesToAdd {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Adds packages to package.json, keeping any entry the app already has, and schedules one install
 * task for all of them unless `skipInstall` (dry runs never run tasks). The install runs the install
 * scripts package.json allows (`allowScripts`, npm 11): the devkit's default, `--ignore-scripts`,
 * which `nest g` would pass, leaves MikroORM 6's sqlite3 without its native binding.
 */
export function addPackages(packageJsonPath: string, packages: PackagesToAdd, skipInstall: boolean): Rule {
  const rules = (
    [
      [packages.dependencies ?? {}, DependencyType.Default],
      [packages.devDependencies ?? {}, DependencyType.Dev],
    ] as const
  ).flatMap(([entries, type]) =>
    Object.entries(entries).map(([name, version]) =>
      addDependency(name, version, { type, packageJsonPath, install: InstallBehavior.None, existing: ExistingBehavior.Skip }),
    ),
  );
  return (tree) => {
    const before = tree.exists(packageJsonPath) ? tree.readText(packageJsonPath) : undefined;
    const endsWithNewline = before !== undefined && /\r?\n$/.test(before);
    const install: Rule = (after, context) => {
      if (skipInstall || !after.exists(packageJsonPath) || after.readText(packageJsonPath) === before) return;
      // One install per package.json and schematic run, however many rules add packages to it.
      const scheduled = installs.get(context) ?? new Set<string>();
      if (scheduled.has(packageJsonPath)) return;
      scheduled.add(packageJsonPath);
      installs.set(context, scheduled);
      context.addTask(new NodePackageInstallTask({ workingDirectory: dirname(packageJsonPath), allowScripts: true }));
    };
    return chain([...rules, keepFinalNewline(packageJsonPath, endsWithNewline), install]);
  };
}

/** addDependency rewrites package.json without its final newline: put it back when the file had one. */
function keepFinalNewline(path: string, endsWithNewline: boolean): Rule {
  return (tree) => {
    if (!endsWithNewline || !tree.exists(path)) return;
    const text = tree.readText(path);
    if (!/\n$/.test(text)) tree.overwrite(path, `${text}${text.includes('\r\n') ? '\r\n' : '\n'}`);
  };
}

/**
 * The native package MikroORM 6's SQLite driver loads (`sqlite3`) builds or downloads its binding in
 * an install script, which npm 11 runs only for packages package.json's `allowScripts` names: without
 * it the app's specs fail with "Could not locate the bindings file". Added for a MikroORM 6 app that
 * gets @mikro-orm/sqlite; an entry the app has (true or false) is its own choice and kept.
 */
export function allowSqliteInstallScript(packageJsonPath: string, ormMajor: number): Rule {
  return (tree) => {
    if (ormMajor !== 6 || !tree.exists(packageJsonPath)) return;
    const json = new JSONFile(tree, packageJsonPath);
    if (json.get(['allowScripts', 'sqlite3']) === undefined) json.modify(['allowScripts', 'sqlite3'], true);
  };
}
