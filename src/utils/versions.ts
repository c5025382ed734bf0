/**
 * Which MikroORM packages to add to an app: a set that installs together and matches the app's
 * Nest major and the Node that runs it (docs/architecture.md §4).
 */
export type Driver = 'sqlite' | 'postgresql' | 'mysql' | 'mariadb' | 'mssql' | 'libsql' | 'mongodb';

export const DRIVERS: readonly Driver[] = ['sqlite', 'postgresql', 'mysql', 'mariadb', 'mssql', 'libsql', 'mongodb'];

export type OrmMajor = 6 | 7;

export interface OrmPackages {
  major: OrmMajor;
  /** runtime dependencies, name → exact version */
  dependencies: Record<string, string>;
  /** development dependencies, name → exact version */
  devDependencies: Record<string, string>;
  /** why this major was chosen, for the log */
  reason: string;
}

/** Tested, mutually compatible sets. MikroORM releases its packages out of step: pin exactly. */
export const ORM_RELEASES: Record<OrmMajor, { orm: string; nestjs: string }> = {
  7: { orm: '7.2.1', nestjs: '7.1.0' },
  6: { orm: '6.6.16', nestjs: '6.1.2' },
};

export const MIN_NODE_FOR_V7 = '22.17.0';

export function driverPackage(driver: Driver): string {
  return `@mikro-orm/${driver}`;
}

/** The major of a semver range or version as written in package.json (`^11.0.1` → 11), if any. */
export function majorOf(range: string | undefined): number | undefined {
  if (!range) return undefined;
  const match = /(\d+)(?:\.\d+)?/.exec(range.replace(/^npm:[^@]+@/, ''));
  return match ? Number(match[1]) : undefined;
}

export function compareVersions(a: string, b: string): number {
  const pa = a
    .replace(/^v/, '')
    .split('.')
    .map((n) => parseInt(n, 10) || 0);
  const pb = b
    .replace(/^v/, '')
    .split('.')
    .map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  }
  return 0;
}

export interface VersionInputs {
  /** major of @nestjs/core in the app, if present */
  nestMajor?: number;
  /** major of @mikro-orm/core already in the app, if present */
  existingOrmMajor?: number;
  /** version of the Node running the schematic (process.versions.node) */
  nodeVersion: string;
}

/** Chooses the MikroORM major: the app's own if it has one, else the newest its Nest and Node support. */
export function chooseOrmMajor({ nestMajor, existingOrmMajor, nodeVersion }: VersionInputs): { major: OrmMajor; reason: string } {
  if (existingOrmMajor === 6 || existingOrmMajor === 7) {
    return { major: existingOrmMajor, reason: `the app already depends on MikroORM ${existingOrmMajor}` };
  }
  const nodeOk = compareVersions(nodeVersion, MIN_NODE_FOR_V7) >= 0;
  if (nestMajor !== undefined && nestMajor <= 10) {
    return { major: 6, reason: `@mikro-orm/nestjs 7 needs Nest 11 or later (this app has Nest ${nestMajor})` };
  }
  if (!nodeOk && (nestMajor === undefined || nestMajor <= 11)) {
    return { major: 6, reason: `MikroORM 7 needs Node ${MIN_NODE_FOR_V7}+ (this is Node ${nodeVersion})` };
  }
  return {
    major: 7,
    reason: nodeOk
      ? `Nest ${nestMajor ?? 'latest'} on Node ${nodeVersion}`
      : `Nest ${nestMajor} needs MikroORM 7, which needs Node ${MIN_NODE_FOR_V7}+: upgrade Node (this is ${nodeVersion})`,
  };
}

export function ormPackages(driver: Driver, inputs: VersionInputs): OrmPackages {
  const { major, reason } = chooseOrmMajor(inputs);
  const { orm, nestjs } = ORM_RELEASES[major];
  const dependencies: Record<string, string> = {
    '@mikro-orm/core': orm,
    '@mikro-orm/nestjs': nestjs,
    [driverPackage(driver)]: orm,
    'reflect-metadata': '^0.2.2',
  };
  if (major === 7) {
    // v7 moved the decorators out of core; the legacy (experimentalDecorators) flavour is Nest's.
    dependencies['@mikro-orm/decorators'] = orm;
  }
  return { major, dependencies, devDependencies: { '@mikro-orm/cli': orm }, reason };
}
