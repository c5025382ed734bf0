import { Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import * as ts from 'typescript';
import { readJson } from './json';
import { sourceFiles } from './tree';
import { majorOf, OrmMajor } from './versions';
import { importedSourceFiles, ImportSuffix, NestProject, resolveRelative } from './workspace';

/** What generated code must follow in the app it lands in (Nest 12 is ESM + vitest). */
export interface AppProfile {
  /** the app runs as native ESM ("type": "module") */
  esm: boolean;
  /** suffix for relative imports, as the app writes its own (see importSuffix below) */
  importSuffix: ImportSuffix;
  /** suffix for a package's subpath (`supertest/types`): '.js' where Node's ESM resolution needs it, '' otherwise */
  subpathSuffix: '' | '.js';
  testRunner: 'jest' | 'vitest';
  nestMajor?: number;
  /** major of @mikro-orm/core already listed in package.json */
  ormMajor?: OrmMajor;
  /** major of the TypeScript the app compiles with (installed, else listed): 6 changed rootDir's default */
  typescriptMajor?: number;
  /** the HTTP platform the app lists: fastify when @nestjs/platform-fastify is there and express is not */
  platform: 'express' | 'fastify';
  dependencies: Record<string, string>;
  hasDependency(name: string): boolean;
}

interface PackageJson {
  type?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  jest?: unknown;
  tsconfig?: unknown;
}

interface TsConfig {
  extends?: string | string[];
  compilerOptions?: Record<string, unknown>;
  files?: unknown;
  include?: unknown;
  exclude?: unknown;
}

/** Reads the app's package.json and tsconfig. Pure apart from reading the tree. */
export function readAppProfile(tree: Tree, project: NestProject): AppProfile {
  const pkg = readJson<PackageJson>(tree, project.packageJson) ?? {};
  const dependencies = { ...pkg.devDependencies, ...pkg.dependencies };
  const module = tsModule(tree, project.tsconfig);
  const esm = pkg.type === 'module';
  const nodeResolution = /^node(16|18|20|next)$/i.test(module ?? '');
  const ormMajor = majorOf(dependencies['@mikro-orm/core']);
  const vitest = 'vitest' in dependencies && !('jest' in dependencies && pkg.jest !== undefined);
  // What Node's ESM resolver needs: the rule when the app's own imports say nothing.
  const required: '' | '.js' = esm && nodeResolution ? '.js' : esm && module === undefined ? '.js' : '';
  return {
    esm,
    importSuffix: importSuffix(tree, project, { required, esm, nodeResolution }),
    subpathSuffix: required,
    testRunner: vitest ? 'vitest' : 'jest',
    nestMajor: majorOf(dependencies['@nestjs/core']),
    ormMajor: ormMajor === 6 || ormMajor === 7 ? ormMajor : undefined,
    typescriptMajor: majorOf(
      readJson<{ version?: string }>(tree, 'node_modules/typescript/package.json')?.version ?? dependencies['typescript'],
    ),
    platform: '@nestjs/platform-fastify' in dependencies && !('@nestjs/platform-express' in dependencies) ? 'fastify' : 'express',
    dependencies,
    hasDependency: (name) => name in dependencies,
  };
}

/**
 * The suffix the app itself ends relative imports with: the most common one in main.ts and the files
 * it imports (the root module), else in all its sources; ties go to what the module setting requires,
 * then to the one seen first. A suffix the effective tsconfig rejects is passed over: `.ts` needs
 * allowImportingTsExtensions or rewriteRelativeImportExtensions (TS5097), and none at all fails in an
 * ESM app under node16/nodenext (TS2835). With no relative import anywhere, rewriteRelativeImportExtensions
 * (which exists only for `.ts` imports) says `.ts`, and otherwise the module setting decides.
 */
function importSuffix(
  tree: Tree,
  project: NestProject,
  facts: { required: '' | '.js'; esm: boolean; nodeResolution: boolean },
): ImportSuffix {
  const option = (name: string) => compilerOption(tree, project.tsconfig, name) === true;
  const rewrites = option('rewriteRelativeImportExtensions');
  const allowsTs = rewrites || option('allowImportingTsExtensions');
  const valid = (suffix: ImportSuffix) => (suffix === '.ts' ? allowsTs : suffix === '' ? !(facts.esm && facts.nodeResolution) : true);

  const main = project.main;
  const first = tree.exists(main)
    ? [main, ...relativeSpecifiers(tree, main).flatMap((s) => importedSourceFiles(main, s).find((p) => tree.exists(p)) ?? [])]
    : [];
  let seen = suffixesOf(tree, [...new Set(first)]);
  if (seen.length === 0) seen = suffixesOf(tree, sourceFiles(tree, project.sourceRoot));
  const counts = new Map<ImportSuffix, number>();
  for (const suffix of seen) counts.set(suffix, (counts.get(suffix) ?? 0) + 1);
  const ranked = [...counts.keys()].sort(
    (a, b) =>
      counts.get(b)! - counts.get(a)! || Number(b === facts.required) - Number(a === facts.required) || seen.indexOf(a) - seen.indexOf(b),
  );
  const chosen = ranked.find(valid);
  if (chosen !== undefined) return chosen;
  return rewrites && seen.length === 0 ? '.ts' : facts.required;
}

/** Extensions that name a file other than a TypeScript module (`./data.json`), which say nothing of the app's convention. */
const OTHER_EXTENSIONS = new Set([
  'json',
  'mjs',
  'cjs',
  'mts',
  'cts',
  'tsx',
  'jsx',
  'node',
  'css',
  'scss',
  'html',
  'txt',
  'md',
  'graphql',
  'gql',
  'yaml',
  'yml',
  'svg',
  'wasm',
]);

/** The suffix of every relative import of these files, in order. */
function suffixesOf(tree: Tree, files: string[]): ImportSuffix[] {
  const suffixes: ImportSuffix[] = [];
  for (const file of files) {
    for (const specifier of relativeSpecifiers(tree, file)) {
      if (specifier.endsWith('.d.ts')) continue;
      if (specifier.endsWith('.ts')) suffixes.push('.ts');
      else if (specifier.endsWith('.js')) suffixes.push('.js');
      else {
        const name = specifier.split('/').pop() ?? '';
        const dot = name.lastIndexOf('.');
        // `./app.module` has the "extension" module: Nest names files with dots, so only known file types are left out.
        if (name === '' || name === '.' || name === '..' || (dot > 0 && OTHER_EXTENSIONS.has(name.slice(dot + 1)))) continue;
        suffixes.push('');
      }
    }
  }
  return suffixes;
}

/** The `./` and `../` specifiers a file imports or re-exports from (import(), export ... from and import = require included). */
function relativeSpecifiers(tree: Tree, path: string): string[] {
  if (!tree.exists(path)) return [];
  const source = ts.createSourceFile(path, tree.readText(path), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier = node.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      specifier = node.moduleReference.expression;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
    if (specifier && ts.isStringLiteralLike(specifier) && (specifier.text.startsWith('./') || specifier.text.startsWith('../'))) {
      specifiers.push(specifier.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/**
 * A compiler option as the tsconfig sees it: its own value, else the one of the configs it extends
 * (relative paths and packages under node_modules, a list of them with the later ones winning, as in TS 5).
 */
export function compilerOption(tree: Tree, path: string, name: string): unknown {
  return tsconfigField(tree, path, (config) => config.compilerOptions?.[name])?.value;
}

/** A field of a tsconfig through its `extends` chain, with the config that sets it (relative paths in it are relative to that one). */
export function tsconfigField(
  tree: Tree,
  path: string,
  pick: (config: TsConfig) => unknown,
  seen = new Set<string>(),
): { value: unknown; from: string } | undefined {
  if (seen.has(path)) return undefined;
  seen.add(path);
  const config = readJson<TsConfig>(tree, path);
  if (!config) return undefined;
  const own = pick(config);
  if (own !== undefined) return { value: own, from: path };
  const bases = (Array.isArray(config.extends) ? config.extends : config.extends === undefined ? [] : [config.extends]).filter(
    (b): b is string => typeof b === 'string',
  );
  for (const base of bases.reverse()) {
    const resolved = resolveExtends(tree, path, base);
    const found = resolved && tsconfigField(tree, resolved, pick, seen);
    if (found) return found;
  }
  return undefined;
}

/**
 * Where an `extends` entry points, in the tree: a relative path as written, else with `.json`; a
 * package from the node_modules folders above the config, the same way, and for a bare package name
 * the file its package.json "tsconfig" field names, else its tsconfig.json.
 */
export function resolveExtends(tree: Tree, from: string, specifier: string): string | undefined {
  const candidates = (base: string) => [base, `${base}.json`];
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    return candidates(resolveRelative(from, specifier)).find((p) => tree.exists(p));
  }
  if (specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  const packageOnly = parts.length === (specifier.startsWith('@') ? 2 : 1);
  const folders = from.split('/').slice(0, -1);
  for (let depth = folders.length; depth >= 0; depth--) {
    const base = [...folders.slice(0, depth), 'node_modules', specifier].join('/');
    const file = candidates(base).find((p) => tree.exists(p));
    if (file) return file;
    if (packageOnly && tree.exists(`${base}/package.json`)) {
      const field = readJson<PackageJson>(tree, `${base}/package.json`)?.tsconfig;
      const named = typeof field === 'string' ? candidates(posix.join(base, field)).find((p) => tree.exists(p)) : undefined;
      if (named) return named;
      if (tree.exists(`${base}/tsconfig.json`)) return `${base}/tsconfig.json`;
    }
  }
  return undefined;
}

/**
 * A path-valued compiler option (outDir, rootDir), relative to the workspace root: tsconfig resolves it against the config that sets it.
 */
export function compilerPath(tree: Tree, path: string, name: string): string | undefined {
  const found = tsconfigField(tree, path, (config) => config.compilerOptions?.[name]);
  return found && typeof found.value === 'string' ? workspacePath(found.from, found.value) : undefined;
}

/**
 * A path written in a config file, relative to the workspace root (`apps/api/tsconfig.app.json` + `../../dist/apps/api` → `dist/apps/api`).
 */
function workspacePath(configFile: string, value: string): string {
  const joined = posix.normalize(posix.join(posix.dirname(configFile), value));
  return joined === '.' || joined === './' ? '' : joined.replace(/\/$/, '');
}

/**
 * Where a build puts the JavaScript of a source file, relative to the workspace root, or undefined
 * when it cannot be said (a file outside rootDir). tsc: `outDir` + the path under rootDir; no outDir:
 * next to the source. rootDir is the one set, else TypeScript's default: the tsconfig's own folder
 * since TypeScript 6 (which reports TS5011 when the sources sit elsewhere, but emits so), the common
 * folder of the input files before (an unknown version counts as current). swc (@nestjs/cli's
 * defaults): outDir (default dist) + the path under the source root when the CLI strips it (a
 * one-folder sourceRoot that rootDir, if set, ends with), else the whole path.
 */
export function compiledPath(
  tree: Tree,
  tsconfig: string,
  file: string,
  build: { builder: string; sourceRoot: string; typescriptMajor?: number },
): string | undefined {
  const js = (path: string) => (path.endsWith('.ts') ? `${path.slice(0, -'.ts'.length)}.js` : path);
  const outDir = compilerPath(tree, tsconfig, 'outDir');
  const rootDir = compilerPath(tree, tsconfig, 'rootDir');
  if (build.builder === 'swc') {
    const strip =
      !build.sourceRoot.includes('/') &&
      (rootDir === undefined || rootDir === build.sourceRoot || rootDir.endsWith(`/${build.sourceRoot}`));
    const under = strip ? posix.relative(build.sourceRoot, file) : file;
    return under.startsWith('..') ? undefined : js(posix.join(outDir ?? 'dist', under));
  }
  if (outDir === undefined) return js(file);
  const inferred =
    build.typescriptMajor !== undefined && build.typescriptMajor < 6 ? commonSourceFolder(tree, tsconfig) : posix.dirname(tsconfig);
  const under = posix.relative(rootDir ?? inferred ?? posix.dirname(file), file);
  return under.startsWith('..') ? undefined : js(posix.join(outDir, under));
}

const TS_SOURCE = ['.ts', '.tsx', '.mts', '.cts'];
const ALWAYS_SKIPPED = new Set(['node_modules', 'bower_components', 'jspm_packages']);

/**
 * The common folder of the files a tsconfig compiles (TypeScript 5's rootDir when none is set):
 * `files`, and what `include` (default everything under the config) matches outside `exclude`
 * (default node_modules and outDir), each relative to the config that sets it. Globs: `*`, `?`, `**`.
 */
export function commonSourceFolder(tree: Tree, tsconfig: string): string | undefined {
  const list = (name: 'files' | 'include' | 'exclude'): string[] | undefined => {
    const found = tsconfigField(tree, tsconfig, (config) => config[name]);
    if (!found || !Array.isArray(found.value)) return undefined;
    return found.value.filter((v): v is string => typeof v === 'string').map((p) => workspacePath(found.from, p));
  };
  const files = list('files');
  const include = list('include') ?? (files ? [] : [workspacePath(tsconfig, '**/*')]);
  const outDir = compilerPath(tree, tsconfig, 'outDir');
  const exclude =
    list('exclude') ?? [...ALWAYS_SKIPPED].map((p) => workspacePath(tsconfig, p)).concat(outDir !== undefined ? [outDir] : []);
  const excluded = (path: string) => exclude.some((pattern) => globMatches(pattern, path, true));
  const inputs = (files ?? []).filter((path) => tree.exists(path) && isSource(path));
  for (const written of include) {
    const segments = written.split('/').filter((s) => s !== '');
    const last = segments[segments.length - 1] ?? '';
    // A last segment with neither a wildcard nor an extension names a folder: everything under it.
    if (!hasWildcard(last) && !last.includes('.')) segments.push('**', '*');
    const pattern = segments.join('/');
    const firstWildcard = segments.findIndex(hasWildcard);
    const start = segments.slice(0, firstWildcard === -1 ? segments.length - 1 : firstWildcard).join('/');
    walk(tree, start, excluded, (path) => {
      if (isSource(path) && globMatches(pattern, path, false)) inputs.push(path);
    });
  }
  let common: string[] | undefined;
  for (const input of inputs) {
    const folders = input.split('/').slice(0, -1);
    let i = 0;
    while (common && i < common.length && i < folders.length && common[i] === folders[i]) i++;
    common = common ? common.slice(0, i) : folders;
  }
  return common?.join('/');
}

function hasWildcard(segment: string): boolean {
  return segment.includes('*') || segment.includes('?');
}

function isSource(path: string): boolean {
  return TS_SOURCE.some((e) => path.endsWith(e)) && !path.endsWith('.d.ts') && !path.endsWith('.d.mts') && !path.endsWith('.d.cts');
}

/** Every file under a folder of the tree, not entering excluded folders, node_modules or hidden folders. */
function walk(tree: Tree, folder: string, excluded: (path: string) => boolean, visit: (path: string) => void): void {
  const dir = tree.getDir(folder || '/');
  const join = (name: string) => (folder ? `${folder}/${name}` : name);
  for (const file of dir.subfiles) if (!excluded(join(file))) visit(join(file));
  for (const sub of dir.subdirs) {
    if (ALWAYS_SKIPPED.has(sub) || sub.startsWith('.') || excluded(join(sub))) continue;
    walk(tree, join(sub), excluded, visit);
  }
}

/**
 * Whether a tsconfig glob (`src/**\/*`, `**\/*spec.ts`, `test`) matches a path; with `orParent`, also
 * when it matches one of the path's folders (an excluded folder excludes what is under it).
 */
export function globMatches(pattern: string, path: string, orParent: boolean): boolean {
  const want = pattern.split('/').filter((s) => s !== '');
  const have = path.split('/').filter((s) => s !== '');
  const match = (p: number, h: number): boolean => {
    if (p === want.length) return h === have.length || orParent;
    if (h === have.length) return want.slice(p).every((s) => s === '**');
    if (want[p] === '**') return match(p + 1, h) || match(p, h + 1);
    return segmentMatches(want[p], have[h]) && match(p + 1, h + 1);
  };
  return match(0, 0);
}

/** `*` and `?` within one path segment. */
function segmentMatches(pattern: string, name: string): boolean {
  const match = (p: number, n: number): boolean => {
    if (p === pattern.length) return n === name.length;
    if (pattern[p] === '*') return match(p + 1, n) || (n < name.length && match(p, n + 1));
    return n < name.length && (pattern[p] === '?' || pattern[p] === name[n]) && match(p + 1, n + 1);
  };
  return match(0, 0);
}

/** `module` (else `moduleResolution`) from the tsconfig, lower-cased. */
function tsModule(tree: Tree, path: string): string | undefined {
  const value = compilerOption(tree, path, 'module') ?? compilerOption(tree, path, 'moduleResolution');
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}
