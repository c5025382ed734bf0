import { parseText } from '../../src/utils/ast';
import { classFacts } from '../../src/utils/handlers';
import {
  DoctorInput,
  formatFinding,
  globalContextRule,
  globalEntityManagerRule,
  registrationRule,
  storedForkRule,
  versionsRule,
} from '../../src/doctor/rules';

function input(files: Record<string, string>, extra: Partial<DoctorInput> = {}): DoctorInput {
  return {
    sources: new Map(Object.entries(files).map(([path, text]) => [path, parseText(path, text)])),
    main: 'src/main.ts',
    envFiles: [],
    ...extra,
  };
}

const MAIN = `const app = await NestFactory.create(AppModule);\nawait app.listen(3000);\n`;
const OURS = `const app = await NestFactory.create(AppModule);\napp.use((q, s, next) => RequestContext.create(app.get(MikroORM).em, next));\n`;

describe('globalContextRule', () => {
  it('reads env files line by line: export, quotes, t/1/true; not false, not comments', () => {
    const env = [
      '# MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=true',
      'export MIKRO_ORM_ALLOW_GLOBAL_CONTEXT="1"',
      'MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=false',
      'MIKRO_ORM_ALLOW_GLOBAL_CONTEXT = t',
    ].join('\r\n');
    const found = globalContextRule(input({}, { envFiles: [{ path: '.env.local', text: env }] }));
    expect(found.map((f) => `${f.file}:${f.line}`)).toEqual(['.env.local:2', '.env.local:4']);
  });

  it('only the literal true, quoted keys included', () => {
    const found = globalContextRule(
      input({ 'a.ts': `x({ allowGlobalContext: false });\ny({ 'allowGlobalContext': true });\nz({ allowGlobalContext: flag });\n` }),
    );
    expect(found.map((f) => f.line)).toEqual([2]);
  });
});

describe('storedForkRule', () => {
  it('fields, constructors and startup hooks; not other methods, not request-scoped classes, not child processes', () => {
    const text = [
      'class A {',
      '  a = this.em.fork();',
      '  b = fork();',
      '  constructor() { this.c = this.orm.em.fork({ clear: true }); }',
      '  onModuleInit() { this.d = this.em.fork(); }',
      '  run() { this.e = this.em.fork(); }',
      '  f = () => cluster.fork();',
      '}',
      '@Injectable({ scope: Scope.REQUEST }) class B { a = this.em.fork(); }',
    ].join('\n');
    expect(storedForkRule(input({ 'a.ts': text })).map((f) => f.line)).toEqual([2, 4, 5]);
  });
});

describe('registrationRule', () => {
  it('the library middleware counts unless registerRequestContext: false, also through a config module', () => {
    const module = (args: string) =>
      `import config from './mikro-orm.config.js';\n@Module({ imports: [MikroOrmModule.forRoot(${args})] }) class AppModule {}\n`;
    const config = `export default defineConfig({ dbName: 'x' });\n`;
    const twice = registrationRule(
      input({ 'src/main.ts': OURS, 'src/app.module.ts': module('config'), 'src/mikro-orm.config.ts': config }),
    );
    expect(twice.map((f) => `${f.file}:${f.line} ${f.fixBy ?? '-'}`)).toEqual(['src/app.module.ts:2 init']);
    const literal = registrationRule(
      input({ 'src/main.ts': OURS, 'src/app.module.ts': module('{ ...config }'), 'src/mikro-orm.config.ts': config }),
    );
    expect(literal.map((f) => `${f.file}:${f.line} ${f.fixBy}`)).toEqual(['src/app.module.ts:2 init']);
    expect(
      registrationRule(input({ 'src/main.ts': OURS, 'src/app.module.ts': module('{ ...config, registerRequestContext: false }') })),
    ).toEqual([]);
    // Only the library's: registered once.
    expect(
      registrationRule(input({ 'src/main.ts': MAIN, 'src/app.module.ts': module('config'), 'src/mikro-orm.config.ts': config })),
    ).toEqual([]);
  });

  it('options it cannot see are given the benefit of the doubt; no NestFactory.create, no HTTP, no finding', () => {
    const unknown = `@Module({ imports: [MikroOrmModule.forRoot(buildOptions())] }) class AppModule {}\n`;
    expect(registrationRule(input({ 'src/main.ts': MAIN, 'src/app.module.ts': unknown }))).toEqual([]);
    const worker = `const app = await NestFactory.createMicroservice(AppModule, {});\n`;
    const off = `@Module({ imports: [MikroOrmModule.forRoot({ registerRequestContext: false })] }) class AppModule {}\n`;
    expect(registrationRule(input({ 'src/main.ts': worker, 'src/app.module.ts': off }))).toEqual([]);
    expect(registrationRule(input({ 'src/main.ts': MAIN, 'src/app.module.ts': off })).map((f) => `${f.file}:${f.line} ${f.fixBy}`)).toEqual(
      ['src/main.ts:1 init'],
    );
  });

  it('counts only what main.ts reaches: a test helper with a forRoot of its own is no second path', () => {
    const module = `@Module({ imports: [MikroOrmModule.forRoot({ ...config, registerRequestContext: false })] }) class AppModule {}\n`;
    const helper = `export const testing = () => Test.createTestingModule({ imports: [MikroOrmModule.forRoot(config)] });\n`;
    const files = { 'src/main.ts': OURS, 'src/app.module.ts': module, 'src/test-utils.ts': helper };
    expect(registrationRule(input(files)).map((f) => `${f.file}:${f.line}`)).toEqual(['src/test-utils.ts:1']);
    expect(registrationRule(input(files, { reachable: new Set(['src/main.ts', 'src/app.module.ts']) }))).toEqual([]);
  });

  it("an app's own middleware class named MikroOrmMiddleware is one path, not two", () => {
    const middleware = `export class MikroOrmMiddleware implements NestMiddleware { use(req, res, next) { RequestContext.create(this.orm.em, next); } }\n`;
    const module = `import { MikroOrmMiddleware } from './mikro-orm.middleware';\n@Module({ imports: [MikroOrmModule.forRoot({ registerRequestContext: false })] }) class AppModule { configure(c) { c.apply(MikroOrmMiddleware).forRoutes('*'); } }\n`;
    expect(
      registrationRule(input({ 'src/main.ts': MAIN, 'src/app.module.ts': module, 'src/mikro-orm.middleware.ts': middleware })),
    ).toEqual([]);
    const library = module.replace("from './mikro-orm.middleware'", "from '@mikro-orm/nestjs'");
    expect(registrationRule(input({ 'src/main.ts': OURS, 'src/app.module.ts': library })).map((f) => f.line)).toEqual([2]);
  });

  it('forMiddleware() is the library registering too', () => {
    const module = `@Module({ imports: [MikroOrmModule.forRoot({ registerRequestContext: false }), MikroOrmModule.forMiddleware()] }) class AppModule {}\n`;
    expect(registrationRule(input({ 'src/main.ts': OURS, 'src/app.module.ts': module })).map((f) => f.line)).toEqual([1]);
  });
});

describe('globalContextRule and what main.ts reaches', () => {
  it('a test helper the app does not import gets a warning; the app and the MikroORM config an error', () => {
    const files = {
      'src/main.ts': MAIN,
      'src/setup-tests.ts': 'const o = { allowGlobalContext: true };\n',
      'src/mikro-orm.config.ts': 'export default { allowGlobalContext: true };\n',
      'src/app.module.ts': 'const o = { allowGlobalContext: true };\n',
    };
    const found = globalContextRule(input(files, { reachable: new Set(['src/main.ts', 'src/app.module.ts']) }));
    expect(found.map((f) => `${f.file} ${f.severity}`).sort()).toEqual([
      'src/app.module.ts error',
      'src/mikro-orm.config.ts error',
      'src/setup-tests.ts warning',
    ]);
  });
});

describe('storedForkRule and functions', () => {
  it('a fork made inside a function field runs on each call: not a stored fork', () => {
    const text = `class A {\n  private load = async () => this.em.fork().find(User, {});\n  private kept = this.em.fork();\n  constructor(private readonly em: EntityManager) {}\n}\n`;
    expect(storedForkRule(input({ 'a.ts': text })).map((f) => f.line)).toEqual([3]);
  });
});

describe('versionsRule', () => {
  const pkg = (deps: Record<string, string>) => ({
    path: 'package.json',
    text: JSON.stringify({ name: 'x', dependencies: deps }, null, 2),
  });

  it('a consistent set is silent', () => {
    const text = pkg({ '@mikro-orm/core': '7.2.1', '@mikro-orm/nestjs': '7.1.0', '@mikro-orm/sqlite': '7.2.1', '@nestjs/core': '^11.1.0' });
    expect(versionsRule(input({}, { packageJson: text }))).toEqual([]);
    const six = pkg({
      '@mikro-orm/core': '^6.6.16',
      '@mikro-orm/nestjs': '^6.1.2',
      '@mikro-orm/postgresql': '6.6.16',
      '@nestjs/core': '^10.4.0',
    });
    expect(versionsRule(input({}, { packageJson: six }))).toEqual([]);
  });

  it('the highlighters, versioned on their own 1.x line, are not held to the version of core; a driver of another major still is', () => {
    const text = pkg({
      '@mikro-orm/core': '7.2.1',
      '@mikro-orm/sql-highlighter': '^1.0.1',
      '@mikro-orm/mongo-highlighter': '1.0.0',
      '@mikro-orm/migrations': '6.6.16',
      '@mikro-orm/sqlite': '^7.2.2',
    });
    expect(versionsRule(input({}, { packageJson: text })).map((f) => `${f.line} ${f.severity} ${f.message.split(':')[0]}`)).toEqual([
      '7 error @mikro-orm/migrations 6.6.16 is not the MikroORM major of @mikro-orm/core 7.2.1',
      '8 warning @mikro-orm/sqlite ^7.2.2 and @mikro-orm/core 7.2.1 differ',
    ]);
  });

  it('Nest 12 with @mikro-orm/nestjs 6, at the line of the entry, with the set to use', () => {
    const found = versionsRule(
      input({}, { packageJson: pkg({ '@nestjs/core': '^12.0.1', '@mikro-orm/core': '6.6.16', '@mikro-orm/nestjs': '6.1.2' }) }),
    );
    expect(found.map(formatFinding)).toEqual([
      'package.json:6 error @mikro-orm/nestjs 6.1.2 supports Nest 10 and 11, but this app has Nest 12 — Nest 12 needs @mikro-orm/nestjs 7.1.0 with MikroORM 7.2.1 (every @mikro-orm/* package)',
    ]);
  });
});

describe('globalEntityManagerRule and the spellings of RequestContext', () => {
  const timer = (imports: string, call: string) =>
    `${imports}\nexport class Job {\n  constructor(private readonly em: EntityManager) {\n    setInterval(() => ${call}(this.em, async () => { await this.em.find(User, {}); }), 1000);\n  }\n}\n`;
  const lines = (text: string) => {
    const source = parseText('src/job.ts', text);
    return globalEntityManagerRule(input({ 'src/job.ts': text }), classFacts(source, 'src/job.ts')).map((f) => f.line);
  };

  it('a timer callback inside RequestContext.create is in a context, under a renamed import or a namespace too', () => {
    expect(lines(timer(`import { RequestContext } from '@mikro-orm/core';`, 'RequestContext.create'))).toEqual([]);
    expect(lines(timer(`import { RequestContext as RC } from '@mikro-orm/core';`, 'RC.create'))).toEqual([]);
    expect(lines(timer(`import * as orm from '@mikro-orm/postgresql';`, 'orm.RequestContext.create'))).toEqual([]);
  });

  it("an app's own class named RequestContext opens no MikroORM context", () => {
    const own = lines(timer(`import { RequestContext } from './request-context';`, 'RequestContext.create'));
    expect(own.length).toBeGreaterThan(0);
    expect(own).toEqual(lines(timer(`import { run } from './run';`, 'run')));
  });
});
