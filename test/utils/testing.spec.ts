import * as ts from 'typescript';
import { planTestingModule, testingNames } from '../../src/utils/testing';
import { resolveProject } from '../../src/utils/workspace';
import { copyTree, initApp, run } from '../support/features';
import { fixtureTree } from '../support/fixtures';

function exportedFunctions(text: string): string[] {
  const file = ts.createSourceFile('mikro-orm.testing.ts', text, ts.ScriptTarget.Latest, true);
  return file.statements
    .filter(
      (s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && !!s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword),
    )
    .map((s) => s.name!.text);
}

describe('planTestingModule: what the specs run on, per driver', () => {
  const project = resolveProject(fixtureTree('nest12'), {});
  const plan = (driver: Parameters<typeof planTestingModule>[2], major: 6 | 7 = 7) =>
    planTestingModule(fixtureTree('nest12'), project, driver, major);

  it('SQLite: in-memory SQLite, no server, nothing to add', () => {
    const sqlite = plan('sqlite');
    expect(sqlite).toMatchObject({
      path: 'test/mikro-orm.testing.ts',
      embedded: { driverClass: 'SqliteDriver', dbName: ':memory:' },
      devDependencies: {},
    });
    expect(sqlite.server).toBeUndefined();
    // In memory: it starts at once, so the specs keep the runner's default hook timeout.
    expect(sqlite.slowStart).toBeUndefined();
    expect(testingNames(sqlite, 'unit')).toEqual(['rollbackEachTest', 'testOrmOptions']);
    expect(testingNames(sqlite, 'e2e')).toEqual(['testOrmOptions']);
  });

  it('PostgreSQL on MikroORM 7: PGlite (a dev dependency at the pinned MikroORM version), or the server', () => {
    const pg = plan('postgresql');
    expect(pg.embedded).toMatchObject({ driverClass: 'PgliteDriver', package: '@mikro-orm/pglite', dbName: 'memory://' });
    expect(pg.server).toEqual({ label: 'PostgreSQL', exampleUrl: 'postgresql://postgres@127.0.0.1:5432' });
    expect(pg.devDependencies).toEqual({ '@mikro-orm/pglite': '7.2.1' });
    expect(pg.slowStart).toMatch(/PGlite loads PostgreSQL compiled to WebAssembly/);
    expect(testingNames(pg, 'unit')).toEqual(['dropTestDatabase', 'rollbackEachTest', 'testOrmOptions']);
  });

  it('PostgreSQL on MikroORM 6 (no PGlite driver): SQLite, or the server', () => {
    const pg6 = plan('postgresql', 6);
    expect(pg6.embedded?.driverClass).toBe('SqliteDriver');
    expect(pg6.devDependencies).toEqual({ '@mikro-orm/sqlite': '6.6.16' });
    expect(pg6.server?.label).toBe('PostgreSQL');
  });

  it('MySQL, MariaDB, SQL Server: only a server, the specs wrapped in describeWithDatabase', () => {
    for (const driver of ['mysql', 'mariadb', 'mssql'] as const) {
      const server = plan(driver);
      expect(server.embedded).toBeUndefined();
      expect(server.devDependencies).toEqual({});
      expect(testingNames(server, 'e2e')).toEqual(['describeWithDatabase', 'dropTestDatabase', 'testOrmOptions']);
    }
  });

  it('an app whose tsconfig takes the whole folder under a rootDir outside test/: the module goes under the source root', () => {
    const tree = fixtureTree('nest12');
    const tsconfig = JSON.parse(tree.readContent('/tsconfig.json'));
    tsconfig.compilerOptions.rootDir = './src';
    tree.overwrite('/tsconfig.json', JSON.stringify(tsconfig));
    expect(planTestingModule(tree, project, 'sqlite', 7).path).toBe('src/testing/mikro-orm.testing.ts');
    // With an include list, test/ is not in that program at all: test/ it is.
    tree.overwrite('/tsconfig.json', JSON.stringify({ ...tsconfig, include: ['src/**/*'] }));
    expect(planTestingModule(tree, project, 'sqlite', 7).path).toBe('test/mikro-orm.testing.ts');
  });
});

describe('createTestingModule (through init and repository)', () => {
  it('init writes the module with the functions the specs import, and the packages it needs', async () => {
    const tree = await initApp('nest12', { driver: 'postgresql' });
    expect(exportedFunctions(tree.readContent('/test/mikro-orm.testing.ts'))).toEqual([
      'testOrmOptions',
      'dropTestDatabase',
      'rollbackEachTest',
    ]);
    expect(JSON.parse(tree.readContent('/package.json')).devDependencies['@mikro-orm/pglite']).toBe('7.2.1');
  });

  it('repository keeps a module the user changed, and writes one where init did not (an app set up before the module existed)', async () => {
    const tree = await initApp('nest12');
    tree.overwrite('/test/mikro-orm.testing.ts', '// mine\n');
    const kept = (await run('repository', { name: 'users' }, copyTree(tree))).tree;
    expect(kept.readContent('/test/mikro-orm.testing.ts')).toBe('// mine\n');
    tree.delete('/test/mikro-orm.testing.ts');
    const written = (await run('repository', { name: 'users' }, tree)).tree;
    expect(exportedFunctions(written.readContent('/test/mikro-orm.testing.ts'))).toEqual(['testOrmOptions', 'rollbackEachTest']);
  });
});
