import { strings } from '@angular-devkit/core';
import {
  apply,
  applyTemplates,
  FileEntry,
  forEach,
  MergeStrategy,
  mergeWith,
  move,
  Rule,
  SchematicContext,
  Source,
  Tree,
  url,
} from '@angular-devkit/schematics';

export interface RenderOptions {
  /** template folder, relative to the compiled factory (e.g. `../../templates/init/config`) */
  from: string;
  /** folder of the tree the files land in */
  to: string;
  /** values for the templates */
  values: Record<string, unknown>;
  /** overwrite files that exist with other content */
  force?: boolean;
  /** keep only the template files this accepts (by their path inside the template folder) */
  only?: (path: string) => boolean;
}

/**
 * Renders a template folder into the tree without ever overwriting a user's file silently: a file
 * that exists with the same content is left as it is, one with other content is kept and reported
 * (or replaced with `force`).
 */
export function renderFiles(options: RenderOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const source: Source = apply(url(options.from), [
      forEach((entry) => (!options.only || options.only(entry.path) ? entry : null)),
      applyTemplates({ ...strings, ...options.values }),
      move(options.to),
      forEach((entry) => keepUsersFile(tree, context, entry, options.force === true)),
    ]);
    return mergeWith(source, options.force ? MergeStrategy.Overwrite : MergeStrategy.Default);
  };
}

function keepUsersFile(tree: Tree, context: SchematicContext, entry: FileEntry, force: boolean): FileEntry | null {
  if (!tree.exists(entry.path)) return entry;
  const current = tree.read(entry.path);
  if (current && current.equals(entry.content)) return null;
  if (force) return entry;
  context.logger.warn(`${entry.path.replace(/^\//, '')} exists with other content: kept as it is (--force replaces it).`);
  return null;
}

/** Creates a file from text unless it exists; same rules as renderFiles. */
export function createFile(tree: Tree, context: SchematicContext, path: string, content: string, force = false): void {
  if (!tree.exists(path)) {
    tree.create(path, content);
  } else if (tree.readText(path) !== content) {
    if (force) tree.overwrite(path, content);
    else context.logger.warn(`${path} exists with other content: kept as it is (--force replaces it).`);
  }
}
