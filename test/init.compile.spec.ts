import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { fixtureTree, runner } from './support/fixtures';
import { removeDir, tempDir, typecheck, writeTree } from './support/app';

/**
 * The apps init produces type-check with tsc against the real @nestjs/* and @mikro-orm/* packages:
 * Nest 12 + MikroORM 7 from the project's node_modules, Nest 11 + MikroORM 6 from test/orm6.
 */
const cases: { fixture: string; options?: Record<string, unknown>; tsconfig: string; orm?: 6 | 7; edit?: (tree: UnitTestTree) => void }[] =
  [
    { fixture: 'nest12', tsconfig: 'tsconfig.build.json' },
    { fixture: 'nest12', options: { style: 'middleware', driver: 'postgresql' }, tsconfig: 'tsconfig.build.json' },
    { fixture: 'fastify', tsconfig: 'tsconfig.build.json' },
    { fixture: 'messy', options: { driver: 'postgresql' }, tsconfig: 'tsconfig.build.json' },
    { fixture: 'tabs-crlf', tsconfig: 'tsconfig.build.json' },
    { fixture: 'monorepo', options: { project: 'api' }, tsconfig: 'apps/api/tsconfig.app.json' },
    { fixture: 'custom-source-root', options: { style: 'middleware' }, tsconfig: 'tsconfig.json' },
    { fixture: 'library-middleware', tsconfig: 'tsconfig.build.json' },
    {
      fixture: 'nest11',
      tsconfig: 'tsconfig.build.json',
      orm: 6,
      edit: (tree) => {
        const pkg = JSON.parse(tree.readContent('/package.json'));
        pkg.dependencies['@mikro-orm/core'] = '6.6.16';
        tree.overwrite('/package.json', JSON.stringify(pkg, null, 2));
      },
    },
    {
      fixture: 'nest11',
      options: { style: 'middleware' },
      tsconfig: 'tsconfig.build.json',
      orm: 6,
      edit: (tree) => {
        const pkg = JSON.parse(tree.readContent('/package.json'));
        pkg.dependencies['@mikro-orm/core'] = '^6.6.0';
        tree.overwrite('/package.json', JSON.stringify(pkg, null, 2));
      },
    },
  ];

describe('apps set up by init type-check against the real packages', () => {
  const named = cases.map((c) => [`${c.fixture} ${JSON.stringify(c.options ?? {})} MikroORM ${c.orm ?? 7}`, c] as const);
  it.each(named)('%s', async (_name, { fixture, options, tsconfig, orm, edit }) => {
    const input = fixtureTree(fixture);
    edit?.(input);
    const tree = await runner().runSchematic('init', { skipInstall: true, ...options }, input);
    const dir = tempDir(`init-${fixture}`, orm ?? 7);
    try {
      writeTree(tree, dir);
      await typecheck(dir, tsconfig);
    } finally {
      removeDir(dir);
    }
  });
});
