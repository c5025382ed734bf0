import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { AppProfile, readAppProfile } from './app-profile';
import { FeatureNames, featureNames } from './names';
import { appDriver, listedDrivers } from './drivers';
import { Driver, DRIVERS, driverPackage, OrmMajor } from './versions';
import { NestProject, ProjectOptions, relativeImport, resolveProject } from './workspace';

/** The options the entity, repository and resource schematics share (the Nest CLI passes most of them). */
export interface FeatureOptions extends ProjectOptions {
  name?: string;
  path?: string;
  flat?: boolean;
  spec?: boolean;
  force?: boolean;
  skipImport?: boolean;
  skipInstall?: boolean;
}

/** Where a feature (`users`, `admin/user-profiles`) lives in an app, and what the app runs on. */
export interface FeaturePlan {
  project: NestProject;
  profile: AppProfile;
  names: FeatureNames;
  /** the feature's folder: `src/users` (`src` with --flat) */
  folder: string;
  ormMajor: OrmMajor;
  driver: Driver;
  /** `@mikro-orm/sqlite`: EntityRepository and EntityManager come from here */
  driverPackage: string;
  /** where the legacy decorators come from: `@mikro-orm/decorators/legacy` (v7) or `@mikro-orm/core` (v6) */
  decoratorsPackage: string;
  force: boolean;
  /** packages added to package.json are not installed */
  skipInstall: boolean;
  spec: boolean;
  skipImport: boolean;
  /** the import specifier from one file of the tree to another, with the app's suffix */
  importPath(from: string, to: string): string;
}

/**
 * Resolves names, folder and MikroORM setup of a feature. Throws a SchematicsException, before any
 * edit, for a bad name or path and for an app without MikroORM.
 */
export function planFeature(tree: Tree, options: FeatureOptions): FeaturePlan {
  const names = featureNames(options.name);
  const project = resolveProject(tree, options);
  const profile = readAppProfile(tree, project);
  const ormMajor = profile.ormMajor;
  const { listed } = listedDrivers(tree, project, profile);
  if (!ormMajor || listed.length === 0) {
    const missing = ormMajor ? `a MikroORM driver package (${DRIVERS.map(driverPackage).join(', ')})` : '@mikro-orm/core 6 or 7';
    throw new SchematicsException(
      `${project.packageJson} lists no ${missing}: set MikroORM up first with \`nest g -c mikro-request-context init\`.`,
    );
  }
  // The driver the app's config uses: the SQLite the specs add to devDependencies is not the app's.
  const driver = appDriver(tree, project, profile);
  if (!driver) {
    throw new SchematicsException(
      `${project.packageJson} lists ${listed.map(driverPackage).join(' and ')}, and the MikroORM config does not say which one serves the app: ` +
        `import defineConfig from the app's driver package in mikro-orm.config.ts, or keep one driver in "dependencies". Nothing was changed.`,
    );
  }
  const base = [project.sourceRoot, featurePath(options.path, project.sourceRoot), names.directory].filter(Boolean).join('/');
  const folder = options.flat ? base : `${base}/${names.plural.kebab}`;
  return {
    project,
    profile,
    names,
    folder,
    ormMajor,
    driver,
    driverPackage: driverPackage(driver),
    decoratorsPackage: ormMajor === 7 ? '@mikro-orm/decorators/legacy' : '@mikro-orm/core',
    force: options.force === true,
    spec: options.spec !== false,
    skipImport: options.skipImport === true,
    skipInstall: options.skipInstall === true,
    importPath: (from, to) => relativeImport(from, to, profile.importSuffix),
  };
}

/** `--path`, relative to the source root (a leading source root is accepted too); '' when not given. */
export function featurePath(path: string | undefined, sourceRoot: string): string {
  if (path === undefined || path.trim() === '') return '';
  const parts = path
    .trim()
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (path.trim().startsWith('/') || parts.some((p) => p === '..' || !/^[\w.@-]+$/.test(p))) {
    throw new SchematicsException(`Invalid --path "${path}": give a folder inside the source root, e.g. "features" or "admin".`);
  }
  const root = sourceRoot.split('/').filter((p) => p && p !== '.');
  const underRoot = root.length > 0 && root.every((p, i) => parts[i] === p);
  return (underRoot ? parts.slice(root.length) : parts).join('/');
}
