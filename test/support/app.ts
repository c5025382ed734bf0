import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './fixtures';

const run = promisify(execFile);

/**
 * Generated apps are written under the project's .tmp folder, so that Node and TypeScript resolve
 * @nestjs/* and @mikro-orm/* from the project's own node_modules (Nest 12, MikroORM 7), or under
 * test/orm6/.tmp for Nest 11 + MikroORM 6 (no install per test).
 */
export function tempDir(prefix: string, ormMajor: 6 | 7 = 7): string {
  // MikroORM 6 apps (Nest 11) resolve their packages from the test/orm6 workspace instead.
  const base = ormMajor === 6 ? join(ROOT, 'test', 'orm6', '.tmp') : join(ROOT, '.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `${prefix}-`));
}

/** Writes every file of a tree into a folder. */
export function writeTree(tree: UnitTestTree, dir: string): void {
  for (const file of tree.files) {
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, tree.readContent(file));
  }
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `tsc --noEmit -p <tsconfig>` against the real packages; resolves with tsc's output, rejects with it on errors. */
export async function typecheck(dir: string, tsconfig = 'tsconfig.json'): Promise<void> {
  // The app's own TypeScript: 6.0 at the project root, 5.9 in the MikroORM 6 workspace.
  const tsc = require.resolve('typescript/bin/tsc', { paths: [dir] });
  try {
    await run(process.execPath, [tsc, '--noEmit', '-p', join(dir, tsconfig)], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc --noEmit failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
