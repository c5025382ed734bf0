// Running the matrix: the package packed once, each shape's app copied from its fixture outside the
// project and installed once with its own dependencies and the tarball (as `npm i -D
// mikro-request-context` does), one copy per driver, the steps run through `nest g` or the bin, and
// the app's own gates after them. Every command is a process of its own, timed and judged by its
// exit code (and, for a step, by the files it must leave, since `nest g` exits 0 when a schematic throws).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listFiles } from '../files.ts';
import { FIXTURES, ROOT } from '../paths.ts';
import { postgresDatabase } from '../proof/database.ts';
import { onCleanup, trackFolder } from '../proof/processes.ts';
import { type Command, type Driver, type GateName, type GatePolicy, type Shape, gatesAfter, stepsFor } from './plan.ts';
import type { Outcome, Row } from './table.ts';

/** The longest any one command may take before it is stopped and counted red. */
const COMMAND_TIMEOUT_MS = 10 * 60_000;
/** What an outcome keeps of a command's output. */
const OUTPUT_TAIL = 16_384;

/** The environment of the app's commands: ours without what `npm run` put there about this package. */
function appEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_package_') || key.startsWith('npm_lifecycle_') || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
}

/** Runs a command in its own process group; resolves with its exit code and output, never rejects. */
export function exec(cwd: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
    };
    const child = spawn(command, args, { cwd, env: appEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = (): void => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    // An interrupted matrix stops what it started (cleanup() runs the finalizers).
    const unregister = onCleanup(async () => kill());
    const timer = setTimeout(() => {
      output += `\n[stopped after ${COMMAND_TIMEOUT_MS / 1000} s]`;
      kill();
    }, COMMAND_TIMEOUT_MS);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const done = (code: number | null, reason?: string): void => {
      clearTimeout(timer);
      unregister();
      const ok = code === 0;
      resolve({ ok, seconds: (performance.now() - started) / 1000, output, reason: ok ? undefined : (reason ?? `exit ${code}`) });
    };
    child.once('error', (error) => done(null, error.message));
    child.once('close', (code, signal) => done(code, code === null ? `killed by ${signal}` : undefined));
  });
}

/** Throws with the command's output when it failed: for the set-up, whose failure leaves nothing to judge. */
function required(what: string, outcome: Outcome): Outcome {
  if (!outcome.ok) throw new Error(`${what} failed (${outcome.reason}):\n${outcome.output}`);
  return outcome;
}

/** A folder outside the project for the matrix's apps (no node_modules of ours above them), removed by cleanup() unless kept. */
export function workFolder(keep: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'mrc-matrix-'));
  return keep ? dir : trackFolder(dir);
}

/** `npm pack` of this package (its prepare script builds it) into `dir`; the tarball's path. */
export async function pack(dir: string): Promise<string> {
  required('npm pack', await exec(ROOT, 'npm', ['pack', '--pack-destination', dir, '--silent']));
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`);
  return join(dir, tarball);
}

/** What the app's files hold (node_modules and build output aside): what `--fix` may not change. */
function snapshot(app: string): Map<string, Buffer> {
  const skip = (name: string): boolean => ['node_modules', 'dist', 'coverage', '.git'].includes(name);
  return new Map(listFiles(app, skip).map((path) => [path, readFileSync(join(app, path))]));
}

function changedFiles(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths]
    .filter((path) => {
      const [was, is] = [before.get(path), after.get(path)];
      return was === undefined || is === undefined || !was.equals(is);
    })
    .sort();
}

/** One gate of the app, as its scripts run it. */
async function gate(shape: Shape, app: string, name: GateName, env: Record<string, string>): Promise<Outcome> {
  switch (name) {
    case 'build':
      return exec(app, 'npm', ['run', 'build', ...shape.buildArgs], env);
    case 'test':
      return exec(app, 'npm', ['test'], env);
    case 'e2e':
      return exec(app, 'npm', ['run', 'test:e2e'], env);
    case 'lint': {
      // eslint apps lint with --fix: green only when nothing was left to fix (no file changed) and nothing is left.
      const before = snapshot(app);
      const outcome = await exec(app, 'npm', ['run', 'lint'], env);
      const changed = changedFiles(before, snapshot(app));
      if (changed.length === 0) return outcome;
      return { ...outcome, ok: false, reason: `${outcome.reason ?? 'exit 0'}, --fix changed ${changed.join(', ')}` };
    }
    case 'format':
      return exec(app, join(app, 'node_modules', '.bin', 'prettier'), ['--check', ...shape.formatGlobs], env);
  }
}

/** The gates `names`, one after the other, each judged on its own. */
async function gates(shape: Shape, app: string, names: GateName[], env: Record<string, string>): Promise<Row['gates']> {
  const results: Row['gates'] = {};
  for (const name of names) results[name] = await gate(shape, app, name, env);
  return results;
}

/** A schematic call as the user types it: `nest g …` or `mikro-request-context …`, both from the app's node_modules. */
function call(app: string, command: Command, env: Record<string, string>): Promise<Outcome> {
  return exec(app, 'npx', ['--no-install', command.caller === 'nest' ? 'nest' : 'mikro-request-context', ...command.args], env);
}

/** What `nest g` prints when the schematic threw, though it exits 0 (docs/architecture.md §2). */
const FAILURE_MARKERS = ['Failed to execute command', 'SchematicsException', 'Error:'];

export interface Progress {
  (line: string): void;
}

export interface PreparedShape {
  shape: Shape;
  /** the installed app, before init, per driver (the first is the folder the baseline ran in) */
  apps: Record<Driver, string>;
  baseline: Row;
}

/**
 * The shape's app: copied from its fixture, installed once with the tarball (and what the user
 * installs first), its gates run as `nest new` left it, then copied for each further driver.
 */
export async function prepareShape(shape: Shape, drivers: Driver[], tarball: string, work: string, log: Progress): Promise<PreparedShape> {
  const base = join(work, shape.name, drivers[0]);
  cpSync(join(FIXTURES, shape.fixture), base, { recursive: true });
  const install = required(`npm install in ${shape.name}`, await exec(base, 'npm', ['install', '--no-audit', '--no-fund', '-D', tarball]));
  if (shape.preinstall.length > 0)
    required(
      `npm install ${shape.preinstall.join(' ')}`,
      await exec(base, 'npm', ['install', '--no-audit', '--no-fund', ...shape.preinstall]),
    );
  log(`[${shape.name}] installed in ${install.seconds.toFixed(0)} s`);
  const baseline: Row = {
    shape: shape.name,
    driver: '-',
    step: 'nest new',
    gates: await gates(shape, base, ['build', 'test', 'e2e', 'lint', 'format'], {}),
  };
  log(`[${shape.name}] baseline: ${summary(baseline)}`);
  const apps = { [drivers[0]]: base } as Record<Driver, string>;
  for (const driver of drivers.slice(1)) {
    apps[driver] = join(work, shape.name, driver);
    // Symbolic links (node_modules/.bin) stay relative, so the copy uses its own packages.
    cpSync(base, apps[driver], { recursive: true, verbatimSymlinks: true });
  }
  return { shape, apps, baseline };
}

/** One cell: the steps on the shape's app with one driver, the gates after each. */
export async function runCell(shape: Shape, driver: Driver, app: string, policy: GatePolicy, log: Progress): Promise<Row[]> {
  // PostgreSQL: a database of the cell's own, named through the variables the generated config reads.
  const database = driver === 'postgresql' ? await postgresDatabase() : undefined;
  const env = database?.env ?? {};
  const steps = stepsFor(shape, driver);
  const rows: Row[] = [];
  try {
    for (const step of steps) {
      const started = performance.now();
      const outputs: string[] = [];
      let failure: string | undefined;
      for (const command of step.commands) {
        const outcome = await call(app, command, env);
        outputs.push(`$ ${command.caller === 'nest' ? 'nest' : 'mikro-request-context'} ${command.args.join(' ')}\n${outcome.output}`);
        const marker = FAILURE_MARKERS.find((m) => outcome.output.includes(m));
        failure ??= outcome.reason ?? (marker ? `printed "${marker}"` : undefined);
      }
      const missing = step.creates
        .map((file) => (file.startsWith('test:') ? join(shape.testRoot, file.slice('test:'.length)) : join(shape.sourceRoot, file)))
        .filter((file) => !existsSync(join(app, file)));
      if (missing.length > 0) failure ??= `missing ${missing.join(', ')}`;
      const run: Outcome = {
        ok: failure === undefined,
        seconds: (performance.now() - started) / 1000,
        reason: failure,
        output: outputs.join('\n'),
      };
      const row: Row = {
        shape: shape.name,
        driver,
        step: step.name,
        run,
        gates: await gates(
          shape,
          app,
          gatesAfter(
            step.name,
            steps.map((s) => s.name),
            policy,
          ),
          env,
        ),
      };
      rows.push(row);
      log(`[${shape.name} ${driver}] ${step.name}: ${summary(row)}`);
    }
  } finally {
    await database?.drop();
  }
  return rows;
}

function summary(row: Row): string {
  const parts = Object.entries({ run: row.run, ...row.gates })
    .filter(([, outcome]) => outcome !== undefined)
    .map(([name, outcome]) => `${name} ${outcome?.ok ? 'ok' : 'FAIL'} ${outcome?.seconds.toFixed(1)}s`);
  return parts.join(', ');
}
