import { HostTree } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const COLLECTION = join(ROOT, 'collection.json');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** The files of a fixture app (no node_modules), path → content. */
export function fixtureFiles(name: string): Map<string, Buffer> {
  return folderFiles(join(FIXTURES, name));
}

/** The files of an app folder (node_modules and dist left out), path → content: to compare a folder before and after a run. */
export function folderFiles(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(full).isDirectory()) visit(full);
      else files.set(relative(root, full).split('\\').join('/'), readFileSync(full));
    }
  };
  visit(root);
  return files;
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
