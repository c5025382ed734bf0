import { SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { quoted, SourceStyle, terminate } from './source-style';

/** A piece of text to insert at an offset of the original file (replacing `length` characters there, if given). */
export interface Insertion {
  pos: number;
  text: string;
  length?: number;
}

/** Parses a TypeScript file of the tree. Throws, naming the file and the first error, when it does not parse. */
export function parseSource(tree: Tree, path: string): ts.SourceFile {
  if (!tree.exists(path)) {
    throw new SchematicsException(`${path} does not exist.`);
  }
  return parseText(path, tree.readText(path));
}

export function parseText(path: string, text: string): ts.SourceFile {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const diagnostics = (source as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  if (diagnostics.length > 0) {
    const first = diagnostics[0];
    const { line, character } = source.getLineAndCharacterOfPosition(first.start);
    throw new SchematicsException(
      `${path}:${line + 1}:${character + 1} has a syntax error (${ts.flattenDiagnosticMessageText(first.messageText, ' ')}): ` +
        `fix it, then run the schematic again. Nothing was changed.`,
    );
  }
  return source;
}

/** Applies insertions through one update recorder; offsets refer to the original text. */
export function applyInsertions(tree: Tree, path: string, insertions: readonly Insertion[]): void {
  if (insertions.length === 0) return;
  const recorder = tree.beginUpdate(path);
  for (const { pos, text, length } of insertions) {
    if (length) recorder.remove(pos, length);
    recorder.insertLeft(pos, text);
  }
  tree.commitUpdate(recorder);
}

/** Every node below `root` (depth first) that satisfies the guard. */
export function findNodes<T extends ts.Node>(root: ts.Node, guard: (node: ts.Node) => node is T): T[] {
  const found: T[] = [];
  const visit = (node: ts.Node): void => {
    if (guard(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

/** `Receiver.method(...)` where the receiver is a plain identifier, e.g. `NestFactory.create(...)`. */
export function isMethodCall(node: ts.Node, receiver: string, methods: readonly string[]): node is ts.CallExpression {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    ts.isIdentifier(node.expression.expression) &&
    node.expression.expression.text === receiver &&
    methods.includes(node.expression.name.text)
  );
}

/** The name of the function a call expression calls, through property accesses (`a.b.use(...)` → `use`). */
export function calledName(call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

/** The 1-based line a node starts on (its first token, after any leading comments). */
export function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/** The whitespace that starts the line `node` starts on. */
export function lineIndent(source: ts.SourceFile, node: ts.Node): string {
  const start = node.getStart(source);
  const lineStart = source.text.lastIndexOf('\n', start - 1) + 1;
  const lead = source.text.slice(lineStart, start);
  return lead.trim() === '' ? lead : (/^[ \t]*/.exec(lead)?.[0] ?? '');
}

/** The module specifiers imported by the file, with their named bindings. */
export function importedNames(source: ts.SourceFile, from: string): Set<string> {
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (statement.moduleSpecifier.text !== from) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements) names.add(element.name.text);
    }
    if (statement.importClause?.name) names.add(statement.importClause.name.text);
  }
  return names;
}

/** Whether an identifier is declared or imported at the top level of the file under that name. */
export function isNameTaken(source: ts.SourceFile, name: string): boolean {
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name?.text === name) return true;
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) return true;
      if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) return true;
    } else if ((ts.isClassDeclaration(statement) || ts.isFunctionDeclaration(statement)) && statement.name?.text === name) {
      return true;
    } else if (ts.isVariableStatement(statement)) {
      if (statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name)) return true;
    }
  }
  return false;
}

/**
 * The insertion that makes `names` importable from `from`: added into an existing named import
 * from that module, or a new import declaration after the last import. Undefined when all are there.
 */
export function importInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  names: readonly string[],
  from: string,
  kind: 'named' | 'default' = 'named',
): Insertion | undefined {
  const present = importedNames(source, from);
  const missing = names.filter((n) => !present.has(n));
  if (missing.length === 0) return undefined;
  if (kind === 'named') {
    const existing = source.statements.find(
      (s): s is ts.ImportDeclaration =>
        ts.isImportDeclaration(s) &&
        ts.isStringLiteral(s.moduleSpecifier) &&
        s.moduleSpecifier.text === from &&
        !s.importClause?.isTypeOnly &&
        !!s.importClause?.namedBindings &&
        ts.isNamedImports(s.importClause.namedBindings),
    );
    const named = existing?.importClause?.namedBindings as ts.NamedImports | undefined;
    if (named && named.elements.length > 0) {
      const last = named.elements[named.elements.length - 1];
      return { pos: last.getEnd(), text: missing.map((n) => `, ${n}`).join('') };
    }
  }
  const clause = kind === 'default' ? missing[0] : `{ ${missing.join(', ')} }`;
  const declaration = terminate(`import ${clause} from ${quoted(from, style)}`, style);
  const imports = source.statements.filter(ts.isImportDeclaration);
  if (imports.length === 0) {
    return { pos: 0, text: `${declaration}${style.eol}` };
  }
  // Packages go after the last package import (before the relative ones), relative paths after the last import.
  const isRelative = (i: ts.ImportDeclaration) => (i.moduleSpecifier as ts.StringLiteral).text.startsWith('.');
  const packages = imports.filter((i) => !isRelative(i));
  const anchor = !from.startsWith('.') && packages.length > 0 ? packages[packages.length - 1] : imports[imports.length - 1];
  return { pos: anchor.getEnd(), text: `${style.eol}${declaration}` };
}

/** The object literal given to a class decorator, e.g. the metadata of `@Module({...}) export class AppModule`. */
export function decoratorArgument(
  node: ts.ClassDeclaration,
  decorator: string,
): { call: ts.CallExpression; object?: ts.ObjectLiteralExpression } | undefined {
  for (const d of ts.getDecorators(node) ?? []) {
    if (ts.isCallExpression(d.expression) && ts.isIdentifier(d.expression.expression) && d.expression.expression.text === decorator) {
      const [first] = d.expression.arguments;
      return { call: d.expression, object: first && ts.isObjectLiteralExpression(first) ? first : undefined };
    }
  }
  return undefined;
}

/** The classes of the file that carry the decorator. */
export function classesWithDecorator(source: ts.SourceFile, decorator: string): ts.ClassDeclaration[] {
  return source.statements.filter(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && decoratorArgument(s, decorator) !== undefined,
  );
}

export function objectProperty(object: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return object.properties.find(
    (p): p is ts.PropertyAssignment =>
      ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && p.name.text === name,
  );
}

/**
 * Adds `element` to the array property `name` of an object literal, creating the property when it
 * is missing, in the layout the literal already has (one line or one element a line). Undefined when
 * the array already holds an element with that text, or when the property is not an array literal.
 */
export function arrayPropertyInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  object: ts.ObjectLiteralExpression,
  name: string,
  element: string,
  position: 'first' | 'last' = 'last',
): Insertion | undefined {
  const property = objectProperty(object, name);
  if (!property) {
    return propertyInsertion(source, style, object, `${name}: [${element}]`, 'first');
  }
  const array = property.initializer;
  if (!ts.isArrayLiteralExpression(array)) return undefined;
  if (array.elements.some((e) => e.getText(source) === element)) return undefined;
  return arrayElementInsertion(source, style, array, element, position);
}

export function arrayElementInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  array: ts.ArrayLiteralExpression,
  element: string,
  position: 'first' | 'last' = 'last',
): Insertion {
  const elements = array.elements;
  if (elements.length === 0) {
    const close = array.getEnd() - 1;
    const lineStart = source.text.lastIndexOf('\n', close - 1) + 1;
    const inside = source.text.slice(array.getStart(source) + 1, close);
    if (!inside.includes('\n') || source.text.slice(lineStart, close).trim() !== '') {
      return { pos: close, text: element };
    }
    // `[\n  // comment\n]`: a line of its own, indented like the comments inside.
    const commentLine = inside.split('\n').find((l) => l.trim() !== '');
    const indent = commentLine ? /^[ \t]*/.exec(commentLine)![0] : source.text.slice(lineStart, close) + style.indent;
    return { pos: lineStart, text: `${indent}${element},${style.eol}` };
  }
  return listInsertion(source, style, array, elements, element, position);
}

/**
 * Adds an item to the non-empty list of an array or object literal, in the list's layout: on the
 * same line, or on a line of its own with the items' indentation and trailing-comma habit.
 */
function listInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  container: ts.Node,
  items: ts.NodeArray<ts.Node>,
  item: string,
  position: 'first' | 'last',
): Insertion {
  const multiline = source.text.slice(container.getStart(source), items[0].getStart(source)).includes('\n');
  const indent = multiline ? lineIndent(source, items[0]) : '';
  if (position === 'first') {
    return { pos: items[0].getStart(source), text: multiline ? `${item},${style.eol}${indent}` : `${item}, ` };
  }
  const last = items[items.length - 1];
  if (!multiline) return { pos: last.getEnd(), text: `, ${item}` };
  return items.hasTrailingComma
    ? { pos: items.end, text: `${style.eol}${indent}${item},` }
    : { pos: last.getEnd(), text: `,${style.eol}${indent}${item}` };
}

/** Adds a property (`key: value` text) to an object literal, keeping its layout. */
export function propertyInsertion(
  source: ts.SourceFile,
  style: SourceStyle,
  object: ts.ObjectLiteralExpression,
  property: string,
  position: 'first' | 'last' = 'last',
): Insertion {
  const props = object.properties;
  if (props.length === 0) {
    const openEnd = object.getStart(source) + 1;
    const between = source.text.slice(openEnd, object.getEnd() - 1);
    if (between.includes('\n')) {
      const indent = lineIndent(source, object) + style.indent;
      return { pos: openEnd, text: `${style.eol}${indent}${property},` };
    }
    return { pos: openEnd, text: ` ${property} ` };
  }
  return listInsertion(source, style, object, props, property, position);
}

/** Where a name used in a file comes from. `name` is `*` for a namespace import, `default` for a default import. */
export interface Binding {
  from: string;
  name: string;
}

/** The file's import bindings: local name → module and exported name. */
export function importBindings(source: ts.SourceFile): Map<string, Binding> {
  const bindings = new Map<string, Binding>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const from = statement.moduleSpecifier.text;
    const clause = statement.importClause;
    if (!clause) continue;
    if (clause.name) bindings.set(clause.name.text, { from, name: 'default' });
    const named = clause.namedBindings;
    if (named && ts.isNamespaceImport(named)) bindings.set(named.name.text, { from, name: '*' });
    if (named && ts.isNamedImports(named)) {
      for (const element of named.elements) {
        bindings.set(element.name.text, { from, name: (element.propertyName ?? element.name).text });
      }
    }
  }
  return bindings;
}

/** A class exported by a package, as code may reach it: `NestFactory` from `@nestjs/core`. */
export interface ExportedSymbol {
  name: string;
  /** whether a module specifier exports it (a driver package re-exports MikroORM, for one) */
  from: (specifier: string) => boolean;
}

/**
 * How a file can write `symbol` as an expression: the local names it is imported under (named or
 * renamed) and `ns.Name` for each namespace import of a module that exports it. A file that does not
 * import the name at all and declares nothing under it may still use it bare (a global or an ambient
 * declaration): that spelling counts too, as the TypeScript checker would accept it in a single file.
 */
export function symbolSpellings(source: ts.SourceFile, symbol: ExportedSymbol): string[] {
  const bindings = importBindings(source);
  const spellings: string[] = [];
  for (const [local, binding] of bindings) {
    if (!symbol.from(binding.from)) continue;
    if (binding.name === symbol.name) spellings.push(local);
    if (binding.name === '*') spellings.push(`${local}.${symbol.name}`);
  }
  if (!bindings.has(symbol.name) && !isNameTaken(source, symbol.name)) spellings.push(symbol.name);
  return spellings;
}

/** The spelling of an expression as `a.b.c`, or undefined for anything but identifiers and property accesses. */
export function dottedName(node: ts.Expression): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) {
    const left = dottedName(node.expression);
    return left === undefined ? undefined : `${left}.${node.name.text}`;
  }
  return undefined;
}

/** `Symbol.method(...)` calls in (a part of) a file, whatever local name or namespace reaches the symbol. */
export function staticCalls(
  source: ts.SourceFile,
  symbol: ExportedSymbol,
  methods: readonly string[],
  root: ts.Node = source,
): ts.CallExpression[] {
  const spellings = new Set(symbolSpellings(source, symbol));
  return findNodes(
    root,
    (n): n is ts.CallExpression =>
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      methods.includes(n.expression.name.text) &&
      spellings.has(dottedName(n.expression.expression) ?? ''),
  );
}

/** The method a `Receiver.method(...)` call names. */
export function methodName(call: ts.CallExpression): string {
  return (call.expression as ts.PropertyAccessExpression).name.text;
}
