import { SchematicsException } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { ROOT, snapshot } from './support/fixtures';
import { classOf, configEntities, copyTree, decorators, initApp, properties, run, source } from './support/features';
import { imports } from './support/inspect';

const FIELDS =
  'name:string,email:string:unique,age:int?,bio:text?,score:float:index,active:boolean,born:date?,key:uuid,meta:json?,status:Status(active|banned)';

describe('entity user --fields ... in a Nest 12 app (MikroORM 7)', () => {
  let app: UnitTestTree;
  let tree: UnitTestTree;
  let logs: string[];
  beforeAll(async () => {
    app = await initApp('nest12');
    ({ tree, logs } = await run('entity', { name: 'user', fields: FIELDS }, copyTree(app)));
  });

  it('declares one property per field with an explicit MikroORM type, nullable and unique/index as asked', () => {
    const file = source(tree, '/src/users/user.entity.ts');
    const props = properties(classOf(file, 'User'));
    const summary = Object.fromEntries(
      [...props].map(([name, p]) => [
        name,
        `${p.decorators.join(' ')} ${p.optional ? '?' : '!'}${p.type ?? ''}${p.initializer ? ` = ${p.initializer}` : ''}`,
      ]),
    );
    expect(summary).toEqual({
      id: "PrimaryKey({ type: 'integer' }) !number",
      name: "Property({ type: 'string' }) !string",
      email: "Property({ type: 'string', unique: true }) !string",
      age: "Property({ type: 'integer', nullable: true }) ?number",
      bio: "Property({ type: 'text', nullable: true }) ?string",
      score: "Property({ type: 'double', index: true }) !number",
      active: "Property({ type: 'boolean' }) !boolean",
      born: "Property({ type: 'datetime', nullable: true }) ?Date",
      key: "Property({ type: 'uuid' }) !string",
      meta: "Property({ type: 'json', nullable: true }) ?Record<string, unknown>",
      status: 'Enum({ items: () => Status }) !Status',
      createdAt: "Property({ type: 'datetime' }) !Opt<Date> = new Date()",
      updatedAt: "Property({ type: 'datetime', onUpdate: () => new Date() }) !Opt<Date> = new Date()",
    });
    const status = file.statements.find(ts.isEnumDeclaration)!;
    expect(status.members.map((m) => m.getText(file))).toEqual(["Active = 'active'", "Banned = 'banned'"]);
    expect(imports(file).get('@mikro-orm/decorators/legacy')).toEqual(['Entity', 'Enum', 'PrimaryKey', 'Property']);
    expect(imports(file).get('@mikro-orm/core')).toEqual(['Opt']);
  });

  it('registers the entity in the config and reports what it generated', () => {
    expect(configEntities(source(tree, '/src/mikro-orm.config.ts'))).toEqual(['User']);
    expect(logs).toContain(`info Entity User (src/users/user.entity.ts): id (int), ${FIELDS.split(',').join(', ')}, createdAt, updatedAt.`);
    expect(tree.files.filter((f) => !app.exists(f))).toEqual(['/src/users/user.entity.ts']);
  });

  it('changes nothing when run a second time', async () => {
    const again = await run('entity', { name: 'user', fields: FIELDS }, copyTree(tree));
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });

  it('without fields (non-interactive): only the key and timestamps, and says which defaults it used', async () => {
    const result = await run('entity', { name: 'user' }, copyTree(app));
    expect([...properties(classOf(source(result.tree, '/src/users/user.entity.ts'), 'User')).keys()]).toEqual([
      'id',
      'createdAt',
      'updatedAt',
    ]);
    expect(result.logs).toContain(
      'info Using defaults: pk=int, definition=decorators, fields=(none) (choose with --pk, --definition, --fields; in a terminal, nest g entity asks for the fields).',
    );
  });

  it('prompts for the fields when nest g runs it in a terminal (x-prompt in the schema)', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'src/entity/schema.json'), 'utf8'));
    expect(typeof schema.properties.fields['x-prompt']).toBe('string');
    expect(schema.additionalProperties).toBeUndefined();
  });

  it('--pk uuid, --timestamps false', async () => {
    const { tree: result } = await run('entity', { name: 'token', pk: 'uuid', timestamps: false, fields: 'value:string' }, copyTree(app));
    const file = source(result, '/src/tokens/token.entity.ts');
    const props = properties(classOf(file, 'Token'));
    expect([...props.keys()]).toEqual(['id', 'value']);
    expect(props.get('id')).toMatchObject({ decorators: ["PrimaryKey({ type: 'uuid' })"], type: 'string', initializer: 'randomUUID()' });
    expect(imports(file).get('node:crypto')).toEqual(['randomUUID']);
    expect(imports(file).has('@mikro-orm/core')).toBe(false);
  });
});

describe('entity relations', () => {
  let app: UnitTestTree;
  beforeAll(async () => {
    app = (await run('entity', { name: 'user', fields: 'name:string' }, await initApp('nest12'))).tree;
  });

  it('author:User becomes a ManyToOne with Rel<> and an import of the other entity', async () => {
    const { tree } = await run('entity', { name: 'post', fields: 'title:string,author:User,reviewer:User?,parent:Post?' }, copyTree(app));
    const file = source(tree, '/src/posts/post.entity.ts');
    const props = properties(classOf(file, 'Post'));
    // Each relation states its delete rule: no action (deleting a still-referenced user fails) by default.
    expect(props.get('author')).toMatchObject({
      decorators: ["ManyToOne(() => User, { deleteRule: 'no action' })"],
      type: 'Rel<User>',
      optional: false,
    });
    expect(props.get('reviewer')).toMatchObject({
      decorators: ["ManyToOne(() => User, { nullable: true, deleteRule: 'no action' })"],
      type: 'Rel<User>',
      optional: true,
    });
    expect(props.get('parent')).toMatchObject({ decorators: ["ManyToOne(() => Post, { nullable: true, deleteRule: 'no action' })"] });
    expect(imports(file).get('../users/user.entity.js')).toEqual(['User']);
    expect(configEntities(source(tree, '/src/mikro-orm.config.ts'))).toEqual(['User', 'Post']);
  });

  it('posts:Post[] becomes a OneToMany mapped by the ManyToOne the other entity has', async () => {
    const withPost = (await run('entity', { name: 'post', fields: 'title:string,author:User' }, copyTree(app))).tree;
    const { tree } = await run('entity', { name: 'blog', fields: 'posts:Post[]' }, copyTree(withPost));
    // Post has no ManyToOne to Blog: the schematic adds a nullable one, so that existing rows stay valid.
    const post = properties(classOf(source(tree, '/src/posts/post.entity.ts'), 'Post'));
    expect(post.get('blog')).toMatchObject({
      decorators: ["ManyToOne(() => Blog, { nullable: true, deleteRule: 'no action' })"],
      type: 'Rel<Blog>',
      optional: true,
    });
    expect([...post.keys()]).toEqual(['id', 'title', 'author', 'blog', 'createdAt', 'updatedAt']);
    const blog = properties(classOf(source(tree, '/src/blogs/blog.entity.ts'), 'Blog'));
    expect(blog.get('posts')).toMatchObject({
      decorators: ['OneToMany(() => Post, (post) => post.blog)'],
      initializer: 'new Collection<Post>(this)',
    });
    // An owner that exists (Post.author) is used as it is: regenerating User with posts:Post[] maps it.
    const { tree: users } = await run('entity', { name: 'user', fields: 'name:string,posts:Post[]', force: true }, copyTree(withPost));
    const user = properties(classOf(source(users, '/src/users/user.entity.ts'), 'User'));
    expect(user.get('posts')).toMatchObject({ decorators: ['OneToMany(() => Post, (post) => post.author)'] });
    expect(users.readContent('/src/posts/post.entity.ts')).toBe(withPost.readContent('/src/posts/post.entity.ts'));
  });

  it('--onDelete cascade and set-null: the rule on every relation of the run; set-null refused on a required relation', async () => {
    const cascade = (await run('entity', { name: 'post', fields: 'author:User', onDelete: 'cascade' }, copyTree(app))).tree;
    expect(properties(classOf(source(cascade, '/src/posts/post.entity.ts'), 'Post')).get('author')!.decorators).toEqual([
      "ManyToOne(() => User, { deleteRule: 'cascade' })",
    ]);
    const setNull = (await run('entity', { name: 'post', fields: 'author:User?', onDelete: 'set-null' }, copyTree(app))).tree;
    expect(properties(classOf(source(setNull, '/src/posts/post.entity.ts'), 'Post')).get('author')!.decorators).toEqual([
      "ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })",
    ]);
    const before = snapshot(app);
    await expect(run('entity', { name: 'post', fields: 'author:User,editor:User', onDelete: 'set-null' }, app)).rejects.toThrow(
      '--onDelete set-null needs nullable relations, and author, editor are required (mark them with ?, e.g. author?:User). Nothing was changed.',
    );
    expect(snapshot(app)).toEqual(before);
  });

  it('refuses a relation to an entity the app does not have, writing nothing', async () => {
    const before = snapshot(app);
    await expect(run('entity', { name: 'post', fields: 'author:Author' }, app)).rejects.toThrow(
      /refers to Author, which is no entity of this app/,
    );
    await expect(run('entity', { name: 'blog', fields: 'posts:Post[]' }, app)).rejects.toThrow(SchematicsException);
    expect(snapshot(app)).toEqual(before);
  });
});

describe('entity --definition define-entity', () => {
  it('MikroORM 7: defineEntity with p builders, and a class through setClass', async () => {
    const app = (await run('entity', { name: 'user', fields: 'name:string' }, await initApp('nest12'))).tree;
    const { tree } = await run(
      'entity',
      { name: 'book', definition: 'define-entity', fields: 'title:string:unique,pages:int?,author:User' },
      app,
    );
    const file = source(tree, '/src/books/book.entity.ts');
    const text = file.text;
    expect(imports(file).get('@mikro-orm/core')).toEqual(['defineEntity', 'p']);
    for (const line of [
      'id: p.integer().primary(),',
      'title: p.string().unique(),',
      'pages: p.integer().nullable(),',
      "author: () => p.manyToOne(User).deleteRule('no action'),",
      'updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),',
      'export class Book extends BookSchema.class {}',
      'BookSchema.setClass(Book);',
    ]) {
      expect(text).toContain(line);
    }
    expect(configEntities(source(tree, '/src/mikro-orm.config.ts'))).toEqual(['User', 'Book']);
  });

  it('MikroORM 6: the schema is the entity, its type inferred', async () => {
    const { tree } = await run(
      'entity',
      { name: 'book', definition: 'define-entity', fields: 'title:string' },
      await initApp('nest11', {}, 6),
    );
    const file = source(tree, '/src/books/book.entity.ts');
    expect(imports(file).get('@mikro-orm/core')).toEqual(['defineEntity', 'InferEntity', 'p']);
    expect(file.text).toContain('export type Book = InferEntity<typeof BookSchema>;');
    expect(configEntities(source(tree, '/src/mikro-orm.config.ts'))).toEqual(['BookSchema']);
  });
});

describe('entity names and bad input', () => {
  let app: UnitTestTree;
  beforeAll(async () => (app = await initApp('nest12')));

  it.each([
    ['user', '/src/users/user.entity.ts', 'User'],
    ['users', '/src/users/user.entity.ts', 'User'],
    ['UserProfile', '/src/user-profiles/user-profile.entity.ts', 'UserProfile'],
    ['admin/user', '/src/admin/users/user.entity.ts', 'User'],
  ])('%s → %s (%s)', async (name, path, className) => {
    const { tree } = await run('entity', { name }, copyTree(app));
    expect(classOf(source(tree, path), className)).toBeDefined();
  });

  it('--flat and --path', async () => {
    const { tree } = await run('entity', { name: 'user', path: 'entities', flat: true }, copyTree(app));
    expect(tree.exists('/src/entities/user.entity.ts')).toBe(true);
    expect(imports(source(tree, '/src/mikro-orm.config.ts')).get('./entities/user.entity.js')).toEqual(['User']);
  });

  it.each([
    [{ name: '../x' }, /must stay inside the project/],
    [{ name: 'class' }, /reserved word/],
    [{ name: '123abc' }, /must start with a letter/],
    [{ name: '' }, /name is required/],
    [{ name: 'a b' }, /must start with a letter and contain only/],
    [{ name: 'property' }, /would shadow MikroORM's Property/],
    [{ name: 'user', fields: 'name:string,name:text' }, /listed twice/],
    [{ name: 'user', fields: 'id:int' }, /generated on every entity/],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = snapshot(app);
    await expect(run('entity', options, app)).rejects.toThrow(message);
    expect(snapshot(app)).toEqual(before);
  });

  it('refuses a second entity of the same class in another folder, and keeps a changed file without --force', async () => {
    const { tree } = await run('entity', { name: 'user', fields: 'name:string' }, copyTree(app));
    const before = snapshot(tree);
    await expect(run('entity', { name: 'user', path: 'other' }, tree)).rejects.toThrow(/already defines an entity User/);
    expect(snapshot(tree)).toEqual(before);
    const changed = copyTree(tree);
    changed.overwrite(
      '/src/users/user.entity.ts',
      changed.readContent('/src/users/user.entity.ts').replace('name!: string;', 'name!: string; // mine'),
    );
    const kept = await run('entity', { name: 'user', fields: 'title:string' }, copyTree(changed));
    expect(kept.tree.readContent('/src/users/user.entity.ts')).toContain('// mine');
    const forced = await run('entity', { name: 'user', fields: 'title:string', force: true }, copyTree(changed));
    expect([...properties(classOf(source(forced.tree, '/src/users/user.entity.ts'), 'User')).keys()]).toEqual([
      'id',
      'title',
      'createdAt',
      'updatedAt',
    ]);
  });
});

describe('entity in a CommonJS Nest 11 app with MikroORM 6', () => {
  it('imports the decorators from @mikro-orm/core and uses no .js suffix', async () => {
    const app = (await run('entity', { name: 'user', fields: 'name:string' }, await initApp('nest11', {}, 6))).tree;
    const { tree } = await run('entity', { name: 'post', fields: 'author:User,tags:json?' }, app);
    const file = source(tree, '/src/posts/post.entity.ts');
    expect(imports(file).get('@mikro-orm/core')).toEqual(['Entity', 'ManyToOne', 'Opt', 'PrimaryKey', 'Property', 'Rel']);
    expect(imports(file).get('../users/user.entity')).toEqual(['User']);
    expect(decorators(classOf(file, 'Post'))).toEqual(['Entity()']);
  });
});
