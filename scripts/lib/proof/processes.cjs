'use strict';
// Instances of a compiled app: each one a Node process in its own process group on 127.0.0.1,
// tracked so that nothing outlives the proof, whether it passes, fails or is interrupted.
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const net = require('node:net');
const { join } = require('node:path');
const { existsSync } = require('node:fs');
const { request } = require('./http.cjs');

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();
/** @type {Set<string>} */
const folders = new Set();
/** @type {Set<() => Promise<void>>} */
const finalizers = new Set();

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released just before the app takes it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** The compiled bootstrap file of an app built with its tsconfig.build.json. */
function mainFile(dir) {
  const candidates = [join(dir, 'dist', 'main.js'), join(dir, 'dist', 'src', 'main.js')];
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`No compiled main.js under ${join(dir, 'dist')}: compile the app first.`);
  return found;
}

/**
 * @typedef {object} Instance
 * @property {string} name      label used in reports ("A", "B", ...)
 * @property {number} port
 * @property {string} url       http://127.0.0.1:port
 * @property {import('node:child_process').ChildProcess} child
 * @property {() => string} output   what the process printed so far (the last 64 KB)
 */

/**
 * Boots one instance of the compiled app and waits until it answers HTTP.
 * @param {{ dir: string, name: string, env: Record<string, string>, timeoutMs?: number, entry?: string, launcher?: string[] }} options
 *   entry: the compiled bootstrap file relative to dir, when it is not dist/main.js (a custom entry file)
 *   launcher: the command and arguments that run the main file, `node` by default (the bench's `valgrind --tool=callgrind … node …`)
 * @returns {Promise<Instance>}
 */
async function startInstance({ dir, name, env, timeoutMs = 60_000, entry, launcher = [process.execPath] }) {
  const port = await freePort();
  let output = '';
  const keep = (chunk) => {
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
  /** @type {Instance} */
  const instance = { name, port, url: `http://127.0.0.1:${port}`, child, output: () => output };
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
async function stopInstance(instance, graceMs = 5_000) {
  const { child } = instance;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child, signal) {
  try {
    process.kill(-(/** @type {number} */ (child.pid)), signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Folders removed by cleanup(), whatever happens. */
function trackFolder(dir) {
  folders.add(dir);
  return dir;
}

/** Keeps the tracked folders (demo --keep): cleanup() no longer removes them. */
function releaseFolders() {
  folders.clear();
}

/** Async work for cleanup() (dropping a PostgreSQL database...). Returns a function that unregisters it. */
function onCleanup(finalizer) {
  finalizers.add(finalizer);
  return () => finalizers.delete(finalizer);
}

/** Stops every instance still running, runs the finalizers and removes the tracked folders. */
async function cleanup() {
  await Promise.all([...running].map((child) => stopInstance(/** @type {Instance} */ ({ child }), 2_000)));
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
function killAllSync() {
  for (const child of running) signalGroup(child, 'SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
}

/**
 * For command-line runs: Ctrl-C and SIGTERM stop the instances and remove the folders before exiting.
 * @param {(message: string) => void} [log]
 */
function installSignalHandlers(log = (m) => process.stderr.write(`${m}\n`)) {
  let stopping = false;
  const handler = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping the instances and removing the temporary folders...`);
    cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('exit', killAllSync);
}

module.exports = { freePort, startInstance, stopInstance, trackFolder, releaseFolders, onCleanup, cleanup, installSignalHandlers, killAllSync };
