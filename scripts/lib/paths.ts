// Where the project's files are, for the harness and the tests alike, and the one helper that makes
// a temporary folder for an app. The harness runs the package as built (dist/, `npm run build`):
// Node runs these .ts files by stripping their types, which cannot load src/ (its imports have no
// extensions), and collection.json points at dist/ anyway, so what the proof runs is what ships.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const COLLECTION = join(ROOT, 'collection.json');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** The MikroORM major an app is built for: it decides where its packages resolve from. */
export type OrmMajor = 6 | 7;

/**
 * The folder generated apps are written under, so that Node and TypeScript resolve @nestjs/* and
 * @mikro-orm/* from the project's own node_modules (Nest 12, MikroORM 7): .tmp/, or test/orm6/.tmp/
 * for Nest 11 + MikroORM 6 (no install per app).
 */
export function tempBase(ormMajor: OrmMajor = 7): string {
  const base = ormMajor === 6 ? join(ROOT, 'test', 'orm6', '.tmp') : join(ROOT, '.tmp');
  mkdirSync(base, { recursive: true });
  return base;
}

/** A new empty folder `<prefix>-XXXXXX` under tempBase(ormMajor). */
export function tempFolder(prefix: string, ormMajor: OrmMajor = 7): string {
  return mkdtempSync(join(tempBase(ormMajor), `${prefix}-`));
}

/** `require` from here: packages of the project's node_modules that only some runs need, and the built package. */
export const projectRequire = createRequire(import.meta.url);

/** A module of the built package (`dist/<path>.js`), typed as its source in src/ declares it. */
export function built<T>(path: string): T {
  const file = join(ROOT, 'dist', `${path}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first.`);
  return projectRequire(file) as T;
}
