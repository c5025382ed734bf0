import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fixtureTree, ROOT, runner } from './support/fixtures';

/**
 * A `nest new` app of Nest CLI 11 (CommonJS, jest 30 + ts-jest), after init picked MikroORM 7 (ESM
 * only) and `resource users` added a repository spec and an e2e suite: the app's own `jest` and
 * `jest --config ./test/jest-e2e.json` pass. Without init's jest edits the same specs fail to load
 * MikroORM, so the test can tell. Installed packages are reused: Nest 11 and TypeScript 5 from test/orm6, MikroORM 7,
 * jest, ts-jest and Babel from the project root, linked into the app's node_modules.
 */
const ORM6 = join(ROOT, 'test', 'orm6', 'node_modules');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

let dir: string;
let app: UnitTestTree;

async function generate(driver = 'sqlite'): Promise<UnitTestTree> {
  const schematics = runner();
  const initialised = await schematics.runSchematic('init', { skipInstall: true, driver }, fixtureTree('nest11-new'));
  return schematics.runSchematic('resource', { name: 'users', skipInstall: true }, initialised);
}

function write(tree: UnitTestTree, to: string): void {
  for (const file of tree.files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    writeFileSync(join(to, file), tree.readContent(file));
  }
}

/** node_modules: the root's packages, with @nestjs/* and TypeScript 5 (what nest new installs) from the Nest 11 workspace. */
function linkPackages(to: string): void {
  const modules = join(to, 'node_modules');
  mkdirSync(join(modules, '@nestjs'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '@nestjs' || name === '.bin') continue;
    symlinkSync(join(name === 'typescript' ? ORM6 : join(ROOT, 'node_modules'), name), join(modules, name), 'dir');
  }
  const nest11 = new Set(readdirSync(join(ORM6, '@nestjs')));
  for (const name of readdirSync(join(ROOT, 'node_modules', '@nestjs'))) {
    const from = nest11.has(name) ? join(ORM6, '@nestjs', name) : join(ROOT, 'node_modules', '@nestjs', name);
    symlinkSync(from, join(modules, '@nestjs', name), 'dir');
  }
}

/** The root's jest in the app; --preserve-symlinks makes ts-jest load the app's TypeScript 5 (as nest new installs), not the root's 6. */
function jest(cwd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [JEST, '--cacheDirectory', join(cwd, '.jest-cache'), ...args],
      { cwd, env: { ...process.env, NODE_OPTIONS: '--preserve-symlinks' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

beforeAll(async () => {
  app = await generate();
  dir = mkdtempSync(join(tmpdir(), 'init-jest-run-'));
  write(app, dir);
  linkPackages(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the generated specs import MikroORM 7: the app and its resource', () => {
  expect(JSON.parse(app.readContent('/package.json')).dependencies['@mikro-orm/core']).toMatch(/^7\./);
  expect(app.readContent('/src/users/users.repository.mikro-orm.spec.ts')).toContain("from '@mikro-orm/core'");
  expect(app.readContent('/test/users.e2e-spec.ts')).toContain("from '@mikro-orm/nestjs'");
});

it('npm test (jest, package.json "jest") passes: the repository spec runs on MikroORM 7', async () => {
  const { code, output } = await jest(dir, ['--verbose']);
  expect(output).toMatch(/PASS src\/users\/users\.repository\.mikro-orm\.spec\.ts/);
  expect(output).toMatch(/PASS src\/app\.controller\.spec\.ts/);
  expect(output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
  expect(code).toBe(0);
});

it("npm run test:e2e (test/jest-e2e.json) passes: the app's own e2e suite and the users routes over HTTP", async () => {
  const { code, output } = await jest(dir, ['--config', './test/jest-e2e.json']);
  expect(output).toMatch(/PASS test\/users\.e2e-spec\.ts/);
  expect(output).toMatch(/PASS test\/app\.e2e-spec\.ts/);
  expect(output).not.toMatch(/FAIL/);
  expect(code).toBe(0);
});

it('with the configs nest new wrote, the same specs cannot load MikroORM 7 (what init fixes)', async () => {
  const original = fixtureTree('nest11-new');
  const pkg = JSON.parse(app.readContent('/package.json'));
  pkg.jest = JSON.parse(original.readContent('/package.json')).jest;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'test', 'jest-e2e.json'), original.readContent('/test/jest-e2e.json'));
  const unit = await jest(dir, ['src/users']);
  expect(unit.output).toContain('Must use import to load ES Module');
  expect(unit.code).not.toBe(0);
});

describe('a PostgreSQL app: the specs run on the embedded PostgreSQL (PGlite, ESM like MikroORM 7) under the same jest configs', () => {
  let pgDir: string;

  beforeAll(async () => {
    pgDir = mkdtempSync(join(tmpdir(), 'init-jest-run-pg-'));
    write(await generate('postgresql'), pgDir);
    linkPackages(pgDir);
  });

  afterAll(() => rmSync(pgDir, { recursive: true, force: true }));

  it('npm test and npm run test:e2e pass on PGlite', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MIKRO_ORM_')));
    expect(env.MIKRO_ORM_TEST_CLIENT_URL).toBeUndefined();
    const unit = await jest(pgDir, ['src/users']);
    expect(unit.output).toMatch(/PASS src\/users\/users\.repository\.mikro-orm\.spec\.ts/);
    expect(unit.code).toBe(0);
    const e2e = await jest(pgDir, ['--config', './test/jest-e2e.json', 'test/users']);
    expect(e2e.output).toMatch(/PASS test\/users\.e2e-spec\.ts/);
    expect(e2e.code).toBe(0);
  });
});
