import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { removeDir, tempDir, typecheck, writeTree } from './support/app';
import { ROOT, snapshot } from './support/fixtures';
import { classOf, constructorParameters, copyTree, decorators, initApp, methods, properties, run, source } from './support/features';
import { imports, moduleMetadata } from './support/inspect';

const exec = promisify(execFile);

function withDependencies(tree: UnitTestTree, names: string[]): UnitTestTree {
  const pkg = JSON.parse(tree.readContent('/package.json'));
  for (const name of names) pkg.dependencies[name] = '*';
  tree.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  return tree;
}

describe('resource users (REST) in a default Nest 12 app', () => {
  let app: UnitTestTree;
  let tree: UnitTestTree;
  let logs: string[];
  beforeAll(async () => {
    app = await initApp('nest12');
    ({ tree, logs } = await run('resource', { name: 'users' }, copyTree(app)));
  });

  it('creates the repository files, the controller, the service, the DTOs and an e2e spec', () => {
    expect(tree.files.filter((f) => !app.exists(f)).sort()).toEqual([
      '/src/users/dto/create-user.dto.ts',
      '/src/users/dto/update-user.dto.ts',
      '/src/users/user.entity.ts',
      '/src/users/users.controller.ts',
      '/src/users/users.module.ts',
      '/src/users/users.repository.mikro-orm.spec.ts',
      '/src/users/users.repository.mikro-orm.ts',
      '/src/users/users.repository.ts',
      '/src/users/users.service.ts',
      '/test/users.e2e-spec.ts',
    ]);
  });

  it('routes GET /users (limit, offset), GET/PATCH/DELETE /users/:id (ParseIntPipe) and POST /users', () => {
    const file = source(tree, '/src/users/users.controller.ts');
    const controller = classOf(file, 'UsersController');
    expect(decorators(controller)).toEqual(["Controller('users')"]);
    const routes = methods(controller);
    expect(Object.fromEntries([...routes].map(([name, m]) => [name, m.decorators]))).toEqual({
      findAll: ['Get()'],
      findOne: ["Get(':id')"],
      create: ['Post()'],
      update: ["Patch(':id')"],
      remove: ["Delete(':id')", 'HttpCode(204)'],
    });
    expect(routes.get('findAll')!.parameters).toEqual([
      "@Query('limit', new DefaultValuePipe(20), ParseIntPipe) limit: number",
      "@Query('offset', new DefaultValuePipe(0), ParseIntPipe) offset: number",
    ]);
    expect(routes.get('findOne')!.parameters).toEqual(["@Param('id', ParseIntPipe) id: number"]);
    expect(routes.get('update')!.parameters).toEqual(["@Param('id', ParseIntPipe) id: number", '@Body() dto: UpdateUserDto']);
    expect(constructorParameters(controller)).toEqual(['private readonly usersService: UsersService']);
  });

  it('puts the service on the UsersRepository port and answers a missing row with NotFoundException', () => {
    const file = source(tree, '/src/users/users.service.ts');
    const service = classOf(file, 'UsersService');
    expect(decorators(service)).toEqual(['Injectable()']);
    expect(constructorParameters(service)).toEqual(['private readonly usersRepository: UsersRepository']);
    expect(imports(file).get('./users.repository.js')).toEqual(['Page', 'UsersRepository']);
    expect([...imports(file).keys()].some((m) => m.startsWith('@mikro-orm'))).toBe(false);
    const throwsNotFound = ['findOne', 'update', 'remove'].every((name) => {
      const method = service.members.find((m) => ts.isMethodDeclaration(m) && m.name.getText(file) === name)!;
      return method.getText(file).includes('throw new NotFoundException(');
    });
    expect(throwsNotFound).toBe(true);
  });

  it('validates the DTOs (init added class-validator): the update DTO is PartialType of the create DTO, nulls checked', () => {
    const create = classOf(source(tree, '/src/users/dto/create-user.dto.ts'), 'CreateUserDto');
    expect(properties(create).get('name')).toEqual({ decorators: ['IsString()'], type: 'string', optional: false, initializer: undefined });
    const file = source(tree, '/src/users/dto/update-user.dto.ts');
    const update = classOf(file, 'UpdateUserDto');
    expect(update.heritageClauses!.map((h) => h.getText(file))).toEqual([
      'extends PartialType(CreateUserDto, { skipNullProperties: false })',
      'implements UpdateUserData',
    ]);
    expect(imports(file).get('@nestjs/mapped-types')).toEqual(['PartialType']);
    expect(logs.some((l) => l.includes('not validated'))).toBe(false);
  });

  it('declares the controller and the service in the feature module', () => {
    const metadata = moduleMetadata(source(tree, '/src/users/users.module.ts'), 'UsersModule');
    expect(metadata.get('controllers')).toEqual(['UsersController']);
    expect(metadata.get('providers')).toEqual(['{ provide: UsersRepository, useClass: UsersRepositoryMikroORM }', 'UsersService']);
  });

  it("writes an e2e spec with supertest on in-memory SQLite, the app's request context registration and its setupApp", () => {
    const file = source(tree, '/test/users.e2e-spec.ts');
    expect(imports(file).get('supertest')).toEqual(['request']);
    expect(imports(file).get('../src/users/users.module.js')).toEqual(['UsersModule']);
    expect(imports(file).get('../src/app.setup.js')).toEqual(['setupApp']);
    expect(file.text).toContain(
      'app.use((_req: unknown, _res: unknown, next: () => void) => RequestContext.create(app.get(MikroORM).em, next));',
    );
    expect(file.text).toContain('\n    setupApp(app);\n');
    expect(file.text).not.toContain('ValidationPipe');
    expect(file.text).not.toMatch(/allowGlobalContext/);
  });

  it('changes nothing when run a second time, also after repository', async () => {
    expect(snapshot((await run('resource', { name: 'users' }, copyTree(tree))).tree)).toEqual(snapshot(tree));
    const stepwise = (await run('repository', { name: 'users' }, copyTree(app))).tree;
    const after = (await run('resource', { name: 'users' }, stepwise)).tree;
    expect(moduleMetadata(source(after, '/src/users/users.module.ts'), 'UsersModule')).toEqual(
      moduleMetadata(source(tree, '/src/users/users.module.ts'), 'UsersModule'),
    );
    expect(snapshot((await run('resource', { name: 'users' }, copyTree(after))).tree)).toEqual(snapshot(after));
  });

  it('refuses bad input and writes nothing', async () => {
    const before = snapshot(app);
    for (const options of [{ name: '../x' }, { name: 'users', fields: 'x:nope' }, { name: 'users', type: 'soap' }]) {
      await expect(run('resource', options, app)).rejects.toThrow();
    }
    expect(snapshot(app)).toEqual(before);
  });
});

describe('resource options', () => {
  it('with class-validator: rules per field (an e-mail only where the name says so), IsOptional where a field may be left out', async () => {
    const { tree } = await run(
      'resource',
      { name: 'users', fields: 'name:string,email:string,age:int?,role:Role(admin|guest)' },
      await initApp('nest12'),
    );
    const create = properties(classOf(source(tree, '/src/users/dto/create-user.dto.ts'), 'CreateUserDto'));
    expect(Object.fromEntries([...create].map(([name, p]) => [name, p.decorators]))).toEqual({
      name: ['IsString()'],
      email: ['IsEmail()'],
      age: ['IsOptional()', 'IsInt()'],
      role: ['IsEnum(Role)'],
    });
  });

  it('without class-validator (init --no-validation): plain DTOs, every update field optional, a note, and the old e2e setup', async () => {
    const { tree, logs } = await run('resource', { name: 'users' }, await initApp('nest12', { validation: false }));
    const create = classOf(source(tree, '/src/users/dto/create-user.dto.ts'), 'CreateUserDto');
    expect(properties(create).get('name')).toEqual({ decorators: [], type: 'string', optional: false, initializer: undefined });
    const update = classOf(source(tree, '/src/users/dto/update-user.dto.ts'), 'UpdateUserDto');
    expect(properties(update).get('name')).toMatchObject({ optional: true, type: 'string', decorators: [] });
    expect(logs.some((l) => l.includes('Request bodies are not validated: the app has no class-validator'))).toBe(true);
    // setupApp still exists (the exception filter): the e2e spec applies it.
    expect(tree.readContent('/test/users.e2e-spec.ts')).toContain('setupApp(app);');
  });

  it('a Fastify app: the e2e spec creates the app on the FastifyAdapter and waits until Fastify is ready', async () => {
    const { tree } = await run('resource', { name: 'users' }, await initApp('fastify'));
    const file = source(tree, '/test/users.e2e-spec.ts');
    expect(imports(file).get('@nestjs/platform-fastify')).toEqual(['FastifyAdapter', 'NestFastifyApplication']);
    expect(imports(file).has('@nestjs/common')).toBe(false);
    // As in main.ts: the context opens in a hook added to the adapter before the app is created on it.
    const hook = file.text.indexOf(
      "adapter.getInstance().addHook('onRequest', (_request, _reply, done) => RequestContext.create(app.get(MikroORM).em, done));",
    );
    const create = file.text.indexOf('app = moduleRef.createNestApplication<NestFastifyApplication>(adapter);');
    expect(file.text.indexOf('const adapter = new FastifyAdapter();')).toBeGreaterThan(0);
    expect(hook).toBeGreaterThan(file.text.indexOf('const adapter = new FastifyAdapter();'));
    expect(create).toBeGreaterThan(hook);
    expect(file.text).not.toContain('app.use(');
    expect(file.text).toContain('await app.getHttpAdapter().getInstance().ready();');
  });

  it('--pk uuid: ParseUUIDPipe and string ids', async () => {
    const { tree } = await run('resource', { name: 'users', pk: 'uuid' }, await initApp('nest12'));
    const routes = methods(classOf(source(tree, '/src/users/users.controller.ts'), 'UsersController'));
    expect(routes.get('findOne')!.parameters).toEqual(["@Param('id', ParseUUIDPipe) id: string"]);
  });

  it('an entity named like a Nest decorator (Post) is imported under an alias', async () => {
    const { tree } = await run('resource', { name: 'posts' }, await initApp('nest12'));
    const file = source(tree, '/src/posts/posts.controller.ts');
    expect(imports(file).get('@nestjs/common')).toContain('Post');
    expect(file.text).toContain("import type { Post as PostEntity } from './post.entity.js';");
    expect(methods(classOf(file, 'PostsController')).get('findOne')!.returns).toBe('Promise<PostEntity>');
  });

  it.each([
    [{ type: 'graphql-code-first' }, '/src/users/users.resolver.ts'],
    [{ type: 'microservice' }, '/src/users/users.controller.ts'],
    [{ type: 'rest', crud: false }, '/src/users/users.controller.ts'],
  ])("hands %j to @nestjs/schematics' resource", async (options, expected) => {
    // In a Node process: @nestjs/schematics 12 is ESM only, which Jest's runtime cannot load.
    const steps = [
      ['init', { skipInstall: true }],
      ['resource', { name: 'users', ...options }],
    ];
    const { stdout } = await exec(
      process.execPath,
      [join(ROOT, 'scripts', 'lib', 'schematics.ts'), JSON.stringify({ fixture: 'nest12', steps })],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const { files, logs } = JSON.parse(stdout) as { files: Record<string, string>; logs: string[] };
    expect(Object.keys(files)).toContain(expected);
    expect(Object.keys(files)).not.toContain('/src/users/users.repository.ts');
    expect(files['/src/app.module.ts']).toContain('UsersModule');
    expect(logs.some((l) => l.includes("generated by @nestjs/schematics' resource"))).toBe(true);
  });
});

describe('through the Nest CLI 12 (nest g, the default collection after init)', () => {
  it('nest g repository|resource|entity --dry-run list the files, and a bad name fails clearly', async () => {
    const dir = tempDir('i4-nest-cli', 7);
    try {
      writeTree(await initApp('nest12'), dir);
      // As after `npm i -D mikro-request-context`: the package and the Nest CLI in the app's node_modules.
      const modules = join(dir, 'node_modules');
      mkdirSync(join(modules, '@nestjs'), { recursive: true });
      symlinkSync(relative(modules, ROOT), join(modules, 'mikro-request-context'), 'dir');
      symlinkSync(relative(join(modules, '@nestjs'), join(ROOT, 'node_modules/@nestjs/cli')), join(modules, '@nestjs', 'cli'), 'dir');
      const nest = async (args: string[]) => {
        const { stdout, stderr } = await exec(
          process.execPath,
          ['--preserve-symlinks', '--preserve-symlinks-main', join(modules, '@nestjs/cli/bin/nest.js'), ...args],
          { cwd: dir, env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' }, maxBuffer: 16 * 1024 * 1024 },
        );
        const output = stdout + stderr;
        return {
          output,
          actions: output
            .split('\n')
            .filter((l) => /^(CREATE|UPDATE) /.test(l))
            .map((l) => l.replace(/ \(\d+ bytes\)$/, ''))
            .sort(),
        };
      };
      const resource = await nest(['g', 'resource', 'users', '--dry-run']);
      expect(resource.actions).toEqual(
        [
          'CREATE src/users/user.entity.ts',
          'CREATE src/users/users.repository.ts',
          'CREATE src/users/users.repository.mikro-orm.ts',
          'CREATE src/users/users.repository.mikro-orm.spec.ts',
          'CREATE src/users/users.module.ts',
          'CREATE src/users/users.controller.ts',
          'CREATE src/users/users.service.ts',
          'CREATE src/users/dto/create-user.dto.ts',
          'CREATE src/users/dto/update-user.dto.ts',
          'CREATE test/users.e2e-spec.ts',
          'UPDATE src/mikro-orm.config.ts',
          'UPDATE src/app.module.ts',
        ].sort(),
      );
      expect(resource.output).toContain('Dry run enabled. No files written to disk.');
      const repository = await nest(['g', 'repository', 'users', 'features', '--flat', '--no-spec', '--dry-run']);
      expect(repository.actions).toEqual(
        [
          'CREATE src/features/user.entity.ts',
          'CREATE src/features/users.repository.ts',
          'CREATE src/features/users.repository.mikro-orm.ts',
          'CREATE src/features/users.module.ts',
          'UPDATE src/mikro-orm.config.ts',
          'UPDATE src/app.module.ts',
        ].sort(),
      );
      const entity = await nest(['g', 'entity', 'user', '--dry-run']);
      expect(entity.actions).toEqual(['CREATE src/users/user.entity.ts', 'UPDATE src/mikro-orm.config.ts']);
      expect(entity.output).toContain('Using defaults: pk=int, definition=decorators, fields=(none)');
      const bad = await nest(['g', 'entity', '../x', '--dry-run']);
      expect(bad.output).toContain('Invalid name "../x": it must stay inside the project');
      expect(bad.actions).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });
});

/**
 * Generated apps, one per MikroORM major: init + entity + repository + resource with the options
 * that change the generated code, type-checked with tsc, then their own generated specs run.
 */
describe('generated apps type-check and their generated specs pass', () => {
  const features: [string, Record<string, unknown>][] = [
    ['resource', { name: 'users' }],
    [
      'resource',
      {
        name: 'posts',
        fields:
          'title:string,body:text?,views:int,rating:float?,published:boolean,publishedAt:date?,meta:json?,status:Status(draft|published),author:User',
      },
    ],
    ['entity', { name: 'category', fields: 'name:string:unique,posts:Post[]' }],
    ['resource', { name: 'admin/user-profiles', pk: 'uuid', fields: 'bio:text?,handle:string:index,user:User' }],
    ['resource', { name: 'tags', pattern: 'custom', fields: 'label:string:unique' }],
  ];

  it('running every step of the Nest 12 app again changes nothing', async () => {
    const tree = await generate('nest12', 7, [
      ['repository', { name: 'books', definition: 'define-entity', fields: 'title:string,pages:int?,author:User?' }],
    ]);
    const before = snapshot(tree);
    let again = copyTree(tree);
    for (const [schematic, options] of [
      ...features,
      ['repository', { name: 'books', definition: 'define-entity' }] as [string, Record<string, unknown>],
    ]) {
      again = (await run(schematic, options, again)).tree;
    }
    expect(snapshot(again)).toEqual(before);
  });

  async function generate(fixture: string, orm: 6 | 7, extra: [string, Record<string, unknown>][]): Promise<UnitTestTree> {
    let tree = await initApp(fixture, {}, orm);
    if (orm === 7) tree = withDependencies(tree, ['class-validator', 'class-transformer']);
    for (const [schematic, options] of [...features, ...extra]) tree = (await run(schematic, options, tree)).tree;
    return tree;
  }

  /**
   * The app's vitest configs load vite-tsconfig-paths, which this project does not install: they are
   * replaced by one with the same settings without that plugin (the apps have no path aliases), for
   * the unit and the e2e specs at once.
   */
  function useHarnessVitestConfig(dir: string): void {
    rmSync(join(dir, 'vitest.config.ts'));
    rmSync(join(dir, 'vitest.config.e2e.ts'));
    writeFileSync(
      join(dir, 'vitest.harness.config.ts'),
      "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { globals: true, root: './', include: ['**/*.spec.ts', '**/*.e2e-spec.ts'] } });\n",
    );
  }

  function vitest(dir: string): Promise<string> {
    return node(dir, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.harness.config.ts']);
  }

  async function node(dir: string, args: string[]): Promise<string> {
    try {
      const { stdout, stderr } = await exec(process.execPath, args, {
        cwd: dir,
        maxBuffer: 32 * 1024 * 1024,
        env: { ...process.env, CI: '1', NO_COLOR: '1' },
      });
      return stdout + stderr;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`${args.join(' ')} failed in ${dir}:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: error });
    }
  }

  it('Nest 12 (ESM) + MikroORM 7 + class-validator: tsc --noEmit, then vitest runs the unit and e2e specs', async () => {
    const tree = await generate('nest12', 7, [
      ['repository', { name: 'books', definition: 'define-entity', fields: 'title:string,pages:int?,author:User?' }],
    ]);
    const dir = tempDir('i4-resource-nest12', 7);
    try {
      writeTree(tree, dir);
      useHarnessVitestConfig(dir);
      await typecheck(dir, 'tsconfig.json');
      const output = await vitest(dir);
      const files = [
        'src/users/users.repository.mikro-orm.spec.ts',
        'src/posts/posts.repository.mikro-orm.spec.ts',
        'src/admin/user-profiles/user-profiles.repository.mikro-orm.spec.ts',
        'src/tags/tag.repository.spec.ts',
        'src/books/books.repository.mikro-orm.spec.ts',
        'test/users.e2e-spec.ts',
        'test/posts.e2e-spec.ts',
        'test/admin-user-profiles.e2e-spec.ts',
        'test/tags.e2e-spec.ts',
      ];
      for (const file of files) expect(output).toContain(`✓ ${file}`);
      expect(output).toMatch(/Test Files\s+\d+ passed \(\d+\)/);
      expect(output).not.toMatch(/failed/i);
    } finally {
      removeDir(dir);
    }
  });

  it('Fastify (Nest 12, ESM): tsc --noEmit, then vitest runs the users specs, the e2e one over the onRequest hook', async () => {
    const tree = await run('resource', { name: 'users' }, await initApp('fastify'));
    const dir = tempDir('i4-resource-fastify', 7);
    try {
      writeTree(tree.tree, dir);
      useHarnessVitestConfig(dir);
      await typecheck(dir, 'tsconfig.json');
      const output = await vitest(dir);
      for (const file of ['src/users/users.repository.mikro-orm.spec.ts', 'test/users.e2e-spec.ts']) expect(output).toContain(`✓ ${file}`);
      expect(output).not.toMatch(/failed/i);
    } finally {
      removeDir(dir);
    }
  });

  it('Nest 11 (CommonJS) + MikroORM 6, no class-validator, a defineEntity schema as entity: tsc --noEmit, then jest runs the unit and e2e specs', async () => {
    const tree = await generate('nest11', 6, [
      ['resource', { name: 'books', definition: 'define-entity', fields: 'title:string,pages:int?,author:User' }],
    ]);
    const dir = tempDir('i4-resource-nest11', 6);
    try {
      writeTree(tree, dir);
      await typecheck(dir, 'tsconfig.json');
      const jest = join(ROOT, 'node_modules/jest/bin/jest.js');
      const unit = await node(dir, [jest, '--ci']);
      const e2e = await node(dir, [
        jest,
        '--ci',
        '--config',
        './test/jest-e2e.json',
        'test/users',
        'test/posts',
        'test/admin',
        'test/tags',
        'test/books',
      ]);
      const unitSpecs = [
        'users/users.repository.mikro-orm.spec.ts',
        'posts/posts.repository.mikro-orm.spec.ts',
        'admin/user-profiles/user-profiles.repository.mikro-orm.spec.ts',
        'tags/tag.repository.spec.ts',
        'books/books.repository.mikro-orm.spec.ts',
      ];
      for (const file of unitSpecs) expect(unit).toContain(`PASS src/${file}`);
      for (const file of ['users', 'posts', 'admin-user-profiles', 'tags', 'books']) expect(e2e).toContain(`PASS test/${file}.e2e-spec.ts`);
      expect(unit + e2e).not.toContain('FAIL');
    } finally {
      removeDir(dir);
    }
  });
});
