import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { findNodeAtLocation, Node, parseTree } from 'jsonc-parser';
import { posix } from 'node:path';
import * as ts from 'typescript';
import { applyInsertions, Insertion, objectProperty, parseSource, propertyInsertion } from '../utils/ast';
import { addPackages } from '../utils/dependencies';
import { applyTextEdits, JSONFile, readJson } from '../utils/json';
import { detectIndent, detectSourceStyle, quoted, SourceStyle } from '../utils/source-style';
import { majorOf } from '../utils/versions';
import { InitPlan } from './plan';

/**
 * MikroORM 7 and its SQL drivers' kysely are ESM only, and jest runs a CommonJS app's specs through
 * its own CommonJS loader, which cannot `require()` them on Node 22 (jest's require(esm) needs Node
 * 24.9+ and --experimental-vm-modules). babel-jest compiles exactly those packages to CommonJS,
 * import.meta included (docs/architecture.md §4, "MikroORM 7 under jest", has the measurements behind this choice).
 * PGlite (@electric-sql/pglite, the PostgreSQL the specs of a PostgreSQL app run on) has a CommonJS
 * build, but one that loads Node's modules with `import()`, which jest refuses without
 * --experimental-vm-modules: babel turns those into `require()`.
 */
export const ESM_PACKAGES = ['@mikro-orm', 'kysely', '@electric-sql'] as const;
const ESM_GROUP = `(${ESM_PACKAGES.join('|')})`;

/** The transform key: only the ESM packages' files, so the app's own transform keeps every other file. */
export const ESM_TRANSFORM_PATTERN = `/node_modules/${ESM_GROUP}/.+\\.c?js$`;
/** Everything under node_modules stays untransformed (jest's default) but the ESM packages, with npm's and pnpm's layouts. */
export const ESM_IGNORE_PATTERN = `/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?${ESM_GROUP}/)`;
export const ESM_TRANSFORMER: [string, Record<string, unknown>] = [
  'babel-jest',
  // The app's own babel config (if any) is for its code, not for these packages.
  {
    babelrc: false,
    configFile: false,
    plugins: ['@babel/plugin-transform-dynamic-import', '@babel/plugin-transform-modules-commonjs', 'babel-plugin-transform-import-meta'],
  },
];

/** jest's own default for transformIgnorePatterns' node_modules entry: replaced by ours. */
const JEST_DEFAULT_IGNORE = '/node_modules/';
/** Files of the ESM packages, as jest tests them against transformIgnorePatterns. */
const SAMPLE_PATHS = ['/app/node_modules/@mikro-orm/core/index.js', '/app/node_modules/kysely/dist/index.js'];
/** Where jest looks for its config beside package.json when none is given. */
const DEFAULT_CONFIG_FILES = [
  'jest.config.ts',
  'jest.config.js',
  'jest.config.cjs',
  'jest.config.mts',
  'jest.config.mjs',
  'jest.config.json',
];

/** The devDependencies the transform needs, at versions that fit the app's jest (babel-jest follows jest's major). */
export function jestEsmPackages(jestRange: string | undefined): Record<string, string> {
  const jestMajor = majorOf(jestRange) ?? 30;
  return {
    '@babel/core': '^7.29.0',
    '@babel/plugin-transform-dynamic-import': '^7.27.1',
    '@babel/plugin-transform-modules-commonjs': '^7.28.6',
    'babel-jest': jestMajor >= 30 ? `^${jestMajor}.0.0` : '^29.7.0',
    // 3.x needs Babel 8, which babel-jest does not load yet.
    'babel-plugin-transform-import-meta': '^2.3.3',
  };
}

type Outcome = { kind: 'edited' | 'ready' | 'esm' } | { kind: 'manual'; why: string };

/**
 * In a CommonJS app tested with jest, on MikroORM 7: lets each of the app's jest configs (package.json
 * "jest", the configs its scripts pass with --config, jest.config.* beside package.json) transform the
 * ESM packages, and adds the devDependencies that takes. A config it cannot follow is left as it is,
 * and the lines to add are printed.
 */
export function configureJestForEsm(plan: InitPlan): Rule {
  return (tree, context) => {
    if (plan.orm.major !== 7 || plan.profile.esm || plan.profile.testRunner !== 'jest') return;
    const configs = jestConfigs(tree, plan.project.packageJson);
    if (configs.length === 0) return;
    for (const config of configs) {
      const outcome =
        config.path.endsWith('.json') || config.inPackageJson ? editJsonConfig(tree, config) : editCodeConfig(tree, config.path);
      if (outcome.kind === 'edited')
        context.logger.info(`${config.label}: jest compiles ${ESM_PACKAGES.join(', ')} (ESM only) to CommonJS with babel-jest.`);
      if (outcome.kind === 'manual') printManualLines(context, config.label, outcome.why);
    }
    return addPackages(
      plan.project.packageJson,
      { devDependencies: jestEsmPackages(plan.profile.dependencies['jest']) },
      plan.options.skipInstall,
    );
  };
}

interface JestConfig {
  path: string;
  /** the "jest" key of this package.json, rather than the whole file */
  inPackageJson: boolean;
  label: string;
}

function jestConfigs(tree: Tree, packageJsonPath: string): JestConfig[] {
  const pkg = readJson<{ jest?: unknown; scripts?: Record<string, unknown> }>(tree, packageJsonPath) ?? {};
  const folder = posix.dirname(packageJsonPath);
  const configs: JestConfig[] = [];
  if (pkg.jest !== undefined && typeof pkg.jest === 'object' && pkg.jest !== null) {
    configs.push({ path: packageJsonPath, inPackageJson: true, label: `${packageJsonPath} "jest"` });
  }
  const named = Object.values(pkg.scripts ?? {}).flatMap((script) => (typeof script === 'string' ? configArguments(script) : []));
  const files = [...named, ...DEFAULT_CONFIG_FILES].map((file) => posix.normalize(posix.join(folder, file)));
  for (const path of new Set(files)) {
    if (tree.exists(path)) configs.push({ path, inPackageJson: false, label: path });
  }
  return configs;
}

/** The `--config <file>` / `-c <file>` / `--config=<file>` arguments of a script's jest commands. */
function configArguments(script: string): string[] {
  const found: string[] = [];
  for (const command of script.split(/&&|\|\||;/)) {
    const words = command
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/^['"]|['"]$/g, ''));
    if (!words.some((w) => w === 'jest' || w.endsWith('/jest') || w.endsWith('/jest.js'))) continue;
    words.forEach((word, i) => {
      if ((word === '--config' || word === '-c') && words[i + 1]) found.push(words[i + 1]);
      else if (word.startsWith('--config=')) found.push(word.slice('--config='.length));
    });
  }
  return found.filter((file) => !file.startsWith('{'));
}

/** Whether jest would leave the ESM packages untransformed with these ignore patterns. */
function ignoresEsmPackages(patterns: string[]): boolean {
  return patterns.some((pattern) => {
    try {
      const regex = new RegExp(pattern.replace(/<rootDir>/g, '/app'));
      return SAMPLE_PATHS.some((path) => regex.test(path));
    } catch {
      return true;
    }
  });
}

// ---- JSON configs (package.json "jest", test/jest-e2e.json) through jsonc-parser ----

function editJsonConfig(tree: Tree, config: JestConfig): Outcome {
  const base = config.inPackageJson ? ['jest'] : [];
  const json = new JSONFile(tree, config.path);
  const value = json.get(base);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'manual', why: 'it is not an object' };
  const options = value as Record<string, unknown>;
  if (Array.isArray(options['extensionsToTreatAsEsm']) && options['extensionsToTreatAsEsm'].length > 0) return { kind: 'esm' };
  const transform = options['transform'];
  if (typeof transform !== 'object' || transform === null || Array.isArray(transform)) {
    return {
      kind: 'manual',
      why: transform === undefined ? 'it has no "transform" to put the ESM packages first in' : '"transform" is not an object',
    };
  }
  const ignore = options['transformIgnorePatterns'];
  if (ignore !== undefined && !(Array.isArray(ignore) && ignore.every((p): p is string => typeof p === 'string'))) {
    return { kind: 'manual', why: '"transformIgnorePatterns" is not a list of patterns' };
  }
  const patterns = (ignore as string[] | undefined) ?? [];
  const defaultAt = patterns.indexOf(JEST_DEFAULT_IGNORE);
  const blocking = patterns.filter((p, i) => i !== defaultAt && ignoresEsmPackages([p]));
  if (blocking.length > 0)
    return { kind: 'manual', why: `its transformIgnorePatterns ${JSON.stringify(blocking)} leave the ESM packages untransformed` };

  let edited = false;
  if (!(ESM_TRANSFORM_PATTERN in transform)) {
    const text = tree.readText(config.path);
    tree.overwrite(
      config.path,
      applyTextEdits(text, [firstPropertyEdit(text, [...base, 'transform'], ESM_TRANSFORM_PATTERN, ESM_TRANSFORMER)]),
    );
    edited = true;
  }
  const after = new JSONFile(tree, config.path);
  if (ignore === undefined) after.modify([...base, 'transformIgnorePatterns'], [ESM_IGNORE_PATTERN]);
  else if (defaultAt !== -1) after.modify([...base, 'transformIgnorePatterns', defaultAt], ESM_IGNORE_PATTERN);
  edited ||= ignore === undefined || defaultAt !== -1;
  return { kind: edited ? 'edited' : 'ready' };
}

/**
 * A property put first in an existing non-empty object (jest tries transforms in order, and the app's
 * catch-all `^.+\\.(t|j)s$` must not take the ESM packages' files), on a line of its own when the
 * object has one property a line, with the file's indentation unit.
 */
function firstPropertyEdit(text: string, path: string[], key: string, value: unknown): { offset: number; length: number; content: string } {
  const object = findNodeAtLocation(parseTree(text) as Node, path) as Node;
  const first = object.children?.[0];
  if (!first) {
    return { offset: object.offset + 1, length: 0, content: ` ${JSON.stringify(key)}: ${JSON.stringify(value)} ` };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lineStart = text.lastIndexOf('\n', first.offset - 1) + 1;
  const multiline = text.slice(object.offset, first.offset).includes('\n');
  if (!multiline) return { offset: first.offset, length: 0, content: `${JSON.stringify(key)}: ${JSON.stringify(value)}, ` };
  const indent = text.slice(lineStart, first.offset);
  const rendered = JSON.stringify(value, null, detectIndent(text)).split('\n').join(`${eol}${indent}`);
  return { offset: first.offset, length: 0, content: `${JSON.stringify(key)}: ${rendered},${eol}${indent}` };
}

// ---- jest.config.ts / .js through the TypeScript AST ----

function editCodeConfig(tree: Tree, path: string): Outcome {
  const source = parseSource(tree, path);
  const object = exportedObject(source);
  if (!object) return { kind: 'manual', why: 'its exported config is not an object literal init can follow' };
  const style = detectSourceStyle(source);
  const esm = objectProperty(object, 'extensionsToTreatAsEsm');
  if (esm && ts.isArrayLiteralExpression(esm.initializer) && esm.initializer.elements.length > 0) return { kind: 'esm' };
  const transform = objectProperty(object, 'transform');
  if (!transform || !ts.isObjectLiteralExpression(transform.initializer)) {
    return {
      kind: 'manual',
      why: transform ? '"transform" is not an object literal' : 'it has no "transform" to put the ESM packages first in',
    };
  }
  const ignore = objectProperty(object, 'transformIgnorePatterns');
  if (ignore && !(ts.isArrayLiteralExpression(ignore.initializer) && ignore.initializer.elements.every(ts.isStringLiteralLike))) {
    return { kind: 'manual', why: '"transformIgnorePatterns" is not a list of string literals' };
  }
  const elements = ignore ? (ignore.initializer as ts.ArrayLiteralExpression).elements.map((e) => e as ts.StringLiteralLike) : [];
  const defaultEntry = elements.find((e) => e.text === JEST_DEFAULT_IGNORE);
  const blocking = elements.filter((e) => e !== defaultEntry && ignoresEsmPackages([e.text]));
  if (blocking.length > 0)
    return {
      kind: 'manual',
      why: `its transformIgnorePatterns ${blocking.map((e) => e.getText(source)).join(', ')} leave the ESM packages untransformed`,
    };

  const insertions: Insertion[] = [];
  const keyed = transform.initializer.properties.some(
    (p) => p.name && (ts.isStringLiteralLike(p.name) || ts.isIdentifier(p.name)) && p.name.text === ESM_TRANSFORM_PATTERN,
  );
  if (!keyed) {
    insertions.push(
      propertyInsertion(
        source,
        style,
        transform.initializer,
        `${quoted(escaped(ESM_TRANSFORM_PATTERN), style)}: ${code(ESM_TRANSFORMER, style)}`,
        'first',
      ),
    );
  }
  const pattern = quoted(escaped(ESM_IGNORE_PATTERN), style);
  if (!ignore) insertions.push(propertyInsertion(source, style, object, `transformIgnorePatterns: [${pattern}]`));
  else if (defaultEntry) insertions.push({ pos: defaultEntry.getStart(source), length: defaultEntry.getWidth(source), text: pattern });
  applyInsertions(tree, path, insertions);
  return { kind: insertions.length > 0 ? 'edited' : 'ready' };
}

/**
 * The object literal a config file exports: `export default {…}`, `module.exports = {…}`, or a top-level `const config = {…}` either
 * exports.
 */
function exportedObject(source: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  let exported: ts.Expression | undefined;
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement)) exported = statement.expression;
    else if (
      ts.isExpressionStatement(statement) &&
      ts.isBinaryExpression(statement.expression) &&
      statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      statement.expression.left.getText(source) === 'module.exports'
    ) {
      exported = statement.expression.right;
    }
  }
  const unwrap = (node: ts.Expression | undefined): ts.Expression | undefined =>
    node && (ts.isSatisfiesExpression(node) || ts.isAsExpression(node) || ts.isParenthesizedExpression(node))
      ? unwrap(node.expression)
      : node;
  exported = unwrap(exported);
  if (exported && ts.isIdentifier(exported)) {
    const name = exported.text;
    const declaration = source.statements
      .filter(ts.isVariableStatement)
      .flatMap((s) => [...s.declarationList.declarations])
      .find((d) => ts.isIdentifier(d.name) && d.name.text === name);
    exported = unwrap(declaration?.initializer);
  }
  return exported && ts.isObjectLiteralExpression(exported) ? exported : undefined;
}

/** A regular expression's source as the content of a JavaScript string literal. */
function escaped(pattern: string): string {
  return pattern.replace(/\\/g, '\\\\');
}

/** A JSON-like value as a TypeScript expression in the file's quote style. */
function code(value: unknown, style: SourceStyle): string {
  if (typeof value === 'string') return quoted(escaped(value), style);
  if (Array.isArray(value)) return `[${value.map((v) => code(v, style)).join(', ')}]`;
  if (typeof value === 'object' && value !== null)
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${code(v, style)}`)
      .join(', ')} }`;
  return String(value);
}

// ---- what to add by hand ----

function printManualLines(context: SchematicContext, label: string, why: string): void {
  context.logger.warn(
    [
      `${label}: left as it is (${why}). MikroORM 7 is ESM only: for jest to load it in this CommonJS app, add to this config`,
      `  "transform": { ${JSON.stringify(ESM_TRANSFORM_PATTERN)}: ${JSON.stringify(ESM_TRANSFORMER)}, ...the transforms it has, after this one },`,
      `  "transformIgnorePatterns": [${JSON.stringify(ESM_IGNORE_PATTERN)}]`,
      `and keep every other ignore pattern from matching node_modules/@mikro-orm, node_modules/kysely or node_modules/@electric-sql.`,
    ].join('\n'),
  );
}
