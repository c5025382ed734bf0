import { Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { arrayElementInsertion, importInsertion, Insertion, objectProperty, parseSource, propertyInsertion } from './ast';
import { ormRootOptions } from './bootstrap';
import { findOrmRootCalls } from './orm-options';
import { readJson } from './json';
import { detectSourceStyle } from './source-style';
import { sourceFiles } from './tree';
import { NestProject } from './workspace';

/** How the app tells MikroORM about its entities. */
export type EntityDiscovery =
  /** an `entities: [...]` list of classes, in `path` */
  | { kind: 'list'; path: string }
  /** options without `entities` yet: the list is added there */
  | { kind: 'none'; path: string }
  /** globs (`entities: ['dist/**\/*.entity.js']`) or `autoLoadEntities: true`: new entities are found without an edit */
  | { kind: 'automatic'; path: string; how: string }
  /** no config the schematic can edit */
  | { kind: 'unknown' };

/**
 * Where the app's MikroORM options live: the config file (`mikro-orm.config.ts`, or the package.json
 * "mikro-orm".configPaths entry), else the options of a `MikroOrmModule.forRoot` call.
 */
export function findEntityDiscovery(tree: Tree, project: NestProject): EntityDiscovery {
  const candidates = configCandidates(tree, project);
  for (const path of [...candidates, ...sourceFiles(tree, project.sourceRoot).filter((p) => !candidates.includes(p))]) {
    const options = optionsObjects(tree, path, candidates.includes(path));
    for (const object of options) {
      const discovery = discoveryOf(object, path);
      if (discovery) return discovery;
    }
  }
  return { kind: 'unknown' };
}

function configCandidates(tree: Tree, project: NestProject): string[] {
  const pkg = readJson<{ 'mikro-orm'?: { configPaths?: string[] } }>(tree, project.packageJson);
  const listed = (pkg?.['mikro-orm']?.configPaths ?? []).map((p) => p.replace(/^\.\//, '')).filter((p) => p.endsWith('.ts'));
  return [...listed, `${project.sourceRoot}/mikro-orm.config.ts`, 'mikro-orm.config.ts'].filter(
    (p, i, all) => all.indexOf(p) === i && tree.exists(p),
  );
}

/** The option objects of a file: its default-exported config, or the options of its forRoot calls. */
function optionsObjects(tree: Tree, path: string, isConfig: boolean): ts.ObjectLiteralExpression[] {
  if (!isConfig && !tree.readText(path).includes('MikroOrmModule')) return [];
  const source = parseSource(tree, path);
  if (!isConfig) {
    return findOrmRootCalls(source)
      .map((call) => ormRootOptions(call) ?? configObject(source, call.arguments[0]))
      .filter((o): o is ts.ObjectLiteralExpression => !!o)
      .flatMap((o) => [...spreadObjects(o), o]);
  }
  const exported = source.statements.find(ts.isExportAssignment)?.expression;
  const object = configObject(source, exported);
  return object ? [object] : [];
}

/** Object literals spread into options, `{ ...defineConfig({ entities: [] }), ... }`: they may hold the entities. */
function spreadObjects(object: ts.ObjectLiteralExpression): ts.ObjectLiteralExpression[] {
  return object.properties.filter(ts.isSpreadAssignment).flatMap((spread) => {
    let inner: ts.Expression = spread.expression;
    if (ts.isCallExpression(inner) && inner.arguments[0]) inner = inner.arguments[0];
    return ts.isObjectLiteralExpression(inner) ? [...spreadObjects(inner), inner] : [];
  });
}

/** `defineConfig({...})`, `{...}`, `{...} satisfies Options` or a variable holding one of them. */
function configObject(source: ts.SourceFile, node: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  while (node && (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node))) node = node.expression;
  if (!node) return undefined;
  if (ts.isObjectLiteralExpression(node)) return node;
  if (ts.isCallExpression(node)) return configObject(source, node.arguments[0]);
  if (ts.isIdentifier(node)) {
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const declaration = statement.declarationList.declarations.find((d) => ts.isIdentifier(d.name) && d.name.text === node.text);
      if (declaration) return configObject(source, declaration.initializer);
    }
  }
  return undefined;
}

function discoveryOf(object: ts.ObjectLiteralExpression, path: string): EntityDiscovery | undefined {
  if (objectProperty(object, 'autoLoadEntities')?.initializer.kind === ts.SyntaxKind.TrueKeyword) {
    return { kind: 'automatic', path, how: 'autoLoadEntities: true' };
  }
  const entities = objectProperty(object, 'entities')?.initializer;
  if (entities && ts.isArrayLiteralExpression(entities)) {
    if (entities.elements.some((e) => ts.isStringLiteralLike(e))) return { kind: 'automatic', path, how: 'entity globs' };
    return { kind: 'list', path };
  }
  if (entities) return undefined;
  if (objectProperty(object, 'entitiesTs')) return { kind: 'automatic', path, how: 'entitiesTs globs' };
  // `{ ...config }` without its own entities: the spread config holds them.
  if (object.properties.some(ts.isSpreadAssignment)) return undefined;
  return { kind: 'none', path };
}

/**
 * The insertions that list `token` (imported from `from`) in the entities of the options in
 * `path`. Empty when it is already there. Recomputed from the file's current text.
 */
export function entityRegistrationInsertions(tree: Tree, path: string, isConfig: boolean, token: string, from: string): Insertion[] {
  const source = parseSource(tree, path);
  const style = detectSourceStyle(source);
  for (const object of optionsObjects(tree, path, isConfig)) {
    const entities = objectProperty(object, 'entities')?.initializer;
    if (entities && ts.isArrayLiteralExpression(entities)) {
      if (entities.elements.some((e) => e.getText(source) === token)) return [];
      return [arrayElementInsertion(source, style, entities, token), importInsertion(source, style, [token], from)].filter(
        (i): i is Insertion => !!i,
      );
    }
    if (!entities && !object.properties.some(ts.isSpreadAssignment)) {
      return [propertyInsertion(source, style, object, `entities: [${token}]`), importInsertion(source, style, [token], from)].filter(
        (i): i is Insertion => !!i,
      );
    }
  }
  return [];
}

/** The app's MikroORM config file with a default export (what the generated specs import), if there is one. */
export function configFile(tree: Tree, project: NestProject): string | undefined {
  return configCandidates(tree, project).find((path) => parseSource(tree, path).statements.some(ts.isExportAssignment));
}

/** Whether `path` is one of the app's config files (rather than a module with forRoot). */
export function isConfigFile(tree: Tree, project: NestProject, path: string): boolean {
  return configCandidates(tree, project).includes(path);
}
