import { DryRunEvent } from '@angular-devkit/schematics';
import { unifiedDiff } from './diff';

export type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'blue' | 'bold' | 'dim';

const CODES: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  blue: [34, 39],
  bold: [1, 22],
  dim: [2, 22],
};

export type Paint = (colour: Colour, text: string) => string;

export function painter(enabled: boolean): Paint {
  return enabled ? (colour, text) => `\u001b[${CODES[colour][0]}m${text}\u001b[${CODES[colour][1]}m` : (_colour, text) => text;
}

/**
 * Whether to colour a stream: `--color`/`--no-color` decide; otherwise FORCE_COLOR, then NO_COLOR,
 * then whether the stream is a terminal.
 */
export function useColour(flag: boolean | undefined, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (flag !== undefined) return flag;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const strip = (path: string): string => path.replace(/^\/+/, '');

/**
 * The lines the Nest CLI prints for one change (`CREATE path (N bytes)`, `UPDATE …`, `DELETE path`,
 * `RENAME a => b`), followed for an update by the unified diff from `before` when it is given.
 */
export function describeEvent(event: DryRunEvent, paint: Paint, before?: Buffer): string[] {
  switch (event.kind) {
    case 'create':
      return [`${paint('green', 'CREATE')} ${strip(event.path)} (${bytes(event.content).length} bytes)`];
    case 'update': {
      const after = bytes(event.content);
      const lines = [`${paint('cyan', 'UPDATE')} ${strip(event.path)} (${after.length} bytes)`];
      if (before) lines.push(...colourDiff(textDiff(strip(event.path), before, after), paint));
      return lines;
    }
    case 'delete':
      return [`${paint('yellow', 'DELETE')} ${strip(event.path)}`];
    case 'rename':
      return [`${paint('blue', 'RENAME')} ${strip(event.path)} => ${strip(event.to)}`];
    case 'error':
      return [
        `${paint('red', 'ERROR!')} ${strip(event.path)} ${event.description === 'alreadyExist' ? 'already exists' : 'does not exist'}.`,
      ];
  }
}

/** The devkit types file contents as ArrayBufferLike; at run time they are Buffers. */
function bytes(content: ArrayBufferLike | Uint8Array): Buffer {
  return ArrayBuffer.isView(content) ? Buffer.from(content.buffer, content.byteOffset, content.byteLength) : Buffer.from(content);
}

function textDiff(path: string, before: Buffer, after: Buffer): string {
  if (before.includes(0) || after.includes(0)) return `Binary file ${path} changes.\n`;
  return unifiedDiff(before.toString('utf8'), after.toString('utf8'), { oldLabel: `a/${path}`, newLabel: `b/${path}` });
}

/** Colours a unified diff line by line (headers bold, hunks cyan, removals red, additions green). */
export function colourDiff(diff: string, paint: Paint): string[] {
  return diff
    .replace(/\n$/, '')
    .split('\n')
    .map((line, index) => {
      if (index < 2 && (line.startsWith('--- ') || line.startsWith('+++ '))) return paint('bold', line);
      if (line.startsWith('@@')) return paint('cyan', line);
      if (line.startsWith('-')) return paint('red', line);
      if (line.startsWith('+')) return paint('green', line);
      return line;
    });
}
