import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from '../../scripts/lib/files.ts';
import { COLLECTION, FIXTURES, ROOT } from '../../scripts/lib/paths.ts';
import { folderTree, schematicRunner } from '../../scripts/lib/schematics.ts';

// The project's layout, the file walker and the schematic runner are the harness's (scripts/lib), shared with the tests.
export { COLLECTION, FIXTURES, listFiles, ROOT };

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
  return folderTree(join(FIXTURES, name));
}

export function runner(): SchematicTestRunner {
  return schematicRunner();
}

/** Every file of a tree, path → text, to compare two states byte for byte. */
export function snapshot(tree: UnitTestTree): Map<string, string> {
  return new Map(tree.files.map((f) => [f, tree.readContent(f)]));
}
