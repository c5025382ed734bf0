import { UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from 'typescript';
import { runOnTree } from '../scripts/lib/schematics.ts';
import { fixtureTree, snapshot } from './support/fixtures';
import { callsOf, imports, moduleMetadata, parse } from './support/inspect';

type Options = Record<string, unknown>;

/** init on a tree; `logs` are its messages without their level. */
async function init(tree: UnitTestTree, options: Options = {}): Promise<{ tree: UnitTestTree; logs: string[] }> {
  const { tree: result, messages } = await runOnTree('init', { skipInstall: true, ...options }, tree);
  return { tree: result, logs: messages };
}

function source(tree: UnitTestTree, path: string): ts.SourceFile {
  const file = parse(tree.readContent(path), path);
  // Parsed without a syntax error.
  expect((file as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics).toEqual([]);
  return file;
}

function dependencies(tree: UnitTestTree): Record<string, string> {
  return (JSON.parse(tree.readContent('/package.json')) as { dependencies: Record<string, string> }).dependencies;
}

/** The decorators of a class member or class, as `name(args)` texts. */
function decorators(node: ts.HasDecorators, file: ts.SourceFile): string[] {
  return (ts.getDecorators(node) ?? []).map((d) => d.expression.getText(file));
}

describe('init --health on a default Nest 12 app (ESM)', () => {
  let tree: UnitTestTree;
  beforeAll(async () => ({ tree } = await init(fixtureTree('nest12'), { health: true })));

  it('writes a health controller: GET /health, a terminus health check pinging MikroORM as "database"', () => {
    const file = source(tree, '/src/health/health.controller.ts');
    const controller = file.statements.find(
      (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'HealthController',
    )!;
    expect(decorators(controller, file)).toEqual(["Controller('health')"]);
    const check = controller.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(file) === 'check')!;
    expect(decorators(check, file)).toEqual(['Get()', 'HealthCheck()']);
    expect(callsOf(file, 'this.database', 'pingCheck').map((c) => c.arguments.map((a) => a.getText(file)))).toEqual([["'database'"]]);
    expect(imports(file).get('@nestjs/terminus')).toEqual(['HealthCheck', 'HealthCheckService', 'MikroOrmHealthIndicator']);
  });

  it('writes a health module with TerminusModule and the controller (ESM import suffix)', () => {
    const file = source(tree, '/src/health/health.module.ts');
    expect(moduleMetadata(file, 'HealthModule')).toEqual(
      new Map([
        ['imports', ['TerminusModule']],
        ['controllers', ['HealthController']],
      ]),
    );
    expect(imports(file).get('./health.controller.js')).toEqual(['HealthController']);
  });

  it('imports the health module into the root module after the database module', () => {
    const file = source(tree, '/src/app.module.ts');
    expect(moduleMetadata(file, 'AppModule').get('imports')).toEqual(['DatabaseModule', 'HealthModule']);
    expect(imports(file).get('./health/health.module.js')).toEqual(['HealthModule']);
  });

  it('adds @nestjs/terminus 12 (ESM, peers Nest 11 and 12) with the other packages', () => {
    expect(dependencies(tree)['@nestjs/terminus']).toBe('^12.1.0');
    expect(dependencies(tree)['@mikro-orm/nestjs']).toBeDefined();
  });

  it('enables shutdown hooks in setupApp', () => {
    const file = source(tree, '/src/app.setup.ts');
    expect(callsOf(file, 'app', 'enableShutdownHooks')).toHaveLength(1);
  });

  it('changes nothing on a second run, with or without --health', async () => {
    const before = snapshot(tree);
    expect(snapshot((await init(tree, { health: true })).tree)).toEqual(before);
    // The app lists @nestjs/terminus now: the default is on, and the module is init's own.
    const again = await init(tree);
    expect(snapshot(again.tree)).toEqual(before);
    expect(again.logs.join('\n')).not.toMatch(/no \/health module added/);
  });
});

describe('init --health on a Nest 11 app (CommonJS)', () => {
  it('adds @nestjs/terminus 11 (CommonJS, peers Nest 10 and 11) and imports without a suffix', async () => {
    const { tree } = await init(fixtureTree('nest11'), { health: true });
    expect(dependencies(tree)['@nestjs/terminus']).toBe('^11.1.1');
    expect(imports(source(tree, '/src/app.module.ts')).get('./health/health.module')).toEqual(['HealthModule']);
    expect(imports(source(tree, '/src/health/health.module.ts')).get('./health.controller')).toEqual(['HealthController']);
  });
});

describe('the health default', () => {
  it('is off in an app without @nestjs/terminus: no module, no package', async () => {
    const { tree, logs } = await init(fixtureTree('nest12'));
    expect(tree.exists('/src/health/health.module.ts')).toBe(false);
    expect(dependencies(tree)['@nestjs/terminus']).toBeUndefined();
    expect(moduleMetadata(source(tree, '/src/app.module.ts'), 'AppModule').get('imports')).toEqual(['DatabaseModule']);
    expect(logs).toContain('Using defaults: driver=sqlite, style=main (pass --driver/--style, or answer the prompts in a terminal).');
    // The shutdown hooks are no part of --health.
    expect(callsOf(source(tree, '/src/app.setup.ts'), 'app', 'enableShutdownHooks')).toHaveLength(1);
  });

  it('is on in an app that lists @nestjs/terminus; --no-health still leaves it out', async () => {
    const app = fixtureTree('nest12');
    const pkg = JSON.parse(app.readContent('/package.json')) as { dependencies: Record<string, string> };
    pkg.dependencies['@nestjs/terminus'] = '^12.0.0';
    app.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    const on = await init(app);
    expect(on.tree.exists('/src/health/health.controller.ts')).toBe(true);
    expect(on.logs.join('\n')).toMatch(/Using defaults: .*health \(the app lists @nestjs\/terminus\)/);
    // The app's own entry is kept.
    expect(dependencies(on.tree)['@nestjs/terminus']).toBe('^12.0.0');
    const off = await init(fixtureTree('nest12'), { health: false });
    expect(off.tree.exists('/src/health/health.controller.ts')).toBe(false);
  });
});

describe('init --health in an app with a health endpoint of its own', () => {
  it.each([
    [
      'a HealthModule',
      '/src/status/health.module.ts',
      "import { Module } from '@nestjs/common';\n\n@Module({})\nexport class HealthModule {}\n",
      /is a HealthModule already/,
    ],
    [
      "a @Controller('health')",
      '/src/status/status.module.ts',
      "import { Controller, Get, Module } from '@nestjs/common';\n\n@Controller('/health')\nexport class StatusController {\n  @Get()\n  ok() {\n    return 'ok';\n  }\n}\n\n@Module({ controllers: [StatusController] })\nexport class StatusModule {}\n",
      /is a @Controller\('health'\) \(StatusController\) already/,
    ],
  ])('skips it when the app has %s, and says so', async (_label, path, code, note) => {
    const app = fixtureTree('nest12');
    app.create(path, code);
    const name = /export class (\w+Module)/.exec(code)![1];
    const module = app.readContent('/src/app.module.ts');
    app.overwrite(
      '/src/app.module.ts',
      `import { ${name} } from '.${path.slice(4, -3)}.js';\n${module.replace('imports: []', `imports: [${name}]`)}`,
    );
    const { tree, logs } = await init(app, { health: true });
    expect(logs.join('\n')).toMatch(note);
    expect(tree.exists('/src/health/health.module.ts')).toBe(false);
    expect(tree.exists('/src/health/health.controller.ts')).toBe(false);
    expect(dependencies(tree)['@nestjs/terminus']).toBeUndefined();
    expect(moduleMetadata(source(tree, '/src/app.module.ts'), 'AppModule').get('imports')).toEqual(['DatabaseModule', name]);
    expect(tree.readContent(path)).toBe(code);
  });
});
