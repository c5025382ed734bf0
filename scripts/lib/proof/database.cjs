'use strict';
// The databases the proof runs on, read directly (not through the app) to state what the row
// really holds: a SQLite file through better-sqlite3, or a PostgreSQL database of its own through
// pg (both installed with the MikroORM drivers), created for one run and dropped after it.
const { accessSync, constants, mkdtempSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { onCleanup, trackFolder } = require('./processes.cjs');

const PG = {
  host: process.env.PROOF_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.PROOF_PG_PORT ?? 5432),
  user: process.env.PROOF_PG_USER ?? 'postgres',
  // The maintenance database to connect to while creating and dropping the proof's own.
  database: process.env.PROOF_PG_DATABASE ?? 'postgres',
};

/** The table MikroORM's default naming strategy gives the `User` entity. */
const USER_TABLE = 'user';

let counter = 0;

/**
 * @typedef {object} ProofDatabase
 * @property {'sqlite'|'postgresql'} driver
 * @property {string} label                 where it is, for reports
 * @property {Record<string, string>} env   the MIKRO_ORM_* variables the generated config reads
 * @property {(ids: number[]) => Promise<Map<number, string>>} readNames  the `name` column of user rows, read directly
 * @property {() => Promise<void>} drop
 */

/**
 * A fresh SQLite database: a file in the given folder (MikroORM creates it with the schema).
 * @returns {ProofDatabase}
 */
function sqliteDatabase(dir, name = 'proof') {
  const file = join(dir, `${name}.sqlite3`);
  return {
    driver: 'sqlite',
    label: file,
    env: { MIKRO_ORM_DB_NAME: file },
    async readNames(ids) {
      const Database = require('better-sqlite3');
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare(`select id, name from "${USER_TABLE}" where id in (select value from json_each(?))`).all(JSON.stringify(ids));
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
function ramFolder() {
  try {
    if (!statSync('/dev/shm').isDirectory()) return undefined;
    accessSync('/dev/shm', constants.W_OK);
    return trackFolder(mkdtempSync(join('/dev/shm', 'mikro-request-context-proof-')));
  } catch {
    return undefined;
  }
}

function pgClient(database) {
  const { Client } = require('pg');
  return new Client({ ...PG, database, connectionTimeoutMillis: 3_000 });
}

/** Whether the local PostgreSQL answers; the reason when it does not. */
async function postgresReachable() {
  const client = pgClient(PG.database);
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true, reason: `${PG.user}@${PG.host}:${PG.port}` };
  } catch (error) {
    return { ok: false, reason: `PostgreSQL at ${PG.host}:${PG.port} (user ${PG.user}): ${/** @type {Error} */ (error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A fresh PostgreSQL database `mrc_proof_<pid>_<n>`, dropped by drop() (or by cleanup() if the run dies).
 * @param {{ template?: string }} [options]  template: a database (of this module's) to copy, schema and rows
 * @returns {Promise<ProofDatabase>}
 */
async function postgresDatabase({ template } = {}) {
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

async function adminQuery(sql) {
  const client = pgClient(PG.database);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

module.exports = { sqliteDatabase, postgresDatabase, postgresReachable, ramFolder, USER_TABLE };
