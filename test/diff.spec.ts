import { diffLines, splitLines, unifiedDiff } from '../src/cli/diff';
import { applyUnifiedDiff } from './support/patch';

/** Deterministic pseudo-random numbers, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Length of the longest common subsequence: a shortest edit script has n + m - 2 × this many changes. */
function lcs(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = a.length - 1; i >= 0; i--) {
    let diagonal = 0;
    for (let j = b.length - 1; j >= 0; j--) {
      const below = row[j];
      row[j] = a[i] === b[j] ? diagonal + 1 : Math.max(row[j], row[j + 1]);
      diagonal = below;
    }
  }
  return row[0];
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  // Expected texts below are what GNU `diff -u --label a/f --label b/f` prints for the same inputs.
  it('prints one hunk with three lines of context around an insertion, as diff -u does', () => {
    const before = ['import a;', 'import b;', '', 'function f() {', '  one();', '  two();', '}', 'f();', ''].join('\n');
    const after = ['import a;', 'import c;', 'import b;', '', 'function f() {', '  one();', '  extra();', '  two();', '}', 'f();', ''].join(
      '\n',
    );
    expect(unifiedDiff(before, after, { oldLabel: 'a/f', newLabel: 'b/f' })).toBe(
      [
        '--- a/f',
        '+++ b/f',
        '@@ -1,8 +1,10 @@',
        ' import a;',
        '+import c;',
        ' import b;',
        ' ',
        ' function f() {',
        '   one();',
        '+  extra();',
        '   two();',
        ' }',
        ' f();',
        '',
      ].join('\n'),
    );
  });

  it('splits changes more than 2 × context lines apart into hunks, and marks a missing final newline', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const after = before.replace('line 2\n', 'line two\n') + '\n';
    expect(unifiedDiff(before, after, { oldLabel: 'a/f', newLabel: 'b/f' })).toBe(
      [
        '--- a/f',
        '+++ b/f',
        '@@ -1,5 +1,5 @@',
        ' line 1',
        '-line 2',
        '+line two',
        ' line 3',
        ' line 4',
        ' line 5',
        '@@ -17,4 +17,4 @@',
        ' line 17',
        ' line 18',
        ' line 19',
        '-line 20',
        '\\ No newline at end of file',
        '+line 20',
        '',
      ].join('\n'),
    );
  });

  it('writes the start of an empty range as the line before it (diff -u)', () => {
    expect(unifiedDiff('', 'x\n', { oldLabel: 'a', newLabel: 'b' })).toBe('--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n');
    expect(unifiedDiff('a\nb\n', 'a\n', { oldLabel: 'a', newLabel: 'b' })).toBe('--- a\n+++ b\n@@ -1,2 +1 @@\n a\n-b\n');
  });

  it('treats a changed line ending as a change (CRLF kept in the printed line)', () => {
    const diff = unifiedDiff('a\r\nb\r\n', 'a\r\nb\n');
    expect(diff.split('\n').slice(2)).toEqual(['@@ -1,2 +1,2 @@', ' a\r', '-b\r', '+b', '']);
  });

  it('turns the old text into the new one and is a shortest edit script, for 600 random pairs', () => {
    const next = random(42);
    const words = ['a', 'b', 'c', 'd', 'e\r'];
    const text = (n: number) =>
      Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join('\n') + (next() < 0.8 ? '\n' : '');
    for (let round = 0; round < 600; round++) {
      const before = text(Math.floor(next() * 40));
      const after = text(Math.floor(next() * 40));
      const diff = unifiedDiff(before, after);
      expect(diff === '' ? before : applyUnifiedDiff(before, diff)).toBe(after);
      const a = splitLines(before);
      const b = splitLines(after);
      const changes = diffLines(a, b).filter((e) => e.kind !== ' ').length;
      expect(changes).toBe(a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('stays correct for texts too different for a bounded search (replaced as a whole)', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join('\n');
    const diff = unifiedDiff(before, after);
    expect(applyUnifiedDiff(before, diff)).toBe(after);
  });
});
