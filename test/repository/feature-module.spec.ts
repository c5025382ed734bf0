import { HostTree, SchematicsException } from '@angular-devkit/schematics';
import {
  checkFeatureModule,
  FeatureModule,
  findParentModule,
  importIntoParent,
  moduleFileParts,
  updateFeatureModule,
} from '../../src/repository/feature-module';
import { entityRegistrationInsertions, findEntityDiscovery } from '../../src/utils/orm-config';
import { applyInsertions } from '../../src/utils/ast';
import { resolveProject } from '../../src/utils/workspace';
import { imports, moduleMetadata, parse } from '../support/inspect';

function tree(files: Record<string, string>): HostTree {
  const host = new HostTree();
  for (const [path, text] of Object.entries(files)) host.create(path, text);
  return host;
}

const feature = (exists: boolean): FeatureModule => ({
  path: 'src/users/users.module.ts',
  className: 'UsersModule',
  exists,
  entity: { token: 'User', from: './user.entity' },
  entries: [
    {
      property: 'providers',
      element: '{ provide: UsersRepository, useClass: UsersRepositoryMikroORM }',
      key: 'UsersRepository',
      imports: [
        { names: ['UsersRepository'], from: './users.repository' },
        { names: ['UsersRepositoryMikroORM'], from: './users.repository.mikro-orm' },
      ],
    },
    {
      property: 'exports',
      element: 'UsersRepository',
      key: 'UsersRepository',
      imports: [{ names: ['UsersRepository'], from: './users.repository' }],
    },
    {
      property: 'controllers',
      element: 'UsersController',
      key: 'UsersController',
      imports: [{ names: ['UsersController'], from: './users.controller' }],
    },
  ],
});

describe('feature module wiring', () => {
  it('lays out a new module: packages first, arrays in Nest order', () => {
    const { fileImports, parts } = moduleFileParts(feature(false));
    expect(fileImports).toEqual([
      "import { MikroOrmModule } from '@mikro-orm/nestjs';",
      "import { Module } from '@nestjs/common';",
      "import { User } from './user.entity';",
      "import { UsersController } from './users.controller';",
      "import { UsersRepository } from './users.repository';",
      "import { UsersRepositoryMikroORM } from './users.repository.mikro-orm';",
    ]);
    expect(parts).toEqual({
      imports: ['MikroOrmModule.forFeature([User])'],
      controllers: ['UsersController'],
      providers: ['{ provide: UsersRepository, useClass: UsersRepositoryMikroORM }'],
      exports: ['UsersRepository'],
    });
  });

  it('merges the entity into the existing forFeature array and adds only what is missing, keeping the rest', () => {
    const text = [
      "import { Module } from '@nestjs/common';",
      "import { MikroOrmModule } from '@mikro-orm/nestjs';",
      "import { Profile } from './profile.entity';",
      "import { UsersRepository } from './users.repository';",
      "import { Custom } from './custom';",
      '',
      '// keep me',
      '@Module({',
      '  imports: [MikroOrmModule.forFeature([Profile])],',
      '  providers: [',
      '    Custom,',
      '    { useClass: Custom, provide: UsersRepository },',
      '  ],',
      '})',
      'export class UsersModule {}',
      '',
    ].join('\n');
    const host = tree({ 'src/users/users.module.ts': text });
    updateFeatureModule(host, feature(true));
    const result = host.readText('src/users/users.module.ts');
    const metadata = moduleMetadata(parse(result), 'UsersModule');
    expect(metadata.get('imports')).toEqual(['MikroOrmModule.forFeature([Profile, User])']);
    // `provide: UsersRepository` is already bound (other order, other class): left alone.
    expect(metadata.get('providers')).toEqual(['Custom', '{ useClass: Custom, provide: UsersRepository }']);
    expect(metadata.get('exports')).toEqual(['UsersRepository']);
    expect(metadata.get('controllers')).toEqual(['UsersController']);
    expect([...metadata.keys()]).toEqual(['imports', 'controllers', 'providers', 'exports']);
    expect(imports(parse(result)).get('./user.entity')).toEqual(['User']);
    expect(result).toContain('// keep me');
    // A second pass changes nothing.
    updateFeatureModule(host, feature(true));
    expect(host.readText('src/users/users.module.ts')).toBe(result);
  });

  it('refuses, before editing, a module without an object literal', () => {
    const host = tree({ 'src/users/users.module.ts': '@Module()\nexport class UsersModule {}\n' });
    expect(() => checkFeatureModule(host, feature(true))).toThrow(SchematicsException);
    expect(() => checkFeatureModule(host, feature(true))).toThrow(/has no object literal/);
  });

  it('finds the nearest parent module, preferring app.module.ts, and imports the feature once', () => {
    const host = tree({
      'src/app.module.ts': '@Module({ imports: [] })\nexport class AppModule {}\n',
      'src/other.module.ts': '@Module({})\nexport class OtherModule {}\n',
      'src/admin/admin.module.ts': '@Module({ imports: [] })\nexport class AdminModule {}\n',
      'src/admin/users/users.module.ts': '@Module({})\nexport class UsersModule {}\n',
    });
    expect(findParentModule(host, 'src/admin/users/users.module.ts', 'src')).toEqual({
      path: 'src/admin/admin.module.ts',
      className: 'AdminModule',
    });
    expect(findParentModule(host, 'src/users/users.module.ts', 'src')).toEqual({ path: 'src/app.module.ts', className: 'AppModule' });
    expect(findParentModule(host, 'src/users.module.ts', 'src')).toEqual({ path: 'src/app.module.ts', className: 'AppModule' });
    const parent = { path: 'src/app.module.ts', className: 'AppModule' };
    importIntoParent(host, parent, 'UsersModule', './users/users.module');
    importIntoParent(host, parent, 'UsersModule', './users/users.module');
    expect(moduleMetadata(parse(host.readText('src/app.module.ts')), 'AppModule').get('imports')).toEqual(['UsersModule']);
  });
});

describe('entity registration in the MikroORM options', () => {
  const config = (entities: string) =>
    `import { defineConfig } from '@mikro-orm/sqlite';\n\nexport default defineConfig({\n  dbName: 'x',\n  ${entities}\n});\n`;

  it('adds the class to an explicit list (and its import) once', () => {
    const host = tree({ 'src/mikro-orm.config.ts': config('entities: [Post],'), 'nest-cli.json': '{}' });
    const project = resolveProject(host, {});
    expect(findEntityDiscovery(host, project)).toEqual({ kind: 'list', path: 'src/mikro-orm.config.ts' });
    const edit = () =>
      applyInsertions(
        host,
        'src/mikro-orm.config.ts',
        entityRegistrationInsertions(host, 'src/mikro-orm.config.ts', true, 'User', './users/user.entity'),
      );
    edit();
    edit();
    const text = host.readText('src/mikro-orm.config.ts');
    expect(text).toContain('entities: [Post, User],');
    expect(imports(parse(text)).get('./users/user.entity')).toEqual(['User']);
  });

  it('leaves globs and autoLoadEntities alone, and finds forRoot options when there is no config file', () => {
    const globs = tree({ 'src/mikro-orm.config.ts': config("entities: ['dist/**/*.entity.js'],") });
    expect(findEntityDiscovery(globs, resolveProject(globs, {}))).toMatchObject({ kind: 'automatic', how: 'entity globs' });
    const auto = tree({
      'src/app.module.ts':
        "@Module({ imports: [MikroOrmModule.forRoot({ autoLoadEntities: true, dbName: 'x' })] })\nexport class AppModule {}\n",
    });
    expect(findEntityDiscovery(auto, resolveProject(auto, {}))).toEqual({
      kind: 'automatic',
      path: 'src/app.module.ts',
      how: 'autoLoadEntities: true',
    });
    const inline = tree({
      'src/app.module.ts': "@Module({ imports: [MikroOrmModule.forRoot({ dbName: 'x' })] })\nexport class AppModule {}\n",
    });
    expect(findEntityDiscovery(inline, resolveProject(inline, {}))).toEqual({ kind: 'none', path: 'src/app.module.ts' });
    applyInsertions(
      inline,
      'src/app.module.ts',
      entityRegistrationInsertions(inline, 'src/app.module.ts', false, 'User', './users/user.entity'),
    );
    expect(inline.readText('src/app.module.ts')).toContain("forRoot({ dbName: 'x', entities: [User] })");
  });

  it('finds the list inside forRoot(defineConfig({...})) and inside a spread { ...defineConfig({...}) }', () => {
    for (const options of [
      "defineConfig({ dbName: 'x', entities: [] })",
      "{ ...defineConfig({ dbName: 'x', entities: [] }), registerRequestContext: false }",
    ]) {
      const host = tree({ 'src/app.module.ts': `@Module({ imports: [MikroOrmModule.forRoot(${options})] })\nexport class AppModule {}\n` });
      expect(findEntityDiscovery(host, resolveProject(host, {}))).toEqual({ kind: 'list', path: 'src/app.module.ts' });
      applyInsertions(
        host,
        'src/app.module.ts',
        entityRegistrationInsertions(host, 'src/app.module.ts', false, 'User', './users/user.entity'),
      );
      expect(host.readText('src/app.module.ts')).toContain("defineConfig({ dbName: 'x', entities: [User] })");
    }
  });
});
