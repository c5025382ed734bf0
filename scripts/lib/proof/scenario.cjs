'use strict';
// The seed's stale-data scenario: two instances of one app on one database. Instance A reads a
// user, instance B renames it, the row in the database changes; A must then serve the new name.
// A global EntityManager serves the name it cached instead: the bug this package exists to prevent.
const { request } = require('./http.cjs');

/**
 * @typedef {object} StepResult
 * @property {number} step
 * @property {string} action
 * @property {string} instance   which instance answered ("-" for the database)
 * @property {string} expected
 * @property {string} actual
 * @property {boolean} ok        actual === expected
 * @property {boolean} decisive  the step that tells a fresh read from a stale one
 */

const FIRST = 'John';
const SECOND = 'Mike';

/** What a user reply shows in the table: its name, or the status and text when it is not a user. */
function shown(reply) {
  if (reply.status >= 200 && reply.status < 300 && reply.body && typeof reply.body === 'object' && 'name' in reply.body) {
    return String(reply.body.name);
  }
  return `HTTP ${reply.status} ${reply.text.slice(0, 80)}`;
}

/**
 * Runs the six steps on instances A and B of one build, on a database where no user exists yet.
 * @param {{ a: import('./processes.cjs').Instance, b: import('./processes.cjs').Instance, database: import('./database.cjs').ProofDatabase }} run
 * @returns {Promise<{ steps: StepResult[], stale: boolean, fresh: boolean }>}
 */
async function runScenario({ a, b, database }) {
  /** @type {StepResult[]} */
  const steps = [];
  const record = (action, instance, expected, actual, decisive = false) =>
    steps.push({ step: steps.length + 1, action, instance, expected, actual, ok: actual === expected, decisive });

  const created = await request(a, 'POST', '/users', { name: FIRST });
  const id = created.body && typeof created.body === 'object' ? created.body.id : undefined;
  record(`POST /users {"name":"${FIRST}"}`, a.name, `user 1 "${FIRST}"`, id === undefined ? shown(created) : `user ${id} "${shown(created)}"`);
  if (id === undefined) throw new Error(`Creating the user failed on instance ${a.name}: HTTP ${created.status} ${created.text}`);

  record(`GET /users/${id}`, a.name, FIRST, shown(await request(a, 'GET', `/users/${id}`)));
  record(`PATCH /users/${id} {"name":"${SECOND}"}`, b.name, SECOND, shown(await request(b, 'PATCH', `/users/${id}`, { name: SECOND })));
  const row = (await database.readNames([Number(id)])).get(Number(id));
  record(`database row user ${id}`, '-', SECOND, row ?? '(no row)');
  record(`GET /users/${id}`, b.name, SECOND, shown(await request(b, 'GET', `/users/${id}`)));
  const last = shown(await request(a, 'GET', `/users/${id}`));
  record(`GET /users/${id}`, a.name, SECOND, last, true);

  return {
    steps,
    // The decisive read on A gave the name A had cached although the row changed.
    stale: last === FIRST && row === SECOND,
    fresh: steps.every((s) => s.ok),
  };
}

module.exports = { runScenario, FIRST, SECOND };
