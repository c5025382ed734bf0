import { DataProperty, EntityModel } from '../utils/entities';

/**
 * Sample data for generated specs: `data(i)` gives the i-th row, distinct per i (unique columns),
 * and a probe property whose value the specs compare after a round trip through the database.
 */
export interface SampleRow {
  /** `name: \`name ${i}\`` entries of the object literal `data(i)` returns */
  entries: string[];
  /** rows of related entities the data needs, inserted before each test */
  seeds: Seed[];
  /** enums of the entity the entries refer to (imported from the entity's file) */
  enums: string[];
  /** a property compared after reading back (undefined: only the primary key is compared) */
  probe?: { name: string; first: string; second: string };
}

export interface Seed {
  /** `authorId` */
  variable: string;
  /** the class (or schema) inserted */
  token: string;
  /** the TypeScript type of its primary key, and its name */
  keyType: string;
  key: string;
  /** the local variable holding the created row: `user` */
  row: string;
  /** `{ name: 'name 1' }` */
  data: string;
  /** the related entity's class name, and the enums its data refers to */
  className: string;
  enums: string[];
}

const PROBE_KINDS = new Set(['string', 'uuid', 'integer', 'float', 'boolean', 'enum']);

/** A string field that holds an e-mail address, by its name: `email`, `contactEmail`. */
export function isEmailName(name: string): boolean {
  return name === 'email' || name.endsWith('Email');
}

/** The expression for property `p` of row `index`: a variable name (`i`) or a literal row number. */
export function sampleValue(p: DataProperty, index: string | number): string {
  const literal = typeof index === 'number';
  switch (p.kind) {
    case 'string':
      // An e-mail field gets an address: the create DTO checks it with @IsEmail().
      if (isEmailName(p.name))
        return literal ? `'${p.name.toLowerCase()}${index}@example.com'` : `\`${p.name.toLowerCase()}\${${index}}@example.com\``;
      return literal ? `'${p.name} ${index}'` : `\`${p.name} \${${index}}\``;
    case 'uuid':
      return literal
        ? `'00000000-0000-4000-8000-${String(index).padStart(12, '0')}'`
        : `\`00000000-0000-4000-8000-\${String(${index}).padStart(12, '0')}\``;
    case 'integer':
      return `${index}`;
    case 'float':
      return literal ? `${index}.5` : `${index} + 0.5`;
    case 'boolean':
      return literal ? `${Number(index) % 2 === 0}` : `${index} % 2 === 0`;
    case 'date':
      return `new Date(Date.UTC(2024, 0, ${index}))`;
    case 'json':
      return `{ n: ${index} }`;
    case 'enum':
      return p.enumMember ?? `Object.values(${p.enumName})[0]`;
    case 'relation':
      return `${lower(p.target!)}Id`;
  }
}

/**
 * The sample row of an entity. `resolve` gives the model of a related entity; seeds are the
 * related rows (recursively) that required relations need, or undefined when they form a cycle.
 */
export function sampleRow(model: EntityModel, resolve: (className: string) => EntityModel | undefined): SampleRow | undefined {
  const seeds: Seed[] = [];
  const seen = new Set<string>();
  const seed = (target: string, path: string[]): boolean => {
    if (seen.has(target)) return true;
    if (path.includes(target)) return false;
    const related = target === model.className ? undefined : resolve(target);
    if (!related) return false;
    for (const p of related.data) {
      if (p.kind === 'relation' && !p.optional && !seed(p.target!, [...path, target])) return false;
    }
    seen.add(target);
    const entries = related.data.filter((p) => !(p.kind === 'relation' && p.optional)).map((p) => `${p.name}: ${sampleValue(p, 1)}`);
    seeds.push({
      variable: `${lower(target)}Id`,
      token: related.token,
      keyType: related.pk.ts,
      key: related.pk.name,
      row: `${lower(target)}Row`,
      data: entries.length > 0 ? `{ ${entries.join(', ')} }` : '{}',
      className: related.className,
      enums: enumsOf(related.data),
    });
    return true;
  };
  const used = model.data.filter((p) => !(p.kind === 'relation' && p.optional));
  for (const p of used) {
    if (p.kind === 'relation' && !seed(p.target!, [model.className])) return undefined;
  }
  const probe = model.data.find((p) => PROBE_KINDS.has(p.kind) && p.kind !== 'enum');
  return {
    entries: used.map((p) => `${p.name}: ${sampleValue(p, 'i')}`),
    enums: enumsOf(used),
    seeds,
    probe: probe && { name: probe.name, first: sampleValue(probe, 1), second: sampleValue(probe, 2) },
  };
}

function enumsOf(data: readonly DataProperty[]): string[] {
  return [...new Set(data.filter((p) => p.kind === 'enum').map((p) => p.enumName!))];
}

function lower(name: string): string {
  return name[0].toLowerCase() + name.slice(1);
}
