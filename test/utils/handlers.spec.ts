import { parseText } from '../../src/utils/ast';
import {
  classFacts,
  constructorParameterInsertion,
  contextAccess,
  contextFreeOrmWork,
  touchesDatabase,
  databaseClasses,
  findHandlers,
  isEntityManagerExpression,
  methodDecoratorInsertion,
  repositoryClasses,
} from '../../src/utils/handlers';
import { DEFAULT_STYLE } from '../../src/utils/source-style';
import * as ts from 'typescript';

function apply(text: string, insertions: { pos: number; text: string }[]): string {
  return [...insertions].sort((a, b) => b.pos - a.pos).reduce((t, i) => t.slice(0, i.pos) + i.text + t.slice(i.pos), text);
}

describe('findHandlers', () => {
  const text = `
import { Cron as Every, Interval } from '@nestjs/schedule';
import * as micro from '@nestjs/microservices';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { CreateRequestContext } from '@mikro-orm/decorators/legacy';
import { RequestContext } from '@mikro-orm/core';
import { Process } from './my-process';

export class Jobs {
  @Every('* * * * *') async aliased() {}
  @Interval(5) tick() {}
  @micro.MessagePattern('x') async namespaced() {}
  @Process() async notBull() {}
  @Interval(5) @CreateRequestContext() async decorated() {}
  @Interval(5) async contextInside() { await RequestContext.create(this.em, async () => undefined); }
  @Interval(5) async forked() { const em = this.orm.em.fork(); }
  @Interval(5) async childProcess() { child.fork(); }
  static async onModuleInit() {}
  async onApplicationBootstrap() {}
  async plain() {}
}

@Processor('q')
export class Worker extends WorkerHost {
  async process() {}
}
`;
  const handlers = findHandlers(parseText('jobs.ts', text));

  it('resolves decorators through aliases and namespaces, and only from the handler packages', () => {
    expect(handlers.map((h) => `${h.className}.${h.methodName} ${h.trigger}`)).toEqual([
      'Jobs.aliased @Cron()',
      'Jobs.tick @Interval()',
      'Jobs.namespaced @MessagePattern()',
      'Jobs.decorated @Interval()',
      'Jobs.contextInside @Interval()',
      'Jobs.forked @Interval()',
      'Jobs.childProcess @Interval()',
      'Jobs.onModuleInit onModuleInit()',
      'Jobs.onApplicationBootstrap onApplicationBootstrap()',
      'Worker.process WorkerHost.process()',
    ]);
  });

  it('tells async, static, the line, and an existing context', () => {
    const by = (name: string) => handlers.find((h) => h.methodName === name)!;
    expect(by('tick').isAsync).toBe(false);
    expect(by('aliased').isAsync).toBe(true);
    expect(by('onModuleInit').isStatic).toBe(true);
    expect(by('aliased').line).toBe(10);
    expect(by('decorated').existingContext).toBe('@CreateRequestContext()');
    expect(by('contextInside').existingContext).toBe('RequestContext.create()');
    expect(by('forked').existingContext).toBe('this.orm.em.fork()');
    expect(by('childProcess').existingContext).toBeUndefined();
  });
});

describe('isEntityManagerExpression', () => {
  it.each([
    ['em', true],
    ['this.em', true],
    ['this.orm.em', true],
    ['this.userEm', true],
    ['entityManager', true],
    ['this.entityManager', true],
    ['cluster', false],
    ['child_process', false],
    ['this.items', false],
  ])('%s → %s', (expression, expected) => {
    const source = parseText('x.ts', `${expression};`);
    const statement = source.statements[0] as ts.ExpressionStatement;
    expect(isEntityManagerExpression(statement.expression)).toBe(expected);
  });
});

describe('databaseClasses / contextAccess', () => {
  const text = `
export class UserRepository extends EntityRepository<User> {}
export abstract class UsersPort {}
export class UsersAdapter implements UsersPort { constructor(@InjectRepository(User) private readonly repo: EntityRepository<User>) {} }
export class UsersService { constructor(private readonly users: UsersPort) {} }
export class Report { constructor(private readonly service: UsersService, private readonly clock: Clock) {} }
export class Custom { constructor(private readonly users: UserRepository) {} }
export class External { constructor(private readonly items: ItemsRepository) {} }
export class Plain { constructor(private readonly clock: Clock) {} }
export class WithEm { constructor(private readonly em: SqlEntityManager) {} }
export class WithOrm { constructor(private orm: MikroORM) {} }
export class NotAProperty { constructor(em: EntityManager) {} }
`;
  const facts = classFacts(parseText('x.ts', text), 'x.ts');
  const reasons = databaseClasses(facts);

  it('follows injections through the app, ports to their adapters, and custom repositories', () => {
    expect([...reasons.keys()].sort()).toEqual(
      [
        'Custom',
        'External',
        'NotAProperty',
        'Report',
        'UserRepository',
        'UsersAdapter',
        'UsersPort',
        'UsersService',
        'WithEm',
        'WithOrm',
      ].sort(),
    );
    expect(reasons.get('Report')).toBe(
      'Report injects UsersService (service), and UsersService injects UsersPort (users), and UsersAdapter, bound to UsersPort, reaches the database',
    );
    expect(reasons.has('Plain')).toBe(false);
    expect([...repositoryClasses(facts)]).toEqual(['UserRepository']);
  });

  it('says how the decorator reaches the ORM: this.em / this.orm, another member, or nothing', () => {
    const of = (name: string, major = 7) =>
      contextAccess(
        facts.find((f) => f.name === name)!,
        major,
        repositoryClasses(facts),
      );
    expect(of('WithEm')).toEqual({ kind: 'this', member: 'em' });
    expect(of('WithOrm')).toEqual({ kind: 'this', member: 'orm' });
    expect(of('WithEm', 5)).toBeUndefined();
    expect(of('UsersAdapter')).toEqual({ kind: 'member', member: 'repo' });
    expect(of('Custom')).toEqual({ kind: 'member', member: 'users' });
    expect(of('Report')).toBeUndefined();
    expect(of('NotAProperty')).toBeUndefined();
  });
});

describe('contextFreeOrmWork', () => {
  const text = `
export class UsersService { constructor(@InjectRepository(User) private readonly users: EntityRepository<User>) {} }
export class Startup {
  private readonly logger = new Logger(Startup.name);
  constructor(
    private readonly orm: MikroORM,
    private readonly em: EntityManager,
    @InjectRepository(User) private readonly repo: EntityRepository<User>,
    private readonly service: UsersService,
    private readonly config: ConfigService,
  ) {}
  async migrate() { await this.orm.migrator.up(); }
  async migrateV6() { await this.orm.getMigrator().up(); }
  async schema() { await this.orm.schema.updateSchema(); await this.orm.getSchemaGenerator().ensureDatabase(); }
  async seed() { await this.orm.seeder.seed(DatabaseSeeder); }
  async connection() { if (!(await this.orm.isConnected())) await this.orm.connect(); await this.orm.checkConnection(); await this.orm.close(); }
  async kept() { const migrator = this.orm.getMigrator(); if (this.config.get('MIGRATE')) await migrator.up(); this.logger.log('migrated'); }
  async alsoEm() { await this.orm.migrator.up(); await this.em.find(User, {}); }
  async alsoOrmEm() { await this.orm.migrator.up(); await this.orm.em.find(User, {}); }
  async alsoRepository() { await this.orm.migrator.up(); await this.repo.find({}); }
  async alsoService() { await this.orm.migrator.up(); await this.service.findAll(); }
  async alsoOwnMethod() { await this.orm.migrator.up(); await this.fill(); }
  async alsoSuper() { await this.orm.migrator.up(); await super.onModuleInit(); }
  async ormHandedOn() { await this.orm.migrator.up(); await seedWith(this.orm); }
  async onlyLogs() { this.logger.log('up'); }
  async fill() {}
}
`;
  const source = parseText('startup.ts', text);
  const facts = classFacts(source, 'startup.ts');
  const cls = facts.find((f) => f.name === 'Startup')!;
  const work = (name: string) =>
    contextFreeOrmWork(
      cls.node.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(source) === name)!,
      cls,
      databaseClasses(facts),
      repositoryClasses(facts),
    );

  it.each([
    ['migrate', 'this.orm.migrator'],
    ['migrateV6', 'this.orm.getMigrator'],
    ['schema', 'this.orm.schema'],
    ['seed', 'this.orm.seeder'],
    ['connection', 'this.orm.isConnected'],
    ['kept', 'this.orm.getMigrator'],
  ])('%s() only works on the ORM itself: %s', (name, expected) => {
    expect(work(name)).toBe(expected);
  });

  it.each(['alsoEm', 'alsoOrmEm', 'alsoRepository', 'alsoService', 'alsoOwnMethod', 'alsoSuper', 'ormHandedOn', 'onlyLogs'])(
    '%s() may reach the global EntityManager (or does no ORM work): left to its class',
    (name) => {
      expect(work(name)).toBeUndefined();
    },
  );
});

describe('insertions', () => {
  it('a method decorator goes innermost, on its own line or inline', () => {
    const text = `class A {\n  @Cron('x')\n  async run() {}\n  @Cron('y') async inline() {}\n  async bare() {}\n}\n`;
    const source = parseText('a.ts', text);
    const cls = source.statements[0] as ts.ClassDeclaration;
    const methods = cls.members.filter(ts.isMethodDeclaration);
    const out = apply(
      text,
      methods.map((m) => methodDecoratorInsertion(source, DEFAULT_STYLE, m, '@Ctx()')),
    );
    expect(out).toBe(
      `class A {\n  @Cron('x')\n  @Ctx()\n  async run() {}\n  @Cron('y') @Ctx() async inline() {}\n  @Ctx()\n  async bare() {}\n}\n`,
    );
  });

  it.each([
    ['one line', `class A {\n  constructor(private a: A) {}\n}\n`, `class A {\n  constructor(private a: A, private orm: O) {}\n}\n`],
    ['empty', `class A {\n  constructor() {}\n}\n`, `class A {\n  constructor(private orm: O) {}\n}\n`],
    [
      'one per line',
      `class A {\n  constructor(\n    private a: A,\n  ) {}\n}\n`,
      `class A {\n  constructor(\n    private a: A,\n    private orm: O,\n  ) {}\n}\n`,
    ],
    [
      'no constructor',
      `class A {\n  x = 1;\n\n  run() {}\n}\n`,
      `class A {\n  x = 1;\n\n  constructor(private orm: O) {}\n\n  run() {}\n}\n`,
    ],
  ])('a constructor parameter: %s', (_name, text, expected) => {
    const source = parseText('a.ts', text);
    const insertion = constructorParameterInsertion(source, DEFAULT_STYLE, source.statements[0] as ts.ClassDeclaration, 'private orm: O');
    expect(apply(text, [insertion!])).toBe(expected);
  });

  it('no constructor can be added to a subclass without one', () => {
    const source = parseText('a.ts', `class A extends B {\n  run() {}\n}\n`);
    expect(
      constructorParameterInsertion(source, DEFAULT_STYLE, source.statements[0] as ts.ClassDeclaration, 'private orm: O'),
    ).toBeUndefined();
  });
});

describe('touchesDatabase: what a handler of a database class does itself', () => {
  const text = `
export class UsersService { constructor(@InjectRepository(User) private readonly users: EntityRepository<User>) {} }
export class Listener {
  private readonly cache: EntityManager;
  constructor(
    private readonly events: EventEmitter,
    private readonly em: EntityManager,
    private readonly service: UsersService,
    rootEm: EntityManager,
  ) {
    this.cache = rootEm.fork();
  }
  onModuleInit() { this.events.on('x', this.onEvent.bind(this)); }
  onReference() { this.events.on('x', this.onEvent); }
  async usesEm() { await this.em.find(User, {}); }
  async usesService() { await this.service.findAll(); }
  async callsOwn() { await this.onEvent(); }
  async handsThisOn() { await register(this); }
  async usesStoredFork() { await this.cache.find(User, {}); }
  async callsForkOnly() { await this.viaFork(); }
  async viaFork() { await this.cache.count(User); }
  async onEvent() { await this.em.find(User, {}); }
}
`;
  const source = parseText('listener.ts', text);
  const facts = classFacts(source, 'listener.ts');
  const cls = facts.find((f) => f.name === 'Listener')!;
  const touches = (name: string) =>
    touchesDatabase(
      cls.node.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && m.name.getText(source) === name)!,
      cls,
      databaseClasses(facts),
      repositoryClasses(facts),
    );

  it('wiring listeners (a method referred to, bound, not called) and a fork stored once do not reach the global EntityManager', () => {
    expect(['onModuleInit', 'onReference', 'usesStoredFork', 'callsForkOnly'].map(touches)).toEqual([false, false, false, false]);
  });

  it('an EntityManager, a database class, an own method called, this handed on: they do', () => {
    expect(['usesEm', 'usesService', 'callsOwn', 'handsThisOn'].map(touches)).toEqual([true, true, true, true]);
  });
});
