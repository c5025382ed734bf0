import { SchematicsException } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from 'typescript';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setJsonValue } from '../src/utils/json';
import { runOnTree } from '../scripts/lib/schematics.ts';
import { removeDir, tempDir, typecheck, writeTree } from './support/app';
import { fixtureTree, ROOT, snapshot } from './support/fixtures';
import { callsOf, imports, moduleMetadata, objectArgument, parse, statementPosition } from './support/inspect';

type Options = Record<string, unknown>;
const run = promisify(execFile);

/** init on a tree; `logs` are its messages without their level. */
async function init(tree: UnitTestTree, options: Options = {}): Promise<{ tree: UnitTestTree; logs: string[] }> {
  const { tree: result, messages } = await runOnTree('init', { skipInstall: true, ...options }, tree);
  return { tree: result, logs: messages };
}

function source(tree: UnitTestTree, path: string): ts.SourceFile {
  return parse(tree.readContent(path), path);
}

/** Asserts the seed's registration: the statement right after the create statement, and the only one. */
function expectRegistrationAfterCreate(tree: UnitTestTree, main: string, appVariable = 'app'): void {
  const file = source(tree, main);
  const creates = callsOf(file, 'NestFactory', 'create');
  expect(creates).toHaveLength(1);
  const contexts = callsOf(file, 'RequestContext', 'create');
  expect(contexts).toHaveLength(1);
  const create = statementPosition(creates[0]);
  const registration = statementPosition(contexts[0]);
  expect(registration.statements).toBe(create.statements);
  expect(registration.index).toBe(create.index + 1);
  const statement = registration.statements[registration.index];
  expect(ts.isExpressionStatement(statement)).toBe(true);
  const use = (statement as ts.ExpressionStatement).expression as ts.CallExpression;
  expect(use.expression.getText(file)).toBe(`${appVariable}.use`);
  expect(contexts[0].arguments.map((a) => a.getText(file))).toEqual([`${appVariable}.get(MikroORM).em`, 'next']);
  expect(imports(file).get('@mikro-orm/core')).toEqual(expect.arrayContaining(['MikroORM', 'RequestContext']));
}

/**
 * Asserts the Fastify registration: `<adapter>.getInstance().addHook('onRequest', ...)` opening the only
 * context, as the statement right before the create statement, which gets that adapter. Returns the
 * statement before the hook (where the adapter is declared).
 */
function expectFastifyHookBeforeCreate(file: ts.SourceFile, adapter: string): string {
  const creates = callsOf(file, 'NestFactory', 'create');
  expect(creates).toHaveLength(1);
  expect(creates[0].arguments[1].getText(file)).toBe(adapter);
  const contexts = callsOf(file, 'RequestContext', 'create');
  expect(contexts).toHaveLength(1);
  expect(contexts[0].arguments.map((a) => a.getText(file))).toEqual(['app.get(MikroORM).em', 'done']);
  const create = statementPosition(creates[0]);
  const hook = statementPosition(contexts[0]);
  expect(hook.statements).toBe(create.statements);
  expect(hook.index).toBe(create.index - 1);
  const call = (hook.statements[hook.index] as ts.ExpressionStatement).expression as ts.CallExpression;
  expect(call.expression.getText(file)).toBe(`${adapter}.getInstance().addHook`);
  expect(call.arguments[0].getText(file)).toBe("'onRequest'");
  expect(imports(file).get('@mikro-orm/core')).toEqual(expect.arrayContaining(['MikroORM', 'RequestContext']));
  return hook.statements[hook.index - 1].getText(file);
}

describe('init on a default Nest 12 app (ESM, vitest)', () => {
  let tree: UnitTestTree;
  let logs: string[];
  beforeAll(async () => ({ tree, logs } = await init(fixtureTree('nest12'))));

  it('registers the request context as the first statement after NestFactory.create', () => {
    expectRegistrationAfterCreate(tree, '/src/main.ts');
    // Package imports before the relative ones.
    const specifiers = [...imports(source(tree, '/src/main.ts')).keys()];
    expect(specifiers).toEqual(['@nestjs/core', '@mikro-orm/core', './app.module.js', './app.setup.js']);
  });

  it('calls setupApp(app) right after the registration, from the setup file it creates', () => {
    const main = source(tree, '/src/main.ts');
    const registration = statementPosition(callsOf(main, 'RequestContext', 'create')[0]);
    const next = registration.statements[registration.index + 1];
    expect(next.getText(main)).toBe('setupApp(app);');
    expect(imports(main).get('./app.setup.js')).toEqual(['setupApp']);
    const setup = source(tree, '/src/app.setup.ts');
    const fn = setup.statements.find(ts.isFunctionDeclaration)!;
    expect(fn.name!.text).toBe('setupApp');
    const calls = (fn.body!.statements.filter(ts.isExpressionStatement) as ts.ExpressionStatement[]).map((s) =>
      (s.expression as ts.CallExpression).expression.getText(setup),
    );
    // enableShutdownHooks: on SIGTERM Nest closes the server, then @mikro-orm/nestjs the ORM's pool.
    expect(calls).toEqual(['app.useGlobalPipes', 'app.useGlobalFilters', 'app.enableShutdownHooks']);
    const [pipe] = callsOf(setup, 'app', 'useGlobalPipes');
    const options = objectArgument(pipe.arguments[0] as unknown as ts.CallExpression);
    expect(Object.fromEntries(options)).toEqual({ whitelist: 'true', forbidNonWhitelisted: 'true', transform: 'true' });
    expect(imports(setup).get('./database/mikro-orm-exception.filter.js')).toEqual(['MikroOrmExceptionFilter']);
  });

  it('creates the exception filter: MikroORM constraint violations and its validation errors (NotFoundError among them)', () => {
    const filter = source(tree, '/src/database/mikro-orm-exception.filter.ts');
    const cls = filter.statements.find(ts.isClassDeclaration)!;
    const [decorator] = ts.getDecorators(cls)!;
    const caught = (decorator.expression as ts.CallExpression).arguments.map((a) => a.getText(filter));
    expect(caught).toEqual([
      'UniqueConstraintViolationException',
      'ForeignKeyConstraintViolationException',
      'NotNullConstraintViolationException',
      'ValidationError',
    ]);
    expect(imports(filter).get('@mikro-orm/core')).toEqual(expect.arrayContaining([...caught, 'NotFoundError', 'OptimisticLockError']));
    expect(cls.heritageClauses![0].types[0].getText(filter)).toBe('BaseExceptionFilter');
  });

  it('wires migrations: the Migrator in the config, paths for the sources and the build, the package and the scripts', () => {
    const config = source(tree, '/src/mikro-orm.config.ts');
    expect(imports(config).get('@mikro-orm/migrations')).toEqual(['Migrator']);
    const options = objectArgument(config.statements.find(ts.isExportAssignment)!.expression as ts.CallExpression);
    expect(options.get('extensions')).toBe('[Migrator]');
    expect(options.get('migrations')).toBe("{ path: 'dist/migrations', pathTs: 'src/migrations' }");
    const pkg = JSON.parse(tree.readContent('/package.json'));
    expect(pkg.dependencies['@mikro-orm/migrations']).toBe('7.2.1');
    expect(pkg.scripts).toMatchObject({
      'migration:create': 'mikro-orm migration:create',
      'migration:up': 'mikro-orm migration:up',
      'migration:check': 'mikro-orm migration:check',
    });
    expect(pkg.dependencies).toMatchObject({
      'class-validator': expect.any(String),
      'class-transformer': expect.any(String),
      '@nestjs/mapped-types': '^12.0.1',
    });
  });

  it("keeps the migrations the MikroORM CLI writes out of the app's prettier (.prettierignore), as generated code", () => {
    expect(tree.readContent('/.prettierignore').split('\n')).toEqual([
      '# written by the MikroORM CLI (npm run migration:create)',
      'src/migrations',
      '',
    ]);
  });

  it('reads .env in the config, which the app and the MikroORM CLI both load', () => {
    const config = source(tree, '/src/mikro-orm.config.ts');
    const load = config.statements.find(ts.isIfStatement)!;
    expect(load.expression.getText(config)).toBe("existsSync('.env')");
    expect(load.thenStatement.getText(config)).toBe("process.loadEnvFile('.env');");
    expect(imports(config).get('node:fs')).toEqual(['existsSync']);
  });

  it('imports the DatabaseModule first in the root module, with the ESM .js suffix', () => {
    const module = source(tree, '/src/app.module.ts');
    expect(moduleMetadata(module, 'AppModule').get('imports')).toEqual(['DatabaseModule']);
    expect(imports(module).get('./database/database.module.js')).toEqual(['DatabaseModule']);
  });

  it('creates one config shared by the app and the CLI, reading the connection from the environment', () => {
    const config = source(tree, '/src/mikro-orm.config.ts');
    expect(imports(config).get('@mikro-orm/sqlite')).toEqual(['defineConfig']);
    expect(imports(config).get('@mikro-orm/decorators/legacy')).toEqual(['ReflectMetadataProvider']);
    const exported = config.statements.find(ts.isExportAssignment)!;
    expect(ts.isCallExpression(exported.expression)).toBe(true);
    const options = objectArgument(exported.expression as ts.CallExpression);
    expect(options.get('dbName')).toBe("process.env.MIKRO_ORM_DB_NAME ?? 'nest12.sqlite3'"); // package.json "name"
    expect(options.get('entities')).toBe('[]');
    expect(options.get('metadataProvider')).toBe('ReflectMetadataProvider');
    expect(options.has('allowGlobalContext')).toBe(false);
    expect(JSON.parse(tree.readContent('/package.json'))['mikro-orm']).toEqual({
      configPaths: ['./src/mikro-orm.config.ts', './dist/mikro-orm.config.js'],
    });
  });

  it('creates the database module with registerRequestContext: false', () => {
    const module = source(tree, '/src/database/database.module.ts');
    const [forRoot] = callsOf(module, 'MikroOrmModule', 'forRoot');
    const options = objectArgument(forRoot);
    expect(options.has('...config')).toBe(true);
    expect(options.get('registerRequestContext')).toBe('false');
    expect(imports(module).get('../mikro-orm.config.js')).toEqual(['config']);
  });

  it('adds a compatible MikroORM 7 set, keeps existing entries, and makes the collection the default', () => {
    const pkg = JSON.parse(tree.readContent('/package.json'));
    expect(pkg.dependencies).toMatchObject({
      '@mikro-orm/core': '7.2.1',
      '@mikro-orm/sqlite': '7.2.1',
      '@mikro-orm/decorators': '7.2.1',
      '@mikro-orm/nestjs': '7.1.0',
      'reflect-metadata': '^0.2.2',
      '@nestjs/core': '^12.0.1',
    });
    expect(pkg.devDependencies).toMatchObject({ '@mikro-orm/cli': '7.2.1', tsx: expect.any(String) });
    expect(JSON.parse(tree.readContent('/nest-cli.json'))).toMatchObject({ collection: 'mikro-request-context', sourceRoot: 'src' });
    // The collection nest-cli.json names is one the app lists (else every nest command fails to load it), at this version.
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.devDependencies['mikro-request-context']).toBe(`^${own.version}`);
  });

  it('ignores the SQLite file, documents the environment and logs the next steps', () => {
    expect(tree.readContent('/.gitignore').split('\n')).toContain('nest12.sqlite3');
    expect(tree.readContent('/.env.example')).toContain('MIKRO_ORM_DB_NAME=nest12.sqlite3');
    expect(logs).toContain('Using defaults: driver=sqlite, style=main (pass --driver/--style, or answer the prompts in a terminal).');
    expect(logs.join('\n')).toContain('nest g repository users');
    expect(logs.join('\n')).toContain(
      'After adding entities, create and apply their migration: npm run migration:create, then npm run migration:up.',
    );
  });

  it("keeps package.json's final newline", () => {
    expect(tree.readContent('/package.json').endsWith('}\n')).toBe(true);
  });

  it('changes nothing on a second run, and says so', async () => {
    const before = snapshot(tree);
    const second = await init(tree);
    expect(snapshot(second.tree)).toEqual(before);
    expect(second.logs).toContain('Nothing to change: MikroORM and its request context are already set up in this app.');
  });
});

describe('init and validation', () => {
  it('adds no .prettierignore to an app without prettier', async () => {
    const fixture = fixtureTree('nest12');
    const pkg = JSON.parse(fixture.readContent('/package.json')) as { devDependencies: Record<string, string> };
    delete pkg.devDependencies.prettier;
    fixture.overwrite('/package.json', JSON.stringify(pkg, null, 2));
    const { tree } = await init(fixture);
    expect(tree.exists('/.prettierignore')).toBe(false);
  });

  it('--no-validation: no pipe in setupApp and no validation packages, the filter still', async () => {
    const { tree } = await init(fixtureTree('nest12'), { validation: false });
    const setup = source(tree, '/src/app.setup.ts');
    expect(callsOf(setup, 'app', 'useGlobalPipes')).toHaveLength(0);
    expect(callsOf(setup, 'app', 'useGlobalFilters')).toHaveLength(1);
    expect(imports(setup).get('@nestjs/common')).toEqual(['INestApplication']);
    const pkg = JSON.parse(tree.readContent('/package.json'));
    expect(pkg.dependencies['class-validator']).toBeUndefined();
  });

  it('an app whose controllers take bodies already gets no global ValidationPipe, and is told why', async () => {
    const fixture = fixtureTree('nest12');
    fixture.create(
      '/src/cats.controller.ts',
      "import { Body, Controller, Post } from '@nestjs/common';\n\nclass CreateCatDto {\n  name!: string;\n}\n\n@Controller('cats')\nexport class CatsController {\n  @Post()\n  create(@Body() dto: CreateCatDto) {\n    return dto;\n  }\n}\n",
    );
    const module = fixture.readContent('/src/app.module.ts');
    fixture.overwrite('/src/app.module.ts', `import { CatsController } from './cats.controller.js';\n${module}`);
    const { tree, logs } = await init(fixture);
    expect(callsOf(source(tree, '/src/app.setup.ts'), 'app', 'useGlobalPipes')).toHaveLength(0);
    expect(logs.join('\n')).toContain('src/cats.controller.ts:10 takes a request body already: setupApp gets no global ValidationPipe');
  });

  it("keeps main.ts's own ValidationPipe and adds no second one", async () => {
    const fixture = fixtureTree('nest12');
    const main = source(fixture, '/src/main.ts');
    const create = main.statements.find(ts.isFunctionDeclaration)!.body!.statements[0];
    const text = fixture.readContent('/src/main.ts');
    fixture.overwrite(
      '/src/main.ts',
      `import { ValidationPipe } from '@nestjs/common';\n${text.slice(0, create.getEnd())}\n  app.useGlobalPipes(new ValidationPipe());${text.slice(create.getEnd())}`,
    );
    const { tree, logs } = await init(fixture);
    expect(callsOf(source(tree, '/src/app.setup.ts'), 'app', 'useGlobalPipes')).toHaveLength(0);
    expect(logs.join('\n')).toMatch(/src\/main\.ts:\d+ has a ValidationPipe of its own: kept, and setupApp adds none\./);
  });
});

describe("init and the app's own e2e specs", () => {
  it('closes the app after each test in an e2e spec that never does (CLI 10), so the pool init adds lets jest exit', async () => {
    const { tree, logs } = await init(fixtureTree('nest10-new'));
    const file = source(tree, '/test/app.e2e-spec.ts');
    const describe = (file.statements[file.statements.length - 1] as ts.ExpressionStatement).expression as ts.CallExpression;
    const body = (describe.arguments[1] as ts.ArrowFunction).body as ts.Block;
    expect(body.statements[body.statements.length - 1].getText(file)).toBe('afterEach(async () => {\n    await app.close();\n  });');
    expect(logs).toContain(
      'test/app.e2e-spec.ts: the app is closed after each test (afterEach), so the database pool it now opens lets jest exit.',
    );
    expect(snapshot((await init(tree)).tree)).toEqual(snapshot(tree));
  });

  it('leaves a spec that closes its app (CLI 11) as it is', async () => {
    const fixture = fixtureTree('nest11-new');
    const { tree } = await init(fixture);
    expect(tree.readContent('/test/app.e2e-spec.ts')).toBe(fixture.readContent('/test/app.e2e-spec.ts'));
  });
});

describe('init --type', () => {
  it('is the driver for nest g, and wins over a driver prompt answer', async () => {
    const { tree } = await init(fixtureTree('nest12'), { type: 'postgresql', driver: 'sqlite' });
    expect(imports(source(tree, '/src/mikro-orm.config.ts')).get('@mikro-orm/postgresql')).toEqual(['defineConfig']);
  });
});

describe('init --style middleware', () => {
  it('creates the middleware class and applies it to all routes in AppModule.configure()', async () => {
    const { tree } = await init(fixtureTree('nest12'), { style: 'middleware' });
    const main = source(tree, '/src/main.ts');
    expect(callsOf(main, 'RequestContext', 'create')).toHaveLength(0);
    const middleware = source(tree, '/src/database/mikro-orm-request-context.middleware.ts');
    expect(callsOf(middleware, 'RequestContext', 'create')).toHaveLength(1);
    const module = source(tree, '/src/app.module.ts');
    const cls = module.statements.find(ts.isClassDeclaration)!;
    expect(cls.heritageClauses?.[0].types.map((t) => t.getText(module))).toEqual(['NestModule']);
    const configure = cls.members.find(
      (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(module) === 'configure',
    )!;
    expect(configure.body!.statements.map((s) => s.getText(module))).toEqual([
      "consumer.apply(MikroOrmRequestContextMiddleware).forRoutes('{*splat}');",
    ]);
    expect(imports(module).get('@nestjs/common')).toEqual(['Module', 'MiddlewareConsumer', 'NestModule']);
    expect(imports(module).get('./database/mikro-orm-request-context.middleware.js')).toEqual(['MikroOrmRequestContextMiddleware']);
    expect(tree.readContent('/src/database/database.module.ts')).toContain('AppModule.configure()');
    const again = await init(tree, { style: 'middleware' });
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });
});

describe('init on other apps', () => {
  it('Nest 11 CommonJS: no import suffix, and MikroORM 6 when the app already has it', async () => {
    const { tree } = await init(fixtureTree('nest11'));
    expect(imports(source(tree, '/src/app.module.ts')).get('./database/database.module')).toEqual(['DatabaseModule']);
    expect(imports(source(tree, '/src/database/database.module.ts')).get('../mikro-orm.config')).toEqual(['config']);
    expectRegistrationAfterCreate(tree, '/src/main.ts');

    const base = fixtureTree('nest11');
    const pkg = JSON.parse(base.readContent('/package.json'));
    pkg.dependencies['@mikro-orm/core'] = '6.6.16';
    base.overwrite('/package.json', JSON.stringify(pkg, null, 2));
    const v6 = await init(base);
    const deps = JSON.parse(v6.tree.readContent('/package.json')).dependencies;
    expect(deps).toMatchObject({ '@mikro-orm/core': '6.6.16', '@mikro-orm/sqlite': '6.6.16', '@mikro-orm/nestjs': '6.1.2' });
    expect(deps['@mikro-orm/decorators']).toBeUndefined();
    const config = source(v6.tree, '/src/mikro-orm.config.ts');
    expect(imports(config).has('@mikro-orm/decorators/legacy')).toBe(false);
    expect(objectArgument(config.statements.find(ts.isExportAssignment)!.expression as ts.CallExpression).has('metadataProvider')).toBe(
      false,
    );
  });

  it('Fastify: an onRequest hook on the adapter, added right before create (before middie), and nothing on a second run', async () => {
    const { tree } = await init(fixtureTree('fastify'));
    const file = source(tree, '/src/main.ts');
    // `new FastifyAdapter(...)` moved from the call into a variable, with the user's arguments.
    expect(expectFastifyHookBeforeCreate(file, 'adapter')).toBe('const adapter = new FastifyAdapter({ logger: false });');
    expect(tree.readContent('/src/main.ts')).toContain(
      '  const app = await NestFactory.create<NestFastifyApplication>(\n    AppModule,\n    adapter,\n  );\n',
    );
    const again = await init(tree);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });

  it('Fastify with the adapter in a variable already: the hook goes on it, right before create', async () => {
    const base = fixtureTree('fastify');
    base.overwrite(
      '/src/main.ts',
      base
        .readContent('/src/main.ts')
        .replace(
          'async function bootstrap() {\n',
          'async function bootstrap() {\n  const fastify = new FastifyAdapter({ logger: false });\n  // the app\n',
        )
        .replace('new FastifyAdapter({ logger: false }),', 'fastify,'),
    );
    const { tree } = await init(base);
    expect(expectFastifyHookBeforeCreate(source(tree, '/src/main.ts'), 'fastify')).toBe(
      'const fastify = new FastifyAdapter({ logger: false });',
    );
    // The user's comment stays on the create statement.
    expect(tree.readContent('/src/main.ts')).toContain('done));\n  // the app\n  const app = await NestFactory.create');
  });

  it('Fastify with an adapter built elsewhere: the app.use registration (run by middie), first after create', async () => {
    const base = fixtureTree('fastify');
    base.overwrite(
      '/src/main.ts',
      base
        .readContent('/src/main.ts')
        .replace('new FastifyAdapter({ logger: false }),', 'makeAdapter(),')
        .replace('await bootstrap();', 'const makeAdapter = () => new FastifyAdapter();\nawait bootstrap();'),
    );
    const { tree } = await init(base);
    expectRegistrationAfterCreate(tree, '/src/main.ts');
  });

  it('messy app: async arrow bootstrap, options object, helmet, prefix, pipes, swagger, double quotes', async () => {
    const { tree } = await init(fixtureTree('messy'), { driver: 'postgresql' });
    expectRegistrationAfterCreate(tree, '/src/main.ts');
    const main = tree.readContent('/src/main.ts');
    // The registration precedes helmet, the prefix and the pipes.
    const order = ['RequestContext.create', 'app.use(helmet())', 'app.setGlobalPrefix', 'app.useGlobalPipes'].map((s) => main.indexOf(s));
    expect(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1]))).toBe(true);
    expect(main).toContain('import { MikroORM, RequestContext } from "@mikro-orm/core";');
    // The user's comment after the create statement stays where it was.
    expect(main).toContain('}); // keep the logs until the logger is set\n');
    const module = source(tree, '/src/app.module.ts');
    expect(moduleMetadata(module, 'AppModule').get('imports')).toEqual(['DatabaseModule']);
    expect(tree.readContent('/src/app.module.ts')).toContain('  imports: [\n    // feature modules go here\n    DatabaseModule,\n  ],\n');
    const config = objectArgument(
      source(tree, '/src/mikro-orm.config.ts').statements.find(ts.isExportAssignment)!.expression as ts.CallExpression,
    );
    expect(config.get('password')).toBe('process.env.MIKRO_ORM_PASSWORD');
    expect(config.get('port')).toBe('Number(process.env.MIKRO_ORM_PORT ?? 5432)');
    expect(JSON.parse(tree.readContent('/package.json')).dependencies['@mikro-orm/postgresql']).toBe('7.2.1');
  });

  it("tabs and CRLF: inserted lines use the file's own indentation, line endings, quotes and semicolons", async () => {
    const { tree } = await init(fixtureTree('tabs-crlf'));
    const main = tree.readContent('/src/main.ts');
    expect(main.replace(/\r\n/g, '')).not.toContain('\n');
    expect(main).toContain(
      '\tconst app = await NestFactory.create(AppModule)\r\n' +
        "\t// One MikroORM request context per request, before any other middleware: no request sees another's entities.\r\n" +
        '\tapp.use((_req: unknown, _res: unknown, next: () => void) => RequestContext.create(app.get(MikroORM).em, next))\r\n',
    );
    expect(main).toContain('import { MikroORM, RequestContext } from "@mikro-orm/core"\r\n');
    const module = tree.readContent('/src/app.module.ts');
    expect(module.replace(/\r\n/g, '')).not.toContain('\n');
    expect(module).toContain('\timports: [DatabaseModule],\r\n');
    expect(module).toContain('import { DatabaseModule } from "./database/database.module.js"\r\n');
  });

  it('monorepo: works on the chosen project, and refuses an app without HTTP', async () => {
    const { tree } = await init(fixtureTree('monorepo'), { project: 'api' });
    expectRegistrationAfterCreate(tree, '/apps/api/src/main.ts');
    expect(moduleMetadata(source(tree, '/apps/api/src/api.module.ts'), 'ApiModule').get('imports')).toEqual([
      'DatabaseModule',
      'SharedModule',
    ]);
    expect(tree.exists('/apps/api/src/mikro-orm.config.ts')).toBe(true);
    expect(tree.exists('/apps/api/src/database/database.module.ts')).toBe(true);
    expect(tree.readContent('/apps/api/src/mikro-orm.config.ts')).toContain("'api.sqlite3'");
    expect(JSON.parse(tree.readContent('/package.json'))['mikro-orm'].configPaths[0]).toBe('./apps/api/src/mikro-orm.config.ts');
    const cli = JSON.parse(tree.readContent('/nest-cli.json'));
    expect(cli.collection).toBe('mikro-request-context');
    expect(cli.projects.api.sourceRoot).toBe('apps/api/src');

    const worker = fixtureTree('monorepo');
    const before = snapshot(worker);
    await expect(init(worker, { project: 'worker' })).rejects.toThrow(
      'apps/worker/src/main.ts creates the app with NestFactory.createApplicationContext only',
    );
    expect(snapshot(worker)).toEqual(before);
  });

  it('custom sourceRoot and entry file from nest-cli.json, and a differently named app variable', async () => {
    const { tree } = await init(fixtureTree('custom-source-root'));
    expectRegistrationAfterCreate(tree, '/server/bootstrap.ts', 'server');
    expect(tree.exists('/server/mikro-orm.config.ts')).toBe(true);
    expect(moduleMetadata(source(tree, '/server/server.module.ts'), 'ServerModule').get('imports')).toEqual(['DatabaseModule']);
    expect(JSON.parse(tree.readContent('/package.json'))['mikro-orm'].configPaths).toEqual([
      './server/mikro-orm.config.ts',
      './dist/mikro-orm.config.js',
    ]);
  });

  it('an app that already creates a context gets no second one, and the library middleware is turned off', async () => {
    const fixture = fixtureTree('has-context');
    const { tree, logs } = await init(fixture);
    const main = source(tree, '/src/main.ts');
    expect(callsOf(main, 'RequestContext', 'create')).toHaveLength(1);
    expect(tree.readContent('/src/main.ts')).toBe(fixtureTree('has-context').readContent('/src/main.ts'));
    expect(tree.exists('/src/database/database.module.ts')).toBe(false);
    expect(tree.exists('/src/mikro-orm.config.ts')).toBe(false);
    // defineConfig({...}) cannot take the option (it is not one of MikroORM's): the argument is wrapped.
    const [forRoot] = callsOf(source(tree, '/src/app.module.ts'), 'MikroOrmModule', 'forRoot');
    const options = objectArgument(forRoot);
    const keys = [...options.keys()];
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^\.\.\.defineConfig\(\{/);
    expect(keys[1]).toBe('registerRequestContext');
    expect(options.get('registerRequestContext')).toBe('false');
    expect(logs.join('\n')).toContain("src/app.module.ts:10: @mikro-orm/nestjs's middleware switched off");
    expect(logs.join('\n')).toMatch(/Request context already registered \(RequestContext\.create at src\/main\.ts:8\)/);
    const again = await init(tree);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });

  it('an app with the library middleware only: our registration, and registerRequestContext switched to false', async () => {
    const { tree } = await init(fixtureTree('library-middleware'));
    expectRegistrationAfterCreate(tree, '/src/main.ts');
    const [forRoot] = callsOf(source(tree, '/src/app.module.ts'), 'MikroOrmModule', 'forRoot');
    expect(objectArgument(forRoot).get('registerRequestContext')).toBe('false');
    expect(tree.exists('/src/database/database.module.ts')).toBe(false);
    const again = await init(tree);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });
});

describe('init and tsconfig', () => {
  it('turns on the decorator options only when the config chain lacks them, keeping comments', async () => {
    const tree = fixtureTree('monorepo');
    const original = tree.readContent('/tsconfig.json');
    tree.overwrite('/tsconfig.json', original.replace('"emitDecoratorMetadata": true,', ''));
    const { tree: result, logs } = await init(tree, { project: 'api' });
    // apps/api/tsconfig.app.json extends the root config, which lacks emitDecoratorMetadata now.
    const app = result.readContent('/apps/api/tsconfig.app.json');
    expect(JSON.parse(app).compilerOptions).toMatchObject({ emitDecoratorMetadata: true });
    expect(JSON.parse(app).compilerOptions.experimentalDecorators).toBeUndefined();
    expect(result.readContent('/tsconfig.json')).toContain('// Shared compiler options of every app and library of the workspace.');
    expect(logs).toContain("apps/api/tsconfig.app.json: compilerOptions.emitDecoratorMetadata = true (MikroORM's decorators need it).");
    const untouched = await init(fixtureTree('nest12'));
    expect(untouched.tree.readContent('/tsconfig.json')).toBe(fixtureTree('nest12').readContent('/tsconfig.json'));
  });
});

describe('init refuses bad input, and writes nothing', () => {
  const cases: [string, (tree: UnitTestTree) => void, Options, string][] = [
    ['an unknown driver', () => undefined, { driver: 'oracle' }, 'Unknown driver "oracle": choose one of sqlite, postgresql'],
    ['an unknown --type', () => undefined, { type: 'graphql' }, 'Unknown driver "graphql"'],
    ['an unknown style', () => undefined, { style: 'global' }, 'Unknown style "global"'],
    ['an invalid project name', () => undefined, { project: '../x' }, 'Invalid project name "../x"'],
    ['a project that is not in nest-cli.json', () => undefined, { project: 'api' }, 'Project "api" is not in nest-cli.json'],
    ['an invalid --path', () => undefined, { path: '../outside' }, 'Invalid --path "../outside"'],
    ['a missing main.ts', (t) => t.delete('/src/main.ts'), {}, 'src/main.ts not found'],
    [
      'main.ts without NestFactory.create',
      (t) => t.overwrite('/src/main.ts', 'console.log(1);\n'),
      {},
      'src/main.ts has no NestFactory.create(...) call',
    ],
    [
      'a microservice-only app',
      (t) =>
        t.overwrite(
          '/src/main.ts',
          "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module.js';\nconst app = await NestFactory.createMicroservice(AppModule, {});\nawait app.listen();\n",
        ),
      {},
      'creates the app with NestFactory.createMicroservice only',
    ],
    ['a syntax error', (t) => t.overwrite('/src/main.ts', 'async function bootstrap( {\n'), {}, 'src/main.ts:2:1 has a syntax error'],
    [
      'a create call whose app is not kept',
      (t) =>
        t.overwrite(
          '/src/main.ts',
          "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module.js';\nawait (await NestFactory.create(AppModule)).listen(3000);\n",
        ),
      {},
      'the result of NestFactory.create(...) is not kept in a variable',
    ],
    ['invalid nest-cli.json', (t) => t.overwrite('/nest-cli.json', '{ "sourceRoot": '), {}, 'nest-cli.json is not valid JSON'],
  ];
  it.each(cases)('%s', async (_name, damage, options, message) => {
    const tree = fixtureTree('nest12');
    damage(tree);
    const before = snapshot(tree);
    const error = await init(tree, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchematicsException);
    expect((error as Error).message).toContain(message);
    expect(snapshot(tree)).toEqual(before);
  });
});

describe("init never overwrites a user's file silently", () => {
  it('keeps an existing config with other content and warns; --force replaces it', async () => {
    const tree = fixtureTree('nest12');
    tree.create('/src/mikro-orm.config.ts', '// mine\nexport default {};\n');
    const { tree: kept, logs } = await init(tree);
    expect(kept.readContent('/src/mikro-orm.config.ts')).toBe('// mine\nexport default {};\n');
    expect(logs).toContain('src/mikro-orm.config.ts exists with other content: kept as it is (--force replaces it).');
    const tree2 = fixtureTree('nest12');
    tree2.create('/src/mikro-orm.config.ts', '// mine\n');
    const { tree: replaced } = await init(tree2, { force: true });
    expect(replaced.readContent('/src/mikro-orm.config.ts')).toContain('defineConfig');
  });
});

describe('init on an ESM app whose relative imports end in .ts (rewriteRelativeImportExtensions)', () => {
  it("writes .ts imports like the app's own, type-checks with tsc, and changes nothing on a second run", async () => {
    const { tree } = await init(fixtureTree('esm-ts-imports'));
    expect(imports(source(tree, '/src/app.module.ts')).get('./database/database.module.ts')).toEqual(['DatabaseModule']);
    expect(imports(source(tree, '/src/database/database.module.ts')).get('../mikro-orm.config.ts')).toEqual(['config']);
    expect(moduleMetadata(source(tree, '/src/app.module.ts'), 'AppModule').get('imports')).toEqual(['DatabaseModule']);
    const again = await init(tree);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
    const dir = tempDir('init-esm-ts-imports');
    try {
      writeTree(tree, dir);
      await typecheck(dir, 'tsconfig.build.json');
    } finally {
      removeDir(dir);
    }
  });

  it('--style middleware imports the middleware with .ts too', async () => {
    const { tree } = await init(fixtureTree('esm-ts-imports'), { style: 'middleware' });
    expect(imports(source(tree, '/src/app.module.ts')).get('./database/mikro-orm-request-context.middleware.ts')).toEqual([
      'MikroOrmRequestContextMiddleware',
    ]);
    const again = await init(tree, { style: 'middleware' });
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });
});

describe('init edits the tsconfig without touching its layout', () => {
  const userConfig = [
    '{',
    '  "extends": "./tsconfig.base.json",',
    '  "compilerOptions": {',
    '    /* output */',
    '    "outDir": "./dist",',
    '    "lib": ["es2023", "dom"],',
    '    "strict": true, // keep it strict',
    '  },',
    '}',
    '',
  ].join('\n');

  it('adds the options after the last one, with its comment kept on its line and the one-line array untouched; a second run changes nothing', async () => {
    const input = fixtureTree('nest11');
    input.create('/tsconfig.base.json', '{ "compilerOptions": { "module": "commonjs", "target": "ES2023" } }\n');
    input.overwrite('/tsconfig.json', userConfig);
    const { tree, logs } = await init(input);
    expect(tree.readContent('/tsconfig.json')).toBe(
      userConfig.replace(
        '    "strict": true, // keep it strict\n',
        '    "strict": true, // keep it strict\n    "experimentalDecorators": true,\n    "emitDecoratorMetadata": true,\n',
      ),
    );
    expect(logs).toContain("tsconfig.json: compilerOptions.experimentalDecorators = true (MikroORM's decorators need it).");
    const again = await init(tree);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });

  it('CRLF and tabs', async () => {
    const input = fixtureTree('nest11');
    const crlf = '{\r\n\t"compilerOptions": {\r\n\t\t"module": "commonjs", // CommonJS\r\n\t\t"lib": ["es2023"]\r\n\t}\r\n}\r\n';
    input.overwrite('/tsconfig.json', crlf);
    const { tree } = await init(input);
    expect(tree.readContent('/tsconfig.json')).toBe(
      '{\r\n\t"compilerOptions": {\r\n\t\t"module": "commonjs", // CommonJS\r\n\t\t"lib": ["es2023"],\r\n\t\t"experimentalDecorators": true,\r\n\t\t"emitDecoratorMetadata": true\r\n\t}\r\n}\r\n',
    );
  });

  it('adds nothing that a package the tsconfig extends already sets (also in an extends array)', async () => {
    for (const extendsValue of ['@tsconfig/nest', ['./tsconfig.base.json', '@tsconfig/nest/tsconfig']] as const) {
      const input = fixtureTree('nest11');
      const config = { extends: extendsValue, compilerOptions: { outDir: './dist' } };
      input.overwrite('/tsconfig.json', `${JSON.stringify(config, null, 2)}\n`);
      input.create('/tsconfig.base.json', '{ "compilerOptions": { "experimentalDecorators": false } }\n');
      input.create('/node_modules/@tsconfig/nest/package.json', '{ "name": "@tsconfig/nest" }\n');
      input.create(
        '/node_modules/@tsconfig/nest/tsconfig.json',
        '{ "compilerOptions": { "module": "commonjs", "experimentalDecorators": true, "emitDecoratorMetadata": true } }\n',
      );
      const { tree } = await init(input);
      expect([extendsValue, tree.readContent('/tsconfig.json')]).toEqual([extendsValue, `${JSON.stringify(config, null, 2)}\n`]);
    }
  });
});

describe('init in a monorepo whose projects have scoped names (@acme/api)', () => {
  const options = { project: '@acme/api' };
  const configPaths = (tree: UnitTestTree) => JSON.parse(tree.readContent('/package.json'))['mikro-orm'].configPaths;

  it("names the database after the project without its scope, and points the CLI at the project's config and its tsc output", async () => {
    const { tree } = await init(fixtureTree('monorepo-scoped'), options);
    const config = source(tree, '/apps/api/src/mikro-orm.config.ts');
    const exported = config.statements.find(ts.isExportAssignment)!;
    expect(objectArgument(exported.expression as ts.CallExpression).get('dbName')).toBe("process.env.MIKRO_ORM_DB_NAME ?? 'api.sqlite3'");
    expect(tree.readContent('/.gitignore').split('\n')).toContain('api.sqlite3');
    expect(tree.readContent('/apps/api/.env.example')).toContain('MIKRO_ORM_DB_NAME=api.sqlite3');
    // apps/api/tsconfig.app.json: outDir ../../dist/apps/api, rootDir ./src.
    expect(configPaths(tree)).toEqual(['./apps/api/src/mikro-orm.config.ts', './dist/apps/api/mikro-orm.config.js']);
    const again = await init(tree, options);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
  });

  it('tsc really emits the config where configPaths says', async () => {
    const { tree } = await init(fixtureTree('monorepo-scoped'), options);
    const dir = tempDir('init-monorepo-scoped');
    try {
      writeTree(tree, dir);
      await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(dir, 'apps/api/tsconfig.app.json')], { cwd: dir });
      for (const path of configPaths(tree)) expect([path, existsSync(join(dir, path))]).toEqual([path, true]);
      expect(existsSync(join(dir, 'dist/apps/api/main.js'))).toBe(true);
    } finally {
      removeDir(dir);
    }
  });

  it('webpack (nest-cli.json "webpack": true, what older `nest g app` writes) bundles one main.js: only the TypeScript config, said in one line', async () => {
    const input = fixtureTree('monorepo-scoped');
    input.overwrite('/nest-cli.json', setJsonValue(input.readContent('/nest-cli.json'), ['compilerOptions', 'webpack'], true));
    const { tree, logs } = await init(input, options);
    expect(configPaths(tree)).toEqual(['./apps/api/src/mikro-orm.config.ts']);
    expect(logs.filter((l) => l.includes('bundles'))).toEqual([
      'nest-cli.json: webpack bundles @acme/api into one main.js, so the MikroORM CLI uses the TypeScript config (./apps/api/src/mikro-orm.config.ts).',
    ]);
    const again = await init(tree, options);
    expect(snapshot(again.tree)).toEqual(snapshot(tree));
    expect(again.logs.filter((l) => l.includes('bundles'))).toEqual([]);

    // The project's own "webpack": false wins over the top-level true, as in @nestjs/cli.
    const own = fixtureTree('monorepo-scoped');
    let cli = setJsonValue(own.readContent('/nest-cli.json'), ['compilerOptions', 'webpack'], true);
    cli = setJsonValue(cli, ['projects', '@acme/api', 'compilerOptions', 'webpack'], false);
    own.overwrite('/nest-cli.json', cli);
    expect(configPaths((await init(own, options)).tree)).toEqual([
      './apps/api/src/mikro-orm.config.ts',
      './dist/apps/api/mikro-orm.config.js',
    ]);
  });

  it("a standard app is named after package.json's name, without its scope", async () => {
    const input = fixtureTree('nest12');
    input.overwrite('/package.json', setJsonValue(input.readContent('/package.json'), ['name'], '@acme/shop'));
    const { tree } = await init(input);
    expect(tree.readContent('/.gitignore').split('\n')).toContain('shop.sqlite3');
  });
});

describe('after init on an app with .ts imports, the feature schematics write .ts imports too', () => {
  it('entity, repository and resource: every relative import ends in .ts, package subpaths in .js, and the app type-checks', async () => {
    let { tree } = await init(fixtureTree('esm-ts-imports'));
    ({ tree } = await runOnTree('repository', { name: 'users', pattern: 'custom' }, tree));
    ({ tree } = await runOnTree('entity', { name: 'post', fields: 'title:string,author:User' }, tree));
    ({ tree } = await runOnTree('resource', { name: 'posts' }, tree));
    const generated = tree.files.filter((f) => f.endsWith('.ts') && !fixtureTree('esm-ts-imports').exists(f));
    const relative = generated.flatMap((f) =>
      [...imports(source(tree, f)).keys()].filter((s) => s.startsWith('.')).map((s) => `${f}: ${s}`),
    );
    expect(relative.length).toBeGreaterThan(10);
    expect(relative.filter((line) => !line.endsWith('.ts'))).toEqual([]);
    expect(imports(source(tree, '/test/posts.e2e-spec.ts')).get('supertest/types.js')).toEqual(['App']);
    const dir = tempDir('init-esm-ts-features');
    try {
      writeTree(tree, dir);
      await typecheck(dir, 'tsconfig.json');
    } finally {
      removeDir(dir);
    }
  });
});
