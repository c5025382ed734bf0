// The matrix's results and the table it prints: one row per shape × driver × step, one column per
// gate, each cell its verdict and its time.
import { GATE_NAMES, type GateName } from './plan.ts';

/** What one command did: whether it held, how long it took, what it printed (the end of it). */
export interface Outcome {
  ok: boolean;
  seconds: number;
  /** why it is red, in one line (exit code, files changed by --fix, a file the step did not create) */
  reason?: string;
  output: string;
}

export interface Row {
  shape: string;
  /** `-` for the app as `nest new` made it, before any driver is chosen */
  driver: string;
  step: string;
  /** the step's schematic calls; undefined for the baseline row */
  run?: Outcome;
  gates: Partial<Record<GateName, Outcome>>;
}

const cell = (outcome: Outcome | undefined): string => (outcome ? `${outcome.ok ? 'ok' : '**FAIL**'} ${outcome.seconds.toFixed(1)}s` : '·');

/** A markdown table: shape | db | step | run | build | test | e2e | lint | format. `·` is a gate not run after that step. */
export function renderTable(rows: readonly Row[]): string {
  const header = ['shape', 'db', 'step', 'run', ...GATE_NAMES];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows)
    lines.push(`| ${[row.shape, row.driver, row.step, cell(row.run), ...GATE_NAMES.map((g) => cell(row.gates[g]))].join(' | ')} |`);
  return lines.join('\n');
}

/** Every red cell: where, and why. */
export function redCells(rows: readonly Row[]): { where: string; outcome: Outcome }[] {
  const red: { where: string; outcome: Outcome }[] = [];
  for (const row of rows) {
    const at = `${row.shape} / ${row.driver} / ${row.step}`;
    if (row.run && !row.run.ok) red.push({ where: `${at} / run`, outcome: row.run });
    for (const gate of GATE_NAMES) {
      const outcome = row.gates[gate];
      if (outcome && !outcome.ok) red.push({ where: `${at} / ${gate}`, outcome });
    }
  }
  return red;
}

/** Seconds as `12m 34s`. */
export function duration(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole}s` : `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}
