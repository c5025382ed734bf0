import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listFiles } from '../scripts/lib/files.ts';
import { ROOT } from '../scripts/lib/paths.ts';

const run = promisify(execFile);

/**
 * The proof and bench harness (scripts/) is TypeScript that Node runs by stripping its types: a type
 * error must fail the fast tier, and so must a module plain Node cannot load (a type imported
 * without `type`, an import without its .ts extension, syntax that is not erasable).
 */
describe('the harness under scripts/', () => {
  it('type-checks: tsc -p scripts exits 0', async () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const result = await run(process.execPath, [tsc, '-p', join(ROOT, 'scripts'), '--pretty', 'false'], {
      cwd: ROOT,
      maxBuffer: 16 << 20,
    }).catch((error: { stdout?: string; stderr?: string; code?: number }) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
    expect('code' in result ? result.code : 0).toBe(0);
  });

  it('every module loads in plain Node', async () => {
    // load-worker.ts runs as a process of its own and reads its options from stdin on load.
    const modules = listFiles(join(ROOT, 'scripts', 'lib')).filter((path) => path.endsWith('.ts') && path !== 'bench/load-worker.ts');
    expect(modules.length).toBeGreaterThan(20);
    const script = `for (const path of ${JSON.stringify(modules)}) await import('./scripts/lib/' + path);`;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(stdout + stderr).toBe('');
  });
});
