import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixtureTree, runner } from './support/fixtures';
import { removeDir, tempDir, writeTree } from './support/app';
// The proof harness's process handling: free port, own process group, bounded wait for HTTP.
import { startInstance, stopInstance } from '../scripts/lib/proof/processes.ts';

const run = promisify(execFile);

async function build(dir: string, tsconfig: string): Promise<void> {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [dir] });
  await run(process.execPath, [tsc, '-p', join(dir, tsconfig)], { cwd: dir }).catch((e: { stdout: string }) => {
    throw new Error(`tsc -p ${tsconfig} failed:\n${e.stdout}`);
  });
}

/**
 * Apps set up by init boot and serve requests through the registered context: the ESM Nest 12 app,
 * and a CommonJS app, which loads the ESM-only MikroORM 7 through require(esm).
 */
describe('apps set up by init run', () => {
  it.each([
    ['nest12 (ESM), style main', 'nest12', {}, 'tsconfig.build.json', 'dist/main.js', '/', 'Hello World!'],
    [
      'custom-source-root (CommonJS), style middleware',
      'custom-source-root',
      { style: 'middleware' },
      'tsconfig.json',
      'dist/bootstrap.js',
      '/health',
      '{"status":"ok"}',
    ],
  ] as const)('%s', async (_name, fixture, options, tsconfig, entry, path, body) => {
    const dir = tempDir(`init-run-${fixture}`);
    const tree = await runner().runSchematic('init', { skipInstall: true, ...options }, fixtureTree(fixture));
    try {
      writeTree(tree, dir);
      await build(dir, tsconfig);
      const app = await startInstance({ dir, name: fixture, entry, env: { MIKRO_ORM_DB_NAME: 'run.sqlite3' } });
      try {
        const response = await fetch(`${app.url}${path}`);
        expect(response.status).toBe(200);
        expect(await response.text()).toBe(body);
        expect(app.output()).not.toMatch(/allowGlobalContext|Error/);
      } finally {
        await stopInstance(app);
      }
    } finally {
      removeDir(dir);
    }
  });
});
