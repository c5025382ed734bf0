import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_SOURCES } from '../scripts/lib/matrix/fixtures.ts';
import { GATE_NAMES, SHAPES, gatesAfter, parseOptions, stepsFor } from '../scripts/lib/matrix/plan.ts';
import { redCells, renderTable, type Row } from '../scripts/lib/matrix/table.ts';
import { FIXTURES } from '../scripts/lib/paths.ts';

/**
 * The pure parts of the app-shape matrix (`npm run test:matrix`, scripts/matrix.ts): the command
 * line, the steps each shape's user types, when the gates run, and the table. The matrix itself
 * installs and runs apps: it is CI's own step, not part of the fast tier.
 */
describe('the matrix command line', () => {
  it('runs every shape and driver, gates after every step, one job, when given nothing', () => {
    const options = parseOptions([]);
    expect(options.shapes).toEqual(SHAPES);
    expect(options.drivers).toEqual(['sqlite', 'postgresql']);
    expect(options).toMatchObject({ gates: 'every', jobs: 1, keep: false });
  });

  it('filters shapes and drivers, comma-separated or repeated, in the matrix order', () => {
    const options = parseOptions([
      '--shape',
      'fastify,nest12',
      '--shape=monorepo',
      '--driver',
      'postgresql',
      '--jobs',
      '2',
      '--gates',
      'ends',
      '--keep',
    ]);
    expect(options.shapes.map((s) => s.name)).toEqual(['nest12', 'fastify', 'monorepo']);
    expect(options).toMatchObject({ drivers: ['postgresql'], gates: 'ends', jobs: 2, keep: true });
  });

  it.each([
    [['--shape', 'nest9'], /unknown shape\(s\): nest9/],
    [['--driver', 'mongodb'], /unknown driver\(s\): mongodb/],
    [['--gates', 'some'], /--gates takes every or ends/],
    [['--jobs', '0'], /--jobs takes a whole number/],
    [['--colour'], /Unknown option '--colour'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(message);
  });
});

describe('the steps a user of each shape types', () => {
  const shape = (name: string) => SHAPES.find((s) => s.name === name)!;
  const lines = (name: string, driver: 'sqlite' | 'postgresql') =>
    stepsFor(shape(name), driver).map((step) => [step.name, step.commands.map((c) => `${c.caller} ${c.args.join(' ')}`)]);

  it('under nest g: the driver through --type (nest g rejects --driver), the fields through the bin (no nest g flag)', () => {
    expect(lines('nest11-orm7', 'postgresql')).toEqual([
      ['init', ['nest g -c mikro-request-context init --type postgresql']],
      [
        'entity',
        [
          'bin g entity user --fields name:string,email:string:unique',
          'bin g entity post --fields title:string,body:text?,status:Status(draft|published|archived),rating:int?,author:User',
        ],
      ],
      ['repository', ['nest g repository users']],
      ['resource', ['nest g resource posts']],
      ['context', ['nest g context']],
    ]);
    // SQLite is init's default: nothing to pass.
    expect(lines('nest11-orm7', 'sqlite')[0]).toEqual(['init', ['nest g -c mikro-request-context init']]);
  });

  it('CLI 10: nest g has no --type, so init with a driver goes through the bin and the rest through nest g', () => {
    expect(lines('nest10-orm6', 'postgresql').map(([, commands]) => commands[0].split(' ').slice(0, 3).join(' '))).toEqual([
      'bin init --driver',
      'bin g entity',
      'nest g repository',
      'nest g resource',
      'nest g context',
    ]);
    expect(lines('nest10-orm6', 'sqlite')[0]).toEqual(['init', ['nest g -c mikro-request-context init']]);
  });

  it('through the bin: --driver, and every schematic under g', () => {
    const steps = lines('fastify', 'postgresql');
    expect(steps[0]).toEqual(['init', ['bin init --driver postgresql']]);
    expect(steps.slice(2).map(([, commands]) => commands)).toEqual([
      ['bin g repository users'],
      ['bin g resource posts'],
      ['bin g context'],
    ]);
  });

  it('in the monorepo every call names the project: -p under nest g, --project for the bin', () => {
    for (const [, commands] of lines('monorepo', 'sqlite')) {
      for (const command of commands) expect(command).toMatch(command.startsWith('nest') ? / -p admin$/ : / --project admin$/);
    }
  });

  it('a relation, an enum and scalars in the entity step, and every step leaves files to check except context', () => {
    const steps = stepsFor(shape('nest12'), 'sqlite');
    const post = steps[1].commands[1].args.join(' ');
    expect(post).toContain('author:User');
    expect(post).toContain('status:Status(');
    expect(steps.filter((s) => s.creates.length === 0).map((s) => s.name)).toEqual(['context']);
  });
});

describe('when the gates run', () => {
  const steps = ['init', 'entity', 'repository', 'resource', 'context'];
  it('every: all five after each step; ends: all after init and the last step, build alone between', () => {
    for (const step of steps) expect(gatesAfter(step, steps, 'every')).toEqual(GATE_NAMES);
    expect(steps.map((step) => gatesAfter(step, steps, 'ends').length)).toEqual([5, 1, 1, 1, 5]);
    expect(gatesAfter('entity', steps, 'ends')).toEqual(['build']);
  });
});

describe('the table', () => {
  const outcome = (ok: boolean, seconds: number, reason?: string) => ({
    ok,
    seconds,
    reason,
    output: `output of a ${ok ? 'green' : 'red'} run`,
  });
  const rows: Row[] = [
    { shape: 'nest12', driver: '-', step: 'nest new', gates: { build: outcome(true, 2.04) } },
    {
      shape: 'nest12',
      driver: 'sqlite',
      step: 'init',
      run: outcome(true, 5),
      gates: { build: outcome(true, 3), lint: outcome(false, 1.25, 'exit 1') },
    },
  ];

  it('has one row per step and a column per gate, · where a gate did not run', () => {
    const table = renderTable(rows).split('\n');
    expect(table[0]).toBe('| shape | db | step | run | build | test | e2e | lint | format |');
    expect(table).toHaveLength(2 + rows.length);
    expect(table[2]).toBe('| nest12 | - | nest new | · | ok 2.0s | · | · | · | · |');
    expect(table[3]).toBe('| nest12 | sqlite | init | ok 5.0s | ok 3.0s | · | · | **FAIL** 1.3s | · |');
  });

  it('lists each red cell with its reason', () => {
    expect(redCells(rows).map(({ where, outcome: o }) => `${where}: ${o.reason}`)).toEqual(['nest12 / sqlite / init / lint: exit 1']);
    expect(redCells(rows.slice(0, 1))).toEqual([]);
  });
});

describe('the fixtures the matrix starts from', () => {
  it('exist, and the CLI copies hold the package.json and nest-cli.json nest new wrote, without node_modules or lock files', () => {
    for (const shape of SHAPES) expect(existsSync(join(FIXTURES, shape.fixture, 'package.json'))).toBe(true);
    for (const source of FIXTURE_SOURCES) {
      const dir = join(FIXTURES, source.folder);
      expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: source.appName });
      const nestCli = JSON.parse(readFileSync(join(dir, 'nest-cli.json'), 'utf8')) as {
        monorepo?: boolean;
        projects?: Record<string, unknown>;
      };
      expect(Boolean(nestCli.monorepo)).toBe(Boolean(source.apps?.length));
      for (const app of source.apps ?? []) expect(nestCli.projects).toHaveProperty(app);
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      expect(existsSync(join(dir, 'package-lock.json'))).toBe(false);
    }
  });
});
