import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { removeDir, tempDir, typecheck, writeTree } from './support/app';
import { fixtureTree, ROOT } from './support/fixtures';
import { run } from './support/features';

const exec = promisify(execFile);

/**
 * The testing module init writes (test/mikro-orm.testing.ts), used by the generated specs and by a
 * user's own: specs on the app's dialect (PGlite for PostgreSQL, or the server MIKRO_ORM_TEST_CLIENT_URL
 * names; SQLite for SQLite; the named server or a skip for MySQL/MariaDB), each unit test in a
 * transaction rolled back after it, each e2e spec file on a database of its own.
 */
const FEATURES: [string, Record<string, unknown>][] = [
  ['entity', { name: 'user', fields: 'name:string,email:string:unique,bio?:string' }],
  ['entity', { name: 'post', fields: 'title:string,author:User' }],
  ['resource', { name: 'users' }],
  ['resource', { name: 'posts' }],
];

/** A user's own spec, on the testing module in two lines (the options, and the transaction per test). */
const DIALECT_SPEC = `import { MikroORM } from '@mikro-orm/core';
import config from '../mikro-orm.config.js';
import { dropTestDatabase, rollbackEachTest, testOrmOptions } from '../../test/mikro-orm.testing.js';
import { User } from './user.entity.js';

describe('users on the test database', () => {
  let orm: MikroORM;
  const inContext = rollbackEachTest(() => orm);
  const addUser = (name: string, email: string) =>
    inContext(async () => {
      orm.em.create(User, { name, email });
      await orm.em.flush();
    });

  beforeAll(async () => {
    orm = await MikroORM.init(testOrmOptions(config));
    await orm.schema.create();
  }, 60_000);

  afterAll(async () => {
    await dropTestDatabase(orm);
    await orm.close();
  });

  it('writes a unique e-mail', () => addUser('John', 'same@example.com'));

  it('writes the same unique e-mail again: the first test was rolled back', () => addUser('Mike', 'same@example.com'));

  it('refuses a name longer than its varchar(255) column', async () => {
    await expect(addUser('x'.repeat(256), 'long@example.com')).rejects.toThrow(/too long/);
  });
});
`;

async function generate(driver: 'sqlite' | 'postgresql' | 'mysql'): Promise<UnitTestTree> {
  let { tree } = await run('init', { skipInstall: true, driver }, fixtureTree('nest12'));
  for (const [schematic, options] of FEATURES) tree = (await run(schematic, options, tree)).tree;
  tree.create('/src/users/users.dialect.spec.ts', DIALECT_SPEC);
  return tree;
}

/** One vitest run over the app's unit and e2e specs (the app's configs load a plugin this project does not install). */
async function vitest(dir: string, env: Record<string, string> = {}, workers?: number): Promise<{ output: string; failed: boolean }> {
  const args = [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.harness.config.ts'];
  if (workers) args.push('--maxWorkers', String(workers));
  const options = { cwd: dir, maxBuffer: 32 * 1024 * 1024, env: { ...withoutOrmSettings(), ...env, CI: '1', NO_COLOR: '1' } };
  try {
    const { stdout, stderr } = await exec(process.execPath, args, options);
    return { output: stdout + stderr, failed: false };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { output: `${e.stdout ?? ''}${e.stderr ?? ''}`, failed: true };
  }
}

function withoutOrmSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MIKRO_ORM_')));
}

function writeApp(tree: UnitTestTree, name: string): string {
  const dir = tempDir(name, 7);
  writeTree(tree, dir);
  rmSync(join(dir, 'vitest.config.ts'));
  rmSync(join(dir, 'vitest.config.e2e.ts'));
  writeFileSync(
    join(dir, 'vitest.harness.config.ts'),
    "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { globals: true, root: './', include: ['**/*.spec.ts', '**/*.e2e-spec.ts'] } });\n",
  );
  return dir;
}

/** The databases on the local PostgreSQL server whose name starts with `prefix`. */
async function postgresDatabases(prefix: string): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as {
    Client: new (options: object) => {
      connect(): Promise<void>;
      query(sql: string, values: unknown[]): Promise<{ rows: { datname: string }[] }>;
      end(): Promise<void>;
    };
  };
  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const { rows } = await client.query('select datname from pg_database where starts_with(datname, $1)', [prefix]);
    return rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

const SPEC_FILES = [
  'src/users/users.repository.mikro-orm.spec.ts',
  'src/posts/posts.repository.mikro-orm.spec.ts',
  'test/users.e2e-spec.ts',
  'test/posts.e2e-spec.ts',
];

describe('a PostgreSQL app (Nest 12, MikroORM 7): the specs run on PostgreSQL', () => {
  let dir: string;

  beforeAll(async () => {
    dir = writeApp(await generate('postgresql'), 'testing-postgresql');
    await typecheck(dir, 'tsconfig.json');
  });

  afterAll(() => removeDir(dir));

  it('by default on the embedded PostgreSQL (PGlite): every spec passes, the dialect spec included', async () => {
    const { output, failed } = await vitest(dir);
    expect(failed ? output : '').toBe('');
    for (const file of [...SPEC_FILES, 'src/users/users.dialect.spec.ts']) expect(output).toContain(`✓ ${file}`);
    expect(output).toMatch(/Tests\s+\d+ passed/);
  });

  it('with MIKRO_ORM_TEST_CLIENT_URL on the real server, four test processes at once: each on a database of its own, dropped after', async () => {
    const { output, failed } = await vitest(dir, { MIKRO_ORM_TEST_CLIENT_URL: 'postgresql://postgres@127.0.0.1:5432' }, 4);
    expect(failed ? output : '').toBe('');
    for (const file of [...SPEC_FILES, 'src/users/users.dialect.spec.ts']) expect(output).toContain(`✓ ${file}`);
    // The app's database name (from package.json's name) with _test_<pid>_<worker>: none is left.
    expect(await postgresDatabases('nest12_new_test_')).toEqual([]);
  });
});

describe('a SQLite app: the same dialect spec fails where SQLite is not PostgreSQL', () => {
  it('SQLite stores a 256-character name in a varchar(255) column: the length test fails, the rollback tests pass', async () => {
    const dir = writeApp(await generate('sqlite'), 'testing-sqlite');
    try {
      const { output, failed } = await vitest(dir);
      expect(failed).toBe(true);
      expect(output).toMatch(/✗|×/);
      expect(output).toContain('refuses a name longer than its varchar(255) column');
      expect(output).toMatch(/Tests\s+1 failed \| \d+ passed/);
      for (const file of SPEC_FILES) expect(output).toContain(`✓ ${file}`);
    } finally {
      removeDir(dir);
    }
  });
});

describe('a MySQL app: the specs need a server', () => {
  let dir: string;

  beforeAll(async () => {
    const tree = await generate('mysql');
    tree.delete('/src/users/users.dialect.spec.ts');
    dir = writeApp(tree, 'testing-mysql');
    await typecheck(dir, 'tsconfig.json');
  });

  afterAll(() => removeDir(dir));

  it('without MIKRO_ORM_TEST_CLIENT_URL: the database specs are skipped, and say why', async () => {
    const { output, failed } = await vitest(dir);
    expect(failed ? output : '').toBe('');
    expect(output).toContain('skipped. These specs need a MySQL server: set MIKRO_ORM_TEST_CLIENT_URL=mysql://root@127.0.0.1:3306.');
    // The app's own two specs pass; the four database specs are skipped.
    expect(output).toMatch(/Test Files\s+2 passed \| 4 skipped/);
  });

  it('with MIKRO_ORM_TEST_CLIENT_URL naming the local MariaDB: every spec passes, two test processes at once', async () => {
    const { output, failed } = await vitest(dir, { MIKRO_ORM_TEST_CLIENT_URL: 'mysql://root@127.0.0.1:3306' }, 2);
    expect(failed ? output : '').toBe('');
    for (const file of SPEC_FILES) expect(output).toContain(`✓ ${file}`);
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    try {
      const [rows] = await connection.query("show databases like 'nest12_new_test_%'");
      expect(rows).toEqual([]);
    } finally {
      await connection.end();
    }
  });
});
