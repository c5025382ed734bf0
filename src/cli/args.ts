import { strings } from '@angular-devkit/core';

/** A mistake on the command line: reported with a pointer to --help, never with a stack trace. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** the command whose --help lists what is allowed (e.g. `g init`) */
    readonly helpFor?: string,
  ) {
    super(message);
  }
}

/** The part of a schematic's schema.json the command line needs. */
export interface SchemaProperty {
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  default?: unknown;
  alias?: string;
  aliases?: string[];
  items?: { type?: string; enum?: unknown[] };
  $default?: { $source?: string; index?: number };
  'x-prompt'?: unknown;
  'x-deprecated'?: unknown;
  visible?: boolean;
}

export interface OptionsSchema {
  properties?: Record<string, SchemaProperty>;
  required?: string[];
}

/** Flags of the CLI itself, valid with every command. */
export interface GlobalOptions {
  help: boolean;
  version: boolean;
  dryRun: boolean;
  verbose: boolean;
  /** undefined: colour when the stream is a terminal */
  color?: boolean;
  interactive: boolean;
  skipInstall: boolean;
}

interface GlobalFlag {
  key: keyof GlobalOptions;
  short?: string;
  /** --no-x turns it off (shown as --[no-]x) */
  negatable?: boolean;
  description: string;
}

export const GLOBAL_FLAGS: Record<string, GlobalFlag> = {
  'dry-run': {
    key: 'dryRun',
    short: 'd',
    description: 'Print what would be created, updated or deleted, with a diff of each updated file; write nothing.',
  },
  'skip-install': { key: 'skipInstall', description: 'Do not run the package install after writing (package.json is still updated).' },
  interactive: {
    key: 'interactive',
    negatable: true,
    description: 'Prompt for options left out (default in a terminal); --no-interactive takes their defaults.',
  },
  color: {
    key: 'color',
    negatable: true,
    description: 'Colour the output (default on a terminal, off when piped or NO_COLOR is set); --no-color turns it off.',
  },
  verbose: { key: 'verbose', description: 'Print debug messages and the stack trace of an error.' },
  help: { key: 'help', short: 'h', description: 'Show this help (after a schematic name: its options).' },
  version: { key: 'version', short: 'v', description: 'Print the version.' },
};

export type Command = { kind: 'help'; schematic?: string } | { kind: 'version' } | { kind: 'run'; schematic: string; args: string[] };

/**
 * Splits the command line into the CLI's own flags and the command:
 * `init [options]`, `g|generate <schematic> [name] [options]`, `help [schematic]`.
 */
export function parseCommandLine(argv: string[]): { globals: GlobalOptions; command: Command } {
  const globals: GlobalOptions = { help: false, version: false, dryRun: false, verbose: false, interactive: true, skipInstall: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const flag = globalFlag(arg);
    if (!flag) {
      rest.push(arg);
      continue;
    }
    (globals[flag.key] as boolean) = flag.value;
  }

  const [first, second] = rest;
  if (globals.version && first === undefined) return { globals, command: { kind: 'version' } };
  if (first === undefined) return { globals, command: { kind: 'help' } };
  if (first.startsWith('-')) {
    throw new UsageError(`Unknown option ${first}: start with a command (init, g <schematic>, help).`);
  }
  if (first === 'help') {
    return { globals, command: { kind: 'help', schematic: second && !second.startsWith('-') ? second : undefined } };
  }
  if (first === 'g' || first === 'generate') {
    if (second === undefined || second.startsWith('-')) {
      if (globals.help) return { globals, command: { kind: 'help' } };
      throw new UsageError(`Name the schematic to run: ${first} <schematic> [name] [options].`);
    }
    return {
      globals,
      command: globals.help ? { kind: 'help', schematic: second } : { kind: 'run', schematic: second, args: rest.slice(2) },
    };
  }
  if (first === 'init') {
    return {
      globals,
      command: globals.help ? { kind: 'help', schematic: 'init' } : { kind: 'run', schematic: 'init', args: rest.slice(1) },
    };
  }
  throw new UsageError(`Unknown command "${first}": use init, g <schematic> (generate) or help.`);
}

function globalFlag(arg: string): { key: keyof GlobalOptions; value: boolean } | undefined {
  if (/^-[a-zA-Z]$/.test(arg)) {
    const entry = Object.values(GLOBAL_FLAGS).find((f) => f.short === arg[1]);
    return entry && { key: entry.key, value: true };
  }
  const match = /^--(no-)?([^=]+)(?:=(.*))?$/.exec(arg);
  if (!match) return undefined;
  const [, negated, rawName, inline] = match;
  const name = strings.dasherize(rawName);
  const entry = GLOBAL_FLAGS[name];
  if (!entry || (negated && !entry.negatable)) return undefined;
  let value = !negated;
  if (inline !== undefined) {
    if (inline !== 'true' && inline !== 'false')
      throw new UsageError(`--${name} takes no value other than true or false (got "${inline}").`);
    value = (inline === 'true') !== !!negated;
  }
  return { key: entry.key, value };
}

/** The positional arguments a schema takes (`$default: { $source: 'argv', index }`), in order. */
export function positionalProperties(schema: OptionsSchema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, p]) => p.$default?.$source === 'argv')
    .sort(([, a], [, b]) => (a.$default?.index ?? 0) - (b.$default?.index ?? 0))
    .map(([key]) => key);
}

/** The property a flag names: its key, its kebab-case form, or an alias. */
export function findProperty(schema: OptionsSchema, name: string): string | undefined {
  const properties = schema.properties ?? {};
  if (name in properties) return name;
  const camel = strings.camelize(name);
  if (camel in properties) return camel;
  return Object.keys(properties).find((key) => {
    const p = properties[key];
    return p.alias === name || (p.aliases ?? []).includes(name);
  });
}

function types(property: SchemaProperty): string[] {
  if (Array.isArray(property.type)) return property.type;
  return [property.type ?? (property.enum ? typeof property.enum[0] : 'string')];
}

/**
 * Turns the arguments after the schematic name into the schematic's options, typed by its schema:
 * `--driver postgresql`, `--driver=postgresql`, `--skip-install`, `--no-spec`, `--spec=false`,
 * `--fields a:string,b:int` (an array option is split on commas and may be repeated), aliases
 * (`-x value`), and positional arguments. Unknown flags and invalid values are UsageErrors.
 */
export function parseSchematicOptions(
  schematic: string,
  schema: OptionsSchema,
  args: string[],
  helpFor = `g ${schematic}`,
): Record<string, unknown> {
  const properties = schema.properties ?? {};
  const options: Record<string, unknown> = {};
  const positionals: string[] = [];
  const fail = (message: string): never => {
    throw new UsageError(message, helpFor);
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    const long = /^--(no-)?([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    const short = /^-([a-zA-Z])(?:=([\s\S]*))?$/.exec(arg);
    if (!long && !short) {
      positionals.push(arg);
      continue;
    }
    let negated = !!long?.[1];
    let name = long ? long[2] : short![1];
    const inline = long ? long[3] : short![2];
    let key = findProperty(schema, name);
    if (!key && negated) {
      // a property whose own name starts with "no-"
      key = findProperty(schema, `no-${name}`);
      if (key) negated = false;
    }
    if (!key) {
      const known = Object.keys(properties).filter((k) => properties[k].visible !== false);
      fail(
        `Unknown option ${arg.split('=')[0]} for ${schematic}` +
          (known.length ? `: it takes ${known.map((k) => `--${strings.dasherize(k)}`).join(', ')}.` : ': it takes no options.'),
      );
    }
    name = strings.dasherize(key!);
    const property = properties[key!];
    const kinds = types(property);
    const next = args[i + 1];
    const takesNext = next !== undefined && !next.startsWith('-');

    if (negated) {
      if (!kinds.includes('boolean')) fail(`--no-${name}: --${name} is not a yes/no option.`);
      if (inline !== undefined) fail(`--no-${name} takes no value.`);
      options[key!] = false;
      continue;
    }
    if (kinds.includes('boolean')) {
      const onlyBoolean = kinds.length === 1;
      if (inline !== undefined) {
        if (inline === 'true' || inline === 'false') {
          options[key!] = inline === 'true';
          continue;
        }
        if (onlyBoolean) fail(`--${name} is a yes/no option: use --${name} or --no-${name}.`);
      } else if (takesNext && (next === 'true' || next === 'false')) {
        options[key!] = next === 'true';
        i++;
        continue;
      } else if (onlyBoolean || !takesNext) {
        options[key!] = true;
        continue;
      }
    }
    let raw = inline;
    if (raw === undefined) {
      if (!takesNext) fail(`--${name} needs a value${valueHint(property)}.`);
      raw = next;
      i++;
    }
    const value = convert(name, property, raw!, fail);
    if (kinds.includes('array') && Array.isArray(options[key!])) {
      options[key!] = [...(options[key!] as unknown[]), ...(value as unknown[])];
    } else {
      options[key!] = value;
    }
  }

  const slots = positionalProperties(schema);
  positionals.forEach((value, index) => {
    const key = slots[index];
    if (!key) {
      fail(
        slots.length
          ? `Unexpected argument "${value}": ${schematic} takes ${slots.map((s) => `[${s}]`).join(' ')}.`
          : `Unexpected argument "${value}": ${schematic} takes no positional arguments.`,
      );
    }
    if (key! in options) fail(`${key} given twice: as the argument "${value}" and as --${strings.dasherize(key!)}.`);
    options[key!] = convert(key!, properties[key!], value, fail);
  });
  return options;
}

function valueHint(property: SchemaProperty): string {
  return property.enum ? `: one of ${property.enum.join(', ')}` : '';
}

function convert(name: string, property: SchemaProperty, raw: string, fail: (message: string) => never): unknown {
  const kinds = types(property);
  const single = (text: string, kind: string, allowed?: unknown[]): unknown => {
    let value: unknown = text;
    if (kind === 'number' || kind === 'integer') {
      value = Number(text);
      if (text.trim() === '' || Number.isNaN(value) || (kind === 'integer' && !Number.isInteger(value))) {
        fail(`--${name} needs ${kind === 'integer' ? 'a whole number' : 'a number'} (got "${text}").`);
      }
    } else if (kind === 'boolean') {
      if (text !== 'true' && text !== 'false') fail(`--${name} is a yes/no option (got "${text}").`);
      value = text === 'true';
    }
    if (allowed && !allowed.includes(value)) fail(`Invalid value "${text}" for --${name}: choose one of ${allowed.join(', ')}.`);
    return value;
  };
  if (kinds.includes('array')) {
    const itemKind = property.items?.type ?? 'string';
    return raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => single(part, itemKind, property.items?.enum));
  }
  const numeric = kinds.find((k) => k === 'number' || k === 'integer');
  if (numeric && !kinds.includes('string')) return single(raw, numeric, property.enum);
  return single(raw, 'string', property.enum);
}
