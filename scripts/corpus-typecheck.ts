// `npm run corpus:typecheck -- <slug>...`: init on corpus apps with their own dependencies installed,
// type-checked with the app's own TypeScript before and after; exit 1 when init brought a new error.
//
// The corpus apps (test/corpus) are third-party copies kept out of git: this runs only where they
// are on disk. Each app is copied to .tmp/corpus-tc/<slug> (kept between runs, so a second run does
// not install again), installed with `npm install --ignore-scripts --legacy-peer-deps` (apps pin old
// peers), its `*.ts.example` files copied to `*.ts` as its README asks, checked with `tsc --noEmit -p tsconfig.json`, then `init
// --skip-install` runs through this
// package's bin, the packages init added are installed, and tsc runs again. Errors are compared by
// file, code and message (not line: init inserts lines).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from './lib/files.ts';
import { ROOT } from './lib/paths.ts';

const CORPUS = join(ROOT, 'test', 'corpus');
const slugs = process.argv.slice(2);
if (slugs.length === 0) {
  process.stderr.write('usage: npm run corpus:typecheck -- <slug>... (slugs from test/corpus/corpus.json)\n');
  process.exit(2);
}
const out = (line: string): boolean => process.stdout.write(`${line}\n`);
const npm = (cwd: string, args: string[]): void => {
  const result = spawnSync('npm', args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${result.stderr.slice(-2000)}`);
};

/** tsc's errors as `file TScode message` lines (no line numbers), sorted. */
function typeErrors(dir: string): string[] {
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((line) => /^(.+?)\(\d+,\d+\): error (TS\d+): (.*)$/.exec(line))
    .filter((match) => match !== null)
    .map(([, file, code, message]) => `${file} ${code} ${message}`)
    .sort();
}

let failed = false;
out('| app | errors before | errors after | new errors | seconds |');
out('| --- | --- | --- | --- | --- |');
for (const slug of slugs) {
  const source = join(CORPUS, slug);
  if (!existsSync(join(source, 'package.json'))) {
    out(`| ${slug} | not on disk | | | |`);
    failed = true;
    continue;
  }
  const started = Date.now();
  const dir = join(ROOT, '.tmp', 'corpus-tc', slug);
  mkdirSync(dir, { recursive: true });
  // A fresh copy of the sources each run; node_modules stays.
  for (const entry of ['src', 'apps', 'libs']) rmSync(join(dir, entry), { recursive: true, force: true });
  cpSync(source, dir, { recursive: true });
  // Apps that ship `x.ts.example` ask their users to copy it to `x.ts` before building: do as they say.
  for (const example of listFiles(dir, (name: string) => name === 'node_modules').filter((f: string) => f.endsWith('.ts.example'))) {
    const target = join(dir, example.slice(0, -'.example'.length));
    if (!existsSync(target)) cpSync(join(dir, example), target);
  }
  if (!existsSync(join(dir, 'node_modules', '.package-lock.json'))) {
    try {
      npm(dir, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps']);
    } catch (error) {
      // The app's own dependencies do not install here (a version the registry does not serve): no verdict.
      out(
        `| ${slug} | its dependencies do not install: ${/notarget .*|ERESOLVE.*/.exec((error as Error).message)?.[0] ?? 'npm install failed'} | | | |`,
      );
      failed = true;
      continue;
    }
  }
  const before = typeErrors(dir);
  const init = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'init', '--skip-install'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`init failed in ${slug}:\n${init.stdout}${init.stderr}`);
  npm(dir, ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--legacy-peer-deps']);
  const after = typeErrors(dir);
  const known = new Set(before);
  const added = after.filter((e) => !known.has(e));
  failed ||= added.length > 0;
  out(`| ${slug} | ${before.length} | ${after.length} | ${added.length} | ${((Date.now() - started) / 1000).toFixed(0)} |`);
  for (const error of added) out(`  new: ${error}`);
}
process.exit(failed ? 1 : 0);
