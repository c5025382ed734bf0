import { SchematicsException } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { FIXTURES, fixtureTree, runner, snapshot } from './support/fixtures';
import { callsOf, parse } from './support/inspect';

interface Line {
  level: string;
  message: string;
}

async function doctor(tree: UnitTestTree, options: Record<string, unknown> = {}): Promise<{ tree: UnitTestTree; logs: Line[] }> {
  const logs: Line[] = [];
  const schematics = runner();
  schematics.logger.subscribe((entry) => logs.push({ level: entry.level, message: entry.message }));
  return { tree: await schematics.runSchematic('doctor', options, tree), logs };
}

/** The findings printed, as `file:line severity`, with their rule told by a word of the message. */
function findings(logs: Line[]): string[] {
  return logs.filter((l) => /^\S+:\d+ (error|warning) /.test(l.message)).map((l) => l.message);
}

function located(logs: Line[], containing?: string): string[] {
  return findings(logs)
    .filter((f) => !containing || f.includes(containing))
    .map((f) => f.split(' ').slice(0, 2).join(' '));
}

/** Rule → a phrase only its findings contain, and where each fixture must (or must not) have them. */
const RULES: { rule: string; phrase: string; positive: Record<string, string[]> }[] = [
  {
    rule: 'allowGlobalContext: true in config or env',
    phrase: 'lets code use the global EntityManager outside a request context',
    positive: { 'doctor-problems': ['.env:3 error', 'src/mikro-orm.config.ts:10 error'] },
  },
  {
    rule: 'em.fork() stored in a field or the constructor',
    phrase: 'keeps one em.fork() for the life of',
    positive: { 'doctor-problems': ['src/users/users.service.ts:7 error', 'src/users/users.service.ts:11 error'] },
  },
  {
    rule: 'global EntityManager used outside any context (constructor, timer)',
    phrase: 'outside any request context: MikroORM throws its global-context error there',
    positive: { 'doctor-problems': ['src/stats/stats.service.ts:10 warning', 'src/stats/stats.service.ts:15 warning'] },
  },
  {
    rule: 'Scope.REQUEST for per-request EntityManagers',
    phrase: 'again on each request (DI work per request)',
    positive: {
      'doctor-problems': ['src/app.module.ts:18 warning', 'src/app.module.ts:31 warning', 'src/users/audit.service.ts:6 warning'],
    },
  },
  {
    rule: 'request context registered twice',
    phrase: 'the request context is registered twice',
    positive: { 'doctor-problems': ['src/main.ts:9 error'], 'doctor-library-twice': ['src/app.module.ts:9 error'] },
  },
  {
    rule: 'request context not registered',
    phrase: 'no request context is registered for HTTP requests',
    positive: { 'doctor-unregistered': ['src/main.ts:5 error'] },
  },
  {
    rule: 'custom repository in providers',
    phrase: 'is a MikroORM repository listed in',
    positive: { 'doctor-problems': ['src/app.module.ts:25 error'] },
  },
  {
    rule: 'non-HTTP handler without a context',
    phrase: 'reaches the database with no request context',
    positive: { 'doctor-problems': ['src/jobs/report.job.ts:11 error'] },
  },
  {
    rule: 'MikroORM / @mikro-orm/nestjs / Nest versions',
    phrase: 'package.json',
    positive: {
      'doctor-problems': ['package.json:8 error', 'package.json:9 error', 'package.json:10 warning'],
      'doctor-library-twice': ['package.json:7 error'],
    },
  },
];

const FIXTURE_APPS = ['doctor-problems', 'doctor-library-twice', 'doctor-unregistered', 'doctor-healthy'];

describe('doctor rules: each one at its exact lines in the fixtures that have the problem, and nowhere else', () => {
  const results = new Map<string, Line[]>();
  beforeAll(async () => {
    for (const name of FIXTURE_APPS) results.set(name, (await doctor(fixtureTree(name))).logs);
  });

  it.each(RULES.map((r) => [r.rule, r] as const))('%s', (_name, { phrase, positive }) => {
    for (const app of FIXTURE_APPS) {
      const found =
        phrase === 'package.json'
          ? located(results.get(app)!).filter((l) => l.startsWith('package.json:'))
          : located(results.get(app)!, phrase);
      expect([app, found]).toEqual([app, positive[app] ?? []]);
    }
  });

  it('reports nothing else: every finding belongs to one rule, and the summary counts them', () => {
    for (const app of FIXTURE_APPS) {
      const expected = RULES.flatMap((r) => r.positive[app] ?? []).sort();
      expect([app, located(results.get(app)!).sort()]).toEqual([app, expected]);
      const errors = expected.filter((e) => e.endsWith('error')).length;
      const summary = results
        .get(app)!
        .filter((l) => l.message.startsWith('doctor:'))
        .map((l) => l.message);
      expect([
        app,
        summary.length,
        summary[0].startsWith(
          expected.length === 0 ? 'doctor: no problems found' : `doctor: ${errors} error(s), ${expected.length - errors} warning(s)`,
        ),
      ]).toEqual([app, 1, true]);
    }
  });

  it('prints each finding as `file:line severity message — fix`, errors at error level', () => {
    const logs = results.get('doctor-problems')!;
    const line = logs.find((l) => l.message.startsWith('src/jobs/report.job.ts:11 '))!;
    expect(line).toEqual({
      level: 'error',
      message:
        'src/jobs/report.job.ts:11 error ReportJob.run() (@Cron()) reaches the database with no request context (ReportJob injects EntityManager (em)): ' +
        'MikroORM throws its global-context error there (with allowGlobalContext it serves stale entities) — nest g context adds @CreateRequestContext()',
    });
    expect(logs.find((l) => l.message.startsWith('package.json:10 '))).toEqual({
      level: 'warn',
      message: expect.stringMatching(
        /^package\.json:10 warning @mikro-orm\/sqlite \^7\.2\.2 and @mikro-orm\/core 7\.2\.1 differ: .* — pin every @mikro-orm\/\* package to one version \(7\.2\.1\), except those versioned on their own line \(@mikro-orm\/nestjs, @mikro-orm\/sql-highlighter, @mikro-orm\/mongo-highlighter\)$/,
      ),
    });
    expect(logs.find((l) => l.message.startsWith('src/app.module.ts:9 ') || l.message.startsWith('src/main.ts:9 '))!.message).toMatch(
      /^src\/main\.ts:9 error the request context is registered twice: RequestContext\.create here and RequestContext\.create at src\/main\.ts:7; .* — keep one registration/,
    );
    expect(results.get('doctor-library-twice')!.find((l) => l.message.startsWith('src/app.module.ts:9 '))!.message).toMatch(
      /registered twice: @mikro-orm\/nestjs's middleware \(MikroOrmModule\.forRoot without registerRequestContext: false\) here and RequestContext\.create at src\/main\.ts:7; .* — set registerRequestContext: false in the options this MikroOrmModule root receives \(nest g -c mikro-request-context doctor fix does it\)$/,
    );
    for (const finding of findings(logs)) expect(finding).toMatch(/^\S+:\d+ (error|warning) .+ — .+$/);
  });

  it('the finding lines point at the code they describe', () => {
    const tree = fixtureTree('doctor-problems');
    const at = (path: string, line: number) => tree.readContent(path).split('\n')[line - 1].trim();
    expect(at('src/mikro-orm.config.ts', 10)).toBe('allowGlobalContext: true,');
    expect(at('.env', 3)).toBe('MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=true');
    expect(at('src/users/users.service.ts', 7)).toBe('private readonly reader = this.orm.em.fork();');
    expect(at('src/users/users.service.ts', 11)).toBe('this.em = orm.em.fork();');
    expect(at('src/app.module.ts', 18)).toBe('scope: Scope.REQUEST,');
    expect(at('src/app.module.ts', 25)).toBe('UserRepository,');
    expect(at('src/jobs/report.job.ts', 11)).toBe('async run(): Promise<number> {');
    expect(at('package.json', 8)).toBe('"@mikro-orm/nestjs": "6.1.2",');
  });
});

describe('doctor is read-only, and clean on clean apps', () => {
  it('never writes: the tree is byte for byte the same after a run', async () => {
    for (const name of FIXTURE_APPS) {
      const tree = fixtureTree(name);
      const before = snapshot(tree);
      const { tree: after } = await doctor(tree);
      expect([name, snapshot(after)]).toEqual([name, before]);
    }
  });

  it('runs on every fixture app of the suite without writing; apps without MikroORM are told so', async () => {
    const apps = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'package.json')));
    expect(apps.length).toBeGreaterThanOrEqual(8);
    for (const name of apps) {
      const tree = fixtureTree(name);
      const before = snapshot(tree);
      const options = existsSync(join(FIXTURES, name, 'nest-cli.json')) && name === 'monorepo' ? { project: 'api' } : {};
      const { tree: after, logs } = await doctor(tree, options);
      expect([name, snapshot(after)]).toEqual([name, before]);
      expect([name, logs.filter((l) => l.message.startsWith('doctor:')).length]).toEqual([name, 1]);
    }
    const bare = await doctor(fixtureTree('nest12'));
    expect(bare.logs.map((l) => l.message)).toEqual([
      'doctor: MikroORM is not set up in this app (no @mikro-orm/core in package.json), nothing to check — nest g -c mikro-request-context init sets it up.',
    ]);
  });

  const fresh: [string, string, Record<string, unknown>, string | undefined][] = [
    ['nest12 + init', 'nest12', {}, undefined],
    ['nest12 + init --style middleware', 'nest12', { style: 'middleware' }, undefined],
    ['nest11 + init (MikroORM 6)', 'nest11', {}, '6.6.16'],
  ];
  it.each(fresh)('an app freshly set up by init reports nothing: %s', async (_name, fixture, options, core) => {
    const input = fixtureTree(fixture);
    if (core) {
      const pkg = JSON.parse(input.readContent('package.json'));
      pkg.dependencies['@mikro-orm/core'] = core;
      input.overwrite('package.json', JSON.stringify(pkg, null, 2));
    }
    const app = await runner().runSchematic('init', { skipInstall: true, ...options }, input);
    const { logs } = await doctor(app);
    expect(findings(logs)).toEqual([]);
    expect(logs.map((l) => l.message)).toEqual([expect.stringMatching(/^doctor: no problems found \(\d+ files checked\)\.$/)]);
  });

  it('no finding for the highlighters 1.x beside core 7, nor for a startup hook that only migrates; one that also uses orm.em is still reported', async () => {
    const tree = fixtureTree('doctor-healthy');
    const pkg = JSON.parse(tree.readContent('package.json'));
    pkg.devDependencies['@mikro-orm/sql-highlighter'] = '^1.0.1';
    pkg.devDependencies['@mikro-orm/mongo-highlighter'] = '^1.0.0';
    tree.overwrite('package.json', JSON.stringify(pkg, null, 2));
    const hook = (name: string, body: string) =>
      `import { MikroORM } from '@mikro-orm/core';\nimport { Injectable, OnModuleInit } from '@nestjs/common';\nimport { User } from '../users/user.entity.js';\n\n` +
      `@Injectable()\nexport class ${name} implements OnModuleInit {\n  constructor(private readonly orm: MikroORM) {}\n\n  async onModuleInit(): Promise<void> {\n${body}  }\n}\n`;
    tree.create(
      'src/database/migrations.startup.ts',
      hook('MigrationsStartup', '    await this.orm.migrator.up();\n    await this.orm.checkConnection();\n'),
    );
    const { logs } = await doctor(tree);
    expect(findings(logs)).toEqual([]);
    tree.create(
      'src/database/seeds.startup.ts',
      hook('SeedsStartup', '    await this.orm.migrator.up();\n    await this.orm.em.count(User);\n'),
    );
    const again = await doctor(tree);
    expect(located(again.logs)).toEqual(['src/database/seeds.startup.ts:9 error']);
    expect(findings(again.logs)[0]).toContain('SeedsStartup.onModuleInit() (onModuleInit()) reaches the database with no request context');
  });

  it('bad input: an unknown argument is refused before anything is read', async () => {
    const error = await doctor(fixtureTree('doctor-healthy'), { name: 'fixx' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchematicsException);
    expect((error as Error).message).toBe(
      'Unknown argument "fixx": nest g doctor takes none (read-only audit) or "fix" (apply the safe fixes).',
    );
  });

  it('MikroORM 4 (no request-context decorator): the other rules still run', async () => {
    const tree = fixtureTree('doctor-problems');
    const pkg = JSON.parse(tree.readContent('package.json'));
    pkg.dependencies['@mikro-orm/core'] = '^4.5.10';
    tree.overwrite('package.json', JSON.stringify(pkg, null, 2));
    const { logs } = await doctor(tree);
    expect(located(logs, 'reaches the database with no request context')).toEqual([]);
    expect(located(logs, 'keeps one em.fork()')).toEqual(['src/users/users.service.ts:7 error', 'src/users/users.service.ts:11 error']);
  });

  it('a file that does not parse is a finding, not a crash', async () => {
    const tree = fixtureTree('doctor-healthy');
    tree.overwrite('src/stats/stats.service.ts', 'export class Broken {\n  x = ;\n}\n');
    const { logs } = await doctor(tree);
    expect(located(logs)).toEqual(['src/stats/stats.service.ts:2 error']);
    expect(findings(logs)[0]).toMatch(/does not parse .* — fix the syntax error, then run the doctor again$/);
  });
});

describe('doctor fix (nest g doctor fix, or --fix) runs the schematics that fix what is safe', () => {
  it('handlers: runs context, after which only the handler that needs a hand is left', async () => {
    const { tree, logs } = await doctor(fixtureTree('context-jobs'), { name: 'fix' });
    expect(logs.map((l) => l.message)).toContain('doctor fix: running context for 9 handler(s) without a request context.');
    expect(logs.map((l) => l.message)).toContain('UPDATE src/jobs/report.job.ts: @CreateRequestContext() on ReportJob.run()');
    const again = await doctor(tree);
    // tick() moved from line 19 to 21: context added an import and @CreateRequestContext() on run() above it.
    expect(located(again.logs)).toEqual(['src/jobs/report.job.ts:21 error']);
    expect(tree.readContent('src/jobs/report.job.ts').split('\n')[20].trim()).toBe('tick(): void {');
  });

  it('registration: the library middleware beside ours gets registerRequestContext: false (init)', async () => {
    const input = fixtureTree('doctor-library-twice');
    const module = input.readContent('src/app.module.ts');
    input.overwrite('src/app.module.ts', module.replace('MikroOrmModule.forRoot(config)', 'MikroOrmModule.forRoot({ ...config })'));
    const { tree, logs } = await doctor(input, { fix: true, skipInstall: true });
    expect(logs.map((l) => l.message)).toContain('doctor fix: running init for the HTTP request context registration.');
    const options = findCall(parse(tree.readContent('src/app.module.ts')), 'forRoot').arguments[0] as ts.ObjectLiteralExpression;
    expect(options.properties.map((p) => p.getText())).toEqual(['...config', 'registerRequestContext: false']);
    const again = await doctor(tree);
    expect(located(again.logs, 'registered twice')).toEqual([]);
  });

  it('registration: options imported from another file are switched off where the root receives them, the config file untouched', async () => {
    const before = fixtureTree('doctor-library-twice');
    const { tree } = await doctor(before, { fix: true, skipInstall: true });
    const module = parse(tree.readContent('src/app.module.ts'));
    const [forRoot] = callsOf(module, 'MikroOrmModule', 'forRoot');
    expect(forRoot.arguments[0].getText(module)).toBe('{ ...config, registerRequestContext: false }');
    expect(tree.readContent('src/mikro-orm.config.ts')).toBe(fixtureTree('doctor-library-twice').readContent('src/mikro-orm.config.ts'));
    expect(tree.readContent('src/main.ts')).toBe(fixtureTree('doctor-library-twice').readContent('src/main.ts'));
    const again = await doctor(tree);
    expect(findings(again.logs).filter((l) => l.includes('context-registration') || l.includes('registered'))).toEqual([]);
  });

  it('registration: none at all gets the app.use registration in main.ts (init)', async () => {
    const { tree } = await doctor(fixtureTree('doctor-unregistered'), { fix: true, skipInstall: true });
    const main = parse(tree.readContent('src/main.ts'));
    expect(tree.readContent('src/main.ts')).toContain(
      'app.use((_req: unknown, _res: unknown, next: () => void) => RequestContext.create(app.get(MikroORM).em, next));',
    );
    expect(main.statements.filter(ts.isImportDeclaration).map((i) => (i.moduleSpecifier as ts.StringLiteral).text)).toContain(
      '@mikro-orm/core',
    );
    const again = await doctor(tree);
    expect(located(again.logs)).toEqual([]);
  });

  it('without fix, the same apps are left as they are', async () => {
    for (const name of ['context-jobs', 'doctor-library-twice', 'doctor-unregistered']) {
      const tree = fixtureTree(name);
      const before = snapshot(tree);
      expect([name, snapshot((await doctor(tree)).tree)]).toEqual([name, before]);
    }
  });
});

function findCall(source: ts.SourceFile, method: string): ts.CallExpression {
  let found: ts.CallExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (!found && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === method)
      found = node;
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (!found) throw new Error(`no .${method}() call`);
  return found;
}
