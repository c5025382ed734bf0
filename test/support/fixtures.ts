import { HostTree } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
/** Every file below a folder as a `/`-separated relative path, leaving out entries `skip` accepts (default: node_modules, dist). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { listFiles } = require(join(ROOT, 'scripts', 'lib', 'files.cjs')) as {
  listFiles(root: string, skip?: (name: string) => boolean): string[];
};
export const COLLECTION = join(ROOT, 'collection.json');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** The files of a fixture app (no node_modules), path → content. */
export function fixtureFiles(name: string): Map<string, Buffer> {
  return folderFiles(join(FIXTURES, name));
}

/** The files of an app folder (node_modules and dist left out), path → content: to compare a folder before and after a run. */
export function folderFiles(root: string): Map<string, Buffer> {
  return new Map(listFiles(root).map((path) => [path, readFileSync(join(root, path))]));
}

/** A tree holding a fixture app, as the schematic would see it in that app's root folder. */
export function fixtureTree(name: string): UnitTestTree {
  const host = new HostTree();
  for (const [path, content] of fixtureFiles(name)) host.create(path, content);
  return new UnitTestTree(host);
}

export function runner(): SchematicTestRunner {
  return new SchematicTestRunner('mikro-request-context', COLLECTION);
}

/** Every file of a tree, path → text, to compare two states byte for byte. */
export function snapshot(tree: UnitTestTree): Map<string, string> {
  return new Map(tree.files.map((f) => [f, tree.readContent(f)]));
}
