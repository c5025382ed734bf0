import { parse } from 'jsonc-parser';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** The files that make a folder a Nest app's root (the Nest CLI's own list for nest-cli.json). */
const NEST_CLI_FILES = ['nest-cli.json', '.nest-cli.json', '.nestcli.json', 'nest.json'];

function* parents(from: string): Generator<string> {
  for (let dir = from; ; dir = dirname(dir)) {
    yield dir;
    if (dirname(dir) === dir) return;
  }
}

/**
 * The app's root folder seen from `cwd`: the nearest folder with a nest-cli.json (so that a
 * package.json inside the app, e.g. of a library, does not win), else the nearest one with a
 * package.json. Undefined when there is neither.
 */
export function findAppRoot(cwd: string): string | undefined {
  for (const dir of parents(cwd)) {
    if (NEST_CLI_FILES.some((f) => existsSync(join(dir, f)))) return dir;
  }
  for (const dir of parents(cwd)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

export type PackageManager = 'npm' | 'yarn' | 'pnpm' | 'bun';

const LOCK_FILES: [string, PackageManager][] = [
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
];

/** The package manager the app uses: package.json "packageManager", else the nearest lock file, else npm. */
export function detectPackageManager(root: string): PackageManager {
  const declared = readJsonc<{ packageManager?: string }>(join(root, 'package.json'))?.packageManager;
  const name = declared?.split('@')[0];
  if (name === 'npm' || name === 'yarn' || name === 'pnpm' || name === 'bun') return name;
  for (const dir of parents(root)) {
    const lock = LOCK_FILES.find(([file]) => existsSync(join(dir, file)));
    if (lock) return lock[1];
  }
  return 'npm';
}

/**
 * In a Nest monorepo, the project whose root folder holds `cwd` (`apps/admin/src` → admin), so that
 * running from inside a project's folder needs no --project.
 */
export function projectOfFolder(root: string, cwd: string): string | undefined {
  const file = NEST_CLI_FILES.map((f) => join(root, f)).find((f) => existsSync(f));
  const projects = (file && readJsonc<{ projects?: Record<string, { root?: string }> }>(file)?.projects) || {};
  const here = relative(root, cwd).split(sep).join('/');
  if (!here || here.startsWith('..')) return undefined;
  let best: { name: string; depth: number } | undefined;
  for (const [name, project] of Object.entries(projects)) {
    const projectRoot = (project.root ?? '').replace(/^\.?\/+|\/+$/g, '');
    if (!projectRoot || (here !== projectRoot && !here.startsWith(`${projectRoot}/`))) continue;
    const depth = projectRoot.split('/').length;
    if (!best || depth > best.depth) best = { name, depth };
  }
  return best?.name;
}

function readJsonc<T>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  const value = parse(readFileSync(path, 'utf8'), [], { allowTrailingComma: true });
  return value && typeof value === 'object' ? (value as T) : undefined;
}
