import { Tree } from '@angular-devkit/schematics';
import { readJson } from './json';
import { majorOf, OrmMajor } from './versions';
import { NestProject, resolveRelative } from './workspace';

/** What generated code must follow in the app it lands in (DESIGN.md §2: Nest 12 is ESM + vitest). */
export interface AppProfile {
  /** the app runs as native ESM ("type": "module") */
  esm: boolean;
  /** suffix for relative imports: '.js' under node16/nodenext resolution in ESM apps, '' otherwise */
  importSuffix: '' | '.js';
  testRunner: 'jest' | 'vitest';
  nestMajor?: number;
  /** major of @mikro-orm/core already listed in package.json */
  ormMajor?: OrmMajor;
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
}

interface TsConfig {
  extends?: string;
  compilerOptions?: Record<string, unknown>;
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
  return {
    esm,
    importSuffix: esm && nodeResolution ? '.js' : esm && module === undefined ? '.js' : '',
    testRunner: vitest ? 'vitest' : 'jest',
    nestMajor: majorOf(dependencies['@nestjs/core']),
    ormMajor: ormMajor === 6 || ormMajor === 7 ? ormMajor : undefined,
    platform: '@nestjs/platform-fastify' in dependencies && !('@nestjs/platform-express' in dependencies) ? 'fastify' : 'express',
    dependencies,
    hasDependency: (name) => name in dependencies,
  };
}

/** A compiler option as the tsconfig sees it: its own value, else the one of the config it extends (inside the tree). */
export function compilerOption(tree: Tree, path: string, name: string, seen = new Set<string>()): unknown {
  if (seen.has(path)) return undefined;
  seen.add(path);
  const config = readJson<TsConfig>(tree, path);
  if (!config) return undefined;
  const own = config.compilerOptions?.[name];
  if (own !== undefined) return own;
  if (config.extends && config.extends.startsWith('.')) {
    const base = resolveRelative(path, config.extends);
    return compilerOption(tree, base.endsWith('.json') ? base : `${base}.json`, name, seen);
  }
  return undefined;
}

/** `module` (else `moduleResolution`) from the tsconfig, lower-cased. */
function tsModule(tree: Tree, path: string): string | undefined {
  const value = compilerOption(tree, path, 'module') ?? compilerOption(tree, path, 'moduleResolution');
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}
