import { SchematicsException, Tree } from '@angular-devkit/schematics';
import {
  createScanner,
  findNodeAtLocation,
  getNodeValue,
  Node,
  parse,
  parseTree,
  ParseError,
  printParseErrorCode,
  SyntaxKind,
} from 'jsonc-parser';

/** Reads a JSON-with-comments file, or undefined when it does not exist. Throws, naming the file, when it does not parse. */
export function readJson<T = Record<string, unknown>>(tree: Tree, path: string): T | undefined {
  if (!tree.exists(path)) return undefined;
  const text = tree.readText(path);
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0];
    throw new SchematicsException(
      `${path} is not valid JSON (${printParseErrorCode(first.error)} at offset ${first.offset}): fix it, then run the schematic again.`,
    );
  }
  return value as T;
}

/**
 * A JSON-with-comments file of the tree, edited in place. Unlike jsonc-parser's `modify` (which
 * @schematics/angular's JSONFile wraps), an edit never reformats what surrounds it: jsonc's
 * formatter re-lays out every line the edit touches, which moved a trailing `// comment` onto the
 * inserted property and unfolded a neighbouring one-line array in users' tsconfigs.
 */
export class JSONFile {
  private readonly tree: Tree;
  readonly path: string;
  private text: string;

  constructor(tree: Tree, path: string) {
    this.tree = tree;
    this.path = path;
    this.text = tree.readText(path);
  }

  get(path: JsonPath): unknown {
    const root = parseJsonTree(this.text, this.path);
    const node = root && (path.length === 0 ? root : findNodeAtLocation(root, path));
    return node === undefined ? undefined : getNodeValue(node);
  }

  /** Sets a value: a new property goes after the last one of its object, on a line of its own; every other byte stays. */
  modify(path: JsonPath, value: unknown): void {
    const next = setJsonValue(this.text, path, value, this.path);
    if (next === this.text) return;
    this.text = next;
    this.tree.overwrite(this.path, next);
  }
}

export type JsonPath = (string | number)[];

export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

/** The text with `path` set to `value` (see JSONFile.modify); the same text when the value is already there. */
export function setJsonValue(text: string, path: JsonPath, value: unknown, fileName = 'JSON text'): string {
  return applyTextEdits(text, jsonSetEdits(text, path, value, fileName));
}

/** Applies edits from the end of the text backwards; edits at one offset land in the order given. */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  let result = text;
  const ordered = edits.map((edit, index) => ({ edit, index })).sort((a, b) => b.edit.offset - a.edit.offset || b.index - a.index);
  for (const { edit } of ordered) {
    result = result.slice(0, edit.offset) + edit.content + result.slice(edit.offset + edit.length);
  }
  return result;
}

/** The edits that set `path` to `value`, computed from the offsets of jsonc-parser's tree. */
export function jsonSetEdits(text: string, path: JsonPath, value: unknown, fileName = 'JSON text'): TextEdit[] {
  if (value === undefined) throw new Error('jsonSetEdits sets values; it does not remove them.');
  const root = parseJsonTree(text, fileName);
  const layout = new Layout(text, root);
  if (!root) {
    return [{ offset: 0, length: text.length, content: `${layout.render(nest(path, value), '')}${layout.eol}` }];
  }
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (node.type === 'object' && typeof key === 'string') {
      const property = node.children?.find((p) => p.children?.[0].value === key);
      if (!property?.children?.[1]) return layout.insertProperty(node, key, nest(path.slice(i + 1), value));
      node = property.children[1];
    } else if (node.type === 'array' && typeof key === 'number' && node.children && key < node.children.length) {
      node = node.children[key];
    } else {
      // A scalar (or null) where the path needs an object: it is replaced by one holding the rest of the path.
      return [layout.replace(node, nest(path.slice(i), value))];
    }
  }
  return sameValue(getNodeValue(node), value) ? [] : [layout.replace(node, value)];
}

function parseJsonTree(text: string, fileName: string): Node | undefined {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const first = errors[0];
    throw new SchematicsException(
      `${fileName} is not valid JSON (${printParseErrorCode(first.error)} at offset ${first.offset}): fix it, then run the schematic again.`,
    );
  }
  return root;
}

/** `{ a: { b: value } }` for the path ['a', 'b']. */
function nest(path: JsonPath, value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => {
    if (typeof key === 'number') throw new Error(`Cannot create array element ${key}: only object properties are created.`);
    return { [key]: inner };
  }, value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The file's own conventions (line ending, indentation step, `"key": value` spacing), read from its text. */
class Layout {
  readonly eol: string;
  readonly unit: string;
  private readonly text: string;

  constructor(text: string, root: Node | undefined) {
    this.text = text;
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.unit = (root && this.indentUnit(root)) ?? '  ';
  }

  /** The whitespace that starts the line holding `offset`. */
  lineIndent(offset: number): string {
    const start = this.lineStart(offset);
    let end = start;
    while (end < this.text.length && (this.text[end] === ' ' || this.text[end] === '\t')) end++;
    return this.text.slice(start, end);
  }

  private lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  /** Whether only whitespace precedes `offset` on its line. */
  private startsLine(offset: number): boolean {
    const start = this.lineStart(offset);
    return this.text.slice(start, offset).trim() === '';
  }

  private sameLine(a: number, b: number): boolean {
    return !this.text.slice(Math.min(a, b), Math.max(a, b)).includes('\n');
  }

  /** The indentation step: what a property starting its own line adds to the line of its object's `{`. */
  private indentUnit(node: Node): string | undefined {
    if (node.type === 'object' || node.type === 'array') {
      for (const child of node.children ?? []) {
        if (this.startsLine(child.offset) && !this.sameLine(node.offset, child.offset)) {
          const outer = this.lineIndent(node.offset);
          const inner = this.lineIndent(child.offset);
          if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
        }
      }
      for (const child of node.children ?? []) {
        const found = this.indentUnit(child.type === 'property' ? (child.children?.[1] ?? child) : child);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** JSON text for a value, its later lines indented from `indent` (the indentation of the line it starts on). */
  render(value: unknown, indent: string): string {
    return JSON.stringify(value, null, this.unit).split('\n').join(`${this.eol}${indent}`);
  }

  /** `value` on one line (`["a", "b"]`, `{ "a": 1 }`), for objects laid out on one line. */
  private renderInline(value: unknown, separator: string): string {
    if (Array.isArray(value)) return `[${value.map((v) => this.renderInline(v, separator)).join(', ')}]`;
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}${separator}${this.renderInline(v, separator)}`);
      return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
    }
    return JSON.stringify(value);
  }

  replace(node: Node, value: unknown): TextEdit {
    return { offset: node.offset, length: node.length, content: this.render(value, this.lineIndent(node.offset)) };
  }

  /** What separates a key from its value in this object (`": "` unless the siblings say otherwise). */
  private separator(object: Node): string {
    const property = object.children?.find((p) => p.children?.length === 2);
    if (!property) return ': ';
    const [key, value] = property.children!;
    const between = this.text.slice(key.offset + key.length, value.offset);
    return between.trim() === ':' && !between.includes('\n') ? between : ': ';
  }

  insertProperty(object: Node, key: string, value: unknown): TextEdit[] {
    const properties = object.children ?? [];
    const last = properties[properties.length - 1];
    if (!last) return this.insertIntoEmpty(object, key, value);
    const entry = (indent: string) => `${JSON.stringify(key)}${this.separator(object)}${this.render(value, indent)}`;
    const after = this.afterProperty(last);

    if (this.sameLine(object.offset, last.offset)) {
      // An object written on one line stays on one line.
      const separator = this.separator(object);
      const inline = `${JSON.stringify(key)}${separator}${this.renderInline(value, separator)}`;
      return after.comma === undefined
        ? [{ offset: last.offset + last.length, length: 0, content: `, ${inline}` }]
        : [{ offset: after.comma + 1, length: 0, content: ` ${inline},` }];
    }
    const indent = this.lineIndent(last.offset);
    if (after.comma !== undefined) {
      // `"x": 1,` is the last property: a trailing comma, which the new last property keeps.
      return [{ offset: after.lineEnd, length: 0, content: `${this.eol}${indent}${entry(indent)},` }];
    }
    return [
      { offset: last.offset + last.length, length: 0, content: ',' },
      { offset: after.lineEnd, length: 0, content: `${this.eol}${indent}${entry(indent)}` },
    ];
  }

  /**
   * What follows a property on its line: the comma after it, if any, and where the line's content
   * ends (after a trailing comment, before the closing brace when it shares the line).
   */
  private afterProperty(property: Node): { comma?: number; lineEnd: number } {
    const scanner = createScanner(this.text, false);
    scanner.setPosition(property.offset + property.length);
    let comma: number | undefined;
    let lineEnd = property.offset + property.length;
    for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
      if (kind === SyntaxKind.Trivia) continue;
      if (kind === SyntaxKind.CommaToken && comma === undefined) {
        comma = scanner.getTokenOffset();
        lineEnd = comma + 1;
        continue;
      }
      if (kind === SyntaxKind.LineCommentTrivia || kind === SyntaxKind.BlockCommentTrivia) {
        lineEnd = scanner.getTokenOffset() + scanner.getTokenLength();
        continue;
      }
      break;
    }
    return { comma, lineEnd };
  }

  /** `{}` gets `{ <eol><indent>"key": value<eol><brace indent>}`; comments inside stay before the property. */
  private insertIntoEmpty(object: Node, key: string, value: unknown): TextEdit[] {
    const braceIndent = this.lineIndent(object.offset);
    const indent = braceIndent + this.unit;
    const entry = `${JSON.stringify(key)}: ${this.render(value, indent)}`;
    const open = object.offset + 1;
    const close = object.offset + object.length - 1;
    const inside = this.text.slice(open, close);
    if (inside.trim() === '') {
      return [{ offset: open, length: inside.length, content: `${this.eol}${indent}${entry}${this.eol}${braceIndent}` }];
    }
    if (this.startsLine(close)) {
      return [{ offset: this.lineStart(close), length: 0, content: `${indent}${entry}${this.eol}` }];
    }
    return [{ offset: close, length: 0, content: `${this.eol}${indent}${entry}${this.eol}${braceIndent}` }];
  }
}
