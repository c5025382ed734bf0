import { SchematicsException } from '@angular-devkit/schematics';
import { importedSourceFiles, projectBuild, relativeImport, resolveProject, resolveRelative } from '../../src/utils/workspace';
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

describe('.ts import suffixes (allowImportingTsExtensions, rewriteRelativeImportExtensions)', () => {
  it('relativeImport writes the .ts suffix', () => {
    expect(relativeImport('src/app.module.ts', 'src/database/database.module.ts', '.ts')).toBe('./database/database.module.ts');
    expect(relativeImport('src/database/database.module.ts', 'src/mikro-orm.config.ts', '.ts')).toBe('../mikro-orm.config.ts');
  });

  it('importedSourceFiles: an import ending in .ts names that file only', () => {
    expect(importedSourceFiles('src/main.ts', './app.module.ts')).toEqual(['src/app.module.ts']);
    expect(importedSourceFiles('src/a/b.ts', '../app.module.ts')).toEqual(['src/app.module.ts']);
    expect(importedSourceFiles('src/main.ts', './app.module')).toEqual(['src/app.module.ts', 'src/app.module/index.ts']);
  });
});

describe('resolveProject in a monorepo whose projects have scoped names', () => {
  it("finds the project by its scoped name, and reads package.json's name", () => {
    expect(resolveProject(fixtureTree('monorepo-scoped'), { project: '@acme/api' })).toMatchObject({
      name: '@acme/api',
      root: 'apps/api',
      sourceRoot: 'apps/api/src',
      main: 'apps/api/src/main.ts',
      tsconfig: 'apps/api/tsconfig.app.json',
      monorepo: true,
      packageName: '@acme/platform',
    });
    expect(resolveProject(fixtureTree('nest12'), {}).packageName).toBe('nest12');
  });
});

describe('projectBuild: how nest build builds a project (@nestjs/cli 12 getValueOrDefault semantics)', () => {
  /** The part of nest-cli.json these tests edit. */
  type CompilerOptions = { webpack?: boolean; builder?: string | { type: string; options?: object }; tsConfigPath?: string };
  type NestCli = { compilerOptions: CompilerOptions; projects: Record<string, { compilerOptions: CompilerOptions }> };
  const withCli = (edit: (cli: NestCli) => void) => {
    const tree = fixtureTree('monorepo-scoped');
    const cli = JSON.parse(tree.readContent('/nest-cli.json'));
    edit(cli);
    tree.overwrite('/nest-cli.json', JSON.stringify(cli, null, 2));
    return projectBuild(tree, resolveProject(tree, { project: '@acme/api' }));
  };

  it("tsc with the project's tsconfig when nothing says otherwise: webpack is not a runtime default, even in a monorepo", () => {
    expect(withCli(() => undefined)).toEqual({ tsconfig: 'apps/api/tsconfig.app.json', builder: 'tsc', bundled: false });
  });

  it('webpack: true at the top level (what older `nest g app` writes) applies to every project, unless the project says false', () => {
    expect(withCli((cli) => (cli.compilerOptions.webpack = true))).toMatchObject({ builder: 'webpack', bundled: true });
    expect(
      withCli((cli) => {
        cli.compilerOptions.webpack = true;
        cli.projects['@acme/api'].compilerOptions.webpack = false;
      }),
    ).toMatchObject({ builder: 'tsc', bundled: false });
    expect(withCli((cli) => (cli.projects['@acme/api'].compilerOptions.webpack = true))).toMatchObject({
      builder: 'webpack',
      bundled: true,
    });
  });

  it('builder: rspack bundles (what `nest g app` writes in Nest 12), swc and a tsc builder object do not', () => {
    expect(withCli((cli) => (cli.compilerOptions.builder = 'rspack'))).toMatchObject({ builder: 'rspack', bundled: true });
    expect(withCli((cli) => (cli.projects['@acme/api'].compilerOptions.builder = { type: 'swc' }))).toMatchObject({
      builder: 'swc',
      bundled: false,
    });
    expect(
      withCli((cli) => {
        delete cli.compilerOptions.tsConfigPath;
        delete cli.projects['@acme/api'].compilerOptions.tsConfigPath;
        cli.compilerOptions.builder = { type: 'tsc', options: { configPath: 'apps/api/tsconfig.build.json' } };
      }),
    ).toEqual({ tsconfig: 'apps/api/tsconfig.build.json', builder: 'tsc', bundled: false });
  });

  it('a standard app builds with tsconfig.build.json when it exists, else tsconfig.json', () => {
    expect(projectBuild(fixtureTree('nest12'), resolveProject(fixtureTree('nest12'), {})).tsconfig).toBe('tsconfig.build.json');
    const custom = fixtureTree('custom-source-root');
    expect(projectBuild(custom, resolveProject(custom, {})).tsconfig).toBe('tsconfig.json');
  });
});
