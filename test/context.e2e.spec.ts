import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import * as ts from 'typescript';
import { arrayPropertyInsertion, importInsertion, parseText } from '../src/utils/ast';
import { detectSourceStyle } from '../src/utils/source-style';
import { removeDir, tempDir, writeTree } from './support/app';
import { fixtureFiles, fixtureTree, ROOT, runner } from './support/fixtures';
import { freePort } from '../scripts/lib/proof/processes.ts';

/**
 * The proof of `context`: a `nest new` app (Nest 12) after `init`, with a scheduled job and a
 * microservice message handler that read a counter, compiled with tsc and run as a worker process
 * (TCP on 127.0.0.1; the job run on demand). Before `context` both fail with MikroORM's
 * global-context error; the control run with allowGlobalContext (clearly a control: never generated
 * for users) works but serves stale data; after `context`, both read what another process wrote.
 */
const run = promisify(execFile);
const GLOBAL_CONTEXT_ERROR = 'Using global EntityManager instance methods for context specific actions is disallowed';

interface Answer {
  ok: boolean;
  value?: number;
  error?: string;
}

interface Worker {
  job: () => Promise<Answer>;
  message: () => Promise<Answer>;
  output: () => string;
  stop: () => Promise<void>;
}

let dir: string;
let database: string;
let tree: UnitTestTree;

async function compile(): Promise<void> {
  try {
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, maxBuffer: 16 << 20 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
  }
}

/** Another process, with its own connection to the SQLite file, sets the counter (the "other instance"). */
async function writeCounter(value: number, create = false): Promise<void> {
  const sql = create
    ? `CREATE TABLE counter (id integer primary key, value integer not null); INSERT INTO counter (id, value) VALUES (1, ${value});`
    : `UPDATE counter SET value = ${value} WHERE id = 1;`;
  await run(
    process.execPath,
    ['-e', `const db = require('better-sqlite3')(process.argv[1]); db.exec(process.argv[2]); db.close();`, database, sql],
    {
      cwd: ROOT,
    },
  );
}

function lines(child: ChildProcess): () => Promise<string> {
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const next = waiting.shift();
      if (next) next(line);
      else queue.push(line);
    }
  });
  return () => {
    const line = queue.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
  };
}

function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what()}`)), ms).unref())]);
}

async function startWorker(env: Record<string, string> = {}): Promise<Worker> {
  const port = await freePort();
  const childEnv = { ...process.env, ...env, WORKER_PORT: String(port), MIKRO_ORM_DB_NAME: database, NO_COLOR: '1' };
  const child = spawn(process.execPath, ['dist/worker.js'], { cwd: dir, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const next = lines(child);
  const output = () => stderr;
  const ready = await within(next(), 30000, () => `worker start\n${stderr}`);
  if (ready !== 'ready') throw new Error(`worker printed ${ready}\n${stderr}`);
  return {
    job: async () => {
      child.stdin!.write('job\n');
      return JSON.parse(await within(next(), 20000, () => `job\n${stderr}`)) as Answer;
    },
    message: async () => {
      const { stdout } = await run(process.execPath, ['dist/client.js'], { cwd: dir, env: childEnv, timeout: 20000 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as Answer;
    },
    output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** `nest …` in the app, as after `npm i -D mikro-request-context` (init made it the default collection). */
async function nestCli(args: string[]): Promise<string> {
  const modules = join(dir, 'node_modules');
  if (!existsSync(join(modules, 'mikro-request-context'))) {
    mkdirSync(join(modules, '@nestjs'), { recursive: true });
    symlinkSync(relative(modules, ROOT), join(modules, 'mikro-request-context'), 'dir');
    symlinkSync(relative(join(modules, '@nestjs'), join(ROOT, 'node_modules', '@nestjs', 'cli')), join(modules, '@nestjs', 'cli'), 'dir');
  }
  const cli = join(modules, '@nestjs', 'cli', 'bin', 'nest.js');
  const { stdout, stderr } = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', cli, ...args], {
    cwd: dir,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' },
    maxBuffer: 16 << 20,
  });
  return stripVTControlCharacters(`${stdout}${stderr}`);
}

beforeAll(async () => {
  tree = await runner().runSchematic('init', { skipInstall: true }, fixtureTree('nest12'));
  for (const [path, content] of fixtureFiles('context-proof')) {
    if (path.startsWith('src/')) tree.create(path, content);
  }
  // What `nest g entity` does: list the entity in the config.
  const configPath = 'src/mikro-orm.config.ts';
  const config = parseText(configPath, tree.readContent(configPath));
  const style = detectSourceStyle(config);
  const options = config.statements
    .filter(ts.isExportAssignment)
    .map((e) => (e.expression as ts.CallExpression).arguments[0] as ts.ObjectLiteralExpression)[0];
  const recorder = tree.beginUpdate(configPath);
  for (const insertion of [
    arrayPropertyInsertion(config, style, options, 'entities', 'Counter')!,
    importInsertion(config, style, ['Counter'], './counters/counter.entity.js')!,
  ]) {
    recorder.insertLeft(insertion.pos, insertion.text);
  }
  tree.commitUpdate(recorder);

  dir = tempDir('context-proof');
  database = join(dir, 'proof.sqlite3');
  writeTree(tree, dir);
  await compile();
  await writeCounter(1, true);
});

afterAll(() => {
  if (dir) removeDir(dir);
});

/** The app's files (not node_modules, dist or the database), to show that a command wrote nothing. */
function appFiles(): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (folder: string): void => {
    for (const entry of readdirSync(join(dir, folder), { withFileTypes: true })) {
      const path = folder ? `${folder}/${entry.name}` : entry.name;
      if (['node_modules', 'dist'].includes(entry.name) || entry.name.endsWith('.sqlite3') || entry.name.endsWith('.tsbuildinfo')) continue;
      if (entry.isDirectory()) visit(path);
      else found.set(path, readFileSync(join(dir, path), 'utf8'));
    }
  };
  visit('');
  return found;
}

it('doctor, through the real Nest CLI, reports the job and the message handler at their exact lines, and writes nothing', async () => {
  const before = appFiles();
  const output = await nestCli(['g', 'doctor']);
  expect(appFiles()).toEqual(before);
  const findings = output.split('\n').filter((l) => /^src\/\S+:\d+ (error|warning) /.test(l.trim()));
  expect(findings.map((f) => f.trim().split(' — ')[0].split(' (')[0])).toEqual([
    'src/counters/counter.job.ts:12 error CounterJob.report()',
    'src/counters/counters.controller.ts:13 error CountersController.counter()',
  ]);
  expect(output).toContain('doctor: 2 error(s), 0 warning(s)');
});

it('before context: the job and the message handler fail with the global-context error', async () => {
  const worker = await startWorker();
  try {
    const job = await worker.job();
    expect(job.ok).toBe(false);
    expect(job.error).toContain(GLOBAL_CONTEXT_ERROR);
    const message = await worker.message();
    expect(message.ok).toBe(false);
    await within(
      (async () => {
        while (!worker.output().includes(GLOBAL_CONTEXT_ERROR)) await new Promise((r) => setTimeout(r, 100));
      })(),
      10000,
      () => worker.output(),
    );
  } finally {
    await worker.stop();
  }
});

it('control (allowGlobalContext, never generated for users): they run, but serve stale data', async () => {
  await writeCounter(1);
  const worker = await startWorker({ MIKRO_ORM_ALLOW_GLOBAL_CONTEXT: 'true' });
  try {
    expect(await worker.job()).toEqual({ ok: true, value: 1 });
    expect(await worker.message()).toEqual({ ok: true, value: 1 });
    await writeCounter(2);
    // The global identity map still holds the counter as it was first loaded.
    expect(await worker.job()).toEqual({ ok: true, value: 1 });
    expect(await worker.message()).toEqual({ ok: true, value: 1 });
  } finally {
    await worker.stop();
  }
});

it('nest g context lists each change under --dry-run; after context both read fresh data written by another process', async () => {
  const before = appFiles();
  const dryRun = await nestCli(['g', 'context', '--dry-run']);
  expect(appFiles()).toEqual(before);
  expect(dryRun).toContain('UPDATE src/counters/counter.job.ts: @CreateRequestContext() on CounterJob.report()');
  expect(dryRun).toContain('UPDATE src/counters/counters.controller.ts: @CreateRequestContext() on CountersController.counter()');
  expect(dryRun).toContain('Dry run enabled');

  const logs: string[] = [];
  const schematics = runner();
  schematics.logger.subscribe((entry) => logs.push(entry.message));
  const after = await schematics.runSchematic('context', {}, tree);
  expect(logs).toContain('UPDATE src/counters/counter.job.ts: @CreateRequestContext() on CounterJob.report()');
  writeTree(after, dir);
  await compile();

  await writeCounter(3);
  const worker = await startWorker();
  try {
    expect(await worker.job()).toEqual({ ok: true, value: 3 });
    expect(await worker.message()).toEqual({ ok: true, value: 3 });
    await writeCounter(4);
    expect(await worker.job()).toEqual({ ok: true, value: 4 });
    expect(await worker.message()).toEqual({ ok: true, value: 4 });
    await writeCounter(5);
    expect(await worker.message()).toEqual({ ok: true, value: 5 });
    expect(await worker.job()).toEqual({ ok: true, value: 5 });
    expect(worker.output()).not.toContain(GLOBAL_CONTEXT_ERROR);
  } finally {
    await worker.stop();
  }

  const doctor = await nestCli(['g', 'doctor']);
  expect(doctor).toContain('doctor: no problems found');
});
