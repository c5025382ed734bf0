import { normalize, join } from '@angular-devkit/core';
import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { readJson } from './json';

/** Where one Nest app lives in the tree: its own folders and the files schematics edit. */
export interface NestProject {
  /** the monorepo project name, when there is one */
  name?: string;
  /** folder of the app (the workspace root for a standard app) */
  root: string;
  /** folder of the app's sources, `src` by default */
  sourceRoot: string;
  /** the package.json that lists the app's dependencies (the workspace's, in a monorepo) */
  packageJson: string;
  /** the bootstrap file, `<sourceRoot>/main.ts` by default */
  main: string;
  /** the tsconfig that compiles the app */
  tsconfig: string;
  /** nest-cli.json (which may not exist yet) */
  nestCli: string;
  monorepo: boolean;
  /** package.json's "name", when it has one */
  packageName?: string;
}

interface NestCliProject {
  root?: string;
  sourceRoot?: string;
  entryFile?: string;
  compilerOptions?: NestCompilerOptions;
}

interface NestCompilerOptions {
  tsConfigPath?: string;
  webpack?: boolean;
  builder?: string | { type?: string; options?: { configPath?: string } };
}

interface NestCliJson extends NestCliProject {
  monorepo?: boolean;
  projects?: Record<string, NestCliProject>;
  collection?: string;
}

export interface ProjectOptions {
  project?: string;
  sourceRoot?: string;
}

const NEST_CLI_FILES = ['nest-cli.json', '.nest-cli.json', '.nestcli.json', 'nest.json'];

export function nestCliPath(tree: Tree): string {
  return NEST_CLI_FILES.find((f) => tree.exists(f)) ?? 'nest-cli.json';
}

/**
 * Finds the app a schematic works on, from nest-cli.json and the options the Nest CLI passes
 * (`--project` in a monorepo, `sourceRoot` always). Throws, naming the fix, for an unknown project.
 */
export function resolveProject(tree: Tree, options: ProjectOptions): NestProject {
  const nestCli = nestCliPath(tree);
  const config = readJson<NestCliJson>(tree, nestCli) ?? {};
  const projects = config.projects ?? {};
  const monorepo = config.monorepo === true || Object.keys(projects).length > 0;
  let name: string | undefined;
  let project: NestCliProject = config;

  if (options.project !== undefined) {
    if (!/^[A-Za-z0-9@][\w.@/-]*$/.test(options.project)) {
      throw new SchematicsException(`Invalid project name "${options.project}": use one of the names under "projects" in ${nestCli}.`);
    }
    if (!projects[options.project]) {
      const known = Object.keys(projects);
      throw new SchematicsException(
        `Project "${options.project}" is not in ${nestCli}` +
          (known.length ? `: choose one of ${known.join(', ')}.` : ': this workspace has no "projects"; leave out --project.'),
      );
    }
    name = options.project;
    project = projects[name];
  }

  const root = clean(project.root ?? (name ? `apps/${name}` : ''));
  // The Nest CLI always passes sourceRoot; for a monorepo project it is the project's own.
  const sourceRoot = clean(
    (name ? project.sourceRoot : undefined) ?? options.sourceRoot ?? project.sourceRoot ?? join(normalize(root || '.'), 'src'),
  );
  const entryFile = project.entryFile ?? config.entryFile ?? 'main';
  const packageJson = readJson<{ name?: unknown }>(tree, 'package.json');
  const tsconfigCandidates = [
    project.compilerOptions?.tsConfigPath,
    root ? `${root}/tsconfig.app.json` : undefined,
    'tsconfig.json',
  ].filter((p): p is string => !!p);
  return {
    name,
    root,
    sourceRoot,
    packageJson: 'package.json',
    main: `${sourceRoot}/${entryFile}.ts`,
    tsconfig: clean(tsconfigCandidates.find((p) => tree.exists(p)) ?? 'tsconfig.json'),
    nestCli,
    monorepo,
    packageName: typeof packageJson?.name === 'string' && packageJson.name ? packageJson.name : undefined,
  };
}

/** A path relative to the workspace root, without leading `./` or `/` or a trailing slash. */
function clean(path: string): string {
  return (
    normalize(path)
      .replace(/^\.?\/+/, '')
      .replace(/\/+$/, '') || '.'
  );
}

/** How an app ends its relative imports: `./app.module`, `./app.module.js` or `./app.module.ts`. */
export type ImportSuffix = '' | '.js' | '.ts';

/** The relative import specifier from one file to another (`./database/database.module`). */
export function relativeImport(fromFile: string, toFile: string, suffix: ImportSuffix): string {
  const from = fromFile.split('/').slice(0, -1);
  const to = toFile.replace(/\.ts$/, '').split('/');
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  const up = from.length - common;
  const rest = to.slice(common).join('/');
  return (up === 0 ? './' : '../'.repeat(up)) + rest + suffix;
}

/** The workspace path a relative specifier names from a file: `src/main.ts` + `../x/y` → `x/y`. */
export function resolveRelative(fromFile: string, specifier: string): string {
  const parts = fromFile.split('/').slice(0, -1);
  for (const segment of specifier.split('/')) {
    if (segment === '..') parts.pop();
    else if (segment && segment !== '.') parts.push(segment);
  }
  return parts.join('/');
}

/**
 * The TypeScript files a relative import may name, in the order TypeScript tries them:
 * `./app.module.js` and `./app.module` → app.module.ts, app.module/index.ts; `./app.module.ts`
 * (allowImportingTsExtensions, rewriteRelativeImportExtensions) names app.module.ts only.
 */
export function importedSourceFiles(fromFile: string, specifier: string): string[] {
  if (specifier.endsWith('.ts')) return [resolveRelative(fromFile, specifier)];
  const base = resolveRelative(fromFile, specifier.endsWith('.js') ? specifier.slice(0, -'.js'.length) : specifier);
  return [`${base}.ts`, `${base}/index.ts`];
}

/** How `nest build` builds a project: the tsconfig it compiles with and the builder. */
export interface ProjectBuild {
  tsconfig: string;
  builder: string;
  /** webpack and rspack bundle the app into one main.js: no file of it exists on its own in the output */
  bundled: boolean;
}

/**
 * The build of a project as @nestjs/cli decides it (getValueOrDefault: the project's compilerOptions,
 * else the top-level ones, else the default): `webpack: true` wins over `builder`, whose default is
 * tsc; the tsconfig is `tsConfigPath`, else a tsc builder's configPath, else tsconfig.build.json when
 * it exists, else tsconfig.json. The CLI's runtime defaults are webpack false and builder tsc in a
 * monorepo too: what makes a converted monorepo bundle is the `"webpack": true` (older
 * @nestjs/schematics) or `"builder": "rspack"` (12) that `nest g app` writes into nest-cli.json.
 */
export function projectBuild(tree: Tree, project: NestProject): ProjectBuild {
  const config = readJson<NestCliJson>(tree, project.nestCli) ?? {};
  const own = (project.name !== undefined ? config.projects?.[project.name]?.compilerOptions : undefined) ?? {};
  const top = config.compilerOptions ?? {};
  const option = <K extends keyof NestCompilerOptions>(key: K): NestCompilerOptions[K] => (own[key] !== undefined ? own[key] : top[key]);
  const builderOption = option('builder');
  const builder =
    option('webpack') === true ? 'webpack' : ((typeof builderOption === 'string' ? builderOption : builderOption?.type) ?? 'tsc');
  const builderConfig = typeof builderOption === 'object' && builderOption.type === 'tsc' ? builderOption.options?.configPath : undefined;
  const tsconfig =
    option('tsConfigPath') ?? builderConfig ?? (tree.exists('tsconfig.build.json') ? 'tsconfig.build.json' : 'tsconfig.json');
  return { tsconfig: clean(tsconfig), builder, bundled: builder === 'webpack' || builder === 'rspack' };
}
