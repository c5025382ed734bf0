import { SchematicsException } from '@angular-devkit/schematics';
import { importedSourceFiles, relativeImport, resolveProject, resolveRelative } from '../../src/utils/workspace';
import { fixtureTree } from '../support/fixtures';

describe('resolveProject', () => {
  it('a standard app', () => {
    expect(resolveProject(fixtureTree('nest12'), {})).toMatchObject({
      root: '.',
      sourceRoot: 'src',
      main: 'src/main.ts',
      tsconfig: 'tsconfig.json',
      nestCli: 'nest-cli.json',
      monorepo: false,
    });
  });

  it('a custom source root and entry file', () => {
    expect(resolveProject(fixtureTree('custom-source-root'), {})).toMatchObject({ sourceRoot: 'server', main: 'server/bootstrap.ts' });
  });

  it('a monorepo project, whose own sourceRoot wins over the one the Nest CLI passes', () => {
    expect(resolveProject(fixtureTree('monorepo'), { project: 'api', sourceRoot: 'apps/api/src' })).toMatchObject({
      name: 'api',
      root: 'apps/api',
      sourceRoot: 'apps/api/src',
      main: 'apps/api/src/main.ts',
      tsconfig: 'apps/api/tsconfig.app.json',
      monorepo: true,
    });
    expect(() => resolveProject(fixtureTree('monorepo'), { project: 'web' })).toThrow('choose one of api, worker, shared');
    expect(() => resolveProject(fixtureTree('monorepo'), { project: 'a b' })).toThrow(SchematicsException);
  });
});

describe('relativeImport', () => {
  it.each([
    ['src/app.module.ts', 'src/database/database.module.ts', '.js', './database/database.module.js'],
    ['src/database/database.module.ts', 'src/mikro-orm.config.ts', '', '../mikro-orm.config'],
    ['apps/api/src/api.module.ts', 'apps/api/src/database/database.module.ts', '', './database/database.module'],
    ['src/a/b/c.ts', 'src/x/y.ts', '', '../../x/y'],
  ] as const)('%s → %s', (from, to, suffix, expected) => {
    expect(relativeImport(from, to, suffix)).toBe(expected);
  });
});

describe('resolveRelative and importedSourceFiles', () => {
  it('resolve a specifier against the importing file', () => {
    expect(resolveRelative('src/main.ts', './app.module')).toBe('src/app.module');
    expect(resolveRelative('apps/api/tsconfig.app.json', '../../tsconfig.json')).toBe('tsconfig.json');
    expect(resolveRelative('src/a/b.ts', '../../x/./y')).toBe('x/y');
    expect(importedSourceFiles('src/main.ts', './app.module.js')).toEqual(['src/app.module.ts', 'src/app.module/index.ts']);
    expect(importedSourceFiles('src/database/database.module.ts', '../mikro-orm.config')).toEqual([
      'src/mikro-orm.config.ts',
      'src/mikro-orm.config/index.ts',
    ]);
  });
});
