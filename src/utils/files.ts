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
import * as ts from 'typescript';

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
  // What an earlier run wrote and the app's prettier then laid out is this same file, not the user's.
  if (current && entry.path.endsWith('.ts') && sameCode(current.toString('utf8'), entry.content.toString('utf8'))) return null;
  if (force) return entry;
  context.logger.warn(`${entry.path.replace(/^\//, '')} exists with other content: kept as it is (--force replaces it).`);
  return null;
}

/**
 * Whether two TypeScript texts are the same code laid out differently: the same tokens and comments,
 * string literals compared by value (quotes), semicolons and trailing commas left out — what a
 * formatter such as prettier changes, and nothing else.
 */
export function sameCode(a: string, b: string): boolean {
  const x = codeTokens(a);
  const y = codeTokens(b);
  return x.length === y.length && x.every((token, i) => token === y[i]);
}

const CLOSERS = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken]);

function codeTokens(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const tokens: { kind: ts.SyntaxKind; text: string }[] = [];
  // The scanner alone cannot tell the `}` that ends a template's `${...}` from a block's: a stack can.
  const open: ('brace' | 'template')[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.CloseBraceToken && open.pop() === 'template') kind = scanner.reScanTemplateToken(false);
    if (kind === ts.SyntaxKind.OpenBraceToken) open.push('brace');
    if (kind === ts.SyntaxKind.TemplateHead || kind === ts.SyntaxKind.TemplateMiddle) open.push('template');
    if (kind === ts.SyntaxKind.WhitespaceTrivia || kind === ts.SyntaxKind.NewLineTrivia || kind === ts.SyntaxKind.SemicolonToken) continue;
    const literal = kind === ts.SyntaxKind.StringLiteral || kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral;
    const value = literal ? JSON.stringify(scanner.getTokenValue()) : scanner.getTokenText();
    tokens.push({
      kind,
      text:
        kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia
          ? value.replace(/\s+/g, ' ')
          : value,
    });
  }
  // A comma before a closing bracket is a trailing comma: layout, not code.
  return tokens
    .filter((t, i) => !(t.kind === ts.SyntaxKind.CommaToken && tokens[i + 1] && CLOSERS.has(tokens[i + 1].kind)))
    .map((t) => `${t.kind}:${t.text}`);
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
