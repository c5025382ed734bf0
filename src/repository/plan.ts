import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { lowerFirst } from '../utils/names';
import { EntityPlan, planEntity } from '../entity/plan';
import { parseSource } from '../utils/ast';
import { readDefineEntityModel } from '../utils/define-entity';
import { EntityModel, readEntityModel } from '../utils/entities';
import { FeaturePlan, planFeature } from '../utils/feature';
import { configFile } from '../utils/orm-config';
import { planTestingModule, TestingModule, testingNames } from '../utils/testing';
import { Driver } from '../utils/versions';
import { checkFeatureModule, FeatureModule, findParentModule } from './feature-module';
import { sampleRow, SampleRow } from './samples';
import { RepositoryOptions } from './schema';

/** The default fields of an entity that repository and resource create (a DTO needs something to carry). */
export const DEFAULT_FIELDS = 'name:string';

export interface RepositoryPlan {
  feature: FeaturePlan;
  entity: EntityPlan;
  pattern: 'repository' | 'custom';
  module: FeatureModule;
  /** where the feature module is imported (undefined: none found, or --skip-import) */
  parent?: { path: string; className: string };
  /** values every repository and resource template uses */
  values: Record<string, unknown>;
  /** the data of one row for the specs (undefined: required relations form a cycle, no spec) */
  sample?: SampleRow;
  /** the test database of an e2e spec at a given path */
  testDatabase(from: string): SpecDatabase;
  /** the app's testing module, which the specs import */
  testing: TestingModule;
  files: { port: string; adapter: string; spec: string; custom: string; module: string };
  defaultsUsed: string[];
  notes: string[];
}

export function planRepository(
  tree: Tree,
  options: RepositoryOptions,
  extraEntries: (feature: FeaturePlan) => FeatureModule['entries'] = () => [],
): RepositoryPlan {
  const feature = planFeature(tree, options);
  const defaultsUsed: string[] = [];
  const pattern = options.pattern ?? (defaultsUsed.push('pattern=repository'), 'repository');
  if (pattern !== 'repository' && pattern !== 'custom') {
    throw new SchematicsException(
      `Invalid --pattern "${pattern}": use repository (a port and its MikroORM adapter) or custom (MikroORM's custom repository class).`,
    );
  }
  const { names, folder } = feature;
  const files = {
    port: `${folder}/${names.plural.kebab}.repository.ts`,
    adapter: `${folder}/${names.plural.kebab}.repository.mikro-orm.ts`,
    spec:
      pattern === 'custom'
        ? `${folder}/${names.singular.kebab}.repository.spec.ts`
        : `${folder}/${names.plural.kebab}.repository.mikro-orm.spec.ts`,
    custom: `${folder}/${names.singular.kebab}.repository.ts`,
    module: `${folder}/${names.plural.kebab}.module.ts`,
  };
  const customClass = `${names.singular.pascal}Repository`;
  const entity = planEntity(tree, options, feature, {
    defaultFields: DEFAULT_FIELDS,
    reuseExisting: true,
    customRepository: pattern === 'custom' ? { className: customClass, path: files.custom } : undefined,
  });
  const model = entity.model;
  if (pattern === 'custom' && !entity.create && model.customRepository !== customClass) {
    throw new SchematicsException(
      `--pattern custom: ${model.path} already defines ${model.className} without \`repository: () => ${customClass}\`. ` +
        `Add it to @Entity() yourself (with [EntityRepositoryType]?: ${customClass}), or use the default pattern. Nothing was changed.`,
    );
  }
  if (pattern === 'custom' && model.typeOnly) {
    throw new SchematicsException(`--pattern custom needs an entity class; ${model.path} declares ${model.className} as a type only.`);
  }
  const port = `${names.plural.pascal}Repository`;
  const adapter = `${port}MikroORM`;
  const moduleClass = `${names.plural.pascal}Module`;
  const fromFolder = (to: string) => feature.importPath(`${folder}/file.ts`, to);
  const entityFrom = fromFolder(model.path);
  const entries: FeatureModule['entries'] =
    pattern === 'repository'
      ? [
          {
            property: 'providers',
            element: `{ provide: ${port}, useClass: ${adapter} }`,
            key: port,
            imports: [
              { names: [port], from: fromFolder(files.port) },
              { names: [adapter], from: fromFolder(files.adapter) },
            ],
          },
          { property: 'exports', element: port, key: port, imports: [{ names: [port], from: fromFolder(files.port) }] },
        ]
      : [
          {
            property: 'exports',
            element: 'MikroOrmModule',
            key: 'MikroOrmModule',
            imports: [{ names: ['MikroOrmModule'], from: '@mikro-orm/nestjs' }],
          },
        ];
  const module: FeatureModule = {
    path: files.module,
    className: moduleClass,
    exists: tree.exists(files.module),
    entity: { token: model.token, from: entityFrom },
    entries: [...entries, ...extraEntries(feature)],
  };
  checkFeatureModule(tree, module);
  const parent = feature.skipImport ? undefined : findParentModule(tree, files.module, feature.project.sourceRoot);
  const notes = [...entity.notes];
  if (!feature.skipImport && !parent) notes.push(`No parent module found above ${files.module}: import ${moduleClass} where you need it.`);

  const sample = sampleRow(model, (className) => relatedModel(tree, entity, className));
  if (feature.spec && !sample)
    notes.push(`${model.className} has required relations that form a cycle: no spec was generated (seed the rows yourself).`);
  const config = configFile(tree, feature.project);
  const testing = planTestingModule(tree, feature.project, feature.driver, feature.ormMajor);
  const tokenOf = (className: string) => relatedModel(tree, entity, className)?.token ?? className;
  const pk = model.pk;
  const values = {
    pluralFile: names.plural.kebab,
    singularFile: names.singular.kebab,
    suffix: feature.profile.importSuffix,
    port,
    adapter,
    customClass,
    moduleClass,
    repositoryField: pattern === 'custom' ? `${names.singular.camel}Repository` : `${names.plural.camel}Repository`,
    repositoryClass: pattern === 'custom' ? customClass : port,
    subject: pattern === 'custom' ? customClass : adapter,
    dataFrom: fromFolder(pattern === 'custom' ? files.custom : files.port),
    methods: pattern === 'custom' ? { findAll: 'findPage', create: 'add' } : { findAll: 'findAll', create: 'create' },
    specFile: pattern === 'custom' ? `${names.singular.kebab}.repository` : `${names.plural.kebab}.repository.mikro-orm`,
    variable: names.singular.camel === model.className.toLowerCase() ? names.singular.camel : lowerFirst(model.className),
    entity: entityValues(model, entityFrom, names.singular.kebab, names.plural.kebab),
    pk,
    data: model.data,
    writable: (indent: string) =>
      writableData(
        model.data.map((p) => p.name),
        indent,
      ),
    driverPackage: feature.driverPackage,
    ormMajor: feature.ormMajor,
    sample: sample ?? { entries: [], seeds: [] },
    db: testDatabase(feature, `${folder}/file.ts`, config, sample, entity, tokenOf, testing, 'unit'),
    missingId: pk.ts === 'number' ? '999999' : `'00000000-0000-4000-8000-999999999999'`,
    missingIdPath: pk.ts === 'number' ? '999999' : '00000000-0000-4000-8000-999999999999',
  };
  return {
    feature,
    entity,
    pattern,
    module,
    parent,
    values,
    sample,
    testDatabase: (from: string) => testDatabase(feature, from, config, sample, entity, tokenOf, testing, 'e2e'),
    testing,
    files,
    defaultsUsed: [...entity.defaultsUsed, ...defaultsUsed],
    notes,
  };
}

/**
 * Names the generated files import that an entity class must not shadow: such an entity is
 * imported under an alias (`Post as PostEntity` beside Nest's @Post()).
 */
const TAKEN_NAMES = new Set(
  (
    'Body Controller DefaultValuePipe Delete Get HttpCode Param ParseIntPipe ParseUUIDPipe Patch Post Query Injectable ' +
    'NotFoundException InjectRepository EntityManager EntityRepository Page MikroORM RequestContext MikroOrmModule Test ' +
    'TestingModule SqliteDriver INestApplication ValidationPipe App Module request config'
  ).split(' '),
);

/** How the repository and resource files refer to the entity, and the import lines that bring it in. */
export function entityValues(model: EntityModel, from: string, label: string, labelPlural: string) {
  const ref = TAKEN_NAMES.has(model.className) ? `${model.className}Entity` : model.className;
  const local = ref === model.className ? model.className : `${model.className} as ${ref}`;
  const token = model.typeOnly ? model.token : ref;
  const enums = [...new Set(model.data.filter((p) => p.kind === 'enum').map((p) => p.enumName!))];
  return {
    className: model.className,
    ref,
    token,
    label: label.replace(/-/g, ' '),
    labelPlural: labelPlural.replace(/-/g, ' '),
    from,
    /** the adapter: the class (or schema) as a value, for @InjectRepository */
    importLine: `import { ${model.typeOnly ? `type ${local}, ${model.token}` : local} } from '${from}';`,
    /** service and controller: the entity as a type */
    typeImportLine: `import type { ${local} } from '${from}';`,
    /** the port and the custom repository: the entity and the enums its data uses, as types */
    dataImportLine: `import type { ${[local, ...enums].join(', ')} } from '${from}';`,
  };
}

/** The model of an entity a sample row refers to. */
export function relatedModel(tree: Tree, entity: EntityPlan, className: string): EntityModel | undefined {
  const path = entity.entityFiles.get(className);
  if (!path) return undefined;
  const source = parseSource(tree, path);
  return readEntityModel(source, className) ?? readDefineEntityModel(source, className);
}

/** How a generated spec reaches its database: the imports, the MikroORM options, and the testing module's helpers it calls. */
export interface SpecDatabase {
  imports: string[];
  options: string;
  /** `describe`, or the testing module's describeWithDatabase (skipped without a server) */
  describe: string;
  /** the spec drops its server database after its tests */
  drops: boolean;
  /** what the spec runs on, for its doc comment */
  label: string;
  /** beforeAll's timeout when the database takes seconds to start (PGlite, a server database to create), else '' */
  startTimeout: string;
  /** why, for the comment above beforeAll */
  startNote: string;
}

/**
 * The database of a generated spec at `from`: the app's config (its entities and metadata provider)
 * or, when the app has no config file to import, every entity of the app, passed through the
 * testing module's testOrmOptions (embedded database or MIKRO_ORM_TEST_CLIENT_URL). Also the
 * imports of the entities the sample data seeds and the enums it uses.
 */
export function testDatabase(
  feature: FeaturePlan,
  from: string,
  config: string | undefined,
  sample: SampleRow | undefined,
  entity: EntityPlan,
  /** what MikroORM options call an entity of the app: its class, or a v6 schema constant */
  tokenOf: (className: string) => string,
  testing: TestingModule,
  kind: 'unit' | 'e2e',
): SpecDatabase {
  const packages: string[] = [];
  const byFile = new Map<string, string[]>();
  const add = (path: string | undefined, names: string[]) => {
    if (path && names.length > 0) byFile.set(path, [...(byFile.get(path) ?? []), ...names]);
  };
  add(entity.model.path, sample?.enums ?? []);
  for (const seed of sample?.seeds ?? []) add(entity.entityFiles.get(seed.className), [seed.token, ...seed.enums]);
  let options: string;
  if (config) {
    packages.push(`import config from '${feature.importPath(from, config)}';`);
    options = 'config';
  } else {
    // Every entity of the app: MikroORM discovers the ones this one refers to through them.
    const driverClass = DRIVER_CLASSES[feature.driver];
    packages.unshift(`import { ${driverClass} } from '${feature.driverPackage}';`);
    const all = new Map(entity.entityFiles);
    all.set(entity.model.className, entity.model.path);
    const tokens = [...all].map(([className, path]) => {
      const token = className === entity.model.className ? entity.model.token : tokenOf(className);
      add(path, [token]);
      return token;
    });
    const listed = [`driver: ${driverClass}`, `entities: [${[...new Set(tokens)].join(', ')}]`];
    if (feature.ormMajor === 7) {
      packages.unshift(`import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';`);
      listed.push('metadataProvider: ReflectMetadataProvider');
    }
    options = `{ ${listed.join(', ')} }`;
  }
  const names = testingNames(testing, kind);
  packages.push(`import { ${names.join(', ')} } from '${feature.importPath(from, testing.path)}';`);
  const entityImports = [...byFile].map(
    ([path, names]) => `import { ${[...new Set(names)].join(', ')} } from '${feature.importPath(from, path)}';`,
  );
  return {
    imports: [...packages, ...entityImports],
    options: `{ ...testOrmOptions(${options}), registerRequestContext: false }`,
    describe: names.includes('describeWithDatabase') ? 'describeWithDatabase' : 'describe',
    drops: names.includes('dropTestDatabase'),
    label: testing.runsOn,
    startTimeout: testing.slowStart ? ', 60_000' : '',
    startNote: testing.slowStart ?? '',
  };
}

const DRIVER_CLASSES: Record<Driver, string> = {
  sqlite: 'SqliteDriver',
  postgresql: 'PostgreSqlDriver',
  mysql: 'MySqlDriver',
  mariadb: 'MariaDbDriver',
  mssql: 'MsSqlDriver',
  libsql: 'LibSqlDriver',
  mongodb: 'MongoDriver',
};

/**
 * The data an adapter hands to MikroORM: the declared fields copied one by one (`{ name: data.name }`),
 * so that whatever else a request body carries (a primary key, a managed timestamp, a relation it
 * does not name) never reaches the entity, validated or not.
 */
function writableData(fields: string[], indent: string): string {
  if (fields.length === 0) return '{}';
  const entries = fields.map((name) => `${name}: data.${name}`);
  return entries.length <= 2 ? `{ ${entries.join(', ')} }` : `{\n${entries.map((e) => `${indent}  ${e},`).join('\n')}\n${indent}}`;
}
