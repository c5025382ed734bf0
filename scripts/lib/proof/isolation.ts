// Isolation within one instance: many concurrent requests, each loading and modifying its own row
// through the proof's scaffolding endpoint (POST /proof/isolation/:id, see generate.ts). None may
// see another request's entities in its identity map, none may be about to flush another's
// unflushed change, and each row ends up with its own request's value.
import { request } from './http.ts';
import type { ProofDatabase } from './database.ts';
import type { Endpoint } from './processes.ts';

export interface IsolationReport {
  requests: number;
  /** distinct EntityManager ids the requests ran on */
  contexts: number;
  /** requests whose identity map held other requests' entities */
  sawOthers: number;
  /** requests whose change sets held other requests' changes */
  wouldFlushOthers: number;
  /** rows whose final value is not their own request's */
  rowMismatches: number;
  /** requests that failed */
  errors: number;
  /** requests with any of the above */
  violations: number;
  examples: string[];
}

/** Runs `tasks` with at most `limit` at a time. */
export async function pooled<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

/**
 */
export async function runIsolation({
  instance,
  database,
  requests = 200,
}: {
  instance: Endpoint;
  database: ProofDatabase;
  requests?: number;
}): Promise<IsolationReport> {
  const ids = await pooled(
    Array.from({ length: requests }, (_, i) => async () => {
      const created = await request(instance, 'POST', '/users', { name: `iso-${i}-before` });
      if (created.status >= 300 || created.body?.id === undefined)
        throw new Error(`Creating user iso-${i} failed: HTTP ${created.status} ${created.text}`);
      return Number(created.body.id);
    }),
    16,
  );
  const markers = ids.map((id, i) => `iso-${i}-by-request-${id}`);
  // All at once: the waits (0-40 ms) make them overlap inside the instance.
  const replies = await Promise.all(
    ids.map((id, i) =>
      request(instance, 'POST', `/proof/isolation/${id}`, { marker: markers[i], waitMs: (i * 37) % 41 }).catch((error: Error) => ({
        status: 0,
        body: undefined,
        text: (error as Error).message,
      })),
    ),
  );
  const rows = await database.readNames(ids);
  const contexts = new Set<number>();
  const report: IsolationReport = {
    requests,
    contexts: 0,
    sawOthers: 0,
    wouldFlushOthers: 0,
    rowMismatches: 0,
    errors: 0,
    violations: 0,
    examples: [] as string[],
  };
  const note = (text: string) => report.examples.length < 8 && report.examples.push(text);
  replies.forEach((reply, i) => {
    const id = ids[i];
    let violated = false;
    if (reply.status < 200 || reply.status >= 300 || !reply.body || typeof reply.body !== 'object') {
      report.errors++;
      violated = true;
      note(`request for user ${id}: HTTP ${reply.status} ${reply.text.slice(0, 120)}`);
    } else {
      const { seen = [], changed = [], context } = reply.body;
      contexts.add(context);
      const otherSeen = seen.filter((x: number) => x !== id);
      const otherChanged = changed.filter((x: number) => x !== id);
      if (otherSeen.length > 0) {
        report.sawOthers++;
        violated = true;
        note(`request for user ${id} saw ${otherSeen.length} other requests' entities in its identity map`);
      }
      if (otherChanged.length > 0) {
        report.wouldFlushOthers++;
        violated = true;
        note(`request for user ${id} was about to flush ${otherChanged.length} other requests' unflushed changes`);
      }
    }
    if (rows.get(id) !== markers[i]) {
      report.rowMismatches++;
      violated = true;
      note(`row ${id} holds ${JSON.stringify(rows.get(id))}, not its request's ${JSON.stringify(markers[i])}`);
    }
    if (violated) report.violations++;
  });
  report.contexts = contexts.size;
  return report;
}

export function describeIsolation(r: IsolationReport): string {
  return (
    `${r.requests} concurrent requests on ${r.contexts} EntityManager(s): ${r.sawOthers} saw others' entities, ` +
    `${r.wouldFlushOthers} held others' unflushed changes, ${r.rowMismatches} rows not their own request's value, ${r.errors} errors`
  );
}
