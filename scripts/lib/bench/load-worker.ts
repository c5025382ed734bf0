// The load generator, run as a process of its own (pinned to another CPU than the server when
// taskset is there): autocannon's programmatic API against one instance on 127.0.0.1, GET
// /users/:id with the ids drawn from a list, in random order (a seeded PRNG) or each once in order.
// Prints one JSON line with the figures. Usage: node load-worker.ts < options.json
import { projectRequire } from '../paths.ts';
import { random } from '../proof/load.ts';

/** What autocannon's setupRequest receives and returns: the request it is about to send. */
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** The part of autocannon's programmatic API the worker uses (autocannon ships no types). */
type Autocannon = (options: {
  url: string;
  connections: number;
  pipelining: number;
  duration?: number;
  amount?: number;
  /** seconds */
  timeout: number;
  requests: { method: string; setupRequest: (request: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<{
  start: Date;
  finish: Date;
  requests: { total: number };
  /** ms */
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}>;

const autocannon = projectRequire('autocannon') as Autocannon;

export interface WorkerOptions {
  /** http://127.0.0.1:port */
  url: string;
  /** the users' ids */
  ids: number[];
  order: 'random' | 'sequential';
  connections: number;
  /** seconds: the run's length (random order), or its cap (sequential order) */
  duration: number;
  /** requests (sequential order; ids.length by default) */
  amount?: number;
  seed?: number;
  /** seconds a request may take before it counts as an error (10 by default) */
  timeout?: number;
}

async function main(): Promise<void> {
  const options: WorkerOptions = JSON.parse(await readStdin());
  const { url, ids, order, connections } = options;
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`The bench loads 127.0.0.1 only, not ${url}.`);
  const next = order === 'random' ? randomIds(ids, options.seed ?? 1) : sequentialIds(ids);
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    // Bounded by time (random order) or by count (each id once); the parent kills a run that
    // outlives its bound by 30 s.
    ...(order === 'random' ? { duration: options.duration } : { amount: options.amount ?? ids.length }),
    timeout: options.timeout ?? 10,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/users/${next()}` }) }],
  });
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      requests: result.requests.total,
      seconds,
      rps: result.requests.total / seconds,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    })}\n`,
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function randomIds(ids: number[], seed: number): () => number {
  const rand = random(seed);
  return () => ids[Math.floor(rand() * ids.length)];
}

function sequentialIds(ids: number[]): () => number {
  let i = 0;
  return () => ids[i++ % ids.length];
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
