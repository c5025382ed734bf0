import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Endpoint, Operation, proof, ProofDatabase } from './support/proof';

/**
 * The proof's own checks can fail: the staleness checker and the one-fork check on hand-made
 * histories and replies, and the scenario and the load run against in-process stand-in servers, one
 * set sharing one store (always fresh) and one set where each instance keeps what it loaded, as a
 * global identity map does.
 */
describe('checkHistory', () => {
  const operation =
    (op: 'GET' | 'PATCH', instance: string) =>
    (key: number, version: number, start: number, end: number, on = instance): Operation => ({
      op,
      key,
      instance: on,
      start,
      end,
      status: 200,
      version,
    });
  const patch = operation('PATCH', 'B');
  const get = operation('GET', 'A');

  it('flags a GET that started after a PATCH completed and returned the older version', () => {
    const result = proof.checkHistory([patch(0, 1, 0, 10), get(0, 0, 11, 12)]);
    expect(result).toMatchObject({ gets: 1, patches: 1, errors: 0, stale: 1, maxLag: 1, staleByInstance: { A: 1 } });
    expect(result.examples[0]).toContain('GET user 0 on A returned v0 after v1 had been written');
  });

  it('accepts either value from a GET that overlaps the PATCH', () => {
    expect(proof.checkHistory([patch(0, 1, 0, 10), get(0, 0, 5, 15), get(0, 1, 5, 15)]).stale).toBe(0);
  });

  it('requires the newest completed version, and accepts a version whose PATCH is still running', () => {
    const history = [patch(0, 1, 0, 10), patch(0, 2, 20, 30), patch(0, 3, 40, 50), get(0, 1, 31, 35), get(0, 3, 41, 45), get(0, 2, 31, 33)];
    const result = proof.checkHistory(history);
    expect(result.stale).toBe(1);
    expect(result.maxLag).toBe(1);
  });

  it('keeps users apart, counts failed requests as errors and never checks them', () => {
    const failed: Operation = { ...get(1, 0, 100, 101), status: 500, error: 'HTTP 500' };
    const result = proof.checkHistory([patch(0, 5, 0, 10), get(1, 0, 20, 21), failed, { ...patch(1, 1, 0, 1), error: 'HTTP 500' }]);
    expect(result).toMatchObject({ gets: 1, patches: 1, errors: 2, stale: 0 });
  });

  it('starts from the given initial versions', () => {
    expect(proof.checkHistory([get(0, 1, 5, 6)], { initial: new Map([[0, 2]]) }).stale).toBe(1);
    expect(proof.checkHistory([get(0, 2, 5, 6)], { initial: new Map([[0, 2]]) }).stale).toBe(0);
  });
});

/** In-process stand-ins for instances of a users API on one shared store; `caching` ones keep what they loaded. */
async function standIns(
  count: number,
  caching: boolean,
): Promise<{ instances: Endpoint[]; database: ProofDatabase; close: () => Promise<void> }> {
  const store = new Map<number, string>();
  let nextId = 1;
  const servers: Server[] = [];
  const instances: Endpoint[] = [];
  for (let i = 0; i < count; i++) {
    const cache = new Map<number, string>();
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const send = (status: number, value?: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(value === undefined ? '' : JSON.stringify(value));
        };
        const id = Number(/^\/users\/(\d+)$/.exec(req.url ?? '')?.[1]);
        if (req.method === 'GET' && req.url === '/') return send(200, 'hello');
        if (req.method === 'POST' && req.url === '/users') {
          const user = { id: nextId++, name: JSON.parse(body).name as string };
          store.set(user.id, user.name);
          if (caching) cache.set(user.id, user.name);
          return send(201, user);
        }
        if (!store.has(id)) return send(404, { message: 'not found' });
        if (req.method === 'PATCH') {
          const name = JSON.parse(body).name as string;
          store.set(id, name);
          if (caching) cache.set(id, name);
          return send(200, { id, name });
        }
        if (req.method === 'GET') {
          if (caching && !cache.has(id)) cache.set(id, store.get(id)!);
          return send(200, { id, name: caching ? cache.get(id) : store.get(id) });
        }
        send(405);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    servers.push(server);
    instances.push({ name: 'ABCD'[i], port, url: `http://127.0.0.1:${port}`, output: () => '' });
  }
  const database: ProofDatabase = {
    driver: 'memory',
    label: 'memory',
    env: {},
    readNames: async (ids) => new Map(ids.filter((id) => store.has(id)).map((id) => [id, store.get(id)!])),
    drop: async () => undefined,
  };
  const close = async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  };
  return { instances, database, close };
}

describe('verdict (the exit code of npm run demo)', () => {
  const fresh = { stale: false, fresh: true };
  const stale = { stale: true, fresh: false };
  it.each([
    ['control stale, generated fresh', stale, fresh, undefined, 0],
    ['the control did not reproduce the bug', fresh, fresh, undefined, 2],
    ['the generated app served stale data', stale, stale, undefined, 1],
    ['load: the generated app had stale reads', stale, fresh, { control: { stale: 9 }, generated: { stale: 1, errors: 0 } }, 1],
    ['load: the generated app had errors', stale, fresh, { control: { stale: 9 }, generated: { stale: 0, errors: 3 } }, 1],
    ['load: the control had no stale read', stale, fresh, { control: { stale: 0 }, generated: { stale: 0, errors: 0 } }, 2],
  ])('%s', (_label, control, generated, loads, code) => {
    expect(proof.verdict({ control, generated, loads }).code).toBe(code);
  });
  it('one fork per request: a generated app whose requests are not each one fork of the global EntityManager fails', () => {
    expect(proof.verdict({ control: stale, generated: fresh, forks: { generated: { violations: 0 } } }).code).toBe(0);
    expect(proof.verdict({ control: stale, generated: fresh, forks: { generated: { violations: 100 } } })).toEqual({
      code: 1,
      message: 'FAIL: in the generated app, 100 request(s) did not work on exactly one fork of the global EntityManager.',
    });
  });
});

describe('the scenario and the load check tell a fresh API from a caching one', () => {
  it.each([
    ['shared store', false],
    ['instances that keep what they loaded', true],
  ])('%s', async (_label, caching) => {
    const { instances, database, close } = await standIns(3, caching);
    try {
      const scenario = await proof.runScenario({ a: instances[0], b: instances[1], database });
      expect(scenario.stale).toBe(caching);
      expect(scenario.fresh).toBe(!caching);
      expect(scenario.steps.map((s) => s.actual)).toEqual(['user 1 "John"', 'John', 'Mike', 'Mike', 'Mike', caching ? 'John' : 'Mike']);

      const load = await proof.runLoad({ instances, users: 20, operations: 600, concurrency: 8, seed: 7 });
      expect(load.gets + load.patches).toBe(600);
      expect(load.errors).toBe(0);
      if (caching) expect(load.stale).toBeGreaterThan(0);
      else expect(load.stale).toBe(0);

      // The demo's exit code with this run as the control (beside a fresh app) or as the generated app (beside a stale control).
      const asControl = proof.verdict({ control: scenario, generated: { fresh: true } }).code;
      const asGenerated = proof.verdict({ control: { stale: true }, generated: scenario }).code;
      expect([asControl, asGenerated]).toEqual(caching ? [0, 1] : [2, 0]);
      const table = proof.scenarioTable(scenario.steps, scenario.steps).split('\n');
      expect(table).toHaveLength(2 + 6);
      expect(table[7]).toContain(caching ? 'John (STALE)' : '| Mike ');
    } finally {
      await close();
    }
  });
});

describe('checkForks (the one-fork check)', () => {
  const ok = (body: unknown) => ({ status: 200, body });
  /** A handler's EntityManager `id`, forked `depth` times from the global EntityManager 1 (ids counting down to it). */
  const reply = (id: number, depth: number, requestContext: number | null = depth > 0 ? id : null) =>
    ok({
      handler: id,
      requestContext,
      chain: Array.from({ length: depth + 1 }, (_, i) => ({ id: i === depth ? 1 : id - i, global: i === depth })),
    });

  it('passes requests whose handler works on the request context, forked straight from the global EntityManager', () => {
    const report = proof.checkForks([reply(10, 1), reply(11, 1), reply(12, 1)]);
    expect(report).toMatchObject({
      requests: 3,
      forks: { 1: 3 },
      oneFork: 3,
      entityManagers: 3,
      shared: 0,
      notRequestContext: 0,
      violations: 0,
      errors: 0,
    });
    expect(report.examples).toEqual([]);
  });

  it('flags a fork of a fork (two nested request contexts)', () => {
    const report = proof.checkForks([reply(11, 2), reply(21, 2)]);
    expect(report).toMatchObject({ forks: { 2: 2 }, oneFork: 0, violations: 2 });
    expect(report.examples[0]).toBe(
      "request 0: its handler's EntityManager is 2 forks away from the global one (fork 11 < fork 10 < global EntityManager 1)",
    );
  });

  it('flags the global EntityManager (no context), a shared fork, a handler off the request context, a chain that misses the global one, and errors', () => {
    expect(proof.checkForks([reply(1, 0), reply(1, 0)])).toMatchObject({ forks: { 0: 2 }, entityManagers: 1, shared: 2, violations: 2 });
    expect(proof.checkForks([reply(7, 1), reply(7, 1)])).toMatchObject({ oneFork: 2, shared: 2, violations: 2 });
    expect(proof.checkForks([reply(7, 1, 8)])).toMatchObject({ oneFork: 1, notRequestContext: 1, violations: 1 });
    expect(proof.checkForks([ok({ handler: 5, requestContext: 5, chain: [{ id: 5, global: false }] })])).toMatchObject({
      forks: { '?': 1 },
      violations: 1,
    });
    const failed = proof.checkForks([
      { status: 500, body: { message: 'boom' }, text: 'boom' },
      { status: 0, body: undefined, text: 'ECONNREFUSED' },
    ]);
    expect(failed).toMatchObject({ errors: 2, violations: 2, forks: {} });
  });
});
