// The databases the proof runs on, read directly (not through the app) to state what the row
// really holds: a SQLite file through better-sqlite3, or a PostgreSQL database of its own through
// pg (both installed with the MikroORM drivers), created for one run and dropped after it.
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRequire } from '../paths.ts';
import { onCleanup, trackFolder } from './processes.ts';

/** What the proof uses of better-sqlite3 and pg (both installed with the MikroORM drivers, neither typed). */
interface SqliteDatabase {
  prepare(sql: string): { all(...parameters: unknown[]): { id: number | string; name: string }[] };
  close(): void;
}
interface PgClient {
  connect(): Promise<void>;
  query(sql: string, parameters?: unknown[]): Promise<{ rows: { id: number | string; name: string }[] }>;
  end(): Promise<void>;
}

const PG = {
  host: process.env.PROOF_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.PROOF_PG_PORT ?? 5432),
  user: process.env.PROOF_PG_USER ?? 'postgres',
  // The maintenance database to connect to while creating and dropping the proof's own.
  database: process.env.PROOF_PG_DATABASE ?? 'postgres',
};

/** The table MikroORM's default naming strategy gives the `User` entity. */
export const USER_TABLE = 'user';

let counter = 0;

export interface ProofDatabase {
  /** sqlite or postgresql (a test's own database may name itself otherwise) */
  driver: string;
  /** where it is, for reports */
  label: string;
  /** the MIKRO_ORM_* variables the generated config reads */
  env: Record<string, string>;
  /** the `name` column of user rows, read directly */
  readNames: (ids: number[]) => Promise<Map<number, string>>;
  drop: () => Promise<void>;
}

/**
 * A fresh SQLite database: a file in the given folder (MikroORM creates it with the schema).
 */
export function sqliteDatabase(dir: string, name = 'proof'): ProofDatabase {
  const file = join(dir, `${name}.sqlite3`);
  return {
    driver: 'sqlite',
    label: file,
    env: { MIKRO_ORM_DB_NAME: file },
    async readNames(ids) {
      const Database = projectRequire('better-sqlite3') as new (
        file: string,
        options: { readonly: boolean; fileMustExist: boolean },
      ) => SqliteDatabase;
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const rows = db
          .prepare(`select id, name from "${USER_TABLE}" where id in (select value from json_each(?))`)
          .all(JSON.stringify(ids));
        return new Map(rows.map((r) => [Number(r.id), r.name]));
      } finally {
        db.close();
      }
    },
    async drop() {
      // With its journal, so that the name can serve again (and a RAM folder does not fill up).
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    },
  };
}

/**
 * A folder in RAM (/dev/shm on Linux) for SQLite files, removed by cleanup(); undefined where there
 * is none. Each PATCH commits, and on a shared disk the fsync of every commit, not the app, sets the
 * pace: the proof is about what the instances serve, not about durability.
 */
export function ramFolder() {
  try {
    if (!statSync('/dev/shm').isDirectory()) return undefined;
    accessSync('/dev/shm', constants.W_OK);
    return trackFolder(mkdtempSync(join('/dev/shm', 'mikro-request-context-proof-')));
  } catch {
    return undefined;
  }
}

function pgClient(database: string): PgClient {
  const { Client } = projectRequire('pg') as { Client: new (options: object) => PgClient };
  return new Client({ ...PG, database, connectionTimeoutMillis: 3_000 });
}

/** Whether the local PostgreSQL answers; the reason when it does not. */
export async function postgresReachable() {
  const client = pgClient(PG.database);
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true, reason: `${PG.user}@${PG.host}:${PG.port}` };
  } catch (error) {
    return { ok: false, reason: `PostgreSQL at ${PG.host}:${PG.port} (user ${PG.user}): ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh PostgreSQL database `mrc_proof_<pid>_<n>`, dropped by drop() (or by cleanup() if the run dies).
 * @param [options]  template: a database (of this module's) to copy, schema and rows
 */
export async function postgresDatabase({ template }: { template?: string } = {}): Promise<ProofDatabase> {
  const name = `mrc_proof_${process.pid}_${++counter}`;
  if (template !== undefined && !/^mrc_proof_\d+_\d+$/.test(template)) throw new Error(`Not a database of the proof: ${template}`);
  await adminQuery(`drop database if exists ${name}`);
  await adminQuery(template ? `create database ${name} template ${template}` : `create database ${name}`);
  const drop = async () => {
    unregister();
    // WITH (FORCE) closes the connections an instance killed mid-run may have left.
    await adminQuery(`drop database if exists ${name} with (force)`);
  };
  const unregister = onCleanup(drop);
  return {
    driver: 'postgresql',
    label: `postgresql://${PG.user}@${PG.host}:${PG.port}/${name}`,
    env: {
      MIKRO_ORM_HOST: PG.host,
      MIKRO_ORM_PORT: String(PG.port),
      MIKRO_ORM_USER: PG.user,
      MIKRO_ORM_DB_NAME: name,
    },
    async readNames(ids) {
      const client = pgClient(name);
      await client.connect();
      try {
        const { rows } = await client.query(`select id, name from "${USER_TABLE}" where id = any($1::int[])`, [ids]);
        return new Map(rows.map((r) => [Number(r.id), r.name]));
      } finally {
        await client.end();
      }
    },
    drop,
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = pgClient(PG.database);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
