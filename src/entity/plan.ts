import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { parseSource } from '../utils/ast';
import { DataKind, DataProperty, EntityModel, findEntities, readEntityModel } from '../utils/entities';
import { readDefineEntityModel } from '../utils/define-entity';
import { FeaturePlan } from '../utils/feature';
import { EntityDiscovery, findEntityDiscovery } from '../utils/orm-config';
import { lowerFirst } from '../utils/names';
import { Field, parseFields } from './fields';
import { EntityOptions } from './schema';

/** Names an entity file imports: an entity class cannot take them. */
const ENTITY_FILE_NAMES = new Set(
  'Entity PrimaryKey Property Enum ManyToOne OneToMany Collection Opt Rel EntityRepositoryType defineEntity InferEntity'.split(' '),
);

/** Everything the entity rules need, decided (and checked) before any edit. */
export interface EntityPlan {
  feature: FeaturePlan;
  model: EntityModel;
  /** the entity file is created (false: the app already has this entity, used as it is) */
  create: boolean;
  definition: 'decorators' | 'define-entity';
  fields: Field[];
  pk: 'int' | 'uuid';
  timestamps: boolean;
  /** the delete rule written on every ManyToOne this run generates (MikroORM's deleteRule) */
  deleteRule: DeleteRule;
  /** where the entity is registered, when the app lists its entities */
  discovery: EntityDiscovery;
  /** owning ManyToOne sides added to existing entities for `posts:Post[]` fields */
  inverseSides: { path: string; className: string; property: string }[];
  /** entity class → file, for the imports of relation targets */
  entityFiles: Map<string, string>;
  /** oneToMany field → the ManyToOne property that owns it on the target */
  mappedBy: Map<string, string>;
  /** relation target class → what to import and refer to (the class, or a v6 schema constant) */
  targetTokens: Map<string, string>;
  defaultsUsed: string[];
  notes: string[];
}

export interface EntityPlanExtras {
  /** fields used when neither --fields nor the prompt gave any (repository and resource: `name:string`) */
  defaultFields?: string;
  /** MikroORM custom repository class (`--pattern custom`) */
  customRepository?: { className: string; path: string };
  /** reuse an existing entity of that class wherever it is (repository/resource) rather than refusing */
  reuseExisting?: boolean;
}

export function planEntity(tree: Tree, options: EntityOptions, feature: FeaturePlan, extras: EntityPlanExtras = {}): EntityPlan {
  const defaultsUsed: string[] = [];
  const notes: string[] = [];
  const className = feature.names.singular.pascal;
  const path = `${feature.folder}/${feature.names.singular.kebab}.entity.ts`;
  const entityFiles = findEntities(tree, feature.project.sourceRoot);
  const existing = entityFiles.get(className);
  // Defaults only matter for an entity that is created: they are reported then.
  const creationDefaults: string[] = [];
  const pk = choose(options.pk, ['int', 'uuid'] as const, 'int', 'pk', creationDefaults);
  const definition = choose(options.definition, ['decorators', 'define-entity'] as const, 'decorators', 'definition', creationDefaults);
  const discovery = findEntityDiscovery(tree, feature.project);

  if (existing && (extras.reuseExisting || existing === path)) {
    if (options.fields)
      notes.push(`${existing} already defines ${className}: --fields was not used (edit the entity, or pass --force to regenerate it).`);
    if (!(existing === path && options.force)) {
      const model = readModel(tree, existing, className);
      resolveRelationKeys(tree, model, entityFiles);
      return {
        feature,
        model,
        create: false,
        definition,
        fields: [],
        pk,
        timestamps: true,
        deleteRule: 'no action',
        discovery,
        inverseSides: [],
        entityFiles,
        mappedBy: new Map(),
        targetTokens: new Map(),
        defaultsUsed,
        notes,
      };
    }
  } else if (existing) {
    throw new SchematicsException(
      `${existing} already defines an entity ${className}: a second one would clash in MikroORM's metadata. ` +
        `Use that one (nest g repository ${feature.names.plural.kebab} finds it), or choose another name.`,
    );
  }

  defaultsUsed.push(...creationDefaults);
  if (ENTITY_FILE_NAMES.has(className)) {
    throw new SchematicsException(
      `Invalid name "${options.name}": the class ${className} would shadow MikroORM's ${className} in its own file. Choose another name. Nothing was changed.`,
    );
  }
  let spec = options.fields;
  if (spec === undefined || spec.trim() === '') {
    spec = extras.defaultFields ?? '';
    defaultsUsed.push(`fields=${spec || '(none)'}`);
  }
  const fields = parseFields(spec);
  if (definition === 'define-entity' && extras.customRepository) {
    throw new SchematicsException(
      '--pattern custom needs a decorated entity class: leave out --definition define-entity, or use --pattern repository.',
    );
  }
  const inverseSides: EntityPlan['inverseSides'] = [];
  const mappedBy = new Map<string, string>();
  const targetModels = new Map<string, EntityModel>();
  for (const field of fields) {
    if (field.kind !== 'manyToOne' && field.kind !== 'oneToMany') continue;
    if (field.target === className) continue;
    const targetPath = entityFiles.get(field.target);
    if (!targetPath) {
      throw new SchematicsException(
        `Field "${field.name}" refers to ${field.target}, which is no entity of this app (none found under ${feature.project.sourceRoot}): ` +
          `create it first (nest g entity ${field.target}), or fix the type. Nothing was changed.`,
      );
    }
    const target = targetModels.get(field.target) ?? readModel(tree, targetPath, field.target);
    targetModels.set(field.target, target);
    if (field.kind === 'oneToMany') {
      const owner = target.data.find((d) => d.kind === 'relation' && d.target === className);
      if (owner) {
        mappedBy.set(field.name, owner.name);
      } else {
        const property = lowerFirst(className);
        if (target.properties.includes(property)) {
          throw new SchematicsException(
            `Field "${field.name}": ${field.target} (${targetPath}) has a property "${property}" that is not a ManyToOne to ${className}: add the owning side yourself, then run again.`,
          );
        }
        if (readEntityModel(parseSource(tree, targetPath), field.target) === undefined) {
          throw new SchematicsException(
            `Field "${field.name}": ${field.target} (${targetPath}) has no ManyToOne to ${className}, and it is not a decorated class this schematic can edit: add \`${property}\` to it first.`,
          );
        }
        inverseSides.push({ path: targetPath, className: field.target, property });
        mappedBy.set(field.name, property);
        notes.push(
          `${targetPath}: added the owning side ${field.target}.${property} (a nullable ManyToOne to ${className}) for ${className}.${field.name}.`,
        );
      }
    }
  }
  const model = modelFromFields(className, path, pk, fields, targetModels, definition === 'define-entity' && feature.ormMajor === 6);
  if (extras.customRepository) model.customRepository = extras.customRepository.className;
  const timestamps = options.timestamps !== false;
  const deleteRule = chooseDeleteRule(options.onDelete, fields);
  model.properties = ['id', ...fields.map((f) => f.name), ...(timestamps ? ['createdAt', 'updatedAt'] : [])];
  return {
    feature,
    model,
    create: true,
    definition,
    fields,
    pk,
    timestamps,
    deleteRule,
    discovery,
    inverseSides,
    entityFiles,
    mappedBy,
    targetTokens: new Map([...targetModels].map(([name, target]) => [name, target.token])),
    defaultsUsed,
    notes,
  };
}

/** MikroORM's deleteRule values, by the --onDelete spelling (a flag value has no space). */
const DELETE_RULES = { 'no-action': 'no action', cascade: 'cascade', 'set-null': 'set null' } as const;
export type DeleteRule = (typeof DELETE_RULES)[keyof typeof DELETE_RULES];

/**
 * Every generated relation states what a delete of its target does. `no action` by default: the
 * database refuses to delete a row others still refer to (PostgreSQL reports it as a foreign-key
 * violation, which MikroORM maps; `restrict` it reports under another code, which MikroORM does not).
 */
function chooseDeleteRule(value: string | undefined, fields: readonly Field[]): DeleteRule {
  const key = (value ?? 'no-action') as keyof typeof DELETE_RULES;
  if (!(key in DELETE_RULES)) {
    throw new SchematicsException(`Invalid --onDelete "${value}": use ${Object.keys(DELETE_RULES).join(', ')}. Nothing was changed.`);
  }
  const required = fields.filter((f) => f.kind === 'manyToOne' && !f.nullable).map((f) => f.name);
  if (key === 'set-null' && required.length > 0) {
    throw new SchematicsException(
      `--onDelete set-null needs nullable relations, and ${required.join(', ')} ${required.length > 1 ? 'are' : 'is'} required (mark ${required.length > 1 ? 'them' : 'it'} with ?, e.g. author?:User). Nothing was changed.`,
    );
  }
  return DELETE_RULES[key];
}

function choose<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  option: string,
  defaultsUsed: string[],
): T {
  if (value === undefined) {
    defaultsUsed.push(`${option}=${fallback}`);
    return fallback;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SchematicsException(`Invalid --${option} "${value}": use ${allowed.join(' or ')}.`);
  }
  return value as T;
}

function readModel(tree: Tree, path: string, className: string): EntityModel {
  const source = parseSource(tree, path);
  const model = readEntityModel(source, className) ?? readDefineEntityModel(source, className);
  if (!model) {
    throw new SchematicsException(
      `${path}: could not read the entity ${className} (neither an @Entity() class nor a defineEntity schema).`,
    );
  }
  return model;
}

/** Relations are written as the related entity's primary key: its type comes from that entity. */
function resolveRelationKeys(tree: Tree, model: EntityModel, entityFiles: Map<string, string>): void {
  for (const property of model.data) {
    if (property.kind !== 'relation' || !property.target) continue;
    if (property.target === model.className) {
      property.ts = model.pk.ts;
      continue;
    }
    const path = entityFiles.get(property.target);
    const target = path
      ? (readEntityModel(parseSource(tree, path), property.target) ?? readDefineEntityModel(parseSource(tree, path), property.target))
      : undefined;
    property.ts = target?.pk.ts ?? 'number';
  }
}

const KINDS: Record<string, DataKind> = {
  string: 'string',
  text: 'string',
  int: 'integer',
  float: 'float',
  number: 'float',
  boolean: 'boolean',
  date: 'date',
  uuid: 'uuid',
  json: 'json',
};

export function modelFromFields(
  className: string,
  path: string,
  pk: 'int' | 'uuid',
  fields: readonly Field[],
  targets: ReadonlyMap<string, EntityModel>,
  schemaOnly: boolean,
): EntityModel {
  const pkModel = { name: 'id', kind: pk, ts: pk === 'int' ? 'number' : 'string' } as const;
  const data: DataProperty[] = [];
  for (const field of fields) {
    const base = { name: field.name, optional: field.nullable, nullable: field.nullable, unique: field.unique };
    if (field.kind === 'scalar') {
      const kind = KINDS[field.type];
      data.push({
        ...base,
        kind,
        ts:
          kind === 'integer' || kind === 'float'
            ? 'number'
            : kind === 'date'
              ? 'Date | string'
              : kind === 'json'
                ? 'Record<string, unknown>'
                : kind === 'boolean'
                  ? 'boolean'
                  : 'string',
      });
    } else if (field.kind === 'enum') {
      data.push({
        ...base,
        kind: 'enum',
        ts: field.enumName,
        enumName: field.enumName,
        enumMember: `${field.enumName}.${field.members[0].key}`,
      });
    } else if (field.kind === 'manyToOne') {
      const keyType = field.target === className ? pkModel.ts : (targets.get(field.target)?.pk.ts ?? 'number');
      data.push({ ...base, kind: 'relation', ts: keyType, target: field.target });
    }
  }
  return {
    className,
    token: schemaOnly ? `${className}Schema` : className,
    typeOnly: schemaOnly,
    path,
    pk: pkModel,
    data,
    properties: [],
  };
}
