import { SchematicsException } from '@angular-devkit/schematics';
import { readDefineEntityModel } from '../../src/utils/define-entity';
import { EntityModel, readEntityModel } from '../../src/utils/entities';
import { entityCode } from '../../src/entity/entity-code';
import { featurePath } from '../../src/utils/feature';
import { parseFields } from '../../src/entity/fields';
import { sampleRow, sampleValue } from '../../src/repository/samples';
import { parse } from '../support/inspect';

const USER = `
import { Entity, Enum, ManyToOne, OneToMany, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Collection, Opt, Rel } from '@mikro-orm/core';

export enum Role { Admin = 'admin', Guest = 'guest' }

@Entity({ repository: () => UserRepository })
export class User {
  [EntityRepositoryType]?: UserRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', unique: true })
  email!: string;

  @Property({ nullable: true })
  age?: number;

  @Property()
  active: boolean = true;

  @Property({ type: 'datetime' })
  bornAt!: Date;

  @Enum({ items: () => Role })
  role!: Role;

  @ManyToOne(() => Team, { nullable: true })
  team?: Rel<Team>;

  @OneToMany(() => Post, (post) => post.author)
  posts = new Collection<Post>(this);

  @Property({ type: 'string', persist: false })
  display!: string;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();
}
`;

describe('readEntityModel', () => {
  const model = readEntityModel(parse(USER, 'src/users/user.entity.ts'), 'User')!;

  it('reads the primary key, the custom repository and every writable property in order', () => {
    expect(model.pk).toEqual({ name: 'id', kind: 'uuid', ts: 'string' });
    expect(model.customRepository).toBe('UserRepository');
    expect(model.data.map((p) => [p.name, p.kind, p.ts, p.optional])).toEqual([
      ['email', 'string', 'string', false],
      ['age', 'float', 'number', true],
      ['active', 'boolean', 'boolean', true],
      ['bornAt', 'date', 'Date | string', false],
      ['role', 'enum', 'Role', false],
      ['team', 'relation', 'number', true],
    ]);
    expect(model.data[4].enumMember).toBe('Role.Admin');
    expect(model.data[5].target).toBe('Team');
    expect(model.data[0].unique).toBe(true);
  });

  it('leaves out collections, non-persistent and generated properties, but lists every name', () => {
    const names = model.data.map((p) => p.name);
    expect(names).not.toContain('posts');
    expect(names).not.toContain('display');
    expect(names).not.toContain('updatedAt');
    expect(model.properties).toEqual(['id', 'email', 'age', 'active', 'bornAt', 'role', 'team', 'posts', 'display', 'updatedAt']);
  });

  it('answers undefined for a class that is not an entity', () => {
    expect(readEntityModel(parse('export class User {}'), 'User')).toBeUndefined();
  });
});

describe('readDefineEntityModel', () => {
  it('reads a MikroORM 7 schema with its class', () => {
    const text = `
      export const BookSchema = defineEntity({
        name: 'Book',
        properties: {
          id: p.integer().primary(),
          title: p.string().unique(),
          pages: p.integer().nullable(),
          author: () => p.manyToOne(User).nullable(),
          createdAt: p.datetime().onCreate(() => new Date()),
        },
      });
      export class Book extends BookSchema.class {}
      BookSchema.setClass(Book);`;
    const model = readDefineEntityModel(parse(text), 'Book')!;
    expect(model).toMatchObject({ className: 'Book', token: 'Book', typeOnly: false, pk: { name: 'id', kind: 'int', ts: 'number' } });
    expect(model.data.map((p) => [p.name, p.kind, p.optional, p.unique])).toEqual([
      ['title', 'string', false, true],
      ['pages', 'integer', true, false],
      ['author', 'relation', true, false],
    ]);
  });

  it('reads a MikroORM 6 schema without a class as a type-only entity with the schema as token', () => {
    const text = `
      export const BookSchema = defineEntity({ name: 'Book', properties: { id: p.uuid().primary(), title: p.string() } });
      export type Book = InferEntity<typeof BookSchema>;`;
    expect(readDefineEntityModel(parse(text), 'Book')).toMatchObject({
      className: 'Book',
      token: 'BookSchema',
      typeOnly: true,
      pk: { kind: 'uuid', ts: 'string' },
    });
  });
});

describe('entityCode', () => {
  const code = entityCode({
    className: 'Post',
    fields: parseFields('title:string:unique,body:text?,views:int:index,status:Status(draft|live),author:User,tags:Tag[],parent:Post?'),
    mappedBy: new Map([['tags', 'post']]),
    deleteRule: 'no action',
  });

  it('writes one decorator and declaration per field, with explicit MikroORM types', () => {
    expect(code.properties.map((p) => `${p.decorator} ${p.declaration}`)).toEqual([
      "@Property({ type: 'string', unique: true }) title!: string;",
      "@Property({ type: 'text', nullable: true }) body?: string;",
      "@Property({ type: 'integer', index: true }) views!: number;",
      '@Enum({ items: () => Status }) status!: Status;',
      "@ManyToOne(() => User, { deleteRule: 'no action' }) author!: Rel<User>;",
      '@OneToMany(() => Tag, (tag) => tag.post) tags = new Collection<Tag>(this);',
      "@ManyToOne(() => Post, { nullable: true, deleteRule: 'no action' }) parent?: Rel<Post>;",
    ]);
  });

  it('writes the defineEntity builders', () => {
    expect(code.properties.map((p) => p.builder)).toEqual([
      'title: p.string().unique(),',
      'body: p.text().nullable(),',
      'views: p.integer().index(),',
      'status: p.enum(() => Status),',
      "author: () => p.manyToOne(User).deleteRule('no action'),",
      "tags: () => p.oneToMany(Tag).mappedBy('post'),",
      "parent: () => p.manyToOne(Post).nullable().deleteRule('no action'),",
    ]);
  });

  it('lists what the file imports: decorators, core names, enums and other entities (not itself)', () => {
    expect(code.decorators).toEqual(['Entity', 'Enum', 'ManyToOne', 'OneToMany', 'PrimaryKey', 'Property']);
    expect(code.core).toEqual(['Collection', 'type Opt', 'type Rel']);
    expect(code.enums).toEqual([
      {
        name: 'Status',
        members: [
          { key: 'Draft', value: 'draft' },
          { key: 'Live', value: 'live' },
        ],
      },
    ]);
    expect(code.targets).toEqual(['Tag', 'User']);
  });
});

describe('sampleRow', () => {
  const model = (
    className: string,
    data: EntityModel['data'],
    pk: EntityModel['pk'] = { name: 'id', kind: 'int', ts: 'number' },
  ): EntityModel => ({
    className,
    token: className,
    typeOnly: false,
    path: `src/${className}.ts`,
    pk,
    data,
    properties: [],
  });
  const user = model('User', [{ name: 'name', kind: 'string', ts: 'string', optional: false, nullable: false, unique: true }]);
  const post = model('Post', [
    { name: 'title', kind: 'string', ts: 'string', optional: false, nullable: false, unique: false },
    {
      name: 'status',
      kind: 'enum',
      ts: 'Status',
      optional: false,
      nullable: false,
      unique: false,
      enumName: 'Status',
      enumMember: 'Status.Draft',
    },
    { name: 'author', kind: 'relation', ts: 'number', optional: false, nullable: false, unique: false, target: 'User' },
    { name: 'editor', kind: 'relation', ts: 'number', optional: true, nullable: true, unique: false, target: 'User' },
  ]);
  const models = new Map([
    ['User', user],
    ['Post', post],
  ]);

  it('gives distinct rows per index, seeds the required relations and leaves out the optional ones', () => {
    const row = sampleRow(post, (name) => models.get(name))!;
    expect(row.entries).toEqual(['title: `title ${i}`', 'status: Status.Draft', 'author: userId']);
    expect(row.enums).toEqual(['Status']);
    expect(row.seeds).toEqual([
      {
        variable: 'userId',
        token: 'User',
        keyType: 'number',
        key: 'id',
        row: 'userRow',
        data: "{ name: 'name 1' }",
        className: 'User',
        enums: [],
      },
    ]);
    expect(row.probe).toEqual({ name: 'title', first: "'title 1'", second: "'title 2'" });
  });

  it('seeds in dependency order and refuses a cycle of required relations', () => {
    const comment = model('Comment', [
      { name: 'post', kind: 'relation', ts: 'number', optional: false, nullable: false, unique: false, target: 'Post' },
    ]);
    const all = new Map([...models, ['Comment', comment]]);
    expect(sampleRow(comment, (name) => all.get(name))!.seeds.map((s) => s.variable)).toEqual(['userId', 'postId']);
    const selfish = model('Node', [
      { name: 'parent', kind: 'relation', ts: 'number', optional: false, nullable: false, unique: false, target: 'Node' },
    ]);
    expect(sampleRow(selfish, () => undefined)).toBeUndefined();
  });

  it('writes literal values for a row number and expressions for a variable', () => {
    const uuid = { name: 'key', kind: 'uuid', ts: 'string', optional: false, nullable: false, unique: false } as const;
    expect(sampleValue(uuid, 7)).toBe("'00000000-0000-4000-8000-000000000007'");
    expect(sampleValue(uuid, 'i')).toBe("`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`");
    expect(sampleValue({ ...uuid, kind: 'boolean' }, 2)).toBe('true');
    expect(sampleValue({ ...uuid, kind: 'float' }, 'i')).toBe('i + 0.5');
    expect(sampleValue({ ...uuid, kind: 'enum', enumName: 'Kind' }, 1)).toBe('Object.values(Kind)[0]');
  });
});

describe('featurePath', () => {
  it('keeps --path relative to the source root, with or without the source root in front', () => {
    expect(featurePath(undefined, 'src')).toBe('');
    expect(featurePath('features', 'src')).toBe('features');
    expect(featurePath('src/features/', 'src')).toBe('features');
    expect(featurePath('./a/./b', 'apps/api/src')).toBe('a/b');
  });

  it.each(['../x', '/abs', 'a/../../b', 'a b'])('refuses %s', (path) => {
    expect(() => featurePath(path, 'src')).toThrow(SchematicsException);
  });
});
