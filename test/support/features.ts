import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from 'typescript';
import { runOnTree, type SchematicOptions } from '../../scripts/lib/schematics.ts';
import { fixtureTree } from './fixtures';
import { parse } from './inspect';

export type Options = SchematicOptions;

/** Runs one schematic of the collection on a tree; `logs` are `<level> <message>`. */
export const run = runOnTree;

/** An independent copy of a tree (running a schematic on a tree changes that tree). */
export function copyTree(tree: UnitTestTree): UnitTestTree {
  const host = new HostTree();
  for (const file of tree.files) host.create(file, tree.read(file)!);
  return new UnitTestTree(host);
}

/**
 * A fixture app after `init`. `orm: 6` pins @mikro-orm/core 6 first, as an app that already has
 * MikroORM 6 would (init then keeps that major).
 */
export async function initApp(fixture: string, options: Options = {}, orm: 6 | 7 = 7): Promise<UnitTestTree> {
  const tree = fixtureTree(fixture);
  if (orm === 6) {
    const pkg = JSON.parse(tree.readContent('/package.json'));
    pkg.dependencies['@mikro-orm/core'] = '6.6.16';
    tree.overwrite('/package.json', JSON.stringify(pkg, null, 2));
  }
  return (await run('init', { skipInstall: true, ...options }, tree)).tree;
}

export function source(tree: UnitTestTree, path: string): ts.SourceFile {
  return parse(tree.readContent(path), path);
}

export function classOf(file: ts.SourceFile, name: string): ts.ClassDeclaration {
  const found = file.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
  if (!found) throw new Error(`${file.fileName} has no class ${name}`);
  return found;
}

/** `@Name(args)` decorators of a node, as `Name(args text)` strings. */
export function decorators(node: ts.Node): string[] {
  const file = node.getSourceFile();
  return (ts.canHaveDecorators(node) ? (ts.getDecorators(node) ?? []) : []).map((d) => d.expression.getText(file));
}

/** The class's property declarations: name → { decorators, type text, initializer text, optional }. */
export function properties(
  cls: ts.ClassDeclaration,
): Map<string, { decorators: string[]; type?: string; initializer?: string; optional: boolean }> {
  const file = cls.getSourceFile();
  const map = new Map<string, { decorators: string[]; type?: string; initializer?: string; optional: boolean }>();
  for (const member of cls.members) {
    if (!ts.isPropertyDeclaration(member)) continue;
    map.set(member.name.getText(file), {
      decorators: decorators(member),
      type: member.type?.getText(file),
      initializer: member.initializer?.getText(file),
      optional: !!member.questionToken,
    });
  }
  return map;
}

/** The class's methods: name → { decorators, parameters (text), abstract, return type }. */
export function methods(
  cls: ts.ClassDeclaration,
): Map<string, { decorators: string[]; parameters: string[]; abstract: boolean; returns?: string }> {
  const file = cls.getSourceFile();
  const map = new Map<string, { decorators: string[]; parameters: string[]; abstract: boolean; returns?: string }>();
  for (const member of cls.members) {
    if (!ts.isMethodDeclaration(member)) continue;
    map.set(member.name.getText(file), {
      decorators: decorators(member),
      parameters: member.parameters.map((p) => p.getText(file)),
      abstract: (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.AbstractKeyword),
      returns: member.type?.getText(file),
    });
  }
  return map;
}

/** The constructor's parameters as written. */
export function constructorParameters(cls: ts.ClassDeclaration): string[] {
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  return ctor ? ctor.parameters.map((p) => p.getText(cls.getSourceFile()).replace(/\s+/g, ' ')) : [];
}

/** The element texts of the `entities` array in a config's default export. */
export function configEntities(file: ts.SourceFile): string[] {
  const exported = file.statements.find(ts.isExportAssignment)!;
  const call = exported.expression as ts.CallExpression;
  const options = call.arguments[0] as ts.ObjectLiteralExpression;
  const entities = options.properties.find((p) => p.name?.getText(file) === 'entities') as ts.PropertyAssignment;
  return (entities.initializer as ts.ArrayLiteralExpression).elements.map((e) => e.getText(file));
}
