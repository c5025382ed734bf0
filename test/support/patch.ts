/**
 * Applies a unified diff (one file) to a text, checking every context and removed line against it:
 * an independent reader of what src/cli/diff.ts writes, so that tests can prove a printed diff
 * turns the old file into the new one. Throws when a hunk does not match.
 */
export function applyUnifiedDiff(oldText: string, diff: string): string {
  const lines = diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (!lines[0]?.startsWith('--- ') || !lines[1]?.startsWith('+++ ')) throw new Error('not a unified diff: no ---/+++ header');
  const old = splitKeepingEnds(oldText);
  const out: string[] = [];
  let cursor = 0;
  let i = 2;
  while (i < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i]);
    if (!header) throw new Error(`expected a hunk header, got: ${lines[i]}`);
    const oldStart = Number(header[1]);
    const oldCount = header[2] === undefined ? 1 : Number(header[2]);
    const newCount = header[4] === undefined ? 1 : Number(header[4]);
    const start = oldCount === 0 ? oldStart : oldStart - 1;
    if (start < cursor) throw new Error(`hunk ${lines[i]} overlaps the previous one`);
    out.push(...old.slice(cursor, start));
    cursor = start;
    i++;
    let seenOld = 0;
    let seenNew = 0;
    while (i < lines.length && !lines[i].startsWith('@@')) {
      const kind = lines[i][0];
      const text = lines[i].slice(1);
      const noEol = lines[i + 1] === '\\ No newline at end of file';
      const line = noEol ? text : `${text}\n`;
      if (kind === ' ' || kind === '-') {
        if (old[cursor] !== line)
          throw new Error(`line ${cursor + 1} is ${JSON.stringify(old[cursor])}, the diff expects ${JSON.stringify(line)}`);
        cursor++;
        seenOld++;
      }
      if (kind === ' ' || kind === '+') {
        out.push(line);
        seenNew++;
      }
      if (kind !== ' ' && kind !== '-' && kind !== '+') throw new Error(`unexpected diff line: ${lines[i]}`);
      i += noEol ? 2 : 1;
    }
    if (seenOld !== oldCount || seenNew !== newCount)
      throw new Error(`hunk counts ${oldCount}/${newCount} do not match its lines ${seenOld}/${seenNew}`);
  }
  out.push(...old.slice(cursor));
  return out.join('');
}

function splitKeepingEnds(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}
