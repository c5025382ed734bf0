import { SchematicsException } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import * as ts from 'typescript';
import { removeDir, tempDir, typecheck, writeTree } from './support/app';
import { fixtureFiles, fixtureTree, runner, snapshot } from './support/fixtures';
import { imports, parse } from './support/inspect';

/** Runs `context` and returns the tree and what it logged. */
async function context(tree: UnitTestTree, options: Record<string, unknown> = {}): Promise<{ tree: UnitTestTree; logs: string[] }> {
  const logs: string[] = [];
  const schematics = runner();
  schematics.logger.subscribe((entry) => logs.push(entry.message));
  return { tree: await schematics.runSchematic('context', options, tree), logs };
}

function source(tree: UnitTestTree, path: string): ts.SourceFile {
  return parse(tree.readContent(path), path);
}

function classNode(file: ts.SourceFile, name: string): ts.ClassDeclaration {
  const found = file.statements.find((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === name);
  if (!found) throw new Error(`no class ${name} in ${file.fileName}`);
  return found;
}

/** The decorators of a method, outermost first, as written. */
function decorators(file: ts.SourceFile, cls: string, method: string): string[] {
  const node = classNode(file, cls).members.find(
    (m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(file) === method,
  );
  if (!node) throw new Error(`no method ${cls}.${method}`);
  return (ts.getDecorators(node) ?? []).map((d) => d.expression.getText(file));
}

/** The constructor parameters of a class, as written. */
function constructorParameters(file: ts.SourceFile, cls: string): string[] {
  const ctor = classNode(file, cls).members.find(ts.isConstructorDeclaration);
  return ctor ? ctor.parameters.map((p) => p.getText(file).replace(/\s+/g, ' ')) : [];
}

function withCore(tree: UnitTestTree, version: string | undefined): UnitTestTree {
  const pkg = JSON.parse(tree.readContent('/package.json'));
  if (version === undefined) delete pkg.dependencies['@mikro-orm/core'];
  else pkg.dependencies['@mikro-orm/core'] = version;
  tree.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  return tree;
}

const DECORATOR = 'CreateRequestContext()';
const LEGACY = '@mikro-orm/decorators/legacy';

describe('context on an app with every kind of handler (MikroORM 7)', () => {
  let result: { tree: UnitTestTree; logs: string[] };
  beforeAll(async () => {
    result = await context(fixtureTree('context-jobs'));
  });

  it('puts @CreateRequestContext() innermost, under the handler decorator, on every handler that reaches the database', () => {
    const { tree } = result;
    const expected: [string, string, string, string[]][] = [
      ['src/jobs/report.job.ts', 'ReportJob', 'run', ['Cron(CronExpression.EVERY_HOUR)', DECORATOR]],
      ['src/jobs/cleanup.job.ts', 'CleanupJob', 'cleanup', ['Timeout(5_000)', DECORATOR]],
      ['src/jobs/digest.job.ts', 'DigestJob', 'digest', ['Cron(CronExpression.EVERY_DAY_AT_MIDNIGHT)', DECORATOR]],
      ['src/messages/reports.controller.ts', 'ReportsMessagesController', 'count', ["MessagePattern({ cmd: 'reports.count' })", DECORATOR]],
      ['src/queues/report.processor.ts', 'ReportProcessor', 'rename', ["Process('rename')", DECORATOR]],
      ['src/queues/import.worker.ts', 'ImportWorker', 'process', [DECORATOR]],
      ['src/queues/export.worker.ts', 'ExportWorker', 'process', ['CreateRequestContext<ExportWorker>((self) => self.reports)']],
      ['src/seed/seed.service.ts', 'SeedService', 'onModuleInit', [DECORATOR]],
      ['src/events/reports.gateway.ts', 'ReportsGateway', 'latest', ["SubscribeMessage('reports.latest')", DECORATOR]],
    ];
    for (const [path, cls, method, expectedDecorators] of expected) {
      const file = source(tree, path);
      expect([path, decorators(file, cls, method)]).toEqual([path, expectedDecorators]);
      expect([path, imports(file).get(LEGACY)]).toEqual([path, ['CreateRequestContext']]);
    }
    // Inline when the handler decorator shares the method's line.
    expect(tree.readContent('src/events/reports.gateway.ts')).toContain(
      "@SubscribeMessage('reports.latest') @CreateRequestContext() async latest(): Promise<Report | null> {",
    );
  });

  it('leaves handlers that already have a context, do not reach the database, or are not handlers', () => {
    const { tree } = result;
    const file = (p: string) => source(tree, p);
    expect(decorators(file('src/events/reports.gateway.ts'), 'ReportsGateway', 'count')).toEqual([
      "SubscribeMessage('reports.count')",
      DECORATOR,
    ]);
    expect(decorators(file('src/messages/reports.controller.ts'), 'ReportsMessagesController', 'created')).toEqual([
      "EventPattern('report.created')",
    ]);
    expect(decorators(file('src/seed/seed.service.ts'), 'SeedService', 'onApplicationBootstrap')).toEqual([]);
    const fixture = fixtureFiles('context-jobs');
    for (const path of [
      'src/jobs/heartbeat.job.ts',
      'src/jobs/local.job.ts',
      'src/reports/reports.service.ts',
      'src/main.ts',
      'src/app.module.ts',
    ]) {
      expect([path, tree.readContent(path)]).toEqual([path, fixture.get(path)!.toString()]);
    }
  });

  it('injects `private readonly orm: MikroORM` where the class has neither this.orm nor this.em, in the constructor layout it has', () => {
    const { tree } = result;
    const file = (p: string) => source(tree, p);
    expect(constructorParameters(file('src/jobs/cleanup.job.ts'), 'CleanupJob')).toEqual([
      'private readonly reports: ReportsService',
      'private readonly orm: MikroORM',
    ]);
    expect(constructorParameters(file('src/queues/import.worker.ts'), 'ImportWorker')).toEqual([
      'private readonly entityManager: EntityManager',
      'private readonly orm: MikroORM',
    ]);
    expect(constructorParameters(file('src/queues/report.processor.ts'), 'ReportProcessor')).toEqual([
      '@InjectRepository(Report) private readonly reportRepository: EntityRepository<Report>',
      'private readonly orm: MikroORM',
    ]);
    expect(tree.readContent('src/queues/report.processor.ts')).toContain(
      '    private readonly reportRepository: EntityRepository<Report>,\n    private readonly orm: MikroORM,\n  ) {}',
    );
    // A class without a constructor gets one, before its first method.
    const digest = classNode(file('src/jobs/digest.job.ts'), 'DigestJob');
    expect(digest.members.map((m) => ts.SyntaxKind[m.kind])).toEqual(['PropertyDeclaration', 'Constructor', 'MethodDeclaration']);
    expect(constructorParameters(file('src/jobs/digest.job.ts'), 'DigestJob')).toEqual(['private readonly orm: MikroORM']);
    for (const path of ['src/jobs/cleanup.job.ts', 'src/jobs/digest.job.ts', 'src/queues/report.processor.ts']) {
      expect([path, imports(file(path)).get('@mikro-orm/core')]).toEqual([path, ['MikroORM']]);
    }
    expect(imports(file('src/queues/import.worker.ts')).get('@mikro-orm/core')).toEqual(['EntityManager', 'MikroORM']);
    // Already there: this.em, this.orm.
    expect(constructorParameters(file('src/jobs/report.job.ts'), 'ReportJob')).toEqual(['private readonly em: EntityManager']);
    expect(constructorParameters(file('src/seed/seed.service.ts'), 'SeedService')).toEqual(['private readonly orm: MikroORM']);
  });

  it('logs one line per change with file and method, reports the sync handler, and a summary', () => {
    const { logs } = result;
    expect(logs.filter((l) => l.startsWith('UPDATE ') && l.includes(' on ')).sort()).toEqual(
      [
        'UPDATE src/events/reports.gateway.ts: @CreateRequestContext() on ReportsGateway.latest()',
        'UPDATE src/jobs/cleanup.job.ts: @CreateRequestContext() on CleanupJob.cleanup()',
        'UPDATE src/jobs/digest.job.ts: @CreateRequestContext() on DigestJob.digest()',
        'UPDATE src/jobs/report.job.ts: @CreateRequestContext() on ReportJob.run()',
        'UPDATE src/messages/reports.controller.ts: @CreateRequestContext() on ReportsMessagesController.count()',
        'UPDATE src/queues/export.worker.ts: @CreateRequestContext<ExportWorker>((self) => self.reports) on ExportWorker.process()',
        'UPDATE src/queues/import.worker.ts: @CreateRequestContext() on ImportWorker.process()',
        'UPDATE src/queues/report.processor.ts: @CreateRequestContext() on ReportProcessor.rename()',
        'UPDATE src/seed/seed.service.ts: @CreateRequestContext() on SeedService.onModuleInit()',
      ].sort(),
    );
    expect(
      logs
        .filter((l) => l.includes('gets `private readonly orm: MikroORM`'))
        .map((l) => l.split(':')[0])
        .sort(),
    ).toEqual([
      'UPDATE src/jobs/cleanup.job.ts',
      'UPDATE src/jobs/digest.job.ts',
      'UPDATE src/queues/import.worker.ts',
      'UPDATE src/queues/report.processor.ts',
    ]);
    expect(logs.filter((l) => l.startsWith('SKIP '))).toEqual([
      'SKIP src/jobs/report.job.ts:19 ReportJob.tick() (@Interval()) is synchronous: @CreateRequestContext() accepts only async methods (MikroORM 7 throws at startup otherwise) — make it async (returning a Promise), then run nest g context again',
    ]);
    expect(logs).toContain(
      'context: 9 handler(s) given a request context, 3 already had one, 1 left to you, 1 without database access left alone (src).',
    );
    // The synchronous handler is reported, not touched.
    expect(decorators(source(result.tree, 'src/jobs/report.job.ts'), 'ReportJob', 'tick')).toEqual(['Interval(60_000)']);
  });

  it('changes nothing when run a second time', async () => {
    const before = snapshot(result.tree);
    const again = await context(result.tree);
    expect(snapshot(again.tree)).toEqual(before);
    expect(again.logs.filter((l) => l.startsWith('UPDATE'))).toEqual([]);
    expect(again.logs).toContain(
      'context: 0 handler(s) given a request context, 12 already had one, 1 left to you, 1 without database access left alone (src).',
    );
  });
});

describe('context leaves startup hooks that only migrate, update the schema, seed or check the connection', () => {
  // MikroORM runs these on the ORM itself (driver, connection, a fork of its own), not through the global
  // EntityManager's identity map: no request context is needed, and the file must stay as it is.
  const MIGRATIONS = `import { MikroORM } from '@mikro-orm/core';
import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { DatabaseSeeder } from './database.seeder.js';

@Injectable()
export class MigrationsStartup implements OnModuleInit, OnApplicationBootstrap {
  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    if (!(await this.orm.isConnected())) await this.orm.connect();
    await this.orm.migrator.up();
    await this.orm.schema.updateSchema();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.orm.getMigrator().up();
    await this.orm.getSchemaGenerator().ensureDatabase();
    await this.orm.seeder.seed(DatabaseSeeder);
    await this.orm.checkConnection();
  }
}
`;
  // Beside it, a hook that migrates and then reads through the global EntityManager: that one needs a context.
  const SEEDS = `import { MikroORM } from '@mikro-orm/core';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { Report } from '../reports/report.entity.js';

@Injectable()
export class SeedsStartup implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  async onModuleInit(): Promise<void> {
    await this.orm.migrator.up();
    if ((await this.orm.em.count(Report)) === 0) this.orm.em.create(Report, { title: 'first' });
    await this.orm.em.flush();
  }
}
`;
  function withStartup(): UnitTestTree {
    const tree = fixtureTree('context-jobs');
    tree.create('src/database/migrations.startup.ts', MIGRATIONS);
    tree.create('src/database/seeds.startup.ts', SEEDS);
    return tree;
  }

  it('leaves the file byte for byte as it was, and still decorates the hook that also uses orm.em', async () => {
    const { tree, logs } = await context(withStartup(), { path: 'src/database' });
    expect(tree.readContent('src/database/migrations.startup.ts')).toBe(MIGRATIONS);
    expect(decorators(source(tree, 'src/database/seeds.startup.ts'), 'SeedsStartup', 'onModuleInit')).toEqual([DECORATOR]);
    expect(logs.filter((l) => l.startsWith('UPDATE'))).toEqual([
      'UPDATE src/database/seeds.startup.ts: @CreateRequestContext() on SeedsStartup.onModuleInit()',
    ]);
    expect(logs).toContain(
      'context: 1 handler(s) given a request context, 0 already had one, 0 left to you, 0 without database access left alone, ' +
        '2 that only use the ORM itself (migrations, schema, seeding, connection) left alone (src/database).',
    );
  });

  it('MikroORM 6 and 5 too (the get…() forms are theirs)', async () => {
    for (const core of ['6.6.16', '^5.9.8']) {
      const { tree } = await context(withCore(withStartup(), core), { path: 'src/database' });
      expect([core, tree.readContent('src/database/migrations.startup.ts')]).toEqual([core, MIGRATIONS]);
      expect([core, decorators(source(tree, 'src/database/seeds.startup.ts'), 'SeedsStartup', 'onModuleInit').length]).toEqual([core, 1]);
    }
  });
});

describe('context options and versions', () => {
  it('--path limits the scan (relative to the workspace root or to the source root)', async () => {
    for (const path of ['src/queues', 'queues', 'src/queues/']) {
      const { tree, logs } = await context(fixtureTree('context-jobs'), { path });
      const changed = [...snapshot(tree)]
        .filter(([p, text]) => fixtureFiles('context-jobs').get(p.replace(/^\//, ''))?.toString() !== text)
        .map(([p]) => p);
      expect([path, changed.sort()]).toEqual([
        path,
        ['/src/queues/export.worker.ts', '/src/queues/import.worker.ts', '/src/queues/report.processor.ts'],
      ]);
      expect(logs).toContain(
        'context: 3 handler(s) given a request context, 0 already had one, 0 left to you, 0 without database access left alone (src/queues).',
      );
    }
    // `nest g context src/jobs/report.job.ts` passes the path as the name.
    const { logs } = await context(fixtureTree('context-jobs'), { name: 'src/jobs/report.job.ts' });
    expect(logs.filter((l) => l.startsWith('UPDATE'))).toEqual([
      'UPDATE src/jobs/report.job.ts: @CreateRequestContext() on ReportJob.run()',
    ]);
  });

  it('bad input: a clear error and nothing written', async () => {
    const cases: [string, () => UnitTestTree, Record<string, unknown>, RegExp][] = [
      ['missing --path', () => fixtureTree('context-jobs'), { path: 'src/nowhere' }, /--path src\/nowhere: no such folder or file/],
      ['--path outside the app', () => fixtureTree('context-jobs'), { path: '../other' }, /Invalid --path "\.\.\/other"/],
      [
        'no MikroORM',
        () => fixtureTree('nest12'),
        {},
        /package\.json does not list @mikro-orm\/core: set MikroORM up first \(nest g -c mikro-request-context init\)/,
      ],
      ['MikroORM 4', () => withCore(fixtureTree('context-jobs'), '^4.5.0'), {}, /MikroORM 4 has no request-context decorator/],
      [
        'a file that does not parse',
        () => {
          const tree = fixtureTree('context-jobs');
          tree.overwrite('src/jobs/heartbeat.job.ts', 'export class Broken {');
          return tree;
        },
        {},
        /src\/jobs\/heartbeat\.job\.ts:1:\d+ has a syntax error/,
      ],
    ];
    for (const [name, make, options, message] of cases) {
      const tree = make();
      const before = snapshot(tree);
      const error = await context(tree, options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect([name, error instanceof SchematicsException]).toEqual([name, true]);
      expect([name, (error as Error).message]).toEqual([name, expect.stringMatching(message)]);
      expect([name, snapshot(tree)]).toEqual([name, before]);
    }
  });

  it('MikroORM 6: @CreateRequestContext() from @mikro-orm/core, merged into the existing import', async () => {
    const { tree } = await context(withCore(fixtureTree('context-jobs'), '6.6.16'));
    const job = source(tree, 'src/jobs/report.job.ts');
    expect(imports(job).get('@mikro-orm/core')).toEqual(['EntityManager', 'CreateRequestContext']);
    expect(imports(job).has(LEGACY)).toBe(false);
    expect(decorators(job, 'ReportJob', 'run')).toEqual(['Cron(CronExpression.EVERY_HOUR)', DECORATOR]);
    expect(imports(source(tree, 'src/jobs/cleanup.job.ts')).get('@mikro-orm/core')).toEqual(['MikroORM', 'CreateRequestContext']);
    expect(tree.readContent('package.json')).toBe(withCore(fixtureTree('context-jobs'), '6.6.16').readContent('package.json'));
  });

  it('MikroORM 5: @UseRequestContext(), which finds only this.orm, so classes with just this.em get the ORM injected', async () => {
    const { tree, logs } = await context(withCore(fixtureTree('context-jobs'), '^5.9.8'));
    const job = source(tree, 'src/jobs/report.job.ts');
    expect(decorators(job, 'ReportJob', 'run')).toEqual(['Cron(CronExpression.EVERY_HOUR)', 'UseRequestContext()']);
    expect(constructorParameters(job, 'ReportJob')).toEqual(['private readonly em: EntityManager', 'private readonly orm: MikroORM']);
    expect(imports(job).get('@mikro-orm/core')).toEqual(['EntityManager', 'MikroORM', 'UseRequestContext']);
    expect(decorators(source(tree, 'src/seed/seed.service.ts'), 'SeedService', 'onModuleInit')).toEqual(['UseRequestContext()']);
    // No callback form on v5, and no constructor can be added to a subclass: reported.
    expect(decorators(source(tree, 'src/queues/export.worker.ts'), 'ExportWorker', 'process')).toEqual([]);
    expect(logs).toContainEqual(
      expect.stringMatching(
        /^SKIP src\/queues\/export\.worker\.ts:12 ExportWorker\.process\(\) \(WorkerHost\.process\(\)\) .*extends WorkerHost without a constructor of its own.* — add `private readonly orm: MikroORM` to its constructor/,
      ),
    );
  });

  it('MikroORM 7 without @mikro-orm/decorators in package.json: adds it at the version of @mikro-orm/core', async () => {
    const input = fixtureTree('context-jobs');
    const pkg = JSON.parse(input.readContent('package.json'));
    delete pkg.dependencies['@mikro-orm/decorators'];
    input.overwrite('package.json', JSON.stringify(pkg, null, 2));
    const { tree, logs } = await context(input, { skipInstall: true });
    expect(JSON.parse(tree.readContent('package.json')).dependencies['@mikro-orm/decorators']).toBe('7.2.1');
    expect(logs).toContain('UPDATE package.json: @mikro-orm/decorators@7.2.1 (MikroORM 7 keeps @CreateRequestContext() there).');
  });
});

describe('what context writes type-checks against the real packages', () => {
  const cases: [string, string, 6 | 7][] = [
    ['Nest 12 + MikroORM 7', 'nest12', 7],
    ['Nest 11 + MikroORM 6', 'nest11', 6],
  ];
  it.each(cases)('%s', async (_name, fixture, orm) => {
    const input = fixtureTree(fixture);
    if (orm === 6) withCore(input, '6.6.16');
    const app = await runner().runSchematic('init', { skipInstall: true }, input);
    for (const [path, content] of fixtureFiles('context-compile')) {
      if (path.startsWith('src/')) app.create(path, content);
    }
    const { tree, logs } = await context(app);
    const startup = source(tree, 'src/items/items.startup.ts');
    expect(decorators(startup, 'ItemsStartup', 'onModuleInit')).toEqual([DECORATOR]);
    expect(constructorParameters(startup, 'ItemsStartup')).toEqual([
      'private readonly items: ItemsService',
      'private readonly orm: MikroORM',
    ]);
    expect(decorators(startup, 'ItemsAnnouncer', 'onApplicationBootstrap')).toEqual([
      'CreateRequestContext<ItemsAnnouncer>((self) => self.items)',
    ]);
    expect(imports(startup).get('@mikro-orm/core')).toEqual([
      'EntityRepository',
      'MikroORM',
      ...(orm === 6 ? ['CreateRequestContext'] : []),
    ]);
    expect(imports(startup).get(LEGACY)).toEqual(orm === 7 ? ['CreateRequestContext'] : undefined);
    expect(logs.filter((l) => l.startsWith('SKIP'))).toEqual([]);
    const dir = tempDir('context-compile', orm);
    try {
      writeTree(tree, dir);
      await typecheck(dir, 'tsconfig.build.json');
    } finally {
      removeDir(dir);
    }
  });
});
