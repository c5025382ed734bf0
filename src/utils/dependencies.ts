import { chain, Rule } from '@angular-devkit/schematics';
import { addDependency, DependencyType, ExistingBehavior, InstallBehavior } from '@schematics/angular/utility/dependency';
import { JSONFile } from './json';

export interface PackagesToAdd {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Adds packages to package.json, keeping any entry the app already has, and schedules one install
 * task for all of them unless `skipInstall` (dry runs never run tasks).
 */
export function addPackages(packageJsonPath: string, packages: PackagesToAdd, skipInstall: boolean): Rule {
  const install = skipInstall ? InstallBehavior.None : InstallBehavior.Auto;
  const rules = (
    [
      [packages.dependencies ?? {}, DependencyType.Default],
      [packages.devDependencies ?? {}, DependencyType.Dev],
    ] as const
  ).flatMap(([entries, type]) =>
    Object.entries(entries).map(([name, version]) =>
      addDependency(name, version, { type, packageJsonPath, install, existing: ExistingBehavior.Skip }),
    ),
  );
  return (tree) => {
    const endsWithNewline = tree.exists(packageJsonPath) && /\r?\n$/.test(tree.readText(packageJsonPath));
    return chain([...rules, keepFinalNewline(packageJsonPath, endsWithNewline)]);
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
