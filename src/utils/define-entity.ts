import * as ts from 'typescript';
import { findNodes, objectProperty } from './ast';
import { DataKind, DataProperty, EntityModel, PrimaryKeyModel } from './entities';

const BUILDER_KINDS: Record<string, DataKind> = {
  string: 'string',
  text: 'string',
  integer: 'integer',
  smallint: 'integer',
  tinyint: 'integer',
  mediumint: 'integer',
  double: 'float',
  float: 'float',
  decimal: 'float',
  boolean: 'boolean',
  datetime: 'date',
  uuid: 'uuid',
  json: 'json',
  enum: 'enum',
  manyToOne: 'relation',
  oneToOne: 'relation',
};

/**
 * Reads the model of an entity declared with `defineEntity({ name, properties: { id: p.integer().primary(), ... } })`:
 * MikroORM 7 with `export class User extends UserSchema.class {}`, or MikroORM 6 with only the schema
 * constant (the entity is then a type: `InferEntity<typeof UserSchema>`).
 */
export function readDefineEntityModel(source: ts.SourceFile, entityName: string): EntityModel | undefined {
  const call = findNodes(
    source,
    (n): n is ts.CallExpression =>
      ts.isCallExpression(n) &&
      ts.isIdentifier(n.expression) &&
      n.expression.text === 'defineEntity' &&
      !!n.arguments[0] &&
      ts.isObjectLiteralExpression(n.arguments[0]) &&
      nameOf(n.arguments[0]) === entityName,
  )[0];
  if (!call) return undefined;
  const meta = call.arguments[0] as ts.ObjectLiteralExpression;
  const holder =
    call.parent && ts.isVariableDeclaration(call.parent) && ts.isIdentifier(call.parent.name) ? call.parent.name.text : undefined;
  const cls = holder
    ? source.statements.find(
        (s): s is ts.ClassDeclaration =>
          ts.isClassDeclaration(s) &&
          !!s.heritageClauses?.some((h) => h.types.some((t) => t.expression.getText(source) === `${holder}.class`)),
      )
    : undefined;
  const props = objectProperty(meta, 'properties')?.initializer;
  let pk: PrimaryKeyModel | undefined;
  const data: DataProperty[] = [];
  const properties: string[] = [];
  if (props && ts.isObjectLiteralExpression(props)) {
    for (const property of props.properties) {
      if (!ts.isPropertyAssignment(property) || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) continue;
      const name = property.name.text;
      properties.push(name);
      let value: ts.Expression = property.initializer;
      if (ts.isArrowFunction(value) && !ts.isBlock(value.body)) value = value.body;
      const chain = builderChain(value);
      if (!chain) continue;
      const has = (method: string) => chain.methods.some((m) => m.name === method);
      const kind = BUILDER_KINDS[chain.root.name];
      if (has('primary')) {
        pk ??= {
          name,
          kind: kind === 'uuid' ? 'uuid' : kind === 'integer' ? 'int' : 'string',
          ts: kind === 'integer' ? 'number' : 'string',
        };
        continue;
      }
      if (!kind || has('onCreate') || has('onUpdate') || has('persist') || has('mappedBy') || has('formula')) continue;
      const nullable = has('nullable');
      const base = { name, optional: nullable || has('default'), nullable, unique: has('unique') };
      const arg = chain.root.args[0];
      if (kind === 'relation') {
        const target = arg && ts.isIdentifier(arg) ? arg.text.replace(/Schema$/, '') : undefined;
        if (target) data.push({ ...base, kind, ts: 'number', target });
      } else if (kind === 'enum') {
        const items = arg && ts.isArrowFunction(arg) && ts.isIdentifier(arg.body) ? arg.body.text : undefined;
        if (items) data.push({ ...base, kind, ts: items, enumName: items });
      } else {
        const ts_ =
          kind === 'integer' || kind === 'float'
            ? 'number'
            : kind === 'boolean'
              ? 'boolean'
              : kind === 'date'
                ? 'Date | string'
                : kind === 'json'
                  ? 'Record<string, unknown>'
                  : 'string';
        data.push({ ...base, kind, ts: ts_ });
      }
    }
  }
  const typeAlias = source.statements.find(
    (s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && !!holder && s.type.getText(source).includes(`typeof ${holder}`),
  );
  return {
    className: cls?.name?.text ?? typeAlias?.name.text ?? entityName,
    token: cls?.name?.text ?? holder ?? entityName,
    typeOnly: !cls,
    path: source.fileName,
    pk: pk ?? { name: 'id', kind: 'int', ts: 'number' },
    data,
    properties,
  };
}

function nameOf(meta: ts.ObjectLiteralExpression): string | undefined {
  const name = objectProperty(meta, 'name')?.initializer;
  return name && ts.isStringLiteral(name) ? name.text : undefined;
}

interface Link {
  name: string;
  args: readonly ts.Expression[];
}

/** `p.string().nullable().unique()` → root `string`, methods nullable, unique. */
function builderChain(node: ts.Expression): { root: Link; methods: Link[] } | undefined {
  const methods: Link[] = [];
  let current: ts.Expression = node;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
    const access = current.expression;
    if (ts.isIdentifier(access.expression)) {
      return { root: { name: access.name.text, args: current.arguments }, methods: methods.reverse() };
    }
    methods.push({ name: access.name.text, args: current.arguments });
    current = access.expression;
  }
  return undefined;
}
