// P3, memory: each variant as a fresh instance started with --expose-gc on a database of its own (a
// copy of one seed), a short warm-up on rows of its own, then a forced GC and a reading (GET
// /bench/memory, bench scaffolding), GET /users/:id once for each of `rows` distinct rows, and
// another forced GC and reading.
import { request } from '../proof/http.ts';
import { runLoad } from './load.ts';
import { startVariant, stopVariant, withSeed } from './throughput.ts';
import type { App } from '../proof/generate.ts';
import type { pinning } from './load.ts';
import type { VariantName } from './variants.ts';

export type Reading = { heapUsed: number; rss: number; globalEntities: number };

async function reading(instance) {
  const reply = await request(instance, 'GET', '/bench/memory');
  if (reply.status !== 200 || typeof reply.body?.heapUsed !== 'number')
    throw new Error(`GET /bench/memory on ${instance.url}: HTTP ${reply.status} ${reply.text}`);
  return (reply.body as Reading);
}

/**
 *   apps: Map<VariantName, App>,
 *   rows: number, warmupRows: number, connections: number, capSeconds: number,
 *   pin: ReturnType<pinning>, log: (line: string) => void,
 * }} options
 */
export async function runMemory({
  apps,
  rows,
  warmupRows,
  connections,
  capSeconds,
  pin,
  log,
}: {
  apps: Map<VariantName, App>;
  rows: number;
  warmupRows: number;
  connections: number;
  capSeconds: number;
  pin: ReturnType<pinning>;
  log: (line: string) => void;
}): Promise<Record<string, MemoryResult>> {
  const results: Record<string, MemoryResult> = {};
  await withSeed(/** @type {any} */ [...apps.values()][0], warmupRows + rows, 'p3', async (seed) => {
    for (const [name, app] of apps) results[name] = await measure(name, app, { seed, rows, warmupRows, connections, capSeconds, pin, log });
  });
  return results;
}

/**
 * One variant: a fresh instance with --expose-gc on a copy of the seed, read before and after the GETs.
 */
async function measure(name, app, { seed, rows, warmupRows, connections, capSeconds, pin, log }): Promise<MemoryResult> {
  const running = await startVariant(name, app, { seed, pin, nodeOptions: '--expose-gc', label: `p3-${name}` });
  try {
    const url = running.instance.url;
    // Warm-up (JIT, lazy initialisation) on rows that the measured run does not read.
    await runLoad(pin, { url, ids: running.ids.slice(0, warmupRows), order: 'sequential', connections, duration: 60 });
    const before = await reading(running.instance);
    const load = await runLoad(pin, { url, ids: running.ids.slice(warmupRows), order: 'sequential', connections, duration: capSeconds });
    if (load.requests !== rows) throw new Error(`${name}: ${load.requests} GETs answered instead of ${rows}.`);
    const after = await reading(running.instance);
    log(
      `  ${name}: heap ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MB, ` +
        `RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MB, ` +
        `global identity map ${before.globalEntities} → ${after.globalEntities} entities (${load.requests} GETs in ${load.seconds.toFixed(1)} s)`,
    );
    return { before, after, requests: load.requests, seconds: load.seconds };
  } finally {
    await stopVariant(running);
  }
}
