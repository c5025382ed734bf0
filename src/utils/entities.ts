import { Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { decoratorArgument, findNodes, objectProperty, parseSource } from './ast';
import { sourceFiles } from './tree';

/**
 * What the repository and resource schematics need to know about an entity, whether it was just
 * planned from `--fields` or read from a file the app already has.
 */
export interface EntityModel {
  /** the entity's class (or type, for a v6 defineEntity schema) */
  className: string;
  /** what forFeature, @InjectRepository and the config's entities list take: the class, or the schema constant */
  token: string;
  /** the class name is a type only (v6 `defineEntity`: `export type User = InferEntity<typeof UserSchema>`) */
  typeOnly: boolean;
  path: string;
  pk: PrimaryKeyModel;
  /** the properties a client writes (create/update), in declaration order */
  data: DataProperty[];
  /** names of every property, generated ones included */
  properties: string[];
  /** a MikroORM custom repository class (`@Entity({ repository: () => UserRepository })`) */
  customRepository?: string;
}

export interface PrimaryKeyModel {
  name: string;
  kind: 'int' | 'uuid' | 'string';
  ts: 'number' | 'string';
}

export type DataKind = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'uuid' | 'json' | 'enum' | 'relation';

export interface DataProperty {
  name: string;
  kind: DataKind;
  /** the TypeScript type a client sends */
  ts: string;
  /** may be left out when creating (nullable, or with a default) */
  optional: boolean;
  nullable: boolean;
  unique: boolean;
  /** the enum (kind enum) */
  enumName?: string;
  /** the first enum member (kind enum), for sample data */
  enumMember?: string;
  /** the related entity's class (kind relation) */
  target?: string;
}

/** Every entity of the app, class name → file: `@Entity()` classes and `defineEntity({ name })` schemas. */
export function findEntities(tree: Tree, sourceRoot: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const path of sourceFiles(tree, sourceRoot)) {
    const text = tree.readText(path);
    if (!text.includes('Entity')) continue;
    const source = parseSource(tree, path);
    for (const name of entityNames(source)) if (!found.has(name)) found.set(name, path);
  }
  return found;
}

function entityNames(source: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isClassDeclaration(statement) && statement.name && decoratorArgument(statement, 'Entity')) {
      names.push(statement.name.text);
    }
  }
  for (const call of findNodes(
    source,
    (n): n is ts.CallExpression => ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'defineEntity',
  )) {
    const [meta] = call.arguments;
    const name = meta && ts.isObjectLiteralExpression(meta) ? objectProperty(meta, 'name')?.initializer : undefined;
    if (name && ts.isStringLiteral(name)) names.push(name.text);
  }
  return names;
}

const SKIPPED_DECORATORS = new Set(['OneToMany', 'ManyToMany', 'Formula', 'Embedded']);

/**
 * Reads the model of a decorated entity class. Undefined when the file declares the entity another
 * way (defineEntity, EntitySchema), which the caller then reports.
 */
export function readEntityModel(source: ts.SourceFile, className: string): EntityModel | undefined {
  const node = source.statements.find(
    (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === className && !!decoratorArgument(s, 'Entity'),
  );
  if (!node) return undefined;
  const entityOptions = decoratorArgument(node, 'Entity')?.object;
  const repository = entityOptions && objectProperty(entityOptions, 'repository')?.initializer;
  let pk: PrimaryKeyModel | undefined;
  const data: DataProperty[] = [];
  const properties: string[] = [];
  for (const member of node.members) {
    if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
    const name = member.name.text;
    properties.push(name);
    const decorators = (ts.getDecorators(member) ?? [])
      .map((d) => d.expression)
      .filter(ts.isCallExpression)
      .filter((c) => ts.isIdentifier(c.expression));
    const decorator = decorators.find((c) =>
      ['PrimaryKey', 'Property', 'Enum', 'ManyToOne', 'OneToOne'].includes((c.expression as ts.Identifier).text),
    );
    if (!decorator || decorators.some((c) => SKIPPED_DECORATORS.has((c.expression as ts.Identifier).text))) continue;
    const kind = (decorator.expression as ts.Identifier).text;
    const options = decorator.arguments.find(ts.isObjectLiteralExpression);
    const option = (key: string) => (options ? objectProperty(options, key)?.initializer : undefined);
    const typeText = member.type ? unwrapType(member.type.getText(source)) : undefined;
    const ormType = stringValue(option('type'));
    if (kind === 'PrimaryKey') {
      const uuid = ormType === 'uuid' || /uuid/i.test(member.initializer?.getText(source) ?? '');
      const isString = typeText === 'string' || ormType === 'uuid' || ormType === 'string';
      pk ??= { name, kind: uuid ? 'uuid' : isString ? 'string' : 'int', ts: uuid || isString ? 'string' : 'number' };
      continue;
    }
    if (option('persist')?.kind === ts.SyntaxKind.FalseKeyword || option('onUpdate') || option('onCreate')) continue;
    if (name === 'createdAt' || name === 'updatedAt' || name === 'version') continue;
    const nullable = option('nullable')?.kind === ts.SyntaxKind.TrueKeyword || !!member.questionToken;
    const unique = option('unique')?.kind === ts.SyntaxKind.TrueKeyword;
    const optional = nullable || !!member.initializer || option('default') !== undefined;
    if (kind === 'ManyToOne' || kind === 'OneToOne') {
      if (kind === 'OneToOne' && option('mappedBy')) continue;
      const target = relationTarget(decorator) ?? typeText;
      if (!target) continue;
      data.push({ name, kind: 'relation', ts: 'number', optional, nullable, unique, target });
      continue;
    }
    if (kind === 'Enum') {
      const items = option('items');
      const enumName =
        items && ts.isArrowFunction(items) && ts.isIdentifier(items.body)
          ? items.body.text
          : typeText && /^[A-Z]\w*$/.test(typeText)
            ? typeText
            : undefined;
      if (!enumName) continue;
      data.push({ name, kind: 'enum', ts: enumName, optional, nullable, unique, enumName, enumMember: enumFirstMember(source, enumName) });
      continue;
    }
    const dataKind = kindOf(ormType, typeText);
    if (!dataKind) continue;
    data.push({ name, kind: dataKind, ts: tsOf(dataKind, typeText), optional, nullable, unique });
  }
  return {
    className,
    token: className,
    typeOnly: false,
    path: source.fileName,
    pk: pk ?? { name: 'id', kind: 'int', ts: 'number' },
    data,
    properties,
    customRepository: repository && ts.isArrowFunction(repository) && ts.isIdentifier(repository.body) ? repository.body.text : undefined,
  };
}

/** `Opt<Date>`, `Rel<User>`, `Ref<User>`, `Date | null` → the type inside. */
function unwrapType(text: string): string {
  let t = text.replace(/\s*\|\s*(null|undefined)\b/g, '').trim();
  const wrapper = /^(Opt|Rel|Ref|Reference|IdentifiedReference|Hidden)<(.+)>$/.exec(t);
  if (wrapper) t = unwrapType(wrapper[2]);
  return t;
}

function stringValue(node: ts.Expression | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text.toLowerCase() : undefined;
}

function relationTarget(decorator: ts.CallExpression): string | undefined {
  const [first] = decorator.arguments;
  if (first && ts.isArrowFunction(first) && ts.isIdentifier(first.body)) return first.body.text;
  if (first && ts.isStringLiteral(first)) return first.text;
  if (first && ts.isObjectLiteralExpression(first)) {
    const entity = objectProperty(first, 'entity')?.initializer;
    if (entity && ts.isArrowFunction(entity) && ts.isIdentifier(entity.body)) return entity.body.text;
  }
  return undefined;
}

function kindOf(ormType: string | undefined, typeText: string | undefined): DataKind | undefined {
  switch (ormType) {
    case 'string':
    case 'varchar':
    case 'character varying':
    case 'text':
    case 'char':
    case 'character':
      return 'string';
    case 'int':
    case 'integer':
    case 'smallint':
    case 'tinyint':
    case 'mediumint':
      return 'integer';
    case 'number':
      return typeText === 'number' ? 'integer' : 'float';
    case 'float':
    case 'double':
    case 'double precision':
    case 'decimal':
    case 'numeric':
      return 'float';
    case 'boolean':
      return 'boolean';
    case 'date':
    case 'datetime':
    case 'timestamp':
      return typeText === 'string' ? 'string' : 'date';
    case 'uuid':
      return 'uuid';
    case 'json':
    case 'object':
      return 'json';
  }
  switch (typeText) {
    case 'string':
      return 'string';
    case 'number':
      return 'float';
    case 'boolean':
      return 'boolean';
    case 'Date':
      return 'date';
  }
  return undefined;
}

function tsOf(kind: DataKind, typeText: string | undefined): string {
  switch (kind) {
    case 'integer':
    case 'float':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'Date | string';
    case 'json':
      return typeText && typeText !== 'any' && typeText !== 'unknown' ? typeText : 'Record<string, unknown>';
    default:
      return 'string';
  }
}

function enumFirstMember(source: ts.SourceFile, enumName: string): string | undefined {
  const declaration = source.statements.find((s): s is ts.EnumDeclaration => ts.isEnumDeclaration(s) && s.name.text === enumName);
  const first = declaration?.members[0];
  return first && ts.isIdentifier(first.name) ? `${enumName}.${first.name.text}` : undefined;
}
