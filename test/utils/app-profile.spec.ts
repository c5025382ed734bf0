import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { commonSourceFolder, compiledPath, compilerOption, globMatches, readAppProfile } from '../../src/utils/app-profile';
import { applyEdits, modify } from 'jsonc-parser';
import { resolveProject } from '../../src/utils/workspace';
import { fixtureTree } from '../support/fixtures';

function profile(tree: UnitTestTree, project?: string) {
  return readAppProfile(tree, resolveProject(tree, { project }));
}

/** Sets one JSON value of a tree file (test setup: jsonc-parser's own edit is good enough here). */
function setJson(tree: UnitTestTree, path: string, jsonPath: string[], value: unknown): void {
  const text = tree.readContent(path);
  tree.overwrite(path, applyEdits(text, modify(text, jsonPath, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } })));
}

function write(tree: UnitTestTree, path: string, text: string): void {
  if (tree.exists(path)) tree.overwrite(path, text);
  else tree.create(path, text);
}

describe("importSuffix: the app's own convention for relative imports", () => {
  it('.ts when the app writes ./app.module.ts and its tsconfig rewrites or allows such imports', () => {
    const rewrites = profile(fixtureTree('esm-ts-imports'));
    expect(rewrites.importSuffix).toBe('.ts');
    // A package subpath never takes .ts: Node's ESM resolution wants .js there.
    expect(rewrites.subpathSuffix).toBe('.js');

    const allows = fixtureTree('esm-ts-imports');
    const text = allows.readContent('/tsconfig.json');
    allows.overwrite(
      '/tsconfig.json',
      text.replace('"rewriteRelativeImportExtensions": true', '"allowImportingTsExtensions": true, "noEmit": true'),
    );
    expect(compilerOption(allows, 'tsconfig.json', 'allowImportingTsExtensions')).toBe(true);
    expect(profile(allows).importSuffix).toBe('.ts');
  });

  it('not .ts when the tsconfig rejects such imports (TS5097): what the module setting requires instead', () => {
    const tree = fixtureTree('esm-ts-imports');
    setJson(tree, '/tsconfig.json', ['compilerOptions', 'rewriteRelativeImportExtensions'], false);
    expect(profile(tree).importSuffix).toBe('.js');
  });

  it('the default apps: .js in an ESM nodenext app, none in a CommonJS one', () => {
    expect(profile(fixtureTree('nest12')).importSuffix).toBe('.js');
    expect(profile(fixtureTree('nest11')).importSuffix).toBe('');
  });

  it('main.ts and the root module decide before the other files, by majority', () => {
    const tree = fixtureTree('esm-ts-imports');
    for (const name of ['a', 'b', 'c']) {
      write(tree, `/src/users/${name}.ts`, `import { x } from './x.js';\nimport { y } from './y.js';\nexport const ${name} = x + y;\n`);
    }
    expect(profile(tree).importSuffix).toBe('.ts');

    // main.ts: one .ts import; the root module: two .js imports.
    const mixed = fixtureTree('esm-ts-imports');
    write(
      mixed,
      '/src/app.module.ts',
      mixed.readContent('/src/app.module.ts').split("service.ts'").join("service.js'").split("controller.ts'").join("controller.js'"),
    );
    expect(profile(mixed).importSuffix).toBe('.js');
  });

  it('a tie goes to what the module setting requires', () => {
    const tree = fixtureTree('esm-ts-imports');
    write(
      tree,
      '/src/app.module.ts',
      tree.readContent('/src/app.module.ts').split("service.ts'").join("service.js'").split("controller.ts'").join("controller.js'"),
    );
    write(tree, '/src/main.ts', `${tree.readContent('/src/main.ts')}export { AppService } from './app.service.ts';\n`);
    expect(profile(tree).importSuffix).toBe('.js');
  });

  it('without relative imports in main.ts and the root module, the other sources decide; other file types say nothing', () => {
    const tree = fixtureTree('esm-ts-imports');
    write(
      tree,
      '/src/main.ts',
      "import { Module } from '@nestjs/common';\nimport { NestFactory } from '@nestjs/core';\nimport data from './data.json' with { type: 'json' };\n\n" +
        '@Module({})\nclass AppModule {}\n\nconst app = await NestFactory.create(AppModule);\nawait app.listen(data.port);\n',
    );
    write(tree, '/src/users/users.module.ts', "import { UsersService } from './users.service.ts';\nexport { UsersService };\n");
    expect(profile(tree).importSuffix).toBe('.ts');
  });
});

describe('compilerOption follows every kind of extends', () => {
  const tree = () => {
    const t = fixtureTree('nest11');
    setJson(t, '/tsconfig.json', ['compilerOptions', 'experimentalDecorators'], false);
    return t;
  };
  const decorators = (t: UnitTestTree, path = 'tsconfig.json') => compilerOption(t, path, 'experimentalDecorators');
  const base = (options: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ ...extra, compilerOptions: options });

  it('a package file, with or without .json (resolved from node_modules in the tree)', () => {
    for (const extendsValue of ['@tsconfig/node22/tsconfig.json', '@tsconfig/node22/tsconfig']) {
      const t = tree();
      t.overwrite('/tsconfig.json', base({ target: 'ES2023' }, { extends: extendsValue }));
      t.create('/node_modules/@tsconfig/node22/tsconfig.json', base({ experimentalDecorators: true }));
      expect([extendsValue, decorators(t)]).toEqual([extendsValue, true]);
    }
  });

  it('a bare package name: its package.json "tsconfig" field, else its tsconfig.json; a package config extending its own files', () => {
    const strictest = tree();
    strictest.overwrite('/tsconfig.json', base({}, { extends: '@tsconfig/strictest' }));
    strictest.create('/node_modules/@tsconfig/strictest/package.json', '{ "name": "@tsconfig/strictest" }');
    strictest.create('/node_modules/@tsconfig/strictest/tsconfig.json', base({ strict: true }, { extends: './decorators.json' }));
    strictest.create('/node_modules/@tsconfig/strictest/decorators.json', base({ experimentalDecorators: true }));
    expect(decorators(strictest)).toBe(true);
    expect(compilerOption(strictest, 'tsconfig.json', 'strict')).toBe(true);

    const field = tree();
    field.overwrite('/tsconfig.json', base({}, { extends: 'company-tsconfig' }));
    field.create('/node_modules/company-tsconfig/package.json', '{ "name": "company-tsconfig", "tsconfig": "nest.json" }');
    field.create('/node_modules/company-tsconfig/nest.json', base({ experimentalDecorators: true }));
    expect(decorators(field)).toBe(true);
  });

  it('from a project folder: the nearest node_modules above the config', () => {
    const t = fixtureTree('monorepo-scoped');
    setJson(t, '/tsconfig.json', ['compilerOptions', 'experimentalDecorators'], false);
    setJson(t, '/apps/api/tsconfig.app.json', ['extends'], ['../../tsconfig.json', '@acme/tsconfig/nest']);
    t.create('/node_modules/@acme/tsconfig/nest.json', base({ experimentalDecorators: true }));
    expect(decorators(t, 'apps/api/tsconfig.app.json')).toBe(true);
    t.create('/apps/api/node_modules/@acme/tsconfig/nest.json', base({ experimentalDecorators: 'nearest' }));
    expect(decorators(t, 'apps/api/tsconfig.app.json')).toBe('nearest');
  });

  it("an array: later entries win over earlier ones, the config's own options over all", () => {
    const t = tree();
    t.overwrite('/tsconfig.json', base({}, { extends: ['./a.json', './b'] }));
    t.create('/a.json', base({ experimentalDecorators: true, target: 'ES2020' }));
    t.create('/b.json', base({ experimentalDecorators: false }));
    expect(decorators(t)).toBe(false);
    expect(compilerOption(t, 'tsconfig.json', 'target')).toBe('ES2020');
    t.overwrite('/tsconfig.json', base({}, { extends: ['./b.json', './a.json'] }));
    expect(decorators(t)).toBe(true);
    t.overwrite('/tsconfig.json', base({ experimentalDecorators: 'own' }, { extends: ['./b.json', './a.json'] }));
    expect(decorators(t)).toBe('own');
  });

  it('a package that is not installed sets nothing', () => {
    const t = tree();
    t.overwrite('/tsconfig.json', base({}, { extends: '@tsconfig/node22/tsconfig.json' }));
    expect(decorators(t)).toBeUndefined();
  });
});

describe('compiledPath: where the build puts a source file', () => {
  const config = (
    fixture: string,
    file: string,
    tsconfig: string,
    build: { builder?: string; sourceRoot?: string; typescriptMajor?: number } = {},
    edit?: (tree: UnitTestTree) => void,
  ) => {
    const tree = fixtureTree(fixture);
    edit?.(tree);
    return compiledPath(tree, tsconfig, file, { builder: 'tsc', sourceRoot: 'src', ...build });
  };
  const api = { sourceRoot: 'apps/api/src' };
  const withoutRootDir = (tree: UnitTestTree) =>
    tree.overwrite('/apps/api/tsconfig.app.json', tree.readContent('/apps/api/tsconfig.app.json').replace(',\n    "rootDir": "./src"', ''));

  it('tsc: outDir and rootDir as the configs set them, each relative to its own config', () => {
    expect(config('nest12', 'src/mikro-orm.config.ts', 'tsconfig.build.json')).toBe('dist/mikro-orm.config.js');
    expect(config('custom-source-root', 'server/mikro-orm.config.ts', 'tsconfig.json')).toBe('dist/mikro-orm.config.js');
    expect(config('monorepo-scoped', 'apps/api/src/mikro-orm.config.ts', 'apps/api/tsconfig.app.json', api)).toBe(
      'dist/apps/api/mikro-orm.config.js',
    );
    // The monorepo's root config says rootDir "./": tsc keeps the whole path under the project's outDir.
    expect(config('monorepo', 'apps/api/src/mikro-orm.config.ts', 'apps/api/tsconfig.app.json', api)).toBe(
      'dist/apps/api/apps/api/src/mikro-orm.config.js',
    );
  });

  it('tsc 5 without rootDir: the common folder of the files the config compiles (checked against tsc 5.9)', () => {
    const ts5 = { ...api, typescriptMajor: 5 };
    expect(config('monorepo-scoped', 'apps/api/src/mikro-orm.config.ts', 'apps/api/tsconfig.app.json', ts5, withoutRootDir)).toBe(
      'dist/apps/api/mikro-orm.config.js',
    );
    // nest11's tsconfig.build.json excludes test/: only src/ is compiled.
    expect(config('nest11', 'src/mikro-orm.config.ts', 'tsconfig.build.json', { typescriptMajor: 5 })).toBe('dist/mikro-orm.config.js');
    expect(commonSourceFolder(fixtureTree('nest11'), 'tsconfig.build.json')).toBe('src');
    // A .ts file at the root (not excluded) makes the root the common folder.
    const setup = (t: UnitTestTree) => t.create('/jest.setup.ts', 'export {};\n');
    expect(config('nest11', 'src/mikro-orm.config.ts', 'tsconfig.build.json', { typescriptMajor: 5 }, setup)).toBe(
      'dist/src/mikro-orm.config.js',
    );
  });

  it("tsc 6 (or an unknown version) without rootDir: the tsconfig's own folder (checked against tsc 6.0)", () => {
    expect(
      config(
        'monorepo-scoped',
        'apps/api/src/mikro-orm.config.ts',
        'apps/api/tsconfig.app.json',
        { ...api, typescriptMajor: 6 },
        withoutRootDir,
      ),
    ).toBe('dist/apps/api/src/mikro-orm.config.js');
    expect(config('nest11', 'src/mikro-orm.config.ts', 'tsconfig.build.json')).toBe('dist/src/mikro-orm.config.js');
  });

  it('tsc without outDir: next to the source', () => {
    const edit = (t: UnitTestTree) => t.overwrite('/tsconfig.json', t.readContent('/tsconfig.json').replace('"outDir": "./dist",', ''));
    expect(config('nest11', 'src/mikro-orm.config.ts', 'tsconfig.json', {}, edit)).toBe('src/mikro-orm.config.js');
  });

  it("swc (@nestjs/cli defaults): a one-folder source root is stripped, a project's deeper one is not", () => {
    expect(config('nest11', 'src/mikro-orm.config.ts', 'tsconfig.build.json', { builder: 'swc' })).toBe('dist/mikro-orm.config.js');
    expect(config('monorepo-scoped', 'apps/api/src/mikro-orm.config.ts', 'apps/api/tsconfig.app.json', { ...api, builder: 'swc' })).toBe(
      'dist/apps/api/apps/api/src/mikro-orm.config.js',
    );
  });

  it('the TypeScript major comes from the installed package, else from package.json', () => {
    expect(profile(fixtureTree('nest11')).typescriptMajor).toBe(5);
    const installed = fixtureTree('nest11');
    installed.create('/node_modules/typescript/package.json', '{ "name": "typescript", "version": "6.0.3" }');
    expect(profile(installed).typescriptMajor).toBe(6);
  });
});

describe('globMatches: tsconfig include/exclude patterns', () => {
  it.each([
    ['src/**/*', 'src/a/b.ts', false, true],
    ['src/*', 'src/a/b.ts', false, false],
    ['src/*.ts', 'src/main.ts', false, true],
    ['**/*spec.ts', 'src/app.controller.spec.ts', true, true],
    ['**/*spec.ts', 'src/app.controller.ts', true, false],
    ['test', 'test/app.e2e-spec.ts', true, true],
    ['test', 'test/app.e2e-spec.ts', false, false],
    ['src/?pp.ts', 'src/app.ts', false, true],
  ] as const)('%s on %s (or a parent folder: %s) → %s', (pattern, path, orParent, expected) => {
    expect(globMatches(pattern, path, orParent)).toBe(expected);
  });
});
