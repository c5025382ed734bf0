// P1, generation latency. (1) Wall time of real `nest g` runs in an app where the package is
// installed (node_modules/mikro-request-context → the project, the Nest CLI in the app's
// node_modules), ours against @nestjs/schematics' `service`, interleaved A B A B. (2) The in-process
// time of `init` and `repository` on apps with many feature modules, to show how it grows.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { COLLECTION, ROOT, tempFolder as newTempFolder } from '../paths.ts';
import { runInFolder, type SchematicOptions } from '../schematics.ts';
import { trackFolder } from '../proof/processes.ts';
import { listFiles } from '../files.ts';
import { growth, median, summarize, pairedRatios, ratio, type Growth, type Summary } from './stats.ts';

const NEST_CLI = join(ROOT, 'node_modules', '@nestjs', 'cli');
/** Node keeps the links as they are, as in an app where the package is installed (see test/nest-cli.spec.ts). */
const PRESERVE = ['--preserve-symlinks', '--preserve-symlinks-main'];

/** A new folder under .tmp/, removed by the harness's cleanup(). */
function tempFolder(prefix: string): string {
  return trackFolder(newTempFolder(prefix));
}

/** A copy of a fixture app under .tmp/ with the package and the Nest CLI linked into its node_modules. */
export function installedApp(fixture: string, prefix: string): string {
  const dir = tempFolder(prefix);
  cpSync(join(ROOT, 'test', 'fixtures', fixture), dir, { recursive: true, filter: (p) => !/[\\/](node_modules|dist)$/.test(p) });
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@nestjs'), { recursive: true });
  symlinkSync(relative(modules, ROOT), join(modules, 'mikro-request-context'), 'dir');
  symlinkSync(relative(join(modules, '@nestjs'), NEST_CLI), join(modules, '@nestjs', 'cli'), 'dir');
  return dir;
}

/** Every file of a folder (no node_modules) with its size and mtime, to prove that a dry run wrote nothing. */
export function fingerprint(dir: string): string {
  return listFiles(dir, (name) => name === 'node_modules')
    .map((path) => {
      const s = statSync(join(dir, path));
      return `${path}:${s.size}:${s.mtimeMs}`;
    })
    .sort()
    .join('\n');
}

/**
 * One `nest …` run in the app, as a user types it (no terminal, so no prompts). `nest g` exits 0 even
 * when the schematic fails, so the output is checked: every expected CREATE/UPDATE line and the
 * dry-run notice must be there, or the run's time would measure a failure.
 * @returns wall time in ms
 */
function timedNest(dir: string, args: string[], expected: string[]): Promise<number> {
  const cli = join(dir, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(
      process.execPath,
      [...PRESERVE, cli, ...args],
      { cwd: dir, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' }, maxBuffer: 16 << 20, timeout: 60_000 },
      (error, stdout, stderr) => {
        const elapsed = performance.now() - started;
        // Colour codes (ESC [ … m) that a CLI prints despite NO_COLOR.
        // eslint-disable-next-line no-control-regex
        const output = `${stdout}${stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
        const missing = [...expected, 'Dry run enabled. No files written to disk.'].filter((line) => !output.includes(line));
        if (error || missing.length > 0) {
          reject(
            new Error(
              `nest ${args.join(' ')} in ${dir} did not do what it should (missing: ${missing.join(', ') || 'none'}):\n${error?.message ?? ''}\n${output}`,
            ),
          );
        } else resolve(elapsed);
      },
    );
  });
}

export interface CliPair {
  label: string;
  /** what the app is */
  app: string;
  ours: { command: string; times: number[] };
  theirs: { command: string; times: number[] };
  /** median(ours) / median(theirs) */
  ratio: number;
  /** per pair (A_i / B_i) */
  pairRatios: number[];
}

/**
 * Runs A and B alternately (A B A B …, after one discarded run of each to fill the file cache),
 * checks that the app is unchanged, and returns the times.
 */
async function comparePair({
  label,
  app,
  dir,
  ours,
  theirs,
  runs,
  log,
}: {
  label: string;
  app: string;
  dir: string;
  ours: { args: string[]; expected: string[] };
  theirs: { args: string[]; expected: string[] };
  runs: number;
  log: (line: string) => void;
}): Promise<CliPair> {
  const before = fingerprint(dir);
  await timedNest(dir, ours.args, ours.expected);
  await timedNest(dir, theirs.args, theirs.expected);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await timedNest(dir, ours.args, ours.expected));
    b.push(await timedNest(dir, theirs.args, theirs.expected));
    log(`  ${label} ${i + 1}/${runs}: ${a[i].toFixed(0)} ms vs ${b[i].toFixed(0)} ms`);
  }
  if (fingerprint(dir) !== before) throw new Error(`A --dry-run changed files in ${dir}.`);
  return {
    label,
    app,
    ours: { command: `nest ${ours.args.join(' ')}`, times: a },
    theirs: { command: `nest ${theirs.args.join(' ')}`, times: b },
    ratio: ratio(median(a), median(b)),
    pairRatios: pairedRatios(a, b),
  };
}

/**
 * P1 with the real Nest CLI 12: `repository` against `service` in an app after init, and `init`
 * against `service` in a fresh `nest new` app.
 */
export async function cliLatency({ runs, log }: { runs: number; log: (line: string) => void }): Promise<CliPair[]> {
  const fresh = installedApp('nest12', 'bench-cli-fresh');
  const initialized = installedApp('nest12', 'bench-cli-init');
  // The app after `nest g -c mikro-request-context init`: our collection is its default one.
  await runInFolder(initialized, 'init', { skipInstall: true });
  const pairs: CliPair[] = [];
  pairs.push(
    await comparePair({
      label: 'repository vs service',
      app: 'nest12 fixture after init (mikro-request-context is the default collection)',
      dir: initialized,
      ours: {
        args: ['g', '-c', 'mikro-request-context', 'repository', 'bench-users', '--dry-run'],
        expected: ['CREATE src/bench-users/bench-users.repository.ts', 'CREATE src/bench-users/bench-users.repository.mikro-orm.ts'],
      },
      theirs: {
        args: ['g', 'service', 'bench-users', '--dry-run'],
        expected: ['CREATE src/bench-users/bench-users.service.ts'],
      },
      runs,
      log,
    }),
  );
  pairs.push(
    await comparePair({
      label: 'init vs service',
      app: 'fresh nest12 fixture (`nest new` with Nest CLI 12)',
      dir: fresh,
      ours: {
        args: ['g', '-c', 'mikro-request-context', 'init', '--dry-run'],
        expected: ['CREATE src/mikro-orm.config.ts', 'UPDATE src/main.ts'],
      },
      theirs: { args: ['g', 'service', 'foo', '--dry-run'], expected: ['CREATE src/foo/foo.service.ts'] },
      runs,
      log,
    }),
  );
  return pairs;
}

/**
 * The files of a Nest 12 app with `count` feature modules (a controller and a service each, as
 * `nest g resource` lays them out), all imported into AppModule.
 */
export function largeApp(count: number): Map<string, string> {
  const root = join(ROOT, 'test', 'fixtures', 'nest12');
  const files = new Map(listFiles(root).map((path) => [path, readFileSync(join(root, path), 'utf8')]));
  const imports: string[] = [];
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    const kebab = `feature-${i}`;
    const pascal = `Feature${i}`;
    files.set(
      `src/${kebab}/${kebab}.service.ts`,
      `import { Injectable } from '@nestjs/common';\n\n@Injectable()\nexport class ${pascal}Service {\n  find(id: number) {\n    return { id, feature: ${i} };\n  }\n}\n`,
    );
    files.set(
      `src/${kebab}/${kebab}.controller.ts`,
      `import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';\nimport { ${pascal}Service } from './${kebab}.service.js';\n\n` +
        `@Controller('${kebab}')\nexport class ${pascal}Controller {\n  constructor(private readonly service: ${pascal}Service) {}\n\n` +
        `  @Get(':id')\n  find(@Param('id', ParseIntPipe) id: number) {\n    return this.service.find(id);\n  }\n}\n`,
    );
    files.set(
      `src/${kebab}/${kebab}.module.ts`,
      `import { Module } from '@nestjs/common';\nimport { ${pascal}Controller } from './${kebab}.controller.js';\nimport { ${pascal}Service } from './${kebab}.service.js';\n\n` +
        `@Module({\n  controllers: [${pascal}Controller],\n  providers: [${pascal}Service],\n})\nexport class ${pascal}Module {}\n`,
    );
    imports.push(`import { ${pascal}Module } from './${kebab}/${kebab}.module.js';`);
    names.push(`${pascal}Module`);
  }
  files.set(
    'src/app.module.ts',
    `import { Module } from '@nestjs/common';\nimport { AppController } from './app.controller.js';\nimport { AppService } from './app.service.js';\n${imports.join('\n')}\n\n` +
      `@Module({\n  imports: [\n${names.map((n) => `    ${n},`).join('\n')}\n  ],\n  controllers: [AppController],\n  providers: [AppService],\n})\nexport class AppModule {}\n`,
  );
  return files;
}

/** Whether collection.json lists the schematic (the bench reports what is missing instead of failing). */
export function hasSchematic(name: string): boolean {
  return Object.hasOwn(JSON.parse(readFileSync(COLLECTION, 'utf8')).schematics ?? {}, name);
}

/** Writes the files of an app into a new folder under .tmp/. */
function writeApp(files: Map<string, string>, prefix: string): string {
  const dir = tempFolder(prefix);
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export interface ScalePoint {
  modules: number;
  /** ms per run */
  init: number[];
  repository: number[];
}

/** P1's growth with the size of the app: per size the summary of each schematic's runs, and how they grow. */
export interface ScaleResult {
  points: { modules: number; init: Summary; repository: Summary }[];
  init: Growth;
  repository: Growth;
}

/**
 * In-process time of `init --dry-run` and of `repository bench-users --dry-run` (on the app after
 * init) through the devkit's NodeWorkflow on a real folder, the host `nest g` uses, on apps of each
 * size; sizes are interleaved within each repetition. Writing the apps (and the real init that the
 * repository runs after) is not timed. (The devkit's in-memory host of SchematicTestRunner lists a
 * directory by scanning every path it holds, which is quadratic on its own; a real folder is not.)
 */
export async function scaleLatency({
  sizes,
  repetitions,
  log,
}: {
  sizes: number[];
  repetitions: number;
  log: (line: string) => void;
}): Promise<ScaleResult> {
  const withRepository = hasSchematic('repository');
  if (!withRepository) log('  (the collection has no repository schematic yet: init only)');
  const apps: Map<number, { fresh: string; initialized: string }> = new Map();
  for (const size of sizes) {
    const files = largeApp(size);
    const fresh = writeApp(files, `bench-scale-${size}`);
    const initialized = writeApp(files, `bench-scale-${size}-init`);
    await runInFolder(initialized, 'init', { skipInstall: true });
    apps.set(size, { fresh, initialized });
  }
  const fingerprints = [...apps.values()]
    .flatMap(({ fresh, initialized }) => [fresh, initialized])
    .map((dir) => [dir, fingerprint(dir)] as const);
  const points: Map<number, ScalePoint> = new Map(sizes.map((size) => [size, { modules: size, init: [], repository: [] }]));

  const timed = async (dir: string, schematic: string, options: SchematicOptions, expected: string[]): Promise<number> => {
    const out: string[] = [];
    const started = performance.now();
    out.push(...(await runInFolder(dir, schematic, options, { dryRun: true })));
    const elapsed = performance.now() - started;
    const missing = expected.filter((line) => !out.includes(line));
    if (missing.length > 0) throw new Error(`${schematic} --dry-run in ${dir} did not report ${missing.join(', ')}:\n${out.join('\n')}`);
    return elapsed;
  };
  const once = async (size: number): Promise<{ init: number; repository: number }> => {
    const app = apps.get(size);
    if (!app) throw new Error(`No app of ${size} feature modules.`);
    const { fresh, initialized } = app;
    const init = await timed(fresh, 'init', { skipInstall: true }, ['CREATE src/mikro-orm.config.ts', 'UPDATE src/app.module.ts']);
    if (!withRepository) return { init, repository: NaN };
    const repository = await timed(initialized, 'repository', { name: 'bench-users' }, [
      'CREATE src/bench-users/bench-users.repository.mikro-orm.ts',
      'UPDATE src/app.module.ts',
    ]);
    return { init, repository };
  };

  // Warm-up (module loading, JIT, file cache), discarded.
  for (const size of sizes) await once(size);
  for (let r = 0; r < repetitions; r++) {
    const order = r % 2 === 0 ? sizes : [...sizes].reverse();
    for (const size of order) {
      const { init, repository } = await once(size);
      points.get(size)?.init.push(init);
      points.get(size)?.repository.push(repository);
    }
    log(
      `  large apps, repetition ${r + 1}/${repetitions}: ` +
        sizes
          .map((s) => `${s} modules init ${points.get(s)?.init[r].toFixed(0)} ms, repository ${points.get(s)?.repository[r].toFixed(0)} ms`)
          .join('; '),
    );
  }
  for (const [dir, before] of fingerprints) if (fingerprint(dir) !== before) throw new Error(`A --dry-run changed files in ${dir}.`);
  const list = [...points.values()];
  return {
    points: list.map((p) => ({ modules: p.modules, init: summarize(p.init), repository: summarize(p.repository) })),
    init: growth(list.map((p) => ({ size: p.modules, value: median(p.init) }))),
    repository: growth(list.map((p) => ({ size: p.modules, value: median(p.repository) }))),
  };
}
