// What the app-shape matrix runs (`npm run test:matrix`, scripts/matrix.ts): the app shapes the
// package supports, the drivers, the steps a user takes and the app's own gates after each step.
// Pure data and the choice of cells from the command line; running them is run.ts's.
import { parseArgs } from 'node:util';

export type Driver = 'sqlite' | 'postgresql';
export const DRIVERS: readonly Driver[] = ['sqlite', 'postgresql'];

export type GateName = 'build' | 'test' | 'e2e' | 'lint' | 'format';
export const GATE_NAMES: readonly GateName[] = ['build', 'test', 'e2e', 'lint', 'format'];

/** How the schematics are called: `nest g` (only the flags nest g knows) or the package's bin. */
export type Caller = 'nest' | 'bin';

export interface Shape {
  name: string;
  /** what the shape is, for the table's legend */
  label: string;
  /** the folder under test/fixtures the app is copied from */
  fixture: string;
  caller: Caller;
  /** whether this CLI's `nest g` takes --type (CLI 10's rejects it: init with a driver goes through the bin there) */
  nestType?: false;
  /** packages the user installs before init besides this package (MikroORM 6 on a Nest 11 app) */
  preinstall: string[];
  /** the monorepo project the schematics target */
  project?: string;
  /** where the targeted app's sources and e2e specs are, relative to the app folder */
  sourceRoot: string;
  testRoot: string;
  /** arguments after `npm run build` */
  buildArgs: string[];
  /** how `npm run lint` behaves: eslint with --fix (no file may change) or oxlint (read only) */
  lint: 'eslint --fix' | 'oxlint';
  /** the files `prettier --check` reads, as the app's format script globs them */
  formatGlobs: string[];
}

const single = { sourceRoot: 'src', testRoot: 'test', buildArgs: [], formatGlobs: ['src/**/*.ts', 'test/**/*.ts'] };

export const SHAPES: readonly Shape[] = [
  {
    name: 'nest12',
    label: 'Nest 12 `nest new` (CLI 12): ESM, vitest, oxlint, MikroORM 7',
    fixture: 'nest12-new',
    caller: 'nest',
    preinstall: [],
    lint: 'oxlint',
    ...single,
  },
  {
    name: 'nest11-orm7',
    label: "Nest 11 `nest new` (CLI 11): CommonJS, jest, eslint + prettier, MikroORM 7 (init's choice)",
    fixture: 'nest11-new',
    caller: 'nest',
    preinstall: [],
    lint: 'eslint --fix',
    ...single,
  },
  {
    name: 'nest11-orm6',
    label: 'Nest 11 `nest new` (CLI 11) with @mikro-orm/core@6 installed first: MikroORM 6',
    fixture: 'nest11-new',
    caller: 'nest',
    preinstall: ['@mikro-orm/core@6'],
    lint: 'eslint --fix',
    ...single,
  },
  {
    name: 'nest10-orm6',
    label: 'Nest 10 `nest new` (CLI 10): CommonJS, jest, eslint + prettier, MikroORM 6',
    fixture: 'nest10-new',
    caller: 'nest',
    nestType: false,
    preinstall: [],
    lint: 'eslint --fix',
    ...single,
  },
  {
    name: 'fastify',
    label: 'Nest 12 `nest new` (CLI 12) switched to Fastify as the Nest docs say; every step through the bin',
    fixture: 'fastify-new',
    caller: 'bin',
    preinstall: [],
    lint: 'oxlint',
    ...single,
  },
  {
    name: 'monorepo',
    label: 'Nest 12 monorepo (`nest new` + `nest g app admin`, CLI 12), schematics on project admin',
    fixture: 'monorepo-new',
    caller: 'nest',
    preinstall: [],
    project: 'admin',
    sourceRoot: 'apps/admin/src',
    testRoot: 'apps/admin/test',
    buildArgs: ['--', '--all'],
    lint: 'oxlint',
    formatGlobs: ['apps/**/*.ts'],
  },
];

/** One schematic call: the package's collection through `nest g`, or its bin. */
export interface Command {
  caller: Caller;
  args: string[];
}

export interface Step {
  name: string;
  /** the schematic calls of the step, in order */
  commands: Command[];
  /** files the step must leave, relative to the source root (`test:` prefix: to the test root) */
  creates: string[];
}

/** The user's fields: scalars (unique, nullable), an enum and a ManyToOne relation. */
export const ENTITY_FIELDS = {
  user: 'name:string,email:string:unique',
  post: 'title:string,body:text?,status:Status(draft|published|archived),rating:int?,author:User',
};

/**
 * The steps of the README, as a user of this shape types them. `nest g` passes only its own flags:
 * the driver goes through `--type` (the bin where nest g has no --type: CLI 10), the project through
 * `-p`, and an entity's fields (no nest g flag; prompted in a terminal) through the bin.
 */
export function stepsFor(shape: Shape, driver: Driver): Step[] {
  const bin = (args: string[]): Command => ({ caller: 'bin', args: [...args, ...(shape.project ? ['--project', shape.project] : [])] });
  const nest = (args: string[]): Command => ({ caller: 'nest', args: [...args, ...(shape.project ? ['-p', shape.project] : [])] });
  const g = (schematic: string, name?: string): Command =>
    shape.caller === 'nest' ? nest(['g', schematic, ...(name ? [name] : [])]) : bin(['g', schematic, ...(name ? [name] : [])]);
  const postgres = driver === 'postgresql';
  const init =
    shape.caller === 'nest' && !(postgres && shape.nestType === false)
      ? nest(['g', '-c', 'mikro-request-context', 'init', ...(postgres ? ['--type', 'postgresql'] : [])])
      : bin(['init', ...(postgres ? ['--driver', 'postgresql'] : [])]);
  return [
    { name: 'init', commands: [init], creates: ['mikro-orm.config.ts', 'database/database.module.ts'] },
    {
      name: 'entity',
      commands: [
        bin(['g', 'entity', 'user', '--fields', ENTITY_FIELDS.user]),
        bin(['g', 'entity', 'post', '--fields', ENTITY_FIELDS.post]),
      ],
      creates: ['users/user.entity.ts', 'posts/post.entity.ts'],
    },
    { name: 'repository', commands: [g('repository', 'users')], creates: ['users/users.repository.ts', 'users/users.module.ts'] },
    {
      name: 'resource',
      commands: [g('resource', 'posts')],
      creates: ['posts/posts.controller.ts', 'posts/posts.service.ts', 'test:posts.e2e-spec.ts'],
    },
    { name: 'context', commands: [g('context')], creates: [] },
  ];
}

/** When the gates run: all five after every step, or all after init and the last step and build after the others. */
export type GatePolicy = 'every' | 'ends';

export function gatesAfter(step: string, steps: readonly string[], policy: GatePolicy): GateName[] {
  if (policy === 'every' || step === steps[0] || step === steps[steps.length - 1]) return [...GATE_NAMES];
  return ['build'];
}

export interface Options {
  shapes: Shape[];
  drivers: Driver[];
  gates: GatePolicy;
  /** shapes run at once (a shape's cells run one after the other) */
  jobs: number;
  /** keep the app folders (their paths are printed) */
  keep: boolean;
}

export const USAGE = `usage: npm run test:matrix -- [--shape <name>[,<name>]] [--driver sqlite|postgresql] [--gates every|ends] [--jobs <n>] [--keep]
  shapes: ${SHAPES.map((s) => s.name).join(', ')}`;

/** The command line: each filter takes a comma-separated list and may repeat. Throws on anything unknown. */
export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      shape: { type: 'string', multiple: true, default: [] },
      driver: { type: 'string', multiple: true, default: [] },
      gates: { type: 'string', default: 'every' },
      jobs: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
    },
  });
  const shapes = values.shape.flatMap((v) => v.split(','));
  const drivers = values.driver.flatMap((v) => v.split(','));
  const unknownShapes = shapes.filter((name) => !SHAPES.some((s) => s.name === name));
  if (unknownShapes.length > 0) throw new Error(`unknown shape(s): ${unknownShapes.join(', ')}\n${USAGE}`);
  const unknownDrivers = drivers.filter((name) => !DRIVERS.some((d) => d === name));
  if (unknownDrivers.length > 0) throw new Error(`unknown driver(s): ${unknownDrivers.join(', ')}\n${USAGE}`);
  if (values.gates !== 'every' && values.gates !== 'ends') throw new Error(`--gates takes every or ends, not ${values.gates}\n${USAGE}`);
  const jobs = Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs takes a whole number from 1, not ${values.jobs}\n${USAGE}`);
  return {
    shapes: SHAPES.filter((s) => shapes.length === 0 || shapes.includes(s.name)),
    drivers: DRIVERS.filter((d) => drivers.length === 0 || drivers.includes(d)),
    gates: values.gates,
    jobs,
    keep: values.keep,
  };
}
