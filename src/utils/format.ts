import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as PrettierApi from 'prettier';
import { diffLines, splitLines } from '../cli/diff';
import { readJson } from './json';

/** Prettier as the app installed it: 3 answers with Promises, 2 synchronously; every call is awaited. */
type Prettier = typeof PrettierApi;
type PrettierOptions = PrettierApi.Options;

/**
 * The schematic option that names the app's folder on disk, the root of the tree. The bin sets it on
 * every schematic it runs (its tree is rooted at the app around the current folder); `nest g` roots
 * the tree at the current folder, which is the default.
 */
export const APP_ROOT_OPTION = 'appRoot';

/** A span of the new text that the schematic wrote (whole lines, offsets into the text). */
interface Span {
  start: number;
  end: number;
}

/**
 * The last rule of a schematic (given the schematic's options, which may name the app's folder on
 * disk: APP_ROOT_OPTION): every file the tree is about to create or overwrite is formatted with
 * the app's own prettier and config, as its `prettier --write` would (Nx's formatFiles is the model).
 * A created file, and an updated one that was prettier-clean before, is formatted whole; in an updated
 * file that was not clean, only the lines the schematic changed are, and only where prettier can do so
 * without moving another line. An app without prettier keeps today's output: code in the style of the
 * file it lands in.
 */
export function formatWithAppPrettier(options: Readonly<Record<string, unknown>>): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const root = appRoot(options, context);
    const prettier = root === undefined ? undefined : loadAppPrettier(tree, root);
    if (root === undefined || prettier === undefined) return;
    for (const action of tree.actions) {
      if (action.kind !== 'c' && action.kind !== 'o') continue;
      const path = action.path.replace(/^\//, '');
      const content = action.content.toString('utf8');
      const original = action.kind === 'o' ? readOriginal(join(root, path)) : undefined;
      try {
        const formatted = await formatFile(prettier, root, path, content, original);
        if (formatted !== undefined && formatted !== content) tree.overwrite(path, formatted);
      } catch (error) {
        // Prettier cannot parse what it was given (a syntax it has no plugin for): the file stays as written.
        context.logger.warn(`prettier left ${path} as written: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    }
  };
}

/**
 * The app's folder on disk: the option when it is set, else the current folder, which is the root of
 * the tree when a workflow (the Nest CLI's, the bin's) runs on the disk. A tree with no workflow behind
 * it (SchematicTestRunner, `callRule`) lives in memory: nothing on disk belongs to it.
 */
function appRoot(options: Readonly<Record<string, unknown>>, context: SchematicContext): string | undefined {
  const root = options[APP_ROOT_OPTION];
  if (typeof root === 'string' && root !== '') return root;
  return context.engine.workflow ? process.cwd() : undefined;
}

/**
 * The prettier the app lists in its package.json, resolved from its folder as its own scripts would
 * resolve it (a workspace's hoisted install included). Never a prettier of this package's.
 */
function loadAppPrettier(tree: Tree, root: string): Prettier | undefined {
  const pkg = readJson<{ dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>(tree, 'package.json');
  if (!pkg?.dependencies?.prettier && !pkg?.devDependencies?.prettier) return undefined;
  try {
    return createRequire(join(root, 'package.json'))('prettier') as Prettier;
  } catch {
    return undefined; // listed but not installed yet: nothing to format with
  }
}

function readOriginal(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * The file formatted as the app's prettier CLI would (its ignore files, its config and .editorconfig
 * for that path), or undefined when prettier leaves it alone (ignored, or a kind of file it has no
 * parser for).
 */
async function formatFile(
  prettier: Prettier,
  root: string,
  path: string,
  content: string,
  original: string | undefined,
): Promise<string | undefined> {
  const filepath = join(root, path);
  // The CLI reads both ignore files from the folder it runs in since prettier 3, only .prettierignore before.
  const ignorePath =
    Number.parseInt(prettier.version, 10) >= 3 ? [join(root, '.gitignore'), join(root, '.prettierignore')] : join(root, '.prettierignore');
  const info = await prettier.getFileInfo(filepath, { ignorePath, resolveConfig: true });
  if (info.ignored || !info.inferredParser) return undefined;
  const config: PrettierOptions = { ...(await prettier.resolveConfig(filepath, { editorconfig: true })), filepath };
  if (original === undefined || (await prettier.check(original, config))) return prettier.format(content, config);
  return formatChangedLines(prettier, config, original, content);
}

/**
 * Formats each run of lines that differs from the original on its own (prettier's range, the file's
 * own line endings kept), the last first so that the offsets of the earlier ones hold. A range that
 * prettier widens beyond the changed lines (to the statement around them) is left as written: the
 * user's own lines never move.
 */
async function formatChangedLines(prettier: Prettier, config: PrettierOptions, original: string, content: string): Promise<string> {
  let text = content;
  for (const { start, end } of changedSpans(original, content).reverse()) {
    const formatted = await prettier.format(text, { ...config, endOfLine: 'auto', rangeStart: start, rangeEnd: end });
    const before = text.slice(0, start);
    const after = text.slice(end);
    if (formatted.length >= before.length + after.length && formatted.startsWith(before) && formatted.endsWith(after)) text = formatted;
  }
  return text;
}

/** The runs of added or changed lines of `content` against `original`, as offsets into `content`. */
function changedSpans(original: string, content: string): Span[] {
  const spans: Span[] = [];
  let offset = 0;
  let open: Span | undefined;
  for (const edit of diffLines(splitLines(original), splitLines(content))) {
    if (edit.kind === '-') continue;
    if (edit.kind === '+') {
      open ??= { start: offset, end: offset };
      open.end = offset + edit.line.length;
    } else if (open) {
      spans.push(open);
      open = undefined;
    }
    offset += edit.line.length;
  }
  if (open) spans.push(open);
  return spans;
}
