import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { fixtureTree, ROOT, runner } from './support/fixtures';
import { removeDir, tempDir, writeTree } from './support/app';

const run = promisify(execFile);

/** The Nest CLI 12 (the devkit major this package is built on) and the previous major, 11. */
const CLIS = {
  'Nest CLI 12': join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'),
  'Nest CLI 11': join(ROOT, 'node_modules', 'nest-cli-11', 'bin', 'nest.js'),
};

/** Runs `nest …` in an app folder the way a user would: no terminal, so no prompts. `nest g` exits 0 even on failure. */
async function nest(cli: string, cwd: string, args: string[], nodeFlags: string[] = []): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [...nodeFlags, cli, ...args], {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stripVTControlCharacters(`${stdout}${stderr}`);
}

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (entry === 'node_modules') continue;
      if (statSync(full).isDirectory()) visit(full);
      else found.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  visit(dir);
  return found;
}

function actionLines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(CREATE|UPDATE|DELETE) /.test(l))
    .map((l) => l.replace(/ \(\d+ bytes\)$/, ''))
    .sort();
}

describe.each(Object.entries(CLIS))('%s', (name, cli) => {
  it('nest g -c <collection> init --dry-run lists the changes and writes nothing', async () => {
    const dir = tempDir('nest-cli');
    try {
      writeTree(fixtureTree('nest12'), dir);
      const before = files(dir);
      const output = await nest(cli, dir, ['g', '-c', join(ROOT, 'collection.json'), 'init', '--dry-run']);
      expect(actionLines(output)).toEqual(
        [
          'CREATE .env.example',
          'CREATE .gitignore',
          'CREATE .prettierignore',
          'CREATE src/app.setup.ts',
          'CREATE src/database/database.module.ts',
          'CREATE src/database/mikro-orm-exception.filter.ts',
          'CREATE src/mikro-orm.config.ts',
          'CREATE test/mikro-orm.testing.ts',
          'UPDATE nest-cli.json',
          'UPDATE package.json',
          'UPDATE src/app.module.ts',
          'UPDATE src/main.ts',
        ].sort(),
      );
      expect(output).toContain('Using defaults: driver=sqlite, style=main');
      expect(output).toContain('Dry run enabled. No files written to disk.');
      expect(files(dir)).toEqual(before);
    } finally {
      removeDir(dir);
    }
  });

  // Nest CLI 11 does not know --type for custom collections: there init takes its defaults or prompts.
  (name === 'Nest CLI 12' ? it : it.skip)('--type passes the driver through nest g, which rejects unknown flags', async () => {
    const dir = tempDir('nest-cli');
    try {
      writeTree(fixtureTree('nest12'), dir);
      const output = await nest(cli, dir, ['g', '-c', join(ROOT, 'collection.json'), 'init', '--type', 'postgresql', '--dry-run']);
      expect(output).toContain('driver postgresql');
      const rejected = await nest(cli, dir, ['g', '-c', join(ROOT, 'collection.json'), 'init', '--driver=postgresql', '--dry-run']).catch(
        (e: { stdout: string; stderr: string }) => `${e.stdout}${e.stderr}`,
      );
      expect(rejected).toContain("unknown option '--driver=postgresql'");
    } finally {
      removeDir(dir);
    }
  });
});

describe('after init, the package is the default collection and still serves @nestjs/schematics', () => {
  it('nest g service and nest g init resolve through mikro-request-context', async () => {
    const dir = tempDir('nest-cli-default');
    try {
      const tree = await runner().runSchematic('init', { skipInstall: true }, fixtureTree('nest12'));
      writeTree(tree, dir);
      // As after `npm i -D mikro-request-context`: the package and the Nest CLI in the app's node_modules.
      // The CLI lists the default collection's schematics from its own location, so node keeps the links as they are.
      const modules = join(dir, 'node_modules');
      mkdirSync(join(modules, '@nestjs'), { recursive: true });
      symlinkSync(relative(modules, ROOT), join(modules, 'mikro-request-context'), 'dir');
      symlinkSync(relative(join(modules, '@nestjs'), join(ROOT, 'node_modules', '@nestjs', 'cli')), join(modules, '@nestjs', 'cli'), 'dir');
      const appCli = join(modules, '@nestjs', 'cli', 'bin', 'nest.js');
      const preserve = ['--preserve-symlinks', '--preserve-symlinks-main'];
      const before = files(dir);
      const service = await nest(appCli, dir, ['g', 'service', 'foo', '--dry-run'], preserve);
      expect(actionLines(service)).toEqual([
        'CREATE src/foo/foo.service.spec.ts',
        'CREATE src/foo/foo.service.ts',
        'UPDATE src/app.module.ts',
      ]);
      const again = await nest(appCli, dir, ['g', 'init', '--dry-run'], preserve);
      expect(again).toContain('Nothing to change: MikroORM and its request context are already set up in this app.');
      expect(actionLines(again)).toEqual([]);
      expect(files(dir)).toEqual(before);
    } finally {
      removeDir(dir);
    }
  });
});
