'use strict';
// Isolation within one instance: many concurrent requests, each loading and modifying its own row
// through the proof's scaffolding endpoint (POST /proof/isolation/:id, see generate.cjs). None may
// see another request's entities in its identity map, none may be about to flush another's
// unflushed change, and each row ends up with its own request's value.
const { request } = require('./http.cjs');

/**
 * @typedef {object} IsolationReport
 * @property {number} requests
 * @property {number} contexts          distinct EntityManager ids the requests ran on
 * @property {number} sawOthers         requests whose identity map held other requests' entities
 * @property {number} wouldFlushOthers  requests whose change sets held other requests' changes
 * @property {number} rowMismatches     rows whose final value is not their own request's
 * @property {number} errors            requests that failed
 * @property {number} violations        requests with any of the above
 * @property {string[]} examples
 */

/** Runs `tasks` with at most `limit` at a time. */
async function pooled(tasks, limit) {
  const results = new Array(tasks.length);
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
 * @param {{ instance: import('./processes.cjs').Instance, database: import('./database.cjs').ProofDatabase, requests?: number }} options
 * @returns {Promise<IsolationReport>}
 */
async function runIsolation({ instance, database, requests = 200 }) {
  const ids = await pooled(
    Array.from({ length: requests }, (_, i) => async () => {
      const created = await request(instance, 'POST', '/users', { name: `iso-${i}-before` });
      if (created.status >= 300 || created.body?.id === undefined) throw new Error(`Creating user iso-${i} failed: HTTP ${created.status} ${created.text}`);
      return Number(created.body.id);
    }),
    16,
  );
  const markers = ids.map((id, i) => `iso-${i}-by-request-${id}`);
  // All at once: the waits (0-40 ms) make them overlap inside the instance.
  const replies = await Promise.all(
    ids.map((id, i) =>
      request(instance, 'POST', `/proof/isolation/${id}`, { marker: markers[i], waitMs: (i * 37) % 41 }).catch((error) => ({
        status: 0,
        body: undefined,
        text: /** @type {Error} */ (error).message,
      })),
    ),
  );
  const rows = await database.readNames(ids);
  const contexts = new Set();
  const report = { requests, contexts: 0, sawOthers: 0, wouldFlushOthers: 0, rowMismatches: 0, errors: 0, violations: 0, examples: /** @type {string[]} */ ([]) };
  const note = (text) => report.examples.length < 8 && report.examples.push(text);
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
      const otherSeen = seen.filter((x) => x !== id);
      const otherChanged = changed.filter((x) => x !== id);
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

function describeIsolation(r) {
  return (
    `${r.requests} concurrent requests on ${r.contexts} EntityManager(s): ${r.sawOthers} saw others' entities, ` +
    `${r.wouldFlushOthers} held others' unflushed changes, ${r.rowMismatches} rows not their own request's value, ${r.errors} errors`
  );
}

module.exports = { runIsolation, describeIsolation, pooled };
