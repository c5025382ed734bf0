import { SchematicsException } from '@angular-devkit/schematics';
import { spell, words } from '../utils/names';

/**
 * The `--fields` language of the entity, repository and resource schematics:
 * `name:string,email:string:unique,age:int?,author:User,posts:Post[],status:Status(a|b|c)`.
 * Each entry is `name:type`, then optional `:unique`, `:index` or `:nullable` modifiers; `?` after
 * the name or the type makes the property nullable.
 */
export type ScalarType = 'string' | 'text' | 'int' | 'float' | 'number' | 'boolean' | 'date' | 'uuid' | 'json';

/** How each scalar type is declared in TypeScript and mapped by MikroORM. */
export const SCALAR_TYPES: Record<ScalarType, { ts: string; orm: string; builder: string }> = {
  string: { ts: 'string', orm: 'string', builder: 'p.string()' },
  text: { ts: 'string', orm: 'text', builder: 'p.text()' },
  int: { ts: 'number', orm: 'integer', builder: 'p.integer()' },
  float: { ts: 'number', orm: 'double', builder: 'p.double()' },
  number: { ts: 'number', orm: 'double', builder: 'p.double()' },
  boolean: { ts: 'boolean', orm: 'boolean', builder: 'p.boolean()' },
  date: { ts: 'Date', orm: 'datetime', builder: 'p.datetime()' },
  uuid: { ts: 'string', orm: 'uuid', builder: 'p.uuid()' },
  json: { ts: 'Record<string, unknown>', orm: 'json', builder: 'p.json<Record<string, unknown>>()' },
};

const ALIASES: Record<string, ScalarType> = {
  string: 'string',
  varchar: 'string',
  text: 'text',
  int: 'int',
  integer: 'int',
  float: 'float',
  double: 'float',
  decimal: 'float',
  number: 'number',
  boolean: 'boolean',
  bool: 'boolean',
  date: 'date',
  datetime: 'date',
  timestamp: 'date',
  uuid: 'uuid',
  json: 'json',
  object: 'json',
};

/** Property names the generated entity declares itself. */
export const GENERATED_PROPERTIES = ['id', 'createdAt', 'updatedAt'];

interface FieldBase {
  name: string;
  nullable: boolean;
  unique: boolean;
  index: boolean;
}

export interface ScalarField extends FieldBase {
  kind: 'scalar';
  type: ScalarType;
}

export interface EnumField extends FieldBase {
  kind: 'enum';
  /** the TypeScript enum declared beside the entity */
  enumName: string;
  /** member name → stored value */
  members: { key: string; value: string }[];
}

export interface RelationField extends FieldBase {
  kind: 'manyToOne' | 'oneToMany';
  /** the class of the other entity */
  target: string;
}

export type Field = ScalarField | EnumField | RelationField;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const CLASS_NAME = /^[A-Z][A-Za-z0-9]*$/;
const ENUM_TYPE = /^([A-Z][A-Za-z0-9]*)\(([^()]*)\)$/;
const MODIFIERS = ['unique', 'index', 'nullable', 'optional'];
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'constructor toJSON'
  ).split(' '),
);

/** Parses `--fields`. Throws a SchematicsException that names the entry and what is wrong with it. */
export function parseFields(spec: string | undefined): Field[] {
  const entries = (spec ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const fields = entries.map(parseEntry);
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) throw fieldError(field.name, 'is listed twice');
    seen.add(field.name);
  }
  const enums = new Map<string, string>();
  for (const field of fields) {
    if (field.kind !== 'enum') continue;
    const values = field.members.map((m) => m.value).join('|');
    if (enums.has(field.enumName) && enums.get(field.enumName) !== values) {
      throw fieldError(field.name, `declares enum ${field.enumName} with other values than another field`);
    }
    enums.set(field.enumName, values);
  }
  return fields;
}

function parseEntry(entry: string): Field {
  const [rawName, rawType, ...modifiers] = entry.split(':').map((p) => p.trim());
  if (rawType === undefined || rawType === '') {
    throw new SchematicsException(
      `Invalid field "${entry}": write name:type (e.g. name:string, age:int?, author:User, posts:Post[], status:Status(active|banned)).`,
    );
  }
  const nameNullable = rawName.endsWith('?');
  const name = nameNullable ? rawName.slice(0, -1) : rawName;
  if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
    throw fieldError(
      entry,
      `: "${name}" is not a usable property name (letters, digits, _ and $, not starting with a digit, not a reserved word)`,
    );
  }
  if (GENERATED_PROPERTIES.includes(name)) {
    throw fieldError(entry, `: "${name}" is generated on every entity; leave it out (--pk chooses the primary key type)`);
  }
  const typeNullable = rawType.endsWith('?');
  const type = typeNullable ? rawType.slice(0, -1).trim() : rawType;
  const unknown = modifiers.filter((m) => !MODIFIERS.includes(m.toLowerCase()));
  if (unknown.length > 0) {
    throw fieldError(entry, `: unknown modifier "${unknown[0]}" (use ${MODIFIERS.slice(0, 3).join(', ')})`);
  }
  const has = (m: string) => modifiers.some((x) => x.toLowerCase() === m);
  const base: FieldBase = {
    name,
    nullable: nameNullable || typeNullable || has('nullable') || has('optional'),
    unique: has('unique'),
    index: has('index'),
  };

  const scalar = ALIASES[type.toLowerCase()];
  if (scalar) {
    return { kind: 'scalar', type: scalar, ...base };
  }
  const enumMatch = ENUM_TYPE.exec(type);
  if (enumMatch) {
    const values = enumMatch[2].split('|').map((v) => v.trim());
    if (values.length === 0 || values.some((v) => !/^[A-Za-z][\w-]*$/.test(v))) {
      throw fieldError(
        entry,
        `: enum values must start with a letter and contain letters, digits, "_" or "-" (e.g. Status(active|banned))`,
      );
    }
    const members = values.map((value) => ({ key: spell(words(value)).pascal, value }));
    if (new Set(members.map((m) => m.key)).size !== members.length) {
      throw fieldError(entry, ': two enum values give the same member name');
    }
    return { kind: 'enum', enumName: enumMatch[1], members, ...base };
  }
  if (type.endsWith('[]')) {
    const target = type.slice(0, -2);
    if (!CLASS_NAME.test(target)) throw fieldError(entry, `: "${target}" is not an entity class name (e.g. posts:Post[])`);
    if (base.nullable || base.unique || base.index) {
      throw fieldError(entry, ': a collection (OneToMany) takes no "?", unique or index: the other side holds the column');
    }
    return { kind: 'oneToMany', target, ...base };
  }
  if (CLASS_NAME.test(type)) {
    return { kind: 'manyToOne', target: type, ...base };
  }
  throw fieldError(
    entry,
    `: unknown type "${type}". Use ${Object.keys(SCALAR_TYPES).join(', ')}, an entity class (User, Post[]) or an enum (Status(a|b|c))`,
  );
}

function fieldError(entry: string, problem: string): SchematicsException {
  return new SchematicsException(`Invalid field "${entry}"${problem.startsWith(':') ? problem : ` ${problem}`}. Nothing was changed.`);
}

/** The fields as `--fields` text, for the log (what was generated, or which defaults were used). */
export function formatFields(fields: readonly Field[]): string {
  return fields
    .map((f) => {
      const type =
        f.kind === 'scalar'
          ? f.type
          : f.kind === 'enum'
            ? `${f.enumName}(${f.members.map((m) => m.value).join('|')})`
            : f.kind === 'oneToMany'
              ? `${f.target}[]`
              : f.target;
      return `${f.name}:${type}${f.nullable ? '?' : ''}${f.unique ? ':unique' : ''}${f.index ? ':index' : ''}`;
    })
    .join(',');
}
