// P3, memory: each variant as a fresh instance started with --expose-gc on a database of its own (a
// copy of one seed), a short warm-up on rows of its own, then a forced GC and a reading (GET
// /bench/memory, bench scaffolding), GET /users/:id once for each of `rows` distinct rows, and
// another forced GC and reading.
import { request } from '../proof/http.ts';
import { runLoad } from './load.ts';
import { startVariant, stopVariant, withSeed } from './throughput.ts';
import { appOf } from './variants.ts';
import type { App } from '../proof/generate.ts';
import type { Endpoint } from '../proof/processes.ts';
import type { Pinning } from './load.ts';
import type { Seed } from './throughput.ts';
import type { VariantName } from './variants-info.ts';

/** What GET /bench/memory answers (bench scaffolding, see variants.ts). */
export type Reading = { heapUsed: number; rss: number; globalEntities: number };

/** One variant's readings before and after its GETs, and how many it served in how long. */
export interface MemoryResult {
  before: Reading;
  after: Reading;
  requests: number;
  seconds: number;
}

/** How P3 runs (bench.ts's plan). */
export interface MemorySettings {
  /** the distinct rows read once each between the readings */
  rows: number;
  /** the rows of the warm-up, read before the first reading */
  warmupRows: number;
  connections: number;
  /** seconds the GETs of one variant may take */
  capSeconds: number;
}

async function reading(instance: Endpoint): Promise<Reading> {
  const reply = await request(instance, 'GET', '/bench/memory');
  if (reply.status !== 200 || typeof reply.body?.heapUsed !== 'number')
    throw new Error(`GET /bench/memory on ${instance.url}: HTTP ${reply.status} ${reply.text}`);
  return reply.body as Reading;
}

/**
 * Every variant of `apps`, one after the other, each on a copy of one seed.
 */
export async function runMemory({
  apps,
  rows,
  warmupRows,
  connections,
  capSeconds,
  pin,
  log,
}: MemorySettings & {
  apps: Map<VariantName, App>;
  pin: Pinning;
  log: (line: string) => void;
}): Promise<Record<string, MemoryResult>> {
  const results: Record<string, MemoryResult> = {};
  await withSeed(appOf(apps, [...apps.keys()][0]), warmupRows + rows, 'p3', async (seed) => {
    for (const [name, app] of apps) results[name] = await measure(name, app, { seed, rows, warmupRows, connections, capSeconds, pin, log });
  });
  return results;
}

/**
 * One variant: a fresh instance with --expose-gc on a copy of the seed, read before and after the GETs.
 */
async function measure(
  name: VariantName,
  app: App,
  { seed, rows, warmupRows, connections, capSeconds, pin, log }: MemorySettings & { seed: Seed; pin: Pinning; log: (line: string) => void },
): Promise<MemoryResult> {
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
