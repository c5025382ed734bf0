import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

/**
 * The app's own `prettier --check "src/**\/*.ts" "test/**\/*.ts"` (the `format` script of `nest new`)
 * passes after every schematic, run through the bin on copies of the Nest 11 and Nest 12 fixtures
 * with their .prettierrc and a prettier in their node_modules, as an installed app has.
 */
const exec = promisify(execFile);
const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const STEPS: string[][] = [
  ['init'],
  ['g', 'entity', 'user', '--fields', 'name:string,email:string:unique'],
  ['g', 'entity', 'post', '--fields', 'title:string,body:text?,status:Status(draft|published|archived),rating:int?,author:User'],
  ['g', 'repository', 'users'],
  ['g', 'resource', 'posts'],
  ['g', 'context'],
];

const apps: string[] = [];

/** A copy of a fixture app outside the project (no prettier of ours above it), with the project's prettier linked into its node_modules. */
function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mrc-format-${name}-`));
  apps.push(dir);
  cpSync(join(ROOT, 'test', 'fixtures', name), dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules', 'prettier'), join(dir, 'node_modules', 'prettier'), 'dir');
  return dir;
}

async function bin(app: string, args: string[]): Promise<string> {
  const { stdout } = await exec(process.execPath, [BIN, ...args, '--skip-install', '--no-interactive', '--no-color'], {
    cwd: app,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** The app's `prettier --check` as its format script globs it: the exit code and what prettier printed. */
async function prettierCheck(app: string): Promise<{ code: number; output: string }> {
  const prettier = join(app, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  try {
    const { stdout, stderr } = await exec(process.execPath, [prettier, '--check', 'src/**/*.ts', 'test/**/*.ts'], { cwd: app });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The app's TypeScript sources, path → content. */
function sources(app: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(relative(app, path), readFileSync(path, 'utf8'));
    }
  };
  for (const folder of ['src', 'test']) walk(join(app, folder));
  return files;
}

afterAll(() => {
  for (const dir of apps) rmSync(dir, { recursive: true, force: true });
});

describe.each(['nest11', 'nest12'])('the schematics on %s with its own prettier', (fixture) => {
  it('leave src and test prettier-clean after every step, and a second run changes nothing', async () => {
    const app = copyFixture(fixture);
    expect(await prettierCheck(app)).toMatchObject({ code: 0 });
    for (const step of STEPS) {
      await bin(app, step);
      const check = await prettierCheck(app);
      expect({ step: step.join(' '), ...check }).toMatchObject({ step: step.join(' '), code: 0 });
    }
    // init finds its registration in the formatted main.ts, context its decorators: nothing to add again.
    const before = sources(app);
    await bin(app, ['init']);
    await bin(app, ['g', 'context']);
    expect(sources(app)).toEqual(before);
    // resource after repository: the repository files prettier laid out are the same code, not the user's.
    const resource = await bin(app, ['g', 'resource', 'users']);
    expect(resource).not.toContain('exists with other content');
    expect(sources(app).get('src/users/users.repository.mikro-orm.ts')).toBe(before.get('src/users/users.repository.mikro-orm.ts'));
    expect(await prettierCheck(app)).toMatchObject({ code: 0 });
  });
});

it('a dry run shows the formatted content that the real run writes', async () => {
  const dry = copyFixture('nest11');
  const diff = await bin(dry, ['init', '--dry-run']);
  const real = copyFixture('nest11');
  await bin(real, ['init']);
  const main = readFileSync(join(real, 'src', 'main.ts'), 'utf8').split('\n');
  // The lines after main.ts's `+++` header, up to the next file.
  const lines = diff.split('\n');
  const from = lines.indexOf('+++ b/src/main.ts') + 1;
  const to = lines.findIndex((line, i) => i >= from && /^(CREATE|UPDATE|DELETE|RENAME) |^--- a\//.test(line));
  const added = lines
    .slice(from, to === -1 ? undefined : to)
    .filter((line) => line.startsWith('+'))
    .map((line) => line.slice(1));
  expect(from).toBeGreaterThan(0);
  // What the dry run shows as added is what the real run (checked prettier-clean below) adds.
  const original = readFileSync(join(ROOT, 'test', 'fixtures', 'nest11', 'src', 'main.ts'), 'utf8');
  expect(added.length).toBeGreaterThan(0);
  expect(added).toEqual(main.filter((line) => !original.split('\n').includes(line)));
  expect(await prettierCheck(real)).toMatchObject({ code: 0 });
  expect(readFileSync(join(dry, 'src', 'main.ts'), 'utf8')).toBe(original);
});
