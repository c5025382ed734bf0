// One fork per request: many concurrent requests to one instance ask the proof's fork probe
// (GET /proof/forks, see addForkProbe in generate.ts) which EntityManager their handler works with
// and what it was forked from. With exactly one request context per request, every handler's
// EntityManager is the request context's, forked straight from the global one, and no two requests
// share one. Two nested contexts (a registration of the app's own plus @mikro-orm/nestjs's middleware)
// show as a fork of a fork; no context at all as the global EntityManager itself.
import { request } from './http.ts';
import { pooled } from './isolation.ts';
import type { Endpoint } from './processes.ts';

/**
 * What the probe answers for one request: the handler's EntityManager id, the request context's (or
 * null), and the chain from the handler's EntityManager up the forks, ending at the global one.
 */
export type ForkReply = { handler: number; requestContext: number | null; chain: { id: number; global: boolean }[] };

export interface ForkReport {
  requests: number;
  /** requests that failed */
  errors: number;
  /** how many requests' EntityManager was N forks away from the global one ('?' when the chain did not end at it) */
  forks: Record<string, number>;
  /** requests whose EntityManager was forked straight from the global one */
  oneFork: number;
  /** requests whose handler did not work on the request context's EntityManager */
  notRequestContext: number;
  /** distinct EntityManagers the handlers worked with */
  entityManagers: number;
  /** requests whose EntityManager another request also worked with */
  shared: number;
  /** requests with anything but exactly one fork of their own */
  violations: number;
  examples: string[];
}

/**
 * The verdict on the probe's replies (a pure function, so that it can be shown to fail on hand-made replies).
 */
export function checkForks(replies: { status: number; body: unknown; text?: string }[]): ForkReport {
  const report: ForkReport = {
    requests: replies.length,
    errors: 0,
    forks: {},
    oneFork: 0,
    notRequestContext: 0,
    entityManagers: 0,
    shared: 0,
    violations: 0,
    examples: [],
  };
  const note = (text: string) => report.examples.length < 8 && report.examples.push(text);
  const users = new Map<number, number>();
  for (const reply of replies) {
    const body = reply.body as ForkReply | undefined;
    if (reply.status >= 200 && reply.status < 300 && body && Array.isArray(body.chain))
      users.set(body.handler, (users.get(body.handler) ?? 0) + 1);
  }
  replies.forEach((reply, i) => {
    const body = reply.body as ForkReply | undefined;
    if (reply.status < 200 || reply.status >= 300 || !body || !Array.isArray(body.chain) || body.chain.length === 0) {
      report.errors++;
      report.violations++;
      note(`request ${i}: HTTP ${reply.status} ${String(reply.text ?? '').slice(0, 120)}`);
      return;
    }
    const endsAtGlobal = body.chain[body.chain.length - 1].global === true;
    const forks = endsAtGlobal ? body.chain.length - 1 : '?';
    report.forks[forks] = (report.forks[forks] ?? 0) + 1;
    const path = body.chain
      .map((em: { id: number; global: boolean }) => (em.global ? `global EntityManager ${em.id}` : `fork ${em.id}`))
      .join(' < ');
    let violated = false;
    if (forks === 1) report.oneFork++;
    else {
      violated = true;
      note(
        forks === 0
          ? `request ${i}: its handler worked on the global EntityManager ${body.handler} itself (no request context)`
          : forks === '?'
            ? `request ${i}: its EntityManager's forks do not lead to the global one (${path})`
            : `request ${i}: its handler's EntityManager is ${forks} forks away from the global one (${path})`,
      );
    }
    if (body.requestContext !== body.handler) {
      report.notRequestContext++;
      violated = true;
      note(`request ${i}: its handler worked on EntityManager ${body.handler}, the request context holds ${body.requestContext ?? 'none'}`);
    }
    if ((users.get(body.handler) ?? 0) > 1) {
      report.shared++;
      violated = true;
      if (forks !== 0) note(`request ${i}: EntityManager ${body.handler} served ${users.get(body.handler)} requests`);
    }
    if (violated) report.violations++;
  });
  report.entityManagers = users.size;
  return report;
}

/**
 * Sends `requests` probe requests to one instance, `concurrency` at a time, each waiting 0-20 ms in
 * its handler so that they overlap, and checks the replies.
 */
export async function runForkCheck({
  instance,
  requests = 100,
  concurrency = 16,
}: {
  instance: Endpoint;
  requests?: number;
  concurrency?: number;
}): Promise<ForkReport> {
  const replies = await pooled(
    Array.from(
      { length: requests },
      (_, i) => () =>
        request(instance, 'GET', `/proof/forks?waitMs=${(i * 7) % 21}`).catch((error: Error) => ({
          status: 0,
          body: undefined,
          text: (error as Error).message,
        })),
    ),
    concurrency,
  );
  return checkForks(replies);
}

export function describeForks(r: ForkReport): string {
  const forks = Object.entries(r.forks)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([n, count]) =>
        `${count} × ${n === '?' ? 'not from the global EntityManager' : n === '0' ? 'the global EntityManager itself' : n === '1' ? '1 fork of the global one' : `${n} forks deep`}`,
    )
    .join(', ');
  return (
    `${r.requests} requests on ${r.entityManagers} EntityManager(s): ${forks || 'no answer'}; ` +
    `${r.notRequestContext} not the request context's, ${r.shared} shared, ${r.errors} errors`
  );
}
