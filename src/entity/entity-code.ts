import { lowerFirst } from '../utils/names';
import { Field, SCALAR_TYPES } from './fields';

/**
 * The pieces of an entity file that depend on `--fields`: one block (decorator + declaration, or a
 * defineEntity property) per field, and what they need imported. Pure: the entity templates put
 * them in place.
 */
export interface EntityCodeInput {
  className: string;
  fields: readonly Field[];
  /** related class → the name to use in defineEntity (a v6 schema constant), when it is not the class */
  tokens?: ReadonlyMap<string, string>;
  /** oneToMany field → the ManyToOne property of the target that owns the relation */
  mappedBy: ReadonlyMap<string, string>;
  /** what deleting a ManyToOne's target does (MikroORM's deleteRule), stated on each one */
  deleteRule: string;
}

export interface PropertyBlock {
  /** `@Property({ type: 'string', unique: true })` (decorators) */
  decorator: string;
  /** `email!: string;` (decorators) */
  declaration: string;
  /** `email: p.string().unique(),` (defineEntity) */
  builder: string;
}

export interface EntityCode {
  properties: PropertyBlock[];
  /** decorator names to import, sorted */
  decorators: string[];
  /** names from @mikro-orm/core (`Collection`, `type Rel`...), sorted, type-only ones marked */
  core: string[];
  /** enums declared in the entity file */
  enums: { name: string; members: { key: string; value: string }[] }[];
  /** classes of other entities the file refers to */
  targets: string[];
}

export function entityCode(input: EntityCodeInput): EntityCode {
  const decorators = new Set<string>(['Entity', 'PrimaryKey', 'Property']);
  const core = new Set<string>();
  const enums = new Map<string, { key: string; value: string }[]>();
  const targets = new Set<string>();
  const properties = input.fields.map((field): PropertyBlock => {
    const options: string[] = [];
    const chain: string[] = [];
    if (field.nullable) {
      options.push('nullable: true');
      chain.push('.nullable()');
    }
    if (field.unique) {
      options.push('unique: true');
      chain.push('.unique()');
    }
    if (field.index) {
      options.push('index: true');
      chain.push('.index()');
    }
    const mark = field.nullable ? '?' : '!';
    const withOptions = (first: string[]) => `{ ${[...first, ...options].join(', ')} }`;
    switch (field.kind) {
      case 'scalar': {
        const type = SCALAR_TYPES[field.type];
        return {
          decorator: `@Property(${withOptions([`type: '${type.orm}'`])})`,
          declaration: `${field.name}${mark}: ${type.ts};`,
          builder: `${field.name}: ${type.builder}${chain.join('')},`,
        };
      }
      case 'enum': {
        decorators.add('Enum');
        enums.set(field.enumName, field.members);
        return {
          decorator: `@Enum(${withOptions([`items: () => ${field.enumName}`])})`,
          declaration: `${field.name}${mark}: ${field.enumName};`,
          builder: `${field.name}: p.enum(() => ${field.enumName})${chain.join('')},`,
        };
      }
      case 'manyToOne': {
        decorators.add('ManyToOne');
        core.add('type Rel');
        if (field.target !== input.className) targets.add(field.target);
        const rule = `deleteRule: '${input.deleteRule}'`;
        return {
          decorator: `@ManyToOne(() => ${field.target}, { ${[...options, rule].join(', ')} })`,
          // Rel<> keeps the class out of the emitted design:type metadata: no import cycle at runtime.
          declaration: `${field.name}${mark}: Rel<${field.target}>;`,
          builder: `${field.name}: () => p.manyToOne(${input.tokens?.get(field.target) ?? field.target})${chain.join('')}.deleteRule('${input.deleteRule}'),`,
        };
      }
      case 'oneToMany': {
        decorators.add('OneToMany');
        core.add('Collection');
        if (field.target !== input.className) targets.add(field.target);
        const owner = input.mappedBy.get(field.name) ?? lowerFirst(input.className);
        const variable = lowerFirst(field.target);
        return {
          decorator: `@OneToMany(() => ${field.target}, (${variable}) => ${variable}.${owner})`,
          declaration: `${field.name} = new Collection<${field.target}>(this);`,
          builder: `${field.name}: () => p.oneToMany(${input.tokens?.get(field.target) ?? field.target}).mappedBy('${owner}'),`,
        };
      }
    }
  });
  core.add('type Opt');
  return {
    properties,
    decorators: [...decorators].sort(),
    core: [...core].sort((a, b) => a.replace('type ', '').localeCompare(b.replace('type ', ''))),
    enums: [...enums].map(([name, members]) => ({ name, members })),
    targets: [...targets].sort(),
  };
}
