// `npm run fixtures:refresh [-- <fixture>...]`: writes the checked-in copies of the Nest CLI's own
// output under test/fixtures/ again, from the CLI release each one stands for (npx fetches it), so
// that the app-shape matrix (`npm run test:matrix`) starts from what `nest new` gives a user today.
// Only the app's own files are kept: no node_modules, no lock file, and not the README.md or AGENTS.md
// `nest new` writes (text about Nest, not part of the app). Review the diff before committing it:
// other tests read some of these folders (nest11-new) too.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASTIFY_FILES, FIXTURE_SOURCES, type FixtureSource } from './lib/matrix/fixtures.ts';
import { FIXTURES } from './lib/paths.ts';

const LEFT_OUT = new Set(['node_modules', 'package-lock.json', 'README.md', 'AGENTS.md', '.git']);

function run(cwd: string, command: string, args: string[]): void {
  process.stdout.write(`$ ${command} ${args.join(' ')}\n`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal} in ${cwd}`);
}

/** Runs the CLI of the fixture's release in an empty folder outside the project and copies what it made over the fixture. */
function refresh(source: FixtureSource): void {
  // Outside the project: no package.json or node_modules of ours above the new app.
  const work = mkdtempSync(join(tmpdir(), `mrc-fixture-${source.folder}-`));
  try {
    const cli = `@nestjs/cli@${source.cli}`;
    run(work, 'npx', ['-y', cli, 'new', source.appName, '--skip-install', '--skip-git', '--package-manager', 'npm']);
    const app = join(work, source.appName);
    // `nest g app` turns the app into a monorepo (and installs what its builder needs).
    for (const project of source.apps ?? []) run(app, 'npx', ['-y', cli, 'g', 'app', project]);
    const target = join(FIXTURES, source.folder);
    if (source.fastify) {
      run(app, 'npm', ['pkg', 'delete', 'dependencies.@nestjs/platform-express', 'devDependencies.@types/express']);
      run(app, 'npm', ['pkg', 'set', 'dependencies.@nestjs/platform-fastify=^12.0.1']);
      for (const file of FASTIFY_FILES) cpSync(join(target, file), join(app, file));
    }
    rmSync(target, { recursive: true, force: true });
    cpSync(app, target, { recursive: true, filter: (path) => !LEFT_OUT.has(path.slice(path.lastIndexOf('/') + 1)) });
    const after = [...(source.apps ?? []).map((project) => `nest g app ${project}`), ...(source.fastify ? ['the Fastify switch'] : [])];
    process.stdout.write(`test/fixtures/${source.folder}: nest new with ${cli}${after.map((what) => ` + ${what}`).join('')}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !FIXTURE_SOURCES.some((source) => source.folder === name));
if (unknown.length > 0) {
  process.stderr.write(`unknown fixture(s): ${unknown.join(', ')}; known: ${FIXTURE_SOURCES.map((s) => s.folder).join(', ')}\n`);
  process.exit(2);
}
for (const source of FIXTURE_SOURCES) if (wanted.length === 0 || wanted.includes(source.folder)) refresh(source);
