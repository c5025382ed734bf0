import { SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import {
  applyInsertions,
  arrayElementInsertion,
  importInsertion,
  Insertion,
  isMethodCall,
  lineIndent,
  objectProperty,
  parseSource,
} from '../utils/ast';
import { findModuleClass, moduleArrayInsertions } from '../utils/module';
import { detectSourceStyle } from '../utils/source-style';

export type ModuleProperty = 'imports' | 'controllers' | 'providers' | 'exports';

/** One thing a feature module must declare, and how to recognise that it already does. */
export interface ModuleEntry {
  property: ModuleProperty;
  /** the element's text: `UsersService`, `{ provide: UsersRepository, useClass: UsersRepositoryMikroORM }` */
  element: string;
  /** the identifier that makes an existing element count as this one (`provide: X` or the element itself) */
  key: string;
  imports: { names: string[]; from: string }[];
}

/** The feature module: its file, class, the entity its forFeature lists, and its entries. */
export interface FeatureModule {
  path: string;
  className: string;
  exists: boolean;
  entity: { token: string; from: string };
  entries: ModuleEntry[];
}

/** Throws, before any edit, when an existing module file cannot be updated. */
export function checkFeatureModule(tree: Tree, module: FeatureModule): void {
  if (!module.exists) return;
  const found = findModuleClass(parseSource(tree, module.path), module.className) ?? findModuleClass(parseSource(tree, module.path));
  if (!found) {
    throw new SchematicsException(`${module.path} has no @Module() class: fix or remove it, then run again. Nothing was changed.`);
  }
  if (!found.metadata) {
    throw new SchematicsException(
      `${module.path}: @Module() of ${found.name} has no object literal this schematic can add to: write @Module({}), then run again. Nothing was changed.`,
    );
  }
}

/** The new module file's import lines and arrays, for the module template. */
export function moduleFileParts(module: FeatureModule): { fileImports: string[]; parts: Record<ModuleProperty, string[]> } {
  const parts: Record<ModuleProperty, string[]> = {
    imports: [`MikroOrmModule.forFeature([${module.entity.token}])`],
    controllers: [],
    providers: [],
    exports: [],
  };
  const byModule = new Map<string, string[]>([
    ['@mikro-orm/nestjs', ['MikroOrmModule']],
    ['@nestjs/common', ['Module']],
    [module.entity.from, [module.entity.token]],
  ]);
  for (const entry of module.entries) {
    parts[entry.property].push(entry.element);
    for (const { names, from } of entry.imports) byModule.set(from, [...(byModule.get(from) ?? []), ...names]);
  }
  const order = [...byModule.keys()].sort(
    (a, b) => Number(a.startsWith('.')) - Number(b.startsWith('.')) || (a.startsWith('.') ? (a < b ? -1 : a > b ? 1 : 0) : 0),
  );
  const fileImports = order.map((from) => `import { ${[...new Set(byModule.get(from))].sort().join(', ')} } from '${from}';`);
  return { fileImports, parts };
}

/**
 * Adds what is missing to an existing module, one edit at a time on the current text: the entity in
 * the module's `MikroOrmModule.forFeature([...])` (a second forFeature is never added), then each entry.
 */
export function updateFeatureModule(tree: Tree, module: FeatureModule): void {
  applyInsertions(tree, module.path, forFeatureInsertions(tree, module));
  for (const entry of module.entries) {
    const source = parseSource(tree, module.path);
    const style = detectSourceStyle(source);
    const found = findModuleClass(source, module.className) ?? findModuleClass(source)!;
    if (hasEntry(source, found.metadata!, entry)) continue;
    const missing = !objectProperty(found.metadata!, entry.property);
    const previous = ORDER.slice(0, ORDER.indexOf(entry.property))
      .reverse()
      .map((name) => found.metadata!.properties.find((p) => p.name?.getText(source) === name))
      .find((p): p is ts.ObjectLiteralElementLike => !!p);
    if (missing && previous) {
      // A new array goes where Nest's own modules put it: imports, controllers, providers, exports.
      const multiline = source.text.slice(found.metadata!.getStart(source), previous.getStart(source)).includes('\n');
      const text = `${entry.property}: [${entry.element}]`;
      const insertion = { pos: previous.getEnd(), text: multiline ? `,${style.eol}${lineIndent(source, previous)}${text}` : `, ${text}` };
      const imports = entry.imports.map((i) => importInsertion(source, style, i.names, i.from)).filter((i): i is Insertion => !!i);
      applyInsertions(tree, module.path, [insertion, ...imports]);
      continue;
    }
    applyInsertions(tree, module.path, moduleArrayInsertions(source, style, found, entry.property, entry.element, entry.imports));
  }
}

const ORDER: ModuleProperty[] = ['imports', 'controllers', 'providers', 'exports'];

function forFeatureInsertions(tree: Tree, module: FeatureModule): Insertion[] {
  const source = parseSource(tree, module.path);
  const style = detectSourceStyle(source);
  const found = findModuleClass(source, module.className) ?? findModuleClass(source)!;
  const imports = objectProperty(found.metadata!, 'imports')?.initializer;
  const call =
    imports && ts.isArrayLiteralExpression(imports)
      ? imports.elements.find((e): e is ts.CallExpression => isMethodCall(e, 'MikroOrmModule', ['forFeature']))
      : undefined;
  const entityImport = importInsertion(source, style, [module.entity.token], module.entity.from);
  if (call) {
    const [first] = call.arguments;
    const list =
      first && ts.isArrayLiteralExpression(first)
        ? first
        : first && ts.isObjectLiteralExpression(first)
          ? (objectProperty(first, 'entities')?.initializer as ts.Expression | undefined)
          : undefined;
    if (!list || !ts.isArrayLiteralExpression(list)) {
      throw new SchematicsException(
        `${module.path}: MikroOrmModule.forFeature(...) does not take an array literal: add ${module.entity.token} to it yourself.`,
      );
    }
    if (list.elements.some((e) => e.getText(source) === module.entity.token)) return [];
    return [arrayElementInsertion(source, style, list, module.entity.token), entityImport].filter((i): i is Insertion => !!i);
  }
  return moduleArrayInsertions(source, style, found, 'imports', `MikroOrmModule.forFeature([${module.entity.token}])`, [
    { names: ['MikroOrmModule'], from: '@mikro-orm/nestjs' },
    { names: [module.entity.token], from: module.entity.from },
  ]);
}

/** Whether the array already holds the entry: the same identifier, or a provider object with `provide: <key>`. */
function hasEntry(source: ts.SourceFile, metadata: ts.ObjectLiteralExpression, entry: ModuleEntry): boolean {
  const array = objectProperty(metadata, entry.property)?.initializer;
  if (!array || !ts.isArrayLiteralExpression(array)) return false;
  return array.elements.some((e) => {
    if (e.getText(source) === entry.element || (ts.isIdentifier(e) && e.text === entry.key)) return true;
    if (ts.isObjectLiteralExpression(e)) {
      const provide = objectProperty(e, 'provide')?.initializer;
      return !!provide && provide.getText(source) === entry.key;
    }
    return false;
  });
}

/**
 * The module a new feature module is imported into, as `nest g module` does: the nearest
 * `*.module.ts` with a @Module() class in the feature's parent folders, up to the source root.
 */
export function findParentModule(
  tree: Tree,
  featureModulePath: string,
  sourceRoot: string,
): { path: string; className: string } | undefined {
  const own = featureModulePath.split('/');
  let dir = own.slice(0, -1);
  const root = sourceRoot.split('/');
  // Start above the feature's own folder, unless the feature module sits right in the source root.
  if (dir.length > root.length) dir = dir.slice(0, -1);
  for (; dir.length >= root.length; dir = dir.slice(0, -1)) {
    const folder = dir.join('/');
    const candidates = tree
      .getDir(folder)
      .subfiles.filter((f) => f.endsWith('.module.ts'))
      .map((f) => `${folder}/${f}`)
      .filter((p) => p !== featureModulePath)
      .sort((a, b) => Number(!a.endsWith('/app.module.ts')) - Number(!b.endsWith('/app.module.ts')) || a.localeCompare(b));
    for (const path of candidates) {
      const found = findModuleClass(parseSource(tree, path));
      if (found?.metadata) return { path, className: found.name };
    }
  }
  return undefined;
}

/** Lists the feature module in the parent module's imports. */
export function importIntoParent(tree: Tree, parent: { path: string; className: string }, moduleClass: string, from: string): void {
  const source = parseSource(tree, parent.path);
  const found = findModuleClass(source, parent.className);
  if (!found || hasEntry(source, found.metadata!, { property: 'imports', element: moduleClass, key: moduleClass, imports: [] })) return;
  applyInsertions(
    tree,
    parent.path,
    moduleArrayInsertions(source, detectSourceStyle(source), found, 'imports', moduleClass, [{ names: [moduleClass], from }]),
  );
}
