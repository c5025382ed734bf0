import { SchematicsException } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from 'typescript';
import { snapshot } from './support/fixtures';
import {
  classOf,
  configEntities,
  constructorParameters,
  copyTree,
  decorators,
  initApp,
  methods,
  properties,
  run,
  source,
} from './support/features';
import { imports, moduleMetadata } from './support/inspect';

describe('repository users in a default Nest 12 app after init', () => {
  let before: UnitTestTree;
  let tree: UnitTestTree;
  let logs: string[];
  beforeAll(async () => {
    before = await initApp('nest12');
    ({ tree, logs } = await run('repository', { name: 'users' }, copyTree(before)));
  });

  it('creates exactly the feature files, and touches only the root module and the config', () => {
    const created = tree.files.filter((f) => !before.exists(f)).sort();
    expect(created).toEqual([
      '/src/users/user.entity.ts',
      '/src/users/users.module.ts',
      '/src/users/users.repository.mikro-orm.spec.ts',
      '/src/users/users.repository.mikro-orm.ts',
      '/src/users/users.repository.ts',
    ]);
    const changed = before.files.filter((f) => before.readContent(f) !== tree.readContent(f)).sort();
    expect(changed).toEqual(['/src/app.module.ts', '/src/mikro-orm.config.ts']);
  });

  it('creates the entity with explicit MikroORM types and the v7 legacy decorators', () => {
    const file = source(tree, '/src/users/user.entity.ts');
    const user = classOf(file, 'User');
    expect(decorators(user)).toEqual(['Entity()']);
    const props = properties(user);
    expect([...props.keys()]).toEqual(['id', 'name', 'createdAt', 'updatedAt']);
    expect(props.get('id')).toMatchObject({ decorators: ["PrimaryKey({ type: 'integer' })"], type: 'number' });
    expect(props.get('name')).toMatchObject({ decorators: ["Property({ type: 'string' })"], type: 'string' });
    expect(props.get('updatedAt')).toMatchObject({
      decorators: ["Property({ type: 'datetime', onUpdate: () => new Date() })"],
      initializer: 'new Date()',
    });
    expect(imports(file).get('@mikro-orm/decorators/legacy')).toEqual(['Entity', 'PrimaryKey', 'Property']);
    expect(logs).toContain(
      'info Using defaults: pk=int, definition=decorators, fields=name:string, pattern=repository (choose with --pk, --definition, --fields, --pattern; in a terminal, nest g entity asks for the fields).',
    );
  });

  it('creates the port: an abstract class with the five operations', () => {
    const file = source(tree, '/src/users/users.repository.ts');
    const port = classOf(file, 'UsersRepository');
    expect((ts.getModifiers(port) ?? []).map((m) => m.getText(file))).toEqual(['export', 'abstract']);
    const ops = methods(port);
    expect([...ops.keys()]).toEqual(['findById', 'findAll', 'create', 'update', 'remove']);
    expect([...ops.values()].every((m) => m.abstract)).toBe(true);
    expect(ops.get('findById')).toMatchObject({ parameters: ['id: number'], returns: 'Promise<User | null>' });
    expect(ops.get('findAll')).toMatchObject({ parameters: ['page: Page'], returns: 'Promise<User[]>' });
    expect(ops.get('update')).toMatchObject({ parameters: ['id: number', 'data: UpdateUserData'], returns: 'Promise<User | null>' });
    expect(ops.get('remove')).toMatchObject({ returns: 'Promise<boolean>' });
    const page = file.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Page')!;
    expect(page.members.map((m) => m.getText(file))).toEqual(['limit: number;', 'offset: number;']);
  });

  it('creates the adapter: @InjectRepository(User) EntityRepository from the driver, the EntityManager, no fork, no global context', () => {
    const text = tree.readContent('/src/users/users.repository.mikro-orm.ts');
    const file = source(tree, '/src/users/users.repository.mikro-orm.ts');
    const adapter = classOf(file, 'UsersRepositoryMikroORM');
    expect(decorators(adapter)).toEqual(['Injectable()']);
    expect(adapter.heritageClauses!.map((h) => h.getText(file))).toEqual(['implements UsersRepository']);
    expect(constructorParameters(adapter)).toEqual([
      '@InjectRepository(User) private readonly usersRepository: EntityRepository<User>',
      'private readonly em: EntityManager',
    ]);
    expect(imports(file).get('@mikro-orm/sqlite')).toEqual(['EntityRepository']);
    // The core EntityManager: @mikro-orm/nestjs provides it whatever the driver (the specs swap in SQLite).
    expect(imports(file).get('@mikro-orm/core')).toEqual(['EntityManager']);
    expect(imports(file).get('@mikro-orm/nestjs')).toEqual(['InjectRepository']);
    expect([...methods(adapter).keys()]).toEqual(['findById', 'findAll', 'create', 'update', 'remove']);
    expect(text).not.toMatch(/fork\(|allowGlobalContext|persistAndFlush/);
    // update loads, assigns and flushes.
    const update = adapter.members.find((m) => ts.isMethodDeclaration(m) && m.name.getText(file) === 'update') as ts.MethodDeclaration;
    expect(update.body!.statements.map((s) => s.getText(file))).toEqual([
      'const user = await this.findById(id);',
      'if (!user) return null;',
      // Only the declared fields: a body's id, createdAt or anything else never reaches the entity.
      'this.usersRepository.assign(user, { name: data.name }, { ignoreUndefined: true });',
      'await this.em.flush();',
      'return user;',
    ]);
  });

  it('wires the module: forFeature, the port bound to the adapter, exported; imported into AppModule; User in the config', () => {
    const module = source(tree, '/src/users/users.module.ts');
    const metadata = moduleMetadata(module, 'UsersModule');
    expect(metadata.get('imports')).toEqual(['MikroOrmModule.forFeature([User])']);
    expect(metadata.get('providers')).toEqual(['{ provide: UsersRepository, useClass: UsersRepositoryMikroORM }']);
    expect(metadata.get('exports')).toEqual(['UsersRepository']);
    expect(moduleMetadata(source(tree, '/src/app.module.ts'), 'AppModule').get('imports')).toEqual(['DatabaseModule', 'UsersModule']);
    expect(imports(source(tree, '/src/app.module.ts')).get('./users/users.module.js')).toEqual(['UsersModule']);
    const config = source(tree, '/src/mikro-orm.config.ts');
    expect(configEntities(config)).toEqual(['User']);
    expect(imports(config).get('./users/user.entity.js')).toEqual(['User']);
  });

  it("writes a spec that runs the adapter on the testing module's database, a transaction per test, covering every method", () => {
    const file = source(tree, '/src/users/users.repository.mikro-orm.spec.ts');
    const text = file.text;
    expect(imports(file).get('../mikro-orm.config.js')).toEqual(['config']);
    expect(imports(file).get('../../test/mikro-orm.testing.js')).toEqual(['rollbackEachTest', 'testOrmOptions']);
    expect(text).toContain('MikroOrmModule.forRoot({ ...testOrmOptions(config), registerRequestContext: false })');
    expect(text).toContain('const inContext = rollbackEachTest(() => orm);');
    // Rolled back after each test: no clearing between tests.
    expect(text).not.toMatch(/schema\.clear/);
    const testing = tree.readContent('/test/mikro-orm.testing.ts');
    expect(imports(source(tree, '/test/mikro-orm.testing.ts')).get('@mikro-orm/sqlite')).toEqual(['SqliteDriver']);
    expect(testing).toContain("return { ...options, driver: SqliteDriver, dbName: ':memory:' };");
    expect(testing).not.toContain('MIKRO_ORM_TEST_CLIENT_URL');
    for (const call of ['repository.create(', 'repository.findById(', 'repository.findAll(', 'repository.update(', 'repository.remove(']) {
      expect(text).toContain(call);
    }
    expect(text).not.toMatch(/allowGlobalContext|jest\.fn|vi\.fn|mock/i);
  });

  it('changes nothing when run a second time', async () => {
    const again = await run('repository', { name: 'users' }, copyTree(tree));
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
    expect(again.logs).toContain('info Using the existing entity User (src/users/user.entity.ts).');
  });
});

describe('repository names', () => {
  let app: UnitTestTree;
  beforeAll(async () => (app = await initApp('nest12')));

  it.each([
    ['users', 'src/users', 'user', 'users', 'User', 'UsersRepository', 'UsersModule'],
    ['user', 'src/users', 'user', 'users', 'User', 'UsersRepository', 'UsersModule'],
    ['UserProfiles', 'src/user-profiles', 'user-profile', 'user-profiles', 'UserProfile', 'UserProfilesRepository', 'UserProfilesModule'],
    ['user-profile', 'src/user-profiles', 'user-profile', 'user-profiles', 'UserProfile', 'UserProfilesRepository', 'UserProfilesModule'],
    ['admin/users', 'src/admin/users', 'user', 'users', 'User', 'UsersRepository', 'UsersModule'],
  ])('%s → %s', async (name, folder, singular, plural, entity, port, module) => {
    const { tree } = await run('repository', { name }, copyTree(app));
    expect(classOf(source(tree, `/${folder}/${singular}.entity.ts`), entity)).toBeDefined();
    expect(classOf(source(tree, `/${folder}/${plural}.repository.ts`), port)).toBeDefined();
    expect(classOf(source(tree, `/${folder}/${plural}.repository.mikro-orm.ts`), `${port}MikroORM`)).toBeDefined();
    expect(moduleMetadata(source(tree, `/${folder}/${plural}.module.ts`), module).get('exports')).toEqual([port]);
    expect(moduleMetadata(source(tree, '/src/app.module.ts'), 'AppModule').get('imports')).toContain(module);
  });

  it.each([
    ['../x', /must stay inside the project/],
    ['class', /reserved word/],
    ['123abc', /must start with a letter/],
    ['', /name is required/],
    ['user profiles', /must start with a letter and contain only/],
  ])('refuses %j with a clear error and writes nothing', async (name, message) => {
    const before = snapshot(app);
    const attempt = run('repository', { name }, app);
    await expect(attempt).rejects.toThrow(SchematicsException);
    await expect(run('repository', { name }, app)).rejects.toThrow(message);
    expect(snapshot(app)).toEqual(before);
  });
});

describe('repository options', () => {
  let app: UnitTestTree;
  beforeAll(async () => (app = await initApp('nest12')));

  it('--path, --flat, --spec false and --skip-import', async () => {
    const { tree } = await run('repository', { name: 'users', path: 'features', flat: true, spec: false, skipImport: true }, copyTree(app));
    expect(tree.files.filter((f) => !app.exists(f)).sort()).toEqual([
      '/src/features/user.entity.ts',
      '/src/features/users.module.ts',
      '/src/features/users.repository.mikro-orm.ts',
      '/src/features/users.repository.ts',
    ]);
    expect(tree.readContent('/src/app.module.ts')).toBe(app.readContent('/src/app.module.ts'));
    expect(configEntities(source(tree, '/src/mikro-orm.config.ts'))).toEqual(['User']);
  });

  it('merges into an existing module: one forFeature, the provider and export added, the rest kept', async () => {
    const input = await initApp('nest12');
    input.create(
      '/src/users/users.module.ts',
      [
        "import { Module } from '@nestjs/common';",
        "import { MikroOrmModule } from '@mikro-orm/nestjs';",
        "import { Profile } from './profile.entity.js';",
        "import { UsersHelper } from './users.helper.js';",
        '',
        '@Module({',
        '  imports: [MikroOrmModule.forFeature([Profile])],',
        '  providers: [UsersHelper],',
        '})',
        'export class UsersModule {}',
        '',
      ].join('\n'),
    );
    const { tree } = await run('repository', { name: 'users' }, input);
    const metadata = moduleMetadata(source(tree, '/src/users/users.module.ts'), 'UsersModule');
    expect(metadata.get('imports')).toEqual(['MikroOrmModule.forFeature([Profile, User])']);
    expect(metadata.get('providers')).toEqual(['UsersHelper', '{ provide: UsersRepository, useClass: UsersRepositoryMikroORM }']);
    expect(metadata.get('exports')).toEqual(['UsersRepository']);
  });

  it('uses an entity the app already has, wherever it is, and registers it if the config lacks it', async () => {
    const input = copyTree(app);
    input.create(
      '/src/entities/account.entity.ts',
      [
        "import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';",
        '',
        '@Entity()',
        'export class Account {',
        '  @PrimaryKey()',
        '  id!: number;',
        '',
        "  @Property({ type: 'string', unique: true })",
        '  email!: string;',
        '',
        '  @Property({ nullable: true })',
        '  nickname?: string;',
        '}',
        '',
      ].join('\n'),
    );
    const { tree, logs } = await run('repository', { name: 'accounts', fields: 'ignored:string' }, input);
    expect(tree.exists('/src/accounts/account.entity.ts')).toBe(false);
    expect(tree.readContent('/src/entities/account.entity.ts')).toBe(input.readContent('/src/entities/account.entity.ts'));
    const port = source(tree, '/src/accounts/accounts.repository.ts');
    expect(imports(port).get('../entities/account.entity.js')).toEqual(['Account']);
    const data = port.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'CreateAccountData',
    )!;
    expect(data.members.map((m) => m.getText(port))).toEqual(['email: string;', 'nickname?: string | null;']);
    expect(configEntities(source(tree, '/src/mikro-orm.config.ts'))).toEqual(['Account']);
    expect(logs).toContain('info Using the existing entity Account (src/entities/account.entity.ts).');
    expect(logs.some((l) => l.includes('--fields was not used'))).toBe(true);
  });

  it('--pattern custom: the entity names its repository, forFeature provides it, nothing in providers', async () => {
    const { tree } = await run('repository', { name: 'users', pattern: 'custom' }, copyTree(app));
    const entity = source(tree, '/src/users/user.entity.ts');
    const user = classOf(entity, 'User');
    expect(decorators(user)).toEqual(['Entity({ repository: () => UserRepository })']);
    expect(user.members[0].getText(entity)).toBe('[EntityRepositoryType]?: UserRepository;');
    const repository = source(tree, '/src/users/user.repository.ts');
    const cls = classOf(repository, 'UserRepository');
    expect(cls.heritageClauses!.map((h) => h.getText(repository))).toEqual(['extends EntityRepository<User>']);
    expect(imports(repository).get('@mikro-orm/sqlite')).toEqual(['EntityRepository']);
    const metadata = moduleMetadata(source(tree, '/src/users/users.module.ts'), 'UsersModule');
    expect(metadata.get('imports')).toEqual(['MikroOrmModule.forFeature([User])']);
    expect(metadata.has('providers')).toBe(false);
    expect(metadata.get('exports')).toEqual(['MikroOrmModule']);
    expect(tree.exists('/src/users/users.repository.mikro-orm.ts')).toBe(false);
    expect(tree.readContent('/src/users/user.repository.spec.ts')).toContain('moduleRef.get(UserRepository)');
  });

  it('never overwrites a changed file without --force', async () => {
    const { tree } = await run('repository', { name: 'users' }, copyTree(app));
    tree.overwrite('/src/users/users.repository.ts', '// mine\n');
    const kept = await run('repository', { name: 'users' }, copyTree(tree));
    expect(kept.tree.readContent('/src/users/users.repository.ts')).toBe('// mine\n');
    expect(kept.logs).toContain('warn src/users/users.repository.ts exists with other content: kept as it is (--force replaces it).');
    const forced = await run('repository', { name: 'users', force: true }, tree);
    expect(forced.tree.readContent('/src/users/users.repository.ts')).toContain('export abstract class UsersRepository');
  });

  it.each([
    [{ name: 'users', pattern: 'active-record' }, /"\/pattern" must be equal to one of the allowed values/],
    [{ name: 'users', fields: 'name:strng' }, /unknown type "strng"/],
    [{ name: 'users', pk: 'bigint' }, /"\/pk" must be equal to one of the allowed values/],
    [{ name: 'users', path: '../outside' }, /Invalid --path/],
    [{ name: 'posts', fields: 'author:Author' }, /refers to Author, which is no entity of this app/],
    [{ name: 'users', project: 'nope' }, /not in nest-cli.json/],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = snapshot(app);
    await expect(run('repository', options, app)).rejects.toThrow(message);
    expect(snapshot(app)).toEqual(before);
  });

  it('refuses an app without MikroORM, naming init', async () => {
    const { fixtureTree } = await import('./support/fixtures');
    await expect(run('repository', { name: 'users' }, fixtureTree('nest12'))).rejects.toThrow(/nest g -c mikro-request-context init/);
  });
});

describe('the driver a feature is generated for', () => {
  it("is the config's, not the PGlite the specs add to devDependencies: EntityRepository from @mikro-orm/postgresql", async () => {
    const app = await initApp('nest12', { driver: 'postgresql' });
    const users = await run('repository', { name: 'users' }, app);
    const pkg = JSON.parse(users.tree.readContent('/package.json'));
    expect(pkg.devDependencies['@mikro-orm/pglite']).toBe('7.2.1');
    expect(users.logs.some((l) => l.includes('The specs run on an embedded PostgreSQL (PGlite, @mikro-orm/pglite)'))).toBe(true);
    const { tree } = await run('resource', { name: 'posts', fields: 'title:string,author:User' }, users.tree);
    const adapter = source(tree, '/src/posts/posts.repository.mikro-orm.ts');
    expect(imports(adapter).get('@mikro-orm/postgresql')).toEqual(['EntityRepository']);
    expect(imports(adapter).has('@mikro-orm/pglite')).toBe(false);
  });

  it("MikroORM 6: init's SQLite, and the SQLite a PostgreSQL app's specs get, may run sqlite3's install script (allowScripts)", async () => {
    const sqlite = JSON.parse((await initApp('nest11', {}, 6)).readContent('/package.json'));
    expect(sqlite.allowScripts).toEqual({ sqlite3: true });
    // MikroORM 6 has no PGlite driver: the testing module init writes runs the specs on SQLite.
    const postgres = JSON.parse((await initApp('nest11', { driver: 'postgresql' }, 6)).readContent('/package.json'));
    expect(postgres.devDependencies['@mikro-orm/sqlite']).toBe('6.6.16');
    expect(postgres.allowScripts).toEqual({ sqlite3: true });
    // MikroORM 7's SQLite driver needs no install script.
    expect(JSON.parse((await initApp('nest12')).readContent('/package.json')).allowScripts).toBeUndefined();
  });

  it('MikroORM 6 specs keep their test database when MIKRO_ORM_* variables are set (MikroORM 6 lets them override the options)', async () => {
    const { tree } = await run('repository', { name: 'users' }, await initApp('nest11', { driver: 'postgresql' }, 6));
    const testing = source(tree, '/test/mikro-orm.testing.ts');
    const options = testing.statements.find(
      (s) => ts.isFunctionDeclaration(s) && s.name?.text === 'testOrmOptions',
    ) as ts.FunctionDeclaration;
    expect(options.body!.statements[0].getText(testing)).toBe(
      "for (const name of ['CLIENT_URL', 'HOST', 'PORT', 'USER', 'PASSWORD', 'DB_NAME']) delete process.env[`MIKRO_ORM_${name}`];",
    );
    expect(testing.text).toContain("return { ...options, driver: SqliteDriver, dbName: ':memory:' };");
    const v7 = (await run('repository', { name: 'users' }, await initApp('nest12', { driver: 'postgresql' }))).tree;
    expect(v7.readContent('/test/mikro-orm.testing.ts')).not.toContain('delete process.env');
  });

  it('with two runtime drivers and a config that names neither: a clear error, nothing written', async () => {
    const app = await initApp('nest12', { driver: 'postgresql' });
    const pkg = JSON.parse(app.readContent('/package.json'));
    pkg.dependencies['@mikro-orm/mysql'] = '7.2.1';
    app.overwrite('/package.json', JSON.stringify(pkg, null, 2));
    app.delete('/src/mikro-orm.config.ts');
    const before = snapshot(app);
    await expect(run('repository', { name: 'users' }, app)).rejects.toThrow(
      /lists @mikro-orm\/postgresql and @mikro-orm\/mysql, and the MikroORM config does not say which one serves the app/,
    );
    expect(snapshot(app)).toEqual(before);
  });
});

describe('repository in other apps', () => {
  it('a CommonJS Nest 11 app with MikroORM 6: no .js suffix, decorators and EntityRepository from MikroORM 6 packages', async () => {
    const { tree } = await run('repository', { name: 'users' }, await initApp('nest11', {}, 6));
    const entity = source(tree, '/src/users/user.entity.ts');
    expect(imports(entity).get('@mikro-orm/core')).toEqual(['Entity', 'Opt', 'PrimaryKey', 'Property']);
    expect(imports(source(tree, '/src/users/users.module.ts')).get('./users.repository')).toEqual(['UsersRepository']);
    const spec = tree.readContent('/src/users/users.repository.mikro-orm.spec.ts');
    expect(spec).toContain('await orm.schema.createSchema();');
    expect(spec).toContain("import { rollbackEachTest, testOrmOptions } from '../../test/mikro-orm.testing';");
  });

  it('an app with tabs, CRLF, double quotes and no semicolons keeps its style in the files it edits', async () => {
    const before = await initApp('tabs-crlf');
    const { tree } = await run('repository', { name: 'users' }, copyTree(before));
    const module = tree.readContent('/src/app.module.ts');
    expect(module).toContain('import { UsersModule } from "./users/users.module.js"\r\n');
    expect(module).toContain('\timports: [DatabaseModule, UsersModule],\r\n');
    expect(module.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('an app whose options live in MikroOrmModule.forRoot (no config file): entity listed there, specs list the entities themselves', async () => {
    const { tree } = await run('repository', { name: 'users' }, await initApp('library-middleware'));
    expect(tree.readContent('/src/app.module.ts')).toContain('entities: [User],');
    const spec = source(tree, '/src/users/users.repository.mikro-orm.spec.ts');
    expect(imports(spec).get('./user.entity.js')).toEqual(['User']);
    expect(spec.text).toContain(
      'MikroOrmModule.forRoot({ ...testOrmOptions({ driver: SqliteDriver, entities: [User], metadataProvider: ReflectMetadataProvider }), registerRequestContext: false })',
    );
  });

  it('a monorepo project (--project api): files, config and module of that app', async () => {
    const { tree } = await run('repository', { name: 'users', project: 'api' }, await initApp('monorepo', { project: 'api' }));
    expect(tree.exists('/apps/api/src/users/users.repository.mikro-orm.ts')).toBe(true);
    expect(configEntities(source(tree, '/apps/api/src/mikro-orm.config.ts'))).toEqual(['User']);
    expect(moduleMetadata(source(tree, '/apps/api/src/api.module.ts'), 'ApiModule').get('imports')).toContain('UsersModule');
  });

  it('an app on PostgreSQL: EntityRepository from @mikro-orm/postgresql, specs on PGlite or the server MIKRO_ORM_TEST_CLIENT_URL names', async () => {
    const { tree, logs } = await run('repository', { name: 'users' }, await initApp('nest12', { driver: 'postgresql' }));
    expect(imports(source(tree, '/src/users/users.repository.mikro-orm.ts')).get('@mikro-orm/postgresql')).toEqual(['EntityRepository']);
    const spec = source(tree, '/src/users/users.repository.mikro-orm.spec.ts');
    expect(imports(spec).get('../../test/mikro-orm.testing.js')).toEqual(['dropTestDatabase', 'rollbackEachTest', 'testOrmOptions']);
    expect(spec.text).toContain('await dropTestDatabase(orm);');
    const testing = source(tree, '/test/mikro-orm.testing.ts');
    expect(imports(testing).get('@mikro-orm/pglite')).toEqual(['PgliteDriver']);
    expect(testing.text).toContain("if (!serverUrl) return { ...options, driver: PgliteDriver, dbName: 'memory://' };");
    expect(JSON.parse(tree.readContent('/package.json')).devDependencies['@mikro-orm/sqlite']).toBeUndefined();
    expect(logs.some((l) => l.includes('MIKRO_ORM_TEST_CLIENT_URL names (postgresql://postgres@127.0.0.1:5432)'))).toBe(true);
  });

  it('an app on MySQL: specs only on the server MIKRO_ORM_TEST_CLIENT_URL names, skipped (with the reason) without one', async () => {
    const { tree } = await run('resource', { name: 'users' }, await initApp('nest12', { driver: 'mysql' }));
    for (const path of ['/src/users/users.repository.mikro-orm.spec.ts', '/test/users.e2e-spec.ts']) {
      const spec = source(tree, path);
      const top = spec.statements.find((s) => ts.isExpressionStatement(s) && ts.isCallExpression(s.expression));
      expect(((top as ts.ExpressionStatement).expression as ts.CallExpression).expression.getText(spec)).toBe('describeWithDatabase');
    }
    const testing = tree.readContent('/test/mikro-orm.testing.ts');
    expect(testing).not.toContain('@mikro-orm/sqlite');
    expect(testing).toContain('These specs need a MySQL server: set MIKRO_ORM_TEST_CLIENT_URL=mysql://root@127.0.0.1:3306.');
    expect(JSON.parse(tree.readContent('/package.json')).devDependencies['@mikro-orm/sqlite']).toBeUndefined();
    expect(tree.readContent('/.env.example')).toContain('# MIKRO_ORM_TEST_CLIENT_URL=mysql://root@127.0.0.1:3306');
  });
});
