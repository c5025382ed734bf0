import { chain, Rule } from '@angular-devkit/schematics';
import { addDependency, DependencyType, ExistingBehavior, InstallBehavior } from '@schematics/angular/utility/dependency';

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
  return chain(rules);
}
