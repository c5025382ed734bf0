import { UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from 'typescript';
import { fixtureTree, runner, snapshot } from './support/fixtures';
import { callsOf, imports, moduleMetadata, objectArgument, parse } from './support/inspect';

/**
 * init on the shapes real apps that already use MikroORM write (issue: two contexts per request):
 * every app ends with exactly one context path, one ORM and no duplicate import, or is refused with
 * every file byte-identical.
 */
type Files = Record<string, string>;

/** The Nest 11 fixture (CommonJS) with MikroORM 6 listed and the given files written over it. */
function app(
  files: Files,
  dependencies: Record<string, string> = { '@mikro-orm/core': '6.6.16', '@mikro-orm/nestjs': '6.1.2', '@mikro-orm/sqlite': '6.6.16' },
): UnitTestTree {
  const tree = fixtureTree('nest11');
  const pkg = JSON.parse(tree.readContent('/package.json'));
  pkg.dependencies = { ...pkg.dependencies, ...dependencies };
  tree.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [path, text] of Object.entries(files)) {
    if (tree.exists(path)) tree.overwrite(path, text);
    else tree.create(path, text);
  }
  return tree;
}

async function init(tree: UnitTestTree): Promise<{ tree: UnitTestTree; logs: string[] }> {
  const schematics = runner();
  const logs: string[] = [];
  schematics.logger.subscribe((entry) => logs.push(entry.message));
  return { tree: await schematics.runSchematic('init', { skipInstall: true }, tree), logs };
}

async function refused(tree: UnitTestTree): Promise<string> {
  const before = snapshot(tree);
  let message = '';
  await init(tree).catch((e: Error) => (message = e.message));
  expect(message).not.toBe('');
  expect(snapshot(tree)).toEqual(before);
  return message;
}

const source = (tree: UnitTestTree, path: string) => parse(tree.readContent(path), path);

/** Our registration in main.ts: one app.use(...) opening RequestContext.create with the app's MikroORM. */
function expectOneRegistration(tree: UnitTestTree, requestContext = 'RequestContext', orm = 'MikroORM'): void {
  const main = source(tree, '/src/main.ts');
  const contexts = callsOf(main, requestContext, 'create');
  expect(contexts).toHaveLength(1);
  expect(contexts[0].arguments[0].getText(main)).toBe(`app.get(${orm}).em`);
}

/** No identifier imported twice in a file. */
function expectNoDuplicateImports(tree: UnitTestTree, path: string): void {
  const names = [...imports(source(tree, path)).values()].flat();
  expect(names).toEqual([...new Set(names)]);
}

const MAIN = `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n`;
const CONFIG = `import { defineConfig } from '@mikro-orm/sqlite';\n\nexport default defineConfig({\n  dbName: 'app.sqlite3',\n  entities: ['dist/**/*.entity.js'],\n  entitiesTs: ['src/**/*.entity.ts'],\n});\n`;

describe('init on apps that already use MikroORM: one context per request', () => {
  it('forRoot(config) with config imported: the argument is wrapped where the root receives it, the config file untouched', async () => {
    const tree = app({
      '/src/main.ts': MAIN,
      '/src/mikro-orm.config.ts': CONFIG,
      '/src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\nimport config from './mikro-orm.config';\n\n@Module({\n  imports: [MikroOrmModule.forRoot(config)],\n})\nexport class AppModule {}\n`,
    });
    const { tree: after, logs } = await init(tree);
    expectOneRegistration(after);
    const [root] = callsOf(source(after, '/src/app.module.ts'), 'MikroOrmModule', 'forRoot');
    expect(root.arguments[0].getText()).toBe('{ ...config, registerRequestContext: false }');
    expect(after.readContent('/src/mikro-orm.config.ts')).toBe(CONFIG);
    expect(after.exists('/src/database/database.module.ts')).toBe(false);
    expect(logs.join('\n')).toContain("src/app.module.ts:6: @mikro-orm/nestjs's middleware switched off");
    expect(logs.join('\n')).toContain("The app's own MikroORM configuration is kept (MikroOrmModule.forRoot at src/app.module.ts:6).");
    expect(snapshot((await init(after)).tree)).toEqual(snapshot(after));
  });

  it('--style middleware on such an app: the middleware class is created and applied, the configuration kept', async () => {
    const tree = app({
      '/src/main.ts': MAIN,
      '/src/mikro-orm.config.ts': CONFIG,
      '/src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\nimport config from './mikro-orm.config';\n\n@Module({\n  imports: [MikroOrmModule.forRoot(config)],\n})\nexport class AppModule {}\n`,
    });
    const after = await runner().runSchematic('init', { skipInstall: true, style: 'middleware' }, tree);
    const module = source(after, '/src/app.module.ts');
    expect(imports(module).get('./database/mikro-orm-request-context.middleware')).toEqual(['MikroOrmRequestContextMiddleware']);
    expect(after.exists('/src/database/mikro-orm-request-context.middleware.ts')).toBe(true);
    expect(after.exists('/src/database/database.module.ts')).toBe(false);
    expect(after.exists('/src/mikro-orm.config.ts') && after.readContent('/src/mikro-orm.config.ts')).toBe(CONFIG);
    expect(callsOf(module, 'MikroOrmModule', 'forRoot')[0].arguments[0].getText()).toBe('{ ...config, registerRequestContext: false }');
  });

  it('forRoot() without options in a nested module (v6 loads the CLI config, the middleware stays on): the config is passed, spread, with the option', async () => {
    const tree = app({
      '/src/main.ts': MAIN,
      '/src/mikro-orm.config.ts': CONFIG,
      '/src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { OrmModule } from './orm/orm.module';\n\n@Module({ imports: [OrmModule] })\nexport class AppModule {}\n`,
      '/src/orm/orm.module.ts': `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\n\n@Module({\n  imports: [MikroOrmModule.forRoot()],\n  exports: [MikroOrmModule],\n})\nexport class OrmModule {}\n`,
    });
    const { tree: after } = await init(tree);
    expectOneRegistration(after);
    const orm = source(after, '/src/orm/orm.module.ts');
    const [root] = callsOf(orm, 'MikroOrmModule', 'forRoot');
    expect(objectArgument(root)).toEqual(
      new Map([
        ['...config', ''],
        ['registerRequestContext', 'false'],
      ]),
    );
    expect(orm.statements.filter(ts.isImportDeclaration).map((i) => i.getText(orm))).toContain("import config from '../mikro-orm.config';");
    expect(after.exists('/src/database/database.module.ts')).toBe(false);
    expect(snapshot((await init(after)).tree)).toEqual(snapshot(after));
  });

  it('forRootAsync with a defineConfig factory over options that say registerRequestContext: true: the factory result is wrapped', async () => {
    const tree = app({
      '/src/main.ts': MAIN,
      '/src/base-options.ts': `export const baseOptions = { registerRequestContext: true, entities: ['dist/**/*.entity.js'] };\n`,
      '/src/app.module.ts': [
        `import { Module } from '@nestjs/common';`,
        `import { ConfigModule, ConfigService } from '@nestjs/config';`,
        `import { MikroOrmModule } from '@mikro-orm/nestjs';`,
        `import { defineConfig } from '@mikro-orm/sqlite';`,
        `import { baseOptions } from './base-options';`,
        ``,
        `@Module({`,
        `  imports: [`,
        `    MikroOrmModule.forRootAsync({`,
        `      imports: [ConfigModule],`,
        `      inject: [ConfigService],`,
        `      useFactory: (config: ConfigService) => defineConfig({ ...baseOptions, dbName: config.get('DB_NAME') }),`,
        `    }),`,
        `  ],`,
        `})`,
        `export class AppModule {}`,
        ``,
      ].join('\n'),
    });
    const { tree: after } = await init(tree);
    expectOneRegistration(after);
    const module = source(after, '/src/app.module.ts');
    const factory = ts.forEachChild(module, function find(n): ts.ArrowFunction | undefined {
      return ts.isArrowFunction(n) ? n : ts.forEachChild(n, find);
    })!;
    expect(factory.body.getText(module)).toBe(
      "({ ...defineConfig({ ...baseOptions, dbName: config.get('DB_NAME') }), registerRequestContext: false })",
    );
    expect(after.readContent('/src/base-options.ts')).toBe(tree.readContent('/src/base-options.ts'));
    expect(snapshot((await init(after)).tree)).toEqual(snapshot(after));
  });

  it('forRootAsync whose options literal already says false, and a useClass options factory: left as they are when off', async () => {
    const factory = `import { Injectable } from '@nestjs/common';\nimport { MikroOrmOptionsFactory } from '@mikro-orm/nestjs';\n\n@Injectable()\nexport class OrmOptions implements MikroOrmOptionsFactory {\n  createMikroOrmOptions() {\n    return { dbName: 'x.sqlite3', registerRequestContext: false };\n  }\n}\n`;
    const module = `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\nimport { OrmOptions } from './orm-options';\n\n@Module({ imports: [MikroOrmModule.forRootAsync({ useClass: OrmOptions })] })\nexport class AppModule {}\n`;
    const { tree: after } = await init(app({ '/src/main.ts': MAIN, '/src/orm-options.ts': factory, '/src/app.module.ts': module }));
    expectOneRegistration(after);
    expect(after.readContent('/src/app.module.ts')).toBe(module);
    expect(after.readContent('/src/orm-options.ts')).toBe(factory);
  });

  it('an async factory: a call that may return a promise is awaited inside the spread; defineConfig and an await are not awaited again', async () => {
    const module = (factory: string) =>
      `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\nimport { defineConfig } from '@mikro-orm/sqlite';\nimport { load } from './load';\n\n@Module({ imports: [MikroOrmModule.forRootAsync({ useFactory: ${factory} })] })\nexport class AppModule {}\n`;
    const files = (factory: string) => ({
      '/src/main.ts': MAIN,
      '/src/load.ts': 'export const load = async () => ({});\n',
      '/src/app.module.ts': module(factory),
    });
    const edited = async (factory: string) => {
      const { tree } = await init(app(files(factory)));
      const text = tree.readContent('/src/app.module.ts');
      return text.slice(text.indexOf('useFactory: ') + 'useFactory: '.length, text.lastIndexOf(' })] })'));
    };
    expect(await edited('async () => load()')).toBe('async () => ({ ...(await load()), registerRequestContext: false })');
    expect(await edited('async () => await load()')).toBe('async () => ({ ...await load(), registerRequestContext: false })');
    expect(await edited("async () => defineConfig({ dbName: 'x' })")).toBe(
      "async () => ({ ...defineConfig({ dbName: 'x' }), registerRequestContext: false })",
    );
  });

  it('a useClass options factory that leaves the middleware on: its returned literal gets the option', async () => {
    const factory = `export class OrmOptions {\n  createMikroOrmOptions() {\n    return { dbName: 'x.sqlite3' };\n  }\n}\n`;
    const module = `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\nimport { OrmOptions } from './orm-options';\n\n@Module({ imports: [MikroOrmModule.forRootAsync({ useClass: OrmOptions })] })\nexport class AppModule {}\n`;
    const { tree: after } = await init(app({ '/src/main.ts': MAIN, '/src/orm-options.ts': factory, '/src/app.module.ts': module }));
    expect(after.readContent('/src/orm-options.ts')).toContain("return { dbName: 'x.sqlite3', registerRequestContext: false };");
  });

  it('main.ts that imports MikroORM from a driver package: that import is reused, RequestContext joins it, no name is declared twice', async () => {
    const main = `import { NestFactory } from '@nestjs/core';\nimport { MikroORM } from '@mikro-orm/mysql';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.get(MikroORM).getSchemaGenerator().updateSchema();\n  await app.listen(3000);\n}\nbootstrap();\n`;
    const { tree: after } = await init(
      app({ '/src/main.ts': main }, { '@mikro-orm/core': '6.6.16', '@mikro-orm/nestjs': '6.1.2', '@mikro-orm/mysql': '6.6.16' }),
    );
    expectOneRegistration(after);
    const specifiers = imports(source(after, '/src/main.ts'));
    expect(specifiers.get('@mikro-orm/mysql')).toEqual(['MikroORM', 'RequestContext']);
    expect(specifiers.has('@mikro-orm/core')).toBe(false);
    expectNoDuplicateImports(after, '/src/main.ts');
  });

  it('a main.ts where RequestContext is another class: ours is imported under a free name', async () => {
    const main = `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nimport { RequestContext } from './request-context';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  RequestContext.init();\n  await app.listen(3000);\n}\nbootstrap();\n`;
    const { tree: after } = await init(
      app({ '/src/main.ts': main, '/src/request-context.ts': 'export class RequestContext { static init() {} }\n' }, {}),
    );
    expectOneRegistration(after, 'MikroOrmRequestContext');
    const core = source(after, '/src/main.ts')
      .statements.filter(ts.isImportDeclaration)
      .find((i) => (i.moduleSpecifier as ts.StringLiteral).text === '@mikro-orm/core')!;
    expect(core.importClause!.getText()).toBe('{ MikroORM, RequestContext as MikroOrmRequestContext }');
    expect(snapshot((await init(after)).tree)).toEqual(snapshot(after));
  });

  it('NestFactory renamed, or reached through a namespace import, is recognised', async () => {
    const renamed = MAIN.replace('{ NestFactory }', '{ NestFactory as NF }').replace('NestFactory.create', 'NF.create');
    expectOneRegistration((await init(app({ '/src/main.ts': renamed }, {}))).tree);
    const namespace = MAIN.replace('{ NestFactory }', '* as core').replace('NestFactory.create', 'core.NestFactory.create');
    const { tree } = await init(app({ '/src/main.ts': namespace }, {}));
    expectOneRegistration(tree);
  });
});

describe('init keeps the MikroORM an app already has', () => {
  it("keeps the app's driver and version: nothing of another driver, added packages at the app's core version", async () => {
    const { tree, logs } = await init(
      app({ '/src/main.ts': MAIN }, { '@mikro-orm/core': '^6.5.0', '@mikro-orm/nestjs': '^6.1.0', '@mikro-orm/mysql': '^6.5.0' }),
    );
    const pkg = JSON.parse(tree.readContent('/package.json'));
    const mikroOrm = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([name]) => name.startsWith('@mikro-orm/'));
    // Exactly the core's version: MikroORM's packages peer one exact core, so a range would resolve past it (ERESOLVE).
    // The migrations package too: the config init writes (the app had none) names the Migrator.
    expect(Object.fromEntries(mikroOrm)).toEqual({
      '@mikro-orm/core': '^6.5.0',
      '@mikro-orm/nestjs': '^6.1.0',
      '@mikro-orm/mysql': '^6.5.0',
      '@mikro-orm/cli': '6.5.0',
      '@mikro-orm/migrations': '6.5.0',
    });
    expect(logs.join('\n')).toContain("driver=mysql (the app's)");
    expect(tree.readContent('/src/mikro-orm.config.ts')).toContain("from '@mikro-orm/mysql'");
  });

  it("takes the installed core's version when node_modules has it", async () => {
    const tree = app(
      { '/src/main.ts': MAIN, '/node_modules/@mikro-orm/core/package.json': '{ "name": "@mikro-orm/core", "version": "7.1.4" }\n' },
      { '@mikro-orm/core': '^7.1.0', '@mikro-orm/nestjs': '^7.0.1', '@mikro-orm/mysql': '^7.1.0' },
    );
    const pkg = JSON.parse((await init(tree)).tree.readContent('/package.json'));
    expect(pkg.dependencies['@mikro-orm/decorators']).toBe('7.1.4');
    expect(pkg.devDependencies['@mikro-orm/cli']).toBe('7.1.4');
    expect(pkg.dependencies['@mikro-orm/migrations']).toBe('7.1.4');
  });

  it('refuses another driver than the one the app has, naming both', async () => {
    const tree = app({ '/src/main.ts': MAIN }, { '@mikro-orm/core': '6.6.16', '@mikro-orm/nestjs': '6.1.2', '@mikro-orm/mysql': '6.6.16' });
    const before = snapshot(tree);
    let message = '';
    await runner()
      .runSchematic('init', { skipInstall: true, driver: 'postgresql' }, tree)
      .catch((e: Error) => (message = e.message));
    expect(message).toMatch(/^The app already uses @mikro-orm\/mysql: init --driver postgresql would add a second driver beside it\./);
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('init: one ORM, no orphan module', () => {
  it('an app that builds its own MikroORM in a provider is refused, naming the provider', async () => {
    const module = `import { Module } from '@nestjs/common';\nimport { MikroORM } from '@mikro-orm/core';\nimport config from './mikro-orm.config';\n\n@Module({\n  providers: [{ provide: MikroORM, useFactory: () => MikroORM.init(config) }],\n  exports: [MikroORM],\n})\nexport class AppModule {}\n`;
    const message = await refused(app({ '/src/main.ts': MAIN, '/src/mikro-orm.config.ts': CONFIG, '/src/app.module.ts': module }));
    expect(message).toMatch(/^The app builds its own MikroORM \(src\/app\.module\.ts:6 provides MikroORM\): init would add a second ORM/);
    expect(message).toMatch(/Nothing was changed\.$/);
  });

  it('a root module that already imports another DatabaseModule: ours is MikroOrmDatabaseModule, imported there', async () => {
    const module = `import { Module } from '@nestjs/common';\nimport { DatabaseModule } from './database/database.module';\n\n@Module({ imports: [DatabaseModule] })\nexport class AppModule {}\n`;
    const other = `import { Module } from '@nestjs/common';\n\n@Module({})\nexport class DatabaseModule {}\n`;
    const { tree, logs } = await init(
      app({ '/src/main.ts': MAIN, '/src/app.module.ts': module, '/src/database/database.module.ts': other }, {}),
    );
    expect(tree.readContent('/src/database/database.module.ts')).toBe(other);
    const ours = source(tree, '/src/database/mikro-orm-database.module.ts');
    expect(ours.statements.some((s) => ts.isClassDeclaration(s) && s.name?.text === 'MikroOrmDatabaseModule')).toBe(true);
    const root = source(tree, '/src/app.module.ts');
    expect(moduleMetadata(root, 'AppModule').get('imports')).toEqual(['MikroOrmDatabaseModule', 'DatabaseModule']);
    expect(imports(root).get('./database/mikro-orm-database.module')).toEqual(['MikroOrmDatabaseModule']);
    expect(logs.join('\n')).toContain("already has a DatabaseModule: MikroORM's module is MikroOrmDatabaseModule");
    expect(snapshot((await init(tree)).tree)).toEqual(snapshot(tree));
  });
});

describe('init: the layout of what it edits', () => {
  it('a factory result over several lines is wrapped one property a line, the expression moved in one level', async () => {
    const module = [
      `import { Module } from '@nestjs/common';`,
      `import { MikroOrmModule } from '@mikro-orm/nestjs';`,
      `import { defineConfig } from '@mikro-orm/sqlite';`,
      ``,
      `@Module({`,
      `  imports: [`,
      `    MikroOrmModule.forRootAsync({`,
      `      useFactory: () =>`,
      `        defineConfig({`,
      `          dbName: 'x.sqlite3',`,
      `        }),`,
      `    }),`,
      `  ],`,
      `})`,
      `export class AppModule {}`,
      ``,
    ].join('\n');
    const { tree } = await init(app({ '/src/main.ts': MAIN, '/src/app.module.ts': module }));
    expect(tree.readContent('/src/app.module.ts')).toBe(
      module.replace(
        `        defineConfig({\n          dbName: 'x.sqlite3',\n        }),\n`,
        `        ({\n          ...defineConfig({\n            dbName: 'x.sqlite3',\n          }),\n          registerRequestContext: false,\n        }),\n`,
      ),
    );
  });

  it('a DatabaseModule anywhere in the app (not only in the root module) keeps its name to itself', async () => {
    const nested = `import { Module } from '@nestjs/common';\n\n@Module({})\nexport class DatabaseModule {}\n`;
    const common = `import { Module } from '@nestjs/common';\nimport { DatabaseModule } from './database/database.module';\n\n@Module({ imports: [DatabaseModule] })\nexport class CommonModule {}\n`;
    const root = `import { Module } from '@nestjs/common';\nimport { CommonModule } from './common/common.module';\n\n@Module({ imports: [CommonModule] })\nexport class AppModule {}\n`;
    const files = {
      '/src/main.ts': MAIN,
      '/src/app.module.ts': root,
      '/src/common/common.module.ts': common,
      '/src/common/database/database.module.ts': nested,
    };
    const { tree } = await init(app(files, {}));
    expect(tree.exists('/src/database/mikro-orm-database.module.ts')).toBe(true);
    expect(tree.exists('/src/database/database.module.ts')).toBe(false);
    expect(moduleMetadata(source(tree, '/src/app.module.ts'), 'AppModule').get('imports')).toEqual([
      'MikroOrmDatabaseModule',
      'CommonModule',
    ]);
  });
});

describe('init refuses, before any write, what it cannot make right', () => {
  it('a root module whose imports are not an array (the module would be imported nowhere)', async () => {
    const module = `import { Module } from '@nestjs/common';\nimport { modules } from './modules';\n\n@Module({ imports: modules() })\nexport class AppModule {}\n`;
    const message = await refused(
      app({ '/src/main.ts': MAIN, '/src/modules.ts': 'export const modules = () => [];\n', '/src/app.module.ts': module }, {}),
    );
    expect(message).toContain('src/app.module.ts:4: the imports of @Module() on AppModule are not an array init can add to (modules())');
  });

  it('Nest below 10 and MikroORM below 6, with the versions found and needed', async () => {
    const nest9 = await refused(app({}, { '@nestjs/core': '^9.4.0' }));
    expect(nest9).toContain('@nestjs/core ^9.4.0 (init needs Nest 10 or later)');
    const orm5 = await refused(app({}, { '@mikro-orm/core': '^5.9.0', '@mikro-orm/nestjs': '^5.2.0' }));
    expect(orm5).toContain('@mikro-orm/core ^5.9.0 (init needs MikroORM 6 or later)');
    const legacy = await refused(app({}, { 'mikro-orm': '^2.7.0', '@nestjs/core': '^5.0.0' }));
    expect(legacy).toContain('the legacy mikro-orm package ^2.7.0');
    expect(legacy).toContain('@nestjs/core ^5.0.0');
  });

  it('two registrations of its own: refused, naming both', async () => {
    const main = MAIN.replace(
      '  await app.listen(3000);',
      '  app.use((req, res, next) => RequestContext.create(app.get(MikroORM).em, next));\n  app.use((req, res, next) => RequestContext.create(app.get(MikroORM).em, next));\n  await app.listen(3000);',
    ).replace('import { AppModule }', "import { MikroORM, RequestContext } from '@mikro-orm/core';\nimport { AppModule }");
    const message = await refused(app({ '/src/main.ts': main }));
    expect(message).toMatch(
      /opens a request context 2 times \(RequestContext\.create at src\/main\.ts:7, RequestContext\.create at src\/main\.ts:8\)/,
    );
  });

  it('several MikroOrmModule roots, and options behind code it cannot follow', async () => {
    const two = `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\n\n@Module({ imports: [MikroOrmModule.forRoot({ contextName: 'a' }), MikroOrmModule.forRoot({ contextName: 'b' })] })\nexport class AppModule {}\n`;
    expect(await refused(app({ '/src/app.module.ts': two }))).toContain(
      '2 MikroOrmModule roots (src/app.module.ts:4, src/app.module.ts:4)',
    );
    const hidden = `import { Module } from '@nestjs/common';\nimport { MikroOrmModule } from '@mikro-orm/nestjs';\nimport { ormOptions } from '@acme/config';\n\n@Module({ imports: [MikroOrmModule.forRootAsync(ormOptions)] })\nexport class AppModule {}\n`;
    expect(await refused(app({ '/src/app.module.ts': hidden }))).toContain(
      'src/app.module.ts:5: the options of MikroOrmModule.forRootAsync come from code init cannot follow',
    );
  });
});
