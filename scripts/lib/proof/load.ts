// Load with a staleness checker. Concurrent clients send interleaved GET and PATCH requests over a
// set of users to several instances of one app on one database. Every PATCH writes a new version of
// its user's name ("load-k7-v12"); writes to one user never overlap in time, so the versions of a
// user are totally ordered. The checker (a pure function of the recorded history) flags every GET
// that started after a PATCH of that user had completed, on any instance, yet returned an older version.
import { performance } from 'node:perf_hooks';
import { request } from './http.ts';
import type { Endpoint } from './processes.ts';

export interface Operation {
  op: 'GET' | 'PATCH';
  /** which user (0-based) */
  key: number;
  /** the instance that answered */
  instance: string;
  /** performance.now() just before sending */
  start: number;
  /** performance.now() once the whole answer arrived */
  end: number;
  status: number;
  /** PATCH: the version written; GET: the version read */
  version: number | undefined;
  /** why the request did not succeed */
  error?: string;
}

/** What checkHistory finds in a history. */
export interface HistoryCheck {
  /** successful GETs checked */
  gets: number;
  /** successful PATCHes recorded */
  patches: number;
  /** requests that failed (non-2xx, unparseable name, network) */
  errors: number;
  /** GETs that returned a version older than one already written */
  stale: number;
  staleByInstance: Record<string, number>;
  /** the largest number of versions a stale read was behind */
  maxLag: number;
  /** a few stale reads and errors, described */
  examples: string[];
}

export interface LoadReport extends HistoryCheck {
  instances: number;
  users: number;
  /** the random seed of the run (reproducible interleaving choices) */
  seed: number;
  /** requests sent again after their kept-alive connection was reset unanswered */
  retried: number;
  /** every request of the run, in the order they ended */
  history: Operation[];
}

/** A small seeded PRNG (mulberry32), so that a run's choices can be replayed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const valueOf = (key: number, version: number | undefined): string => `load-k${key}-v${version}`;

/** The version a name carries, if it is one of ours for that key. */
export function versionOf(key: number, name: unknown): number | undefined {
  const match = typeof name === 'string' ? /^load-k(\d+)-v(\d+)$/.exec(name) : null;
  return match && Number(match[1]) === key ? Number(match[2]) : undefined;
}

/**
 * Checks a history: for each successful GET, the newest version of its user whose PATCH completed
 * before the GET started is the oldest version it may return. Pure: no clock, no I/O.
 * @param [options] initial: key → the version present before the run (0)
 */
export function checkHistory(history: Operation[], { initial = new Map() }: { initial?: Map<number, number> } = {}): HistoryCheck {
  const writes: Map<number, { end: number; version: number }[]> = new Map();
  let patches = 0;
  let gets = 0;
  let errors = 0;
  let stale = 0;
  let maxLag = 0;
  const staleByInstance: Record<string, number> = {};
  const examples = [];
  for (const o of history) {
    if (o.error !== undefined) {
      errors++;
      if (examples.length < 8) examples.push(`${o.op} user ${o.key} on ${o.instance}: ${o.error}`);
    } else if (o.op === 'PATCH') {
      patches++;
      const list = writes.get(o.key) ?? [];
      list.push({ end: o.end, version: o.version as number });
      writes.set(o.key, list);
    }
  }
  for (const list of writes.values()) list.sort((x, y) => x.end - y.end);
  for (const o of history) {
    if (o.op !== 'GET' || o.error !== undefined) continue;
    gets++;
    let required = initial.get(o.key) ?? 0;
    for (const w of writes.get(o.key) ?? []) {
      if (w.end >= o.start) break;
      required = Math.max(required, w.version);
    }
    const read = o.version as number;
    if (read < required) {
      stale++;
      maxLag = Math.max(maxLag, required - read);
      staleByInstance[o.instance] = (staleByInstance[o.instance] ?? 0) + 1;
      if (examples.length < 8) {
        examples.push(`GET user ${o.key} on ${o.instance} returned v${read} after v${required} had been written`);
      }
    }
  }
  return { gets, patches, errors, stale, staleByInstance, maxLag, examples };
}

/**
 * Creates the users, then runs `operations` interleaved GET/PATCH requests from `concurrency`
 * clients spread over the instances, and checks the history.
 */
export async function runLoad({
  instances,
  users = 50,
  operations = 1200,
  concurrency = 16,
  seed = Date.now() % 2 ** 31,
}: {
  instances: Endpoint[];
  users?: number;
  operations?: number;
  concurrency?: number;
  seed?: number;
}): Promise<LoadReport & { history: Operation[] }> {
  const rand = random(seed);
  const ids: number[] = [];
  for (let key = 0; key < users; key++) {
    const created = await request(instances[key % instances.length], 'POST', '/users', { name: valueOf(key, 0) });
    if (created.status >= 300 || created.body?.id === undefined) {
      throw new Error(`Creating user ${key} failed: HTTP ${created.status} ${created.text}`);
    }
    ids.push(created.body.id);
  }
  const versions = new Array(users).fill(0);
  const writing = new Array(users).fill(false);
  const history: Operation[] = [];
  let issued = 0;
  let retried = 0;

  const client = async () => {
    while (issued < operations) {
      issued++;
      const key = Math.floor(rand() * users);
      const instance = instances[Math.floor(rand() * instances.length)];
      const patch = rand() < 0.5 && !writing[key];
      const o: Operation = { op: patch ? 'PATCH' : 'GET', key, instance: instance.name, start: 0, end: 0, status: 0, version: undefined };
      if (patch) {
        writing[key] = true;
        o.version = ++versions[key];
      }
      o.start = performance.now();
      try {
        const reply = patch
          ? await request(instance, 'PATCH', `/users/${ids[key]}`, { name: valueOf(key, o.version as number) })
          : await request(instance, 'GET', `/users/${ids[key]}`);
        o.end = performance.now();
        // A GET sent again after a connection reset started when it was sent again (the stricter bound).
        if (reply.retried) {
          retried++;
          if (!patch) o.start = reply.sentAt;
        }
        o.status = reply.status;
        if (reply.status < 200 || reply.status >= 300) {
          o.error = `HTTP ${reply.status} ${reply.text.slice(0, 120)}`;
        } else if (!patch) {
          o.version = versionOf(key, reply.body?.name);
          if (o.version === undefined) o.error = `unexpected name ${JSON.stringify(reply.body?.name)}`;
        }
      } catch (error) {
        o.end = performance.now();
        o.error = (error as Error).message;
      }
      if (patch) writing[key] = false;
      history.push(o);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { instances: instances.length, users, seed, retried, ...checkHistory(history), history };
}

/** One line for logs and reports. */
export function describeLoad(report: LoadReport): string {
  return (
    `${report.gets + report.patches + report.errors} requests on ${report.instances} instances over ${report.users} users: ` +
    `${report.gets} GETs, ${report.patches} PATCHes, ${report.errors} errors, ${report.stale} stale reads` +
    (report.stale > 0 ? ` (up to ${report.maxLag} versions behind)` : '') +
    (report.retried ? `; ${report.retried} resent after a connection reset` : '')
  );
}
