// The seed's stale-data scenario: two instances of one app on one database. Instance A reads a
// user, instance B renames it, the row in the database changes; A must then serve the new name.
// A global EntityManager serves the name it cached instead: the bug this package exists to prevent.
import { type Reply, request } from './http.ts';
import type { ProofDatabase } from './database.ts';
import type { Endpoint } from './processes.ts';

export interface StepResult {
  step: number;
  action: string;
  /** which instance answered ("-" for the database) */
  instance: string;
  expected: string;
  actual: string;
  /** actual === expected */
  ok: boolean;
  /** the step that tells a fresh read from a stale one */
  decisive: boolean;
}

export const FIRST = 'John';
export const SECOND = 'Mike';

/** What a user reply shows in the table: its name, or the status and text when it is not a user. */
function shown(reply: Reply): string {
  if (reply.status >= 200 && reply.status < 300 && reply.body && typeof reply.body === 'object' && 'name' in reply.body) {
    return String(reply.body.name);
  }
  return `HTTP ${reply.status} ${reply.text.slice(0, 80)}`;
}

/**
 * Runs the six steps on instances A and B of one build, on a database where no user exists yet.
 */
export async function runScenario({
  a,
  b,
  database,
}: {
  a: Endpoint;
  b: Endpoint;
  database: ProofDatabase;
}): Promise<{ steps: StepResult[]; stale: boolean; fresh: boolean }> {
  const steps: StepResult[] = [];
  const record = (action: string, instance: string, expected: string, actual: string, decisive = false): number =>
    steps.push({ step: steps.length + 1, action, instance, expected, actual, ok: actual === expected, decisive });

  const created = await request(a, 'POST', '/users', { name: FIRST });
  const id = created.body && typeof created.body === 'object' ? created.body.id : undefined;
  record(
    `POST /users {"name":"${FIRST}"}`,
    a.name,
    `user 1 "${FIRST}"`,
    id === undefined ? shown(created) : `user ${id} "${shown(created)}"`,
  );
  if (id === undefined) throw new Error(`Creating the user failed on instance ${a.name}: HTTP ${created.status} ${created.text}`);

  record(`GET /users/${id}`, a.name, FIRST, shown(await request(a, 'GET', `/users/${id}`)));
  record(`PATCH /users/${id} {"name":"${SECOND}"}`, b.name, SECOND, shown(await request(b, 'PATCH', `/users/${id}`, { name: SECOND })));
  const row = (await database.readNames([Number(id)])).get(Number(id));
  record(`row of user ${id}, read from the database`, '-', SECOND, row ?? '(no row)');
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

/**
 * The verdict of a demo run: 0 when the control served stale data and the generated app never did,
 * 1 when the generated app served stale or wrong data, 2 when the control did not reproduce the bug
 * (then the run proves nothing). Load reports, when given, must agree; so must the generated app's
 * one-fork check, when given (every request exactly one fork of the global EntityManager).
 */
export function verdict({
  control,
  generated,
  loads,
  forks,
}: {
  control: { stale: boolean };
  generated: { fresh: boolean };
  loads?: { control: { stale: number }; generated: { stale: number; errors: number } };
  forks?: { generated: { violations: number } };
}): { code: 0 | 1 | 2; message: string } {
  if (!control.stale || (loads && loads.control.stale === 0)) {
    return {
      code: 2,
      message: 'FAIL: the control did not serve stale data, so this run proves nothing (the scenario no longer reproduces the bug).',
    };
  }
  if (!generated.fresh || (loads && (loads.generated.stale > 0 || loads.generated.errors > 0))) {
    return { code: 1, message: 'FAIL: the generated app served stale or wrong data (see the table).' };
  }
  if (forks && forks.generated.violations > 0) {
    return {
      code: 1,
      message: `FAIL: in the generated app, ${forks.generated.violations} request(s) did not work on exactly one fork of the global EntityManager.`,
    };
  }
  return {
    code: 0,
    message: `PASS: without a request context, instance A served "${FIRST}" after the row said "${SECOND}"; the generated app served "${SECOND}" on every instance.`,
  };
}

/**
 * The steps of both builds side by side, as a markdown table (it pastes into docs as it is).
 */
export function scenarioTable(control: StepResult[], generated: StepResult[]): string {
  const mark = (s: StepResult): string => (s.ok ? s.actual : `${s.actual} (${s.decisive ? 'STALE' : 'unexpected'})`);
  const rows = control.map((c, i) => [String(c.step), c.action, c.instance, c.expected, mark(c), mark(generated[i])]);
  const head = [
    'step',
    'action',
    'instance',
    'expected',
    'control: global EM, allowGlobalContext',
    'generated: init + repository + resource',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
