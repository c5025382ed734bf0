// Pure helpers of the benchmark: summary statistics, ratios and markdown tables. No clock, no I/O:
// test/bench.spec.ts runs them (and asserts no timing).

/** The median of a list of numbers (the mean of the two middle values for an even count); NaN when empty. */
export function median(values: number[]): number {
  const sorted = finite(values).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The arithmetic mean of a list of numbers; NaN when empty. */
export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** The smallest and largest value: the noise a figure carries. */
export function range(values: number[]): { min: number; max: number } {
  const list = finite(values);
  if (list.length === 0) return { min: NaN, max: NaN };
  return { min: Math.min(...list), max: Math.max(...list) };
}

function finite(values: number[]): number[] {
  return values.filter((v) => typeof v === 'number' && Number.isFinite(v));
}

/** A figure's samples in short: their median, min–max and count (summarize). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The median, its min–max and the number of samples. */
export function summarize(values: number[]): Summary {
  return { median: median(values), ...range(values), n: finite(values).length };
}

/**
 * A fixed-precision number, grouped by thousands ("12,345.6"); "n/a" when not a finite number.
 */
export function formatNumber(value: number, digits = 0): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "1,234 (1,100–1,300)": a median with its min–max. */
export function formatSummary(summary: Summary, digits = 0): string {
  if (!Number.isFinite(summary.median)) return 'n/a';
  if (summary.n <= 1 || summary.min === summary.max) return formatNumber(summary.median, digits);
  return `${formatNumber(summary.median, digits)} (${formatNumber(summary.min, digits)}–${formatNumber(summary.max, digits)})`;
}

/** numerator / denominator, NaN when either is missing or the denominator is 0. */
export function ratio(numerator: number, denominator: number): number {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return NaN;
  return numerator / denominator;
}

/** What a ratio should be: at most or at least its target. */
export interface Goal {
  op: '<=' | '>=';
  target: number;
}

/**
 * A ratio against its goal: "1.04 ✓ (goal ≤ 1.10)" or "1.23 ✗ (goal ≤ 1.10)".
 */
export function formatRatio(value: number, goal?: Goal): string {
  if (!Number.isFinite(value)) return 'n/a';
  const text = value.toFixed(2);
  if (!goal) return text;
  const met = goal.op === '<=' ? value <= goal.target : value >= goal.target;
  return `${text} ${met ? '✓' : '✗'} (goal ${goal.op === '<=' ? '≤' : '≥'} ${goal.target.toFixed(2)})`;
}

/**
 * Per-round ratios of two series measured in alternation (round i of A against round i of B): their
 * min–max is the noise of the ratio itself.
 */
export function pairedRatios(numerators: number[], denominators: number[]): number[] {
  const n = Math.min(numerators.length, denominators.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(ratio(numerators[i], denominators[i]));
  return finite(out);
}

/**
 * A variant's figure per round when it ran on several instances: the mean of its instances in that
 * round (a fresh process of the same build differs from another by a few percent, so a variant is
 * measured on more than one and their mean is what is compared).
 * @returns indexed by round
 */
export function roundMeans(samples: { round: number; value: number }[]): number[] {
  const byRound: (number[] | undefined)[] = [];
  for (const { round, value } of samples) (byRound[round] ??= []).push(value);
  return Array.from(byRound, (values) => (values ? mean(values) : NaN));
}

/** How a cost grows with the size of the input (growth). */
export interface Growth {
  /** k of time ∝ size^k between the two largest sizes; NaN with fewer than two */
  exponent: number;
  /** the cost per unit between consecutive sizes */
  marginal: { from: number; to: number; perUnit: number }[];
}

/**
 * How a cost grows with the size of the input: the exponent k of time ∝ size^k between the two
 * largest sizes, where a fixed cost weighs least (1: linear, 2: quadratic), and the marginal cost per
 * unit between consecutive sizes (constant when linear, doubling with the size when quadratic).
 */
export function growth(points: { size: number; value: number }[]): Growth {
  const sorted = [...points].filter((p) => p.size > 0 && Number.isFinite(p.value)).sort((a, b) => a.size - b.size);
  const marginal: Growth['marginal'] = [];
  for (let i = 1; i < sorted.length; i++) {
    marginal.push({
      from: sorted[i - 1].size,
      to: sorted[i].size,
      perUnit: (sorted[i].value - sorted[i - 1].value) / (sorted[i].size - sorted[i - 1].size),
    });
  }
  let exponent = NaN;
  if (sorted.length >= 2) {
    const first = sorted[sorted.length - 2];
    const last = sorted[sorted.length - 1];
    if (first.value > 0 && last.value > 0 && last.size !== first.size) {
      exponent = Math.log(last.value / first.value) / Math.log(last.size / first.size);
    }
  }
  return { exponent, marginal };
}

/**
 * A GitHub markdown table. Cells are strings (or numbers, printed as they are); a `|` inside a cell
 * is escaped. `align` gives 'l' or 'r' per column (left by default).
 */
export function markdownTable(headers: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string {
  const cell = (value: string | number): string => String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const line = (cells: (string | number)[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = headers.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  for (const row of rows) {
    if (row.length !== headers.length)
      throw new Error(`A table row has ${row.length} cells for ${headers.length} columns: ${row.join(', ')}`);
  }
  return [line(headers), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/**
 * The order in which variants run: every round runs each variant once, in an order shuffled anew
 * every round (with the given PRNG, so a seed replays it). A fixed rotation (A B C, B C A, C A B)
 * would keep each variant right after the same one, which then always pays for what its
 * predecessor leaves behind (a GC after its burst of load on the shared CPU, for one).
 * @param rand  uniform in [0, 1)
 */
export function alternation<T>(variants: T[], rounds: number, rand: () => number): { round: number; variant: T }[] {
  const out: { round: number; variant: T }[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = [...variants];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const variant of order) out.push({ round, variant });
  }
  return out;
}
