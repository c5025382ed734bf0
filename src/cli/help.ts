import { strings } from '@angular-devkit/core';
import { GLOBAL_FLAGS, OptionsSchema, positionalProperties, SchemaProperty } from './args';

export const BIN = 'mikro-request-context';

export interface SchematicSummary {
  name: string;
  description: string;
  aliases?: string[];
}

/** `mikro-request-context --help`: the commands, the schematics of collection.json, the global flags. */
export function globalHelp(schematics: SchematicSummary[], extended: string[], width: number): string {
  const lines = [
    `Usage: ${BIN} <command> [options]`,
    '',
    'Runs the schematics of this package in the Nest app of the current folder (or the first parent',
    'folder with a nest-cli.json or package.json), without the Nest CLI.',
    '',
    'Commands:',
    ...table(
      [
        ['init [options]', 'Set up MikroORM with one request context per request (same as g init).'],
        ['g, generate <schematic> [name] [options]', 'Run a schematic of this package.'],
        ['help [schematic]', 'This help, or the options of a schematic.'],
      ],
      width,
    ),
    '',
    'Schematics:',
    ...table(
      schematics.map((s) => [s.aliases?.length ? `${s.name} (${s.aliases.join(', ')})` : s.name, s.description]),
      width,
    ),
  ];
  if (extended.length > 0) {
    lines.push(
      '',
      ...wrap(`Every schematic of ${extended.join(', ')} (which this collection extends) runs too, e.g. ${BIN} g service users.`, width),
    );
  }
  lines.push('', 'Options (every command):', ...table(globalRows(), width), '');
  lines.push(`Options of a schematic: ${BIN} g <schematic> --help`, '');
  return lines.join('\n');
}

/** `mikro-request-context g <schematic> --help`: built from the schematic's schema.json. */
export function schematicHelp(name: string, description: string, schema: OptionsSchema, width: number): string {
  const properties = schema.properties ?? {};
  const positionals = positionalProperties(schema);
  const usage = [`${BIN} g ${name}`, ...positionals.map((p) => `[${p}]`), '[options]'].join(' ');
  const lines = [`Usage: ${usage}`];
  if (name === 'init') lines.push(`       ${BIN} init [options]`);
  lines.push('', ...wrap(description, width), '');
  if (positionals.length > 0) {
    lines.push(
      'Arguments:',
      ...table(
        positionals.map((p) => [p, properties[p].description ?? '']),
        width,
      ),
      '',
    );
  }
  const rows = Object.entries(properties)
    .filter(([, p]) => p.visible !== false)
    .map(([key, p]) => [flagLabel(key, p), optionDescription(p, positionals.includes(key))]);
  lines.push('Options:', ...(rows.length ? table(rows, width) : ['  (none)']), '');
  // a flag the schema defines too (--skip-install) is listed once, with the schematic's words
  const own = new Set(Object.keys(properties).map((key) => strings.dasherize(key)));
  lines.push('Options of every command:', ...table(globalRows(own), width), '');
  return lines.join('\n');
}

function globalRows(except = new Set<string>()): string[][] {
  return Object.entries(GLOBAL_FLAGS)
    .filter(([name]) => !except.has(name))
    .map(([name, flag]) => {
      const label = `${flag.short ? `-${flag.short}, ` : ''}--${flag.negatable ? '[no-]' : ''}${name}`;
      return [label, flag.description];
    });
}

function flagLabel(key: string, property: SchemaProperty): string {
  const name = strings.dasherize(key);
  const shorts = [property.alias, ...(property.aliases ?? [])]
    .filter((a): a is string => !!a)
    .map((a) => (a.length === 1 ? `-${a}` : `--${a}`));
  const prefix = shorts.length ? `${shorts.join(', ')}, ` : '';
  const kinds = Array.isArray(property.type) ? property.type : [property.type ?? 'string'];
  if (kinds.length === 1 && kinds[0] === 'boolean') return `${prefix}--${property.default === true ? '[no-]' : ''}${name}`;
  let value = 'value';
  const choices = property.enum ?? promptChoices(property);
  if (choices) value = choices.join('|');
  else if (kinds.includes('array')) value = `${property.items?.enum ? property.items.enum.join('|') : 'a'},...`;
  else if (kinds.includes('number') || kinds.includes('integer')) value = 'number';
  return `${prefix}--${name} <${value}>`;
}

/** The values an x-prompt list offers (a schema may validate choices in its factory instead of with enum). */
function promptChoices(property: SchemaProperty): unknown[] | undefined {
  const prompt = property['x-prompt'];
  if (!prompt || typeof prompt !== 'object' || (prompt as { type?: string }).type !== 'list') return undefined;
  const items = (prompt as { items?: (string | { value: unknown })[] }).items ?? [];
  return items.length ? items.map((item) => (typeof item === 'string' ? item : item.value)) : undefined;
}

function optionDescription(property: SchemaProperty, positional: boolean): string {
  const notes: string[] = [];
  if (positional) notes.push('also the first argument');
  if (property.default !== undefined) notes.push(`default: ${JSON.stringify(property.default)}`);
  if (property['x-prompt']) notes.push('asked in a terminal when left out');
  if (property['x-deprecated'])
    notes.push(`deprecated${typeof property['x-deprecated'] === 'string' ? `: ${property['x-deprecated']}` : ''}`);
  const text = property.description ?? '';
  return notes.length ? `${text} (${notes.join('; ')})` : text;
}

/** Words joined into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** Two columns; the second wraps to the width (at least 40 characters for it). */
function table(rows: string[][], width: number): string[] {
  const left = Math.min(Math.max(...rows.map(([label]) => label.length), 0) + 4, 44);
  const room = Math.max(width - left, 40);
  const lines: string[] = [];
  for (const [label, text] of rows) {
    const wrapped = wrap(text, room);
    const head = `  ${label}`;
    if (head.length + 2 > left) {
      lines.push(head);
      wrapped.forEach((w) => lines.push(`${' '.repeat(left)}${w}`));
    } else {
      wrapped.forEach((w, i) => lines.push(`${i === 0 ? head.padEnd(left) : ' '.repeat(left)}${w}`));
    }
  }
  return lines;
}
