import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempFolder } from '../../scripts/lib/paths.ts';

const run = promisify(execFile);

/**
 * A new folder for a generated app, under .tmp/ (Nest 12, MikroORM 7) or test/orm6/.tmp/ (Nest 11,
 * MikroORM 6), where its packages resolve from the project's node_modules: the harness's tempFolder.
 */
export const tempDir = tempFolder;

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
    throw new Error(`tsc --noEmit failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
}
