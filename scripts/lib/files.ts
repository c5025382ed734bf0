// One way to list the files of a folder, shared by the proof harness, the bench and the tests.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** node_modules and build output are no part of an app's own files. */
export const NOT_THE_APPS = (name: string): boolean => name === 'node_modules' || name === 'dist';

/**
 * Every file below `root`, depth first in name order, as a path relative to it with `/`
 * separators. An entry (file or folder) whose name `skip` accepts is left out with all it holds.
 */
export function listFiles(root: string, skip: (name: string) => boolean = NOT_THE_APPS): string[] {
  const out: string[] = [];
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (skip(name)) continue;
      // statSync follows a symbolic link, as copying the folder would.
      if (statSync(join(dir, name)).isDirectory()) visit(join(dir, name), `${prefix}${name}/`);
      else out.push(`${prefix}${name}`);
    }
  };
  visit(root, '');
  return out;
}
