// Instances of a compiled app: each one a Node process in its own process group on 127.0.0.1,
// tracked so that nothing outlives the proof, whether it passes, fails or is interrupted.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { request } from './http.ts';

const running = new Set<ChildProcess>();
const folders = new Set<string>();
const finalizers = new Set<() => Promise<void>>();

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released just before the app takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The compiled bootstrap file of an app built with its tsconfig.build.json. */
function mainFile(dir: string): string {
  const candidates = [join(dir, 'dist', 'main.js'), join(dir, 'dist', 'src', 'main.js')];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`No compiled main.js under ${join(dir, 'dist')}: compile the app first.`);
  return found;
}

export interface Instance {
  /** label used in reports ("A", "B", ...) */
  name: string;
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  child: ChildProcess;
  /** what the process printed so far (the last 64 KB) */
  output: () => string;
}

/** An instance as the checks see it: where it answers, what to call it, what it printed (not its process). */
export type Endpoint = Omit<Instance, 'child'>;

export interface InstanceOptions {
  dir: string;
  name: string;
  env: Record<string, string>;
  timeoutMs?: number;
  /** the compiled bootstrap file relative to dir, when it is not dist/main.js (a custom entry file) */
  entry?: string;
  /** the command and arguments that run the main file, `node` by default (the bench's `valgrind --tool=callgrind … node …`) */
  launcher?: string[];
}

/** Boots one instance of the compiled app and waits until it answers HTTP. */
export async function startInstance({
  dir,
  name,
  env,
  timeoutMs = 60_000,
  entry,
  launcher = [process.execPath],
}: InstanceOptions): Promise<Instance> {
  const port = await freePort();
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-65_536);
  };
  const [command, ...args] = [...launcher, entry ? join(dir, entry) : mainFile(dir)];
  const child = spawn(command, args, {
    cwd: dir,
    env: { ...process.env, ...env, PORT: String(port), NODE_ENV: 'production' },
    // Its own process group: killing -pid stops the app and anything it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('exit', () => running.delete(child));
  const instance: Instance = { name, port, url: `http://127.0.0.1:${port}`, child, output: () => output };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Instance ${name} exited (${child.exitCode ?? child.signalCode}) before answering:\n${output}`);
    }
    try {
      // Any HTTP answer means Nest is listening (the fixture's GET / says hello).
      await request(instance, 'GET', '/', undefined, { timeoutMs: 1_000 });
      return instance;
    } catch {
      if (Date.now() > deadline) {
        await stopInstance(instance);
        throw new Error(`Instance ${name} did not answer on port ${port} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** SIGTERM to the instance's process group, SIGKILL after a grace period. */
export async function stopInstance({ child }: { child: ChildProcess }, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-(child.pid as number), signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Folders removed by cleanup(), whatever happens. */
export function trackFolder(dir: string): string {
  folders.add(dir);
  return dir;
}

/** Keeps the tracked folders (demo --keep): cleanup() no longer removes them. */
export function releaseFolders(): void {
  folders.clear();
}

/** Async work for cleanup() (dropping a PostgreSQL database...). Returns a function that unregisters it. */
export function onCleanup(finalizer: () => Promise<void>): () => boolean {
  finalizers.add(finalizer);
  return () => finalizers.delete(finalizer);
}

/** Stops every instance still running, runs the finalizers and removes the tracked folders. */
export async function cleanup(): Promise<void> {
  await Promise.all([...running].map((child) => stopInstance({ child }, 2_000)));
  for (const finalizer of [...finalizers]) {
    finalizers.delete(finalizer);
    await finalizer().catch(() => undefined);
  }
  for (const dir of [...folders]) {
    rmSync(dir, { recursive: true, force: true });
    folders.delete(dir);
  }
}

/** Last resort when the process exits without cleanup(): kill the groups synchronously. */
export function killAllSync(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
}

/** For command-line runs: Ctrl-C and SIGTERM stop the instances and remove the folders before exiting. */
export function installSignalHandlers(log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping the instances and removing the temporary folders...`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('exit', killAllSync);
}
