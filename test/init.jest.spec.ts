import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { parse } from 'jsonc-parser';
import * as ts from 'typescript';
import { ESM_IGNORE_PATTERN, ESM_TRANSFORM_PATTERN, ESM_TRANSFORMER } from '../src/init/jest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fixtureTree, folderFiles, ROOT, runner, snapshot } from './support/fixtures';

const run = promisify(execFile);

/** What jest reads from a config: the parsed value, for JSON and for a jest.config.ts/js (compiled and evaluated). */
type JestOptions = { transform?: Record<string, unknown>; transformIgnorePatterns?: string[]; [key: string]: unknown };

async function init(tree: UnitTestTree, options: Record<string, unknown> = {}): Promise<{ tree: UnitTestTree; logs: string[] }> {
  const schematics = runner();
  const logs: string[] = [];
  schematics.logger.subscribe((entry) => logs.push(entry.message));
  const result = await schematics.runSchematic('init', { skipInstall: true, ...options }, tree);
  return { tree: result, logs };
}

function json<T>(tree: UnitTestTree, path: string): T {
  return parse(tree.readContent(path)) as T;
}

function evaluateConfig(tree: UnitTestTree, path: string): JestOptions {
  const js = ts.transpileModule(tree.readContent(path), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const module = { exports: {} as { default?: JestOptions } & JestOptions };
  new Function('module', 'exports', 'require', js)(module, module.exports, require);
  return module.exports.default ?? module.exports;
}

/** The file jest would hand to each transform: the first pattern that matches wins. */
function transformerFor(options: JestOptions, file: string): unknown {
  const entry = Object.entries(options.transform ?? {}).find(([pattern]) => new RegExp(pattern).test(file));
  return entry?.[1];
}

function ignored(options: JestOptions, file: string): boolean {
  return (options.transformIgnorePatterns ?? ['/node_modules/']).some((pattern) => new RegExp(pattern).test(file));
}

const ESM_FILES = [
  '/app/node_modules/@mikro-orm/core/index.js',
  '/app/node_modules/@mikro-orm/nestjs/mikro-orm.module.js',
  '/app/node_modules/kysely/dist/index.js',
  '/app/node_modules/.pnpm/@mikro-orm+core@7.2.1/node_modules/@mikro-orm/core/index.js',
];
const OTHER_PACKAGES = [
  '/app/node_modules/rxjs/dist/cjs/index.js',
  '/app/node_modules/.pnpm/rxjs@7.8.2/node_modules/rxjs/dist/cjs/index.js',
];

/** The config jest runs with after init: MikroORM's packages through babel-jest, the app's files and other packages as before. */
function expectEsmTransform(options: JestOptions, appTransform: unknown): void {
  expect(Object.keys(options.transform!)[0]).toBe(ESM_TRANSFORM_PATTERN);
  expect(options.transform![ESM_TRANSFORM_PATTERN]).toEqual(ESM_TRANSFORMER);
  for (const file of ESM_FILES) {
    expect(ignored(options, file)).toBe(false);
    expect(transformerFor(options, file)).toEqual(ESM_TRANSFORMER);
  }
  for (const file of OTHER_PACKAGES) expect(ignored(options, file)).toBe(true);
  expect(transformerFor(options, '/app/src/app.controller.spec.ts')).toEqual(appTransform);
  expect(transformerFor(options, '/app/test/app.e2e-spec.ts')).toEqual(appTransform);
}

describe('init on a CommonJS jest app with MikroORM 7 (the Nest 11 fixture)', () => {
  let before: UnitTestTree;
  let tree: UnitTestTree;
  let logs: string[];
  beforeAll(async () => {
    before = fixtureTree('nest11');
    ({ tree, logs } = await init(fixtureTree('nest11')));
  });

  it('picks MikroORM 7 here (Node 22.17+), which is what the jest configuration is for', () => {
    expect(json<{ dependencies: Record<string, string> }>(tree, '/package.json').dependencies['@mikro-orm/core']).toMatch(/^7\./);
  });

  it('puts the ESM packages first in the transform of package.json "jest" and lets them through transformIgnorePatterns', () => {
    const jest = json<{ jest: JestOptions }>(tree, '/package.json').jest;
    expectEsmTransform(jest, 'ts-jest');
    expect(jest.transformIgnorePatterns).toEqual([ESM_IGNORE_PATTERN]);
    // Every other option is the app's, as it was.
    const { transform, transformIgnorePatterns, ...rest } = jest;
    const original = json<{ jest: JestOptions }>(before, '/package.json').jest;
    const { transform: originalTransform, ...originalRest } = original;
    expect(rest).toEqual(originalRest);
    expect(transformIgnorePatterns).toBeDefined();
    expect(Object.entries(transform!).slice(1)).toEqual(Object.entries(originalTransform!));
  });

  it('does the same in test/jest-e2e.json, keeping the lines it had', () => {
    const e2e = json<JestOptions>(tree, '/test/jest-e2e.json');
    expectEsmTransform(e2e, 'ts-jest');
    expect(e2e.transformIgnorePatterns).toEqual([ESM_IGNORE_PATTERN]);
    const text = tree.readContent('/test/jest-e2e.json');
    for (const line of before
      .readContent('/test/jest-e2e.json')
      .split('\n')
      .filter((l) => !l.includes('"^.+')))
      expect(text).toContain(line.replace(/,$/, ''));
  });

  it("adds babel-jest at the major of the app's jest, with Babel 7 and the two plugins", () => {
    const dev = json<{ devDependencies: Record<string, string> }>(tree, '/package.json').devDependencies;
    expect(dev).toMatchObject({
      'babel-jest': '^30.0.0',
      '@babel/core': expect.stringMatching(/^\^7\./),
      '@babel/plugin-transform-modules-commonjs': expect.stringMatching(/^\^7\./),
      'babel-plugin-transform-import-meta': expect.stringMatching(/^\^2\./),
    });
    expect(logs).toContain('package.json "jest": jest compiles @mikro-orm, kysely, @electric-sql (ESM only) to CommonJS with babel-jest.');
    expect(logs).toContain('test/jest-e2e.json: jest compiles @mikro-orm, kysely, @electric-sql (ESM only) to CommonJS with babel-jest.');
  });

  it('changes nothing when run a second time', async () => {
    const second = await init(tree);
    expect(snapshot(second.tree)).toEqual(snapshot(tree));
  });
});

describe('init and the jest configs of other app shapes', () => {
  it('edits a jest.config.ts through the AST: the transform first, the default node_modules pattern replaced, quotes kept', async () => {
    const app = fixtureTree('nest11');
    const pkg = json<Record<string, unknown>>(app, '/package.json');
    delete pkg['jest'];
    app.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    app.create(
      '/jest.config.ts',
      [
        `import type { Config } from "jest";`,
        ``,
        `// The unit tests.`,
        `const config: Config = {`,
        `  rootDir: "src",`,
        `  testRegex: ".*\\\\.spec\\\\.ts$",`,
        `  transform: {`,
        `    "^.+\\\\.(t|j)s$": "ts-jest", // TypeScript`,
        `  },`,
        `  transformIgnorePatterns: ["/node_modules/", "\\\\.pnp\\\\.[^\\\\/]+$"],`,
        `};`,
        ``,
        `export default config;`,
        ``,
      ].join('\n'),
    );
    const { tree } = await init(app);
    const options = evaluateConfig(tree, '/jest.config.ts');
    expectEsmTransform(options, 'ts-jest');
    expect(options.transformIgnorePatterns).toEqual([ESM_IGNORE_PATTERN, '\\.pnp\\.[^\\/]+$']);
    expect(options.testRegex).toBe('.*\\.spec\\.ts$');
    const text = tree.readContent('/jest.config.ts');
    expect(text).toContain('// The unit tests.');
    expect(text).toContain('"^.+\\\\.(t|j)s$": "ts-jest", // TypeScript');
    expect(text).not.toContain("'");
    expect(snapshot((await init(tree)).tree)).toEqual(snapshot(tree));
  });

  it('leaves a config it cannot follow as it was and prints the exact lines to add', async () => {
    const app = fixtureTree('nest11');
    const original = `module.exports = async () => ({ transform: { '^.+\\\\.(t|j)s$': 'ts-jest' } });\n`;
    app.create('/jest.config.js', original);
    const e2e = json<JestOptions>(app, '/test/jest-e2e.json');
    const blocked = `${JSON.stringify({ ...e2e, transformIgnorePatterns: ['/node_modules/(?!lodash-es/)'] }, null, 2)}\n`;
    app.overwrite('/test/jest-e2e.json', blocked);
    const { tree, logs } = await init(app);
    expect(tree.readContent('/jest.config.js')).toBe(original);
    expect(tree.readContent('/test/jest-e2e.json')).toBe(blocked);
    const lines = [
      `  "transform": { ${JSON.stringify(ESM_TRANSFORM_PATTERN)}: ${JSON.stringify(ESM_TRANSFORMER)}, ...the transforms it has, after this one },`,
      `  "transformIgnorePatterns": [${JSON.stringify(ESM_IGNORE_PATTERN)}]`,
    ].join('\n');
    const warning = (label: string) => logs.find((l) => l.startsWith(`${label}: left as it is`));
    expect(warning('jest.config.js')).toContain('its exported config is not an object literal init can follow');
    expect(warning('jest.config.js')).toContain(lines);
    expect(warning('test/jest-e2e.json')).toContain(
      'its transformIgnorePatterns ["/node_modules/(?!lodash-es/)"] leave the ESM packages untransformed',
    );
    expect(warning('test/jest-e2e.json')).toContain(lines);
    // package.json "jest" could be followed, and babel-jest is listed for the lines printed.
    expect(Object.keys(json<{ jest: JestOptions }>(tree, '/package.json').jest.transform!)[0]).toBe(ESM_TRANSFORM_PATTERN);
    expect(json<{ devDependencies: Record<string, string> }>(tree, '/package.json').devDependencies['babel-jest']).toBe('^30.0.0');
  });

  it('finds the e2e config a monorepo-style script names with --config=', async () => {
    const app = fixtureTree('nest11');
    const pkg = json<{ scripts: Record<string, string> }>(app, '/package.json');
    pkg.scripts['test:e2e'] = 'jest --config=./apps/api/test/jest-e2e.json';
    app.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    app.create('/apps/api/test/jest-e2e.json', app.readContent('/test/jest-e2e.json'));
    const { tree } = await init(app);
    expectEsmTransform(json<JestOptions>(tree, '/apps/api/test/jest-e2e.json'), 'ts-jest');
  });

  it('leaves jest alone in an ESM app (Nest 12, vitest) and in an app on MikroORM 6', async () => {
    const esm = await init(fixtureTree('nest12'));
    expect(json<{ devDependencies: Record<string, string> }>(esm.tree, '/package.json').devDependencies['babel-jest']).toBeUndefined();

    const app = fixtureTree('nest11');
    const pkg = json<{ dependencies: Record<string, string> }>(app, '/package.json');
    pkg.dependencies['@mikro-orm/core'] = '^6.6.0';
    app.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    const { tree } = await init(app);
    const after = json<{ jest: JestOptions; devDependencies: Record<string, string> }>(tree, '/package.json');
    expect(after.jest).toEqual(json<{ jest: JestOptions }>(app, '/package.json').jest);
    expect(after.devDependencies['babel-jest']).toBeUndefined();
    expect(tree.readContent('/test/jest-e2e.json')).toBe(app.readContent('/test/jest-e2e.json'));
  });

  it('refuses a jest config that is not JSON, naming it, and writes nothing (the bin, on disk)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-jest-'));
    try {
      const app = fixtureTree('nest11');
      app.overwrite('/test/jest-e2e.json', '{ "transform": ');
      for (const file of app.files) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), app.readContent(file));
      }
      const before = folderFiles(dir);
      const result = await run(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'init', '--skip-install'], { cwd: dir }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('test/jest-e2e.json is not valid JSON');
      expect(folderFiles(dir)).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
