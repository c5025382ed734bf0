// The checked-in copies of the Nest CLI's own output (test/fixtures/<folder>) and the CLI release
// that made each one: scripts/refresh-fixtures.ts writes them again, the matrix starts from them.

export interface FixtureSource {
  /** the folder under test/fixtures */
  folder: string;
  /** the @nestjs/cli release: `npx @nestjs/cli@<cli> new` */
  cli: string;
  /** the name given to `nest new` (package.json "name", the SQLite file's name) */
  appName: string;
  /** projects `nest g app` adds afterwards, which makes the app a monorepo */
  apps?: string[];
  /**
   * Switched to Fastify afterwards as docs.nestjs.com/techniques/performance says: the packages
   * through `npm pkg`, and src/main.ts and test/app.e2e-spec.ts (the adapter and the docs' `inject`
   * test) kept from the checked-in copy, which holds that edit made by hand.
   */
  fastify?: boolean;
}

export const FIXTURE_SOURCES: readonly FixtureSource[] = [
  { folder: 'nest10-new', cli: '10', appName: 'nest10-new' },
  { folder: 'nest11-new', cli: '11', appName: 'real' },
  { folder: 'nest12-new', cli: '12', appName: 'nest12-new' },
  { folder: 'fastify-new', cli: '12', appName: 'fastify-new', fastify: true },
  { folder: 'monorepo-new', cli: '12', appName: 'monorepo-new', apps: ['admin'] },
];

/** What the Fastify switch changes by hand, kept when the fixture is refreshed. */
export const FASTIFY_FILES = ['src/main.ts', 'test/app.e2e-spec.ts'];
