/**
 * Unified diffs of two texts (what `diff -u` / `git diff` print), for showing what a dry run would
 * change. Pure: no colour, no I/O. Lines are compared with their line terminator, so a changed
 * line ending or a missing final newline shows up as a change.
 */

export interface Edit {
  kind: ' ' | '-' | '+';
  /** the line with its terminator ('\n' or '\r\n'); the last line of a text may have none */
  line: string;
}

export interface DiffOptions {
  /** label of the old text in the `---` header (e.g. `a/src/main.ts`) */
  oldLabel?: string;
  /** label of the new text in the `+++` header */
  newLabel?: string;
  /** unchanged lines shown around each change (3, as diff -u and git) */
  context?: number;
}

/** Above this many differing lines the texts are shown as one replacement, which keeps memory bounded. */
const MAX_EDIT_DISTANCE = 1000;

/** The text split into lines that keep their terminator: 'a\nb' → ['a\n', 'b']. */
export function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** A shortest edit script from `a` to `b` (Myers' algorithm), deletions before insertions in each change. */
export function diffLines(a: string[], b: string[]): Edit[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const same = (lines: string[]): Edit[] => lines.map((line) => ({ kind: ' ', line }));
  const middle = myers(a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix));
  return [...same(a.slice(0, prefix)), ...middle, ...same(a.slice(a.length - suffix))];
}

function myers(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const replaceAll = (): Edit[] => [...a.map((line): Edit => ({ kind: '-', line })), ...b.map((line): Edit => ({ kind: '+', line }))];
  if (n === 0 || m === 0) return replaceAll();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  // v[k + offset]: the furthest x reached on diagonal k = x - y. Step d only reads the diagonals of
  // step d - 1, so v is updated in place; trace[d] keeps diagonals -(d+1)..d+1 of v before step d.
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[k - 1 + offset] < v[k + 1 + offset]);
      let x = down ? v[k + 1 + offset] : v[k - 1 + offset] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace);
    }
  }
  return replaceAll();
}

function backtrack(a: string[], b: string[], trace: Int32Array[]): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const at = (k: number): number => trace[d][k + d + 1];
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ kind: ' ', line: a[--x] });
      y--;
    }
    if (d > 0) {
      if (down) edits.push({ kind: '+', line: b[--y] });
      else edits.push({ kind: '-', line: a[--x] });
    }
  }
  return orderChanges(edits.reverse());
}

/** Within each run of changes, deletions first, then insertions (as diff -u prints them). */
function orderChanges(edits: Edit[]): Edit[] {
  const out: Edit[] = [];
  for (let i = 0; i < edits.length;) {
    if (edits[i].kind === ' ') {
      out.push(edits[i++]);
      continue;
    }
    let j = i;
    while (j < edits.length && edits[j].kind !== ' ') j++;
    const run = edits.slice(i, j);
    out.push(...run.filter((e) => e.kind === '-'), ...run.filter((e) => e.kind === '+'));
    i = j;
  }
  return out;
}

/**
 * The unified diff from `oldText` to `newText`: `---`/`+++` headers, then `@@ -l,s +l,s @@` hunks
 * with `context` unchanged lines around each change. Empty when the texts are equal.
 */
export function unifiedDiff(oldText: string, newText: string, options: DiffOptions = {}): string {
  if (oldText === newText) return '';
  const context = options.context ?? 3;
  const edits = diffLines(splitLines(oldText), splitLines(newText));
  const out = [`--- ${options.oldLabel ?? 'a'}`, `+++ ${options.newLabel ?? 'b'}`];
  for (const hunk of hunks(edits, context)) out.push(...hunk);
  return `${out.join('\n')}\n`;
}

/** Groups edits into hunks: changes closer than 2 × context lines share one hunk. */
function hunks(edits: Edit[], context: number): string[][] {
  const changed = edits.map((e, i) => (e.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  const result: string[][] = [];
  // line numbers (0-based) in the old and new text before each edit
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let n = 0;
  for (const e of edits) {
    oldAt.push(o);
    newAt.push(n);
    if (e.kind !== '+') o++;
    if (e.kind !== '-') n++;
  }
  let i = 0;
  while (i < changed.length) {
    let last = changed[i];
    let j = i + 1;
    while (j < changed.length && changed[j] - last - 1 <= 2 * context) last = changed[j++];
    const from = Math.max(0, changed[i] - context);
    const to = Math.min(edits.length, last + context + 1);
    const slice = edits.slice(from, to);
    const oldCount = slice.filter((e) => e.kind !== '+').length;
    const newCount = slice.filter((e) => e.kind !== '-').length;
    const lines = [`@@ -${range(oldAt[from], oldCount)} +${range(newAt[from], newCount)} @@`];
    for (const e of slice) {
      const text = e.line.endsWith('\n') ? e.line.slice(0, -1) : e.line;
      lines.push(`${e.kind}${text}`);
      if (!e.line.endsWith('\n')) lines.push('\\ No newline at end of file');
    }
    result.push(lines);
    i = j;
  }
  return result;
}

/** `start,count` of a hunk (1-based; the line before when empty; `,1` left out as diff -u does). */
function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  return count === 1 ? `${start + 1}` : `${start + 1},${count}`;
}
