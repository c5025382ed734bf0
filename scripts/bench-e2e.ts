#!/usr/bin/env node
// npm run bench:e2e: the wall time of a generated app's e2e suite with one worker and with several,
// side by side in one run. The suite's files each run on a database of their own (the testing module
// init writes), so they can run in parallel: this measures what that buys.
//
//   npm run bench:e2e                          SQLite and PGlite apps, 4 resources, 3 runs per setting
//   npm run bench:e2e -- --runs=5 --resources=6 --server   (--server: also PostgreSQL on 127.0.0.1:5432)
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES, ROOT, tempFolder } from './lib/paths.ts';
import { listFiles } from './lib/files.ts';
import { folderTree, runOnTree } from './lib/schematics.ts';
import { median } from './lib/bench/stats.ts';

const exec = promisify(execFile);

interface Setting {
  label: string;
  driver: 'sqlite' | 'postgresql';
  env: Record<string, string>;
}

const args = new Map<string, string | undefined>(
  process.argv.slice(2).map((arg): [string, string | undefined] => {
    const [name, value] = arg.replace(/^--/, '').split('=');
    return [name, value];
  }),
);
const runs = Number(args.get('runs') ?? 3);
const resources = Number(args.get('resources') ?? 4);
const workers = Math.max(2, availableParallelism());
const settings: Setting[] = [
  { label: 'SQLite (in memory)', driver: 'sqlite', env: {} },
  { label: 'PostgreSQL (PGlite, embedded)', driver: 'postgresql', env: {} },
  ...(args.has('server')
    ? [
        {
          label: 'PostgreSQL server (MIKRO_ORM_TEST_CLIENT_URL)',
          driver: 'postgresql' as const,
          env: { MIKRO_ORM_TEST_CLIENT_URL: 'postgresql://postgres@127.0.0.1:5432' },
        },
      ]
    : []),
];

/** A Nest 12 app after init and `resources` CRUD resources, written where its packages resolve from the project. */
async function generate(driver: Setting['driver']): Promise<string> {
  const dir = tempFolder(`bench-e2e-${driver}`);
  cpSync(join(FIXTURES, 'nest12-new'), dir, { recursive: true });
  let tree = folderTree(dir);
  tree = (await runOnTree('init', { skipInstall: true, driver }, tree)).tree;
  for (let i = 1; i <= resources; i++) {
    tree = (await runOnTree('entity', { name: `item${i}`, fields: 'name:string,email:string:unique,bio?:string' }, tree)).tree;
    tree = (await runOnTree('resource', { name: `item${i}s` }, tree)).tree;
  }
  for (const file of tree.files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), tree.readContent(file));
  }
  // The app's e2e config loads a vite plugin this project does not install; the same settings without it.
  writeFileSync(
    join(dir, 'vitest.bench.config.ts'),
    "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { globals: true, root: './', include: ['test/**/*.e2e-spec.ts'] } });\n",
  );
  return dir;
}

/** One run of the e2e suite with `maxWorkers` workers: its wall time in seconds. */
async function suite(dir: string, maxWorkers: number, env: Record<string, string>): Promise<number> {
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const started = performance.now();
  await exec(process.execPath, [vitest, 'run', '--config', 'vitest.bench.config.ts', '--maxWorkers', String(maxWorkers)], {
    cwd: dir,
    env: { ...process.env, ...env, CI: '1', NO_COLOR: '1' },
    maxBuffer: 32 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`the e2e suite failed in ${dir}:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  });
  return (performance.now() - started) / 1000;
}

console.log(
  `e2e suite: the app's own spec and ${resources} generated resources; ${runs} runs per setting, alternating; ${availableParallelism()} cores`,
);
for (const setting of settings) {
  const dir = await generate(setting.driver);
  try {
    const specs = listFiles(join(dir, 'test')).filter((file) => file.endsWith('.e2e-spec.ts')).length;
    await suite(dir, workers, setting.env); // warm-up: vitest's transform cache, PGlite's first load
    const one: number[] = [];
    const many: number[] = [];
    for (let run = 0; run < runs; run++) {
      one.push(await suite(dir, 1, setting.env));
      many.push(await suite(dir, workers, setting.env));
    }
    const [a, b] = [median(one), median(many)];
    console.log(
      `${setting.label}: ${specs} spec files, 1 worker ${a.toFixed(2)} s, ${workers} workers ${b.toFixed(2)} s (median of ${runs}): ${(a / b).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
