import { Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { compilerOption } from './app-profile';
import { importedSourceFiles, resolveRelative } from './workspace';

/**
 * The files an app's bootstrap file reaches through its imports: what runs when the app starts.
 * A MikroOrmModule root or a context registration counts for the app's requests only there; a test
 * helper under src/ that builds its own testing module with another forRoot is not part of the app.
 */
export interface ImportResolver {
  /** the workspace files a specifier written in `from` may name, in the order TypeScript tries them */
  (from: string, specifier: string): string[];
}

/** Relative specifiers, plus the tsconfig's `paths` aliases and `baseUrl` imports of the app. */
export function importResolver(tree: Tree, tsconfig: string): ImportResolver {
  const dir = tsconfig.includes('/') ? tsconfig.slice(0, tsconfig.lastIndexOf('/')) : '';
  const baseUrl = compilerOption(tree, tsconfig, 'baseUrl');
  const base = typeof baseUrl === 'string' ? resolveRelative(`${dir ? `${dir}/` : ''}tsconfig.json`, baseUrl) : undefined;
  const paths = compilerOption(tree, tsconfig, 'paths');
  const aliases = paths && typeof paths === 'object' ? Object.entries(paths as Record<string, unknown>) : [];
  const under = (folder: string | undefined, path: string) => (folder ? `${folder}/${path}` : path);
  return (from, specifier) => {
    if (specifier.startsWith('.')) return importedSourceFiles(from, specifier);
    const targets: string[] = [];
    for (const [pattern, replacements] of aliases) {
      if (!Array.isArray(replacements)) continue;
      const star = pattern.indexOf('*');
      const matches =
        star < 0 ? specifier === pattern : specifier.startsWith(pattern.slice(0, star)) && specifier.endsWith(pattern.slice(star + 1));
      if (!matches) continue;
      const captured = star < 0 ? '' : specifier.slice(star, specifier.length - (pattern.length - star - 1));
      for (const replacement of replacements) {
        if (typeof replacement === 'string') targets.push(under(base ?? (dir || undefined), replacement.replace('*', captured)));
      }
    }
    if (base !== undefined) targets.push(under(base || undefined, specifier));
    return targets.flatMap((target) => fileCandidates(clean(target)));
  };
}

/** The files a workspace path written in an import may name, as TypeScript tries them (`x` → x.ts, x/index.ts; `x.js` → x.ts). */
function fileCandidates(target: string): string[] {
  if (target.endsWith('.ts')) return [target];
  const base = target.endsWith('.js') ? target.slice(0, -'.js'.length) : target;
  return [`${base}.ts`, `${base}/index.ts`];
}

function clean(path: string): string {
  return path.replace(/^\.?\//, '').replace(/\/\.\//g, '/');
}

/** Every file reached from `entry` through import and export-from declarations (dynamic imports too), as workspace paths. */
export function reachableFiles(entry: string, open: (path: string) => ts.SourceFile | undefined, resolve: ImportResolver): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    const source = open(path);
    if (!source) return;
    seen.add(path);
    for (const specifier of moduleSpecifiers(source)) {
      const target = resolve(path, specifier).find((candidate) => open(candidate));
      if (target) visit(target);
    }
  };
  visit(entry);
  return seen;
}

function moduleSpecifiers(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
