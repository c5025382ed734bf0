import { chain, Rule, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { tsconfigField } from './app-profile';
import { addPackages, allowSqliteInstallScript } from './dependencies';
import { renderFiles } from './files';
import { Driver, ORM_RELEASES, OrmMajor } from './versions';
import { NestProject } from './workspace';

/**
 * The app's testing module (`test/mikro-orm.testing.ts`): what its specs run on, and per-test
 * isolation. init writes it, and repository/resource write it when an app has none yet; after that
 * it is the user's file and no schematic rewrites it.
 */
export interface TestingModule {
  path: string;
  /** the database the specs run on without a server: the app's dialect where one can be embedded */
  embedded?: { driverClass: string; package: string; dbName: string; description: string };
  /** a server the specs run on when MIKRO_ORM_TEST_CLIENT_URL names one (the only option for MySQL, MariaDB, MSSQL) */
  server?: { label: string; exampleUrl: string };
  /** what the embedded database needs beside the app's own driver */
  devDependencies: Record<string, string>;
  /** one line for the log: what the specs run on */
  summary: string;
  /** what the specs run on, for their doc comments */
  runsOn: string;
  /** why the database takes seconds to start (PGlite, a server database to create); none for in-memory SQLite */
  slowStart?: string;
}

export const TESTING_FILE = 'mikro-orm.testing.ts';

const SERVERS: Partial<Record<Driver, { label: string; exampleUrl: string }>> = {
  postgresql: { label: 'PostgreSQL', exampleUrl: 'postgresql://postgres@127.0.0.1:5432' },
  mysql: { label: 'MySQL', exampleUrl: 'mysql://root@127.0.0.1:3306' },
  mariadb: { label: 'MariaDB', exampleUrl: 'mysql://root@127.0.0.1:3306' },
  mssql: { label: 'SQL Server', exampleUrl: 'mssql://sa:yourStrong(!)Password@127.0.0.1:1433' },
  mongodb: { label: 'MongoDB', exampleUrl: 'mongodb://127.0.0.1:27017' },
};

const SQLITE = {
  driverClass: 'SqliteDriver',
  package: '@mikro-orm/sqlite',
  dbName: ':memory:',
  description: 'an in-memory SQLite database',
};

const SERVER_START = 'The test database takes seconds to start on a server (MikroORM creates it first).';

/** The folder of the app's e2e specs: `test/`, beside the app's sources. */
export function testFolder(project: NestProject): string {
  return [project.root === '.' ? '' : project.root, 'test'].filter(Boolean).join('/');
}

export function planTestingModule(tree: Tree, project: NestProject, driver: Driver, ormMajor: OrmMajor): TestingModule {
  const path = testingModulePath(tree, project);
  const version = ORM_RELEASES[ormMajor].orm;
  const server = SERVERS[driver];
  if (driver === 'sqlite' || driver === 'libsql') {
    return {
      path,
      embedded: SQLITE,
      devDependencies: driver === 'sqlite' ? {} : { '@mikro-orm/sqlite': version },
      summary: 'The specs run on in-memory SQLite.',
      runsOn: 'an in-memory SQLite database',
    };
  }
  if (driver === 'postgresql' && ormMajor === 7) {
    return {
      path,
      embedded: {
        driverClass: 'PgliteDriver',
        package: '@mikro-orm/pglite',
        dbName: 'memory://',
        description: "an in-memory PostgreSQL (PGlite: PostgreSQL compiled to WebAssembly), the app's own dialect",
      },
      server,
      devDependencies: { '@mikro-orm/pglite': version },
      slowStart: 'The test database takes seconds to start (PGlite loads PostgreSQL compiled to WebAssembly).',
      runsOn: "an embedded PostgreSQL (PGlite), or MIKRO_ORM_TEST_CLIENT_URL's server",
      summary: `The specs run on an embedded PostgreSQL (PGlite, @mikro-orm/pglite), or on the server MIKRO_ORM_TEST_CLIENT_URL names (${server!.exampleUrl}).`,
    };
  }
  if (driver === 'postgresql') {
    return {
      path,
      embedded: SQLITE,
      server,
      devDependencies: { '@mikro-orm/sqlite': version },
      slowStart: SERVER_START,
      runsOn: "an in-memory SQLite database, or MIKRO_ORM_TEST_CLIENT_URL's PostgreSQL server",
      summary: `The specs run on in-memory SQLite (MikroORM 6 has no embedded PostgreSQL driver), or on the PostgreSQL server MIKRO_ORM_TEST_CLIENT_URL names (${server!.exampleUrl}).`,
    };
  }
  return {
    path,
    server,
    devDependencies: {},
    slowStart: SERVER_START,
    runsOn: `the ${server!.label} server MIKRO_ORM_TEST_CLIENT_URL names`,
    summary: `The database specs run on the ${server!.label} server MIKRO_ORM_TEST_CLIENT_URL names (${server!.exampleUrl}), and are skipped without one.`,
  };
}

/**
 * `test/mikro-orm.testing.ts` beside the e2e specs, or `<sourceRoot>/testing/` in an app whose
 * tsconfig takes every file of the folder (no `include` or `files`) but confines them to a rootDir
 * that test/ is outside of: tsc would refuse the file there.
 */
function testingModulePath(tree: Tree, project: NestProject): string {
  const testDir = testFolder(project);
  const rootDir = tsconfigField(tree, project.tsconfig, (config) => config.compilerOptions?.rootDir);
  const listed = tsconfigField(tree, project.tsconfig, (config) => config.include ?? config.files);
  if (typeof rootDir?.value === 'string' && !listed) {
    const confined = posix.join(posix.dirname(rootDir.from), rootDir.value).replace(/^\/+/, '');
    const inside = confined === '' || confined === '.' || `${testDir}/`.startsWith(`${confined}/`);
    if (!inside) return `${project.sourceRoot}/testing/${TESTING_FILE}`;
  }
  return `${testDir}/${TESTING_FILE}`;
}

/** Writes the testing module unless the app has one, and adds the packages its embedded database needs. */
export function createTestingModule(testing: TestingModule, packageJson: string, ormMajor: OrmMajor, skipInstall: boolean): Rule {
  return (tree) => {
    const rules: Rule[] = [addPackages(packageJson, { devDependencies: testing.devDependencies }, skipInstall)];
    // MikroORM 6's SQLite driver builds a native binding when it installs.
    if (testing.embedded === SQLITE) rules.push(allowSqliteInstallScript(packageJson, ormMajor));
    if (!tree.exists(testing.path)) {
      rules.unshift(
        renderFiles({
          from: '../../templates/testing',
          to: testing.path.split('/').slice(0, -1).join('/'),
          values: { testingFile: TESTING_FILE.replace(/\.ts$/, ''), embedded: testing.embedded, server: testing.server, ormMajor },
        }),
      );
    }
    return chain(rules);
  };
}

/** The names a spec imports from the testing module, by what the module offers. */
export function testingNames(testing: TestingModule, kind: 'unit' | 'e2e'): string[] {
  return [
    ...(testing.server && !testing.embedded ? ['describeWithDatabase'] : []),
    ...(testing.server ? ['dropTestDatabase'] : []),
    ...(kind === 'unit' ? ['rollbackEachTest'] : []),
    'testOrmOptions',
  ];
}
