import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Instance, startInstance, stopInstance } from '../scripts/lib/proof/processes.ts';
import { applyInsertions, parseSource } from '../src/utils/ast';
import { findModuleClass, moduleArrayInsertions } from '../src/utils/module';
import { detectSourceStyle } from '../src/utils/source-style';
import { removeDir, tempDir, writeTree } from './support/app';
import { fixtureTree, ROOT } from './support/fixtures';
import { run } from './support/features';

const exec = promisify(execFile);

/**
 * `init --driver postgresql --health` on a Nest 12 app, built and run on a database of its own:
 * /health follows the database (200, 503 once it refuses connections, 200 again), and a SIGTERM
 * while requests are in flight lets them finish before the app exits and leaves no session of it.
 */
const DB = `mrc_health_${process.pid}`;
const SERVER = { MIKRO_ORM_HOST: '127.0.0.1', MIKRO_ORM_PORT: '5432', MIKRO_ORM_USER: 'postgres', MIKRO_ORM_DB_NAME: DB };
/** how long the test copy's GET /slow holds a connection (select pg_sleep) */
const SLOW_SECONDS = 1;

interface Pg {
  connect(): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<{ rows: T[] }>;
  end(): Promise<void>;
}

/** The server's own maintenance database: what the test does to the app's database is done from here. */
async function admin<T>(work: (client: Pg) => Promise<T>): Promise<T> {
  // pg ships no types (no @types/pg here): required with the shape this test uses.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as { Client: new (options: object) => Pg };
  const client = new Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const sessions = () =>
  admin(async (c) =>
    Number((await c.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [DB])).rows[0].n),
  );

/** A handler that holds a database connection for SLOW_SECONDS: in the test's copy of the app only. */
const SLOW_CONTROLLER = `import { Controller, Get } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

@Controller('slow')
export class SlowController {
  constructor(private readonly em: EntityManager) {}

  @Get()
  async slow() {
    await this.em.getConnection().execute('select pg_sleep(${SLOW_SECONDS})');
    return { slept: ${SLOW_SECONDS} };
  }
}
`;

async function generate(): Promise<UnitTestTree> {
  let { tree } = await run('init', { skipInstall: true, driver: 'postgresql', health: true }, fixtureTree('nest12'));
  tree = (await run('entity', { name: 'user', fields: 'name:string' }, tree)).tree;
  tree = (await run('resource', { name: 'users' }, tree)).tree;
  tree.create('/src/slow.controller.ts', SLOW_CONTROLLER);
  const source = parseSource(tree, 'src/app.module.ts');
  const module = findModuleClass(source, 'AppModule')!;
  applyInsertions(
    tree,
    'src/app.module.ts',
    moduleArrayInsertions(source, detectSourceStyle(source), module, 'controllers', 'SlowController', [
      { names: ['SlowController'], from: './slow.controller.js' },
    ]),
  );
  return tree;
}

async function node(dir: string, script: string, args: string[]): Promise<void> {
  await exec(process.execPath, [script, ...args], { cwd: dir, env: { ...process.env, ...SERVER, NO_COLOR: '1' } }).catch(
    (e: { stdout: string; stderr: string }) => {
      throw new Error(`${args.join(' ')} failed:\n${e.stdout}${e.stderr}`);
    },
  );
}

describe('init --health on PostgreSQL: /health, and SIGTERM under load', () => {
  let dir: string;
  let app: Instance;

  const get = async (path: string) => {
    const response = await fetch(`${app.url}${path}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  beforeAll(async () => {
    const tree = await generate();
    dir = tempDir('health-run', 7);
    writeTree(tree, dir);
    await admin((c) => c.query(`create database ${DB}`));
    await node(dir, join(ROOT, 'node_modules', '@mikro-orm', 'cli', 'cli.js'), ['schema:create', '--run']);
    await node(dir, require.resolve('typescript/bin/tsc', { paths: [dir] }), ['-p', 'tsconfig.build.json']);
    app = await startInstance({ dir, name: 'health', entry: 'dist/main.js', env: SERVER });
  }, 120_000);

  afterAll(async () => {
    if (app) await stopInstance(app);
    await admin((c) => c.query(`drop database if exists ${DB} with (force)`)).catch(() => undefined);
    if (dir) removeDir(dir);
  });

  it('answers 200 while the database is up, 503 once it refuses connections, and 200 again after', async () => {
    // A fresh app: nothing has queried yet (MikroORM 7 connects on the first query).
    expect(await get('/health')).toMatchObject({ status: 200, body: { status: 'ok', info: { database: { status: 'up' } }, error: {} } });
    await admin(async (c) => {
      await c.query(`alter database ${DB} allow_connections false`);
      await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [DB]);
    });
    try {
      const down = await get('/health');
      expect(down).toMatchObject({ status: 503, body: { status: 'error', error: { database: { status: 'down' } } } });
    } finally {
      await admin((c) => c.query(`alter database ${DB} allow_connections true`));
    }
    expect((await get('/health')).status).toBe(200);
  }, 30_000);

  it('on SIGTERM, finishes the requests in flight, then exits with no session left', async () => {
    // Warm the pool, so that the sessions counted are the app's pool.
    expect((await get('/users')).status).toBe(200);
    const slow = Array.from({ length: 10 }, () => get('/slow'));
    const users = Array.from({ length: 20 }, () => get('/users'));
    const answer = (p: Promise<{ status: number }>) =>
      p.then((a) => a.status).catch((e: Error) => String((e.cause as Error | undefined)?.message ?? e.message));
    const slowAnswers = Promise.all(slow.map(answer));
    const usersAnswers = Promise.all(users.map(answer));
    // The slow requests hold their connections: wait until the server has them all.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const busy = await admin(async (c) =>
        Number(
          (
            await c.query<{ n: string }>(
              "select count(*) as n from pg_stat_activity where datname = $1 and query like 'select pg_sleep%'",
              [DB],
            )
          ).rows[0].n,
        ),
      );
      if (busy === slow.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await sessions();
    const signalled = Date.now();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      app.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    process.kill(app.child.pid!, 'SIGTERM');
    const [slowStatuses, usersStatuses] = await Promise.all([slowAnswers, usersAnswers]);
    const exit = await exited;
    const exitMs = Date.now() - signalled;
    let after = await sessions();
    for (let i = 0; i < 50 && after > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await sessions();
    }
    const ok = (list: unknown[]) => list.filter((s) => s === 200).length;
    process.stdout.write(
      `health.run: GET /slow running at SIGTERM finished ${ok(slowStatuses)}/${slow.length}; GET /users sent just before it: ${ok(usersStatuses)}/${users.length} answered 200, ` +
        `the rest ${[...new Set(usersStatuses.filter((s) => s !== 200))].join(', ') || 'none'}; sessions of the app before SIGTERM ${before}, after exit ${after}; ` +
        `SIGTERM to exit ${exitMs} ms (${exit.signal ?? exit.code})\n`,
    );
    // Every request the app was serving finishes: Nest closes the HTTP server (which waits for them) before the ORM.
    expect(slowStatuses).toEqual(slow.map(() => 200));
    // A request whose bytes the server had not read yet rides an idle connection, which Node's server.close() resets: never a 5xx.
    for (const status of usersStatuses) expect([200, 'read ECONNRESET']).toContain(status);
    expect(before).toBeGreaterThan(0);
    expect(after).toBe(0);
    // Nest re-raises the signal once app.close() is done; a SIGKILL would mean the grace period ran out.
    expect(exit.signal).toBe('SIGTERM');
    // Connections that finish a response after server.close() stay open until the client drops them (undici: 4 s idle).
    expect(exitMs).toBeLessThan(SLOW_SECONDS * 1000 + 5_000);
    expect(app.output()).not.toMatch(/Error/);
  }, 30_000);
});
