import { strings } from '@angular-devkit/core';
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import * as ts from 'typescript';
import { removeDir, tempDir, writeTree } from './support/app';
import { COLLECTION, fixtureTree, folderFiles, ROOT, runner } from './support/fixtures';
import { applyUnifiedDiff } from './support/patch';

/** The built bin, run as users run it (`npx mikro-request-context …` executes this file). */
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const NEST_CLI = join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js');
/** ESC [: how every colour and cursor sequence of a terminal starts. */
const CSI = '\u001b[';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Package managers that only record how they were called: every process here gets them first on
 * PATH, so an install task is observable and never reaches the registry.
 */
let fakeBin: string;
let installLog: string;

beforeAll(() => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  fakeBin = mkdtempSync(join(ROOT, '.tmp', 'cli-fake-pm-'));
  installLog = join(fakeBin, 'install.log');
  for (const pm of ['npm', 'pnpm', 'yarn', 'bun']) {
    writeFileSync(join(fakeBin, pm), `#!/bin/sh\necho "${pm} $* @ $(pwd)" >> "${installLog}"\nexit 0\n`);
    chmodSync(join(fakeBin, pm), 0o755);
  }
});

afterAll(() => removeDir(fakeBin));

function installs(): string[] {
  try {
    return readFileSync(installLog, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function environment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${fakeBin}:${process.env.PATH}`, ...extra };
  for (const key of ['FORCE_COLOR', 'NO_COLOR', 'CI']) if (!(key in extra)) delete env[key];
  return env;
}

/** Runs a command without a terminal (stdin, stdout and stderr are pipes); resolves with its exit code and output. */
function exec(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: environment(env), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const bin = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> => exec(process.execPath, [BIN, ...args], cwd, env);

/** What a run changed in a folder: [CREATE|UPDATE, path, size] of each file that is new or different. */
function changes(before: Map<string, Buffer>, dir: string): [string, string, number][] {
  return [...folderFiles(dir)]
    .filter(([path, content]) => !before.get(path)?.equals(content))
    .map(([path, content]) => [before.has(path) ? 'UPDATE' : 'CREATE', path, content.length]);
}

function app(fixture: string): string {
  const dir = tempDir(`cli-${fixture}`);
  writeTree(fixtureTree(fixture), dir);
  return dir;
}

function source(dir: string, path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(join(dir, path), 'utf8'), ts.ScriptTarget.Latest, true);
}

/** module specifier → the names a file imports from it */
function imports(file: ts.SourceFile): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => e.name.text) : [];
    found.set(statement.moduleSpecifier.text, [...(found.get(statement.moduleSpecifier.text) ?? []), ...names]);
  }
  return found;
}

/** The names of the identifiers used in the body of a class method. */
function identifiersInMethod(file: ts.SourceFile, className: string, method: string): string[] {
  const names: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.push(node.text);
    ts.forEachChild(node, visit);
  };
  for (const statement of file.statements) {
    if (!ts.isClassDeclaration(statement) || statement.name?.text !== className) continue;
    for (const member of statement.members) {
      if (ts.isMethodDeclaration(member) && ts.isIdentifier(member.name) && member.name.text === method && member.body) visit(member.body);
    }
  }
  return names;
}

/** The statement right after `const app = await NestFactory.create(...)` in main.ts, as text. */
function statementAfterCreate(file: ts.SourceFile): string | undefined {
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isBlock(node)) {
      node.statements.forEach((statement, index) => {
        if (ts.isVariableStatement(statement) && statement.getText(file).includes('NestFactory.create(')) {
          found = node.statements[index + 1]?.getText(file);
        }
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** `UPDATE path (N bytes)`-style lines of an output: [kind, path, bytes]. */
function actions(output: string): [string, string, number | undefined][] {
  return [...output.matchAll(/^(CREATE|UPDATE|DELETE) (\S+)(?: \((\d+) bytes\))?$/gm)].map((m) => [
    m[1],
    m[2],
    m[3] ? Number(m[3]) : undefined,
  ]);
}

/** The unified diff printed under `UPDATE <path>`. */
function printedDiff(output: string, path: string): string {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`UPDATE ${path} (`));
  const diff: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^([ +\-\\]|@@)/.test(line) || /^(CREATE|UPDATE|DELETE) /.test(line)) break;
    diff.push(line);
  }
  return `${diff.join('\n')}\n`;
}

describe('mikro-request-context (the package bin)', () => {
  it('--help lists every schematic of collection.json, and each schematic --help every option of its schema.json', async () => {
    const collection = JSON.parse(readFileSync(COLLECTION, 'utf8')) as {
      schematics: Record<string, { schema: string; hidden?: boolean; description: string }>;
    };
    const own = Object.entries(collection.schematics).filter(([, s]) => !s.hidden);
    const help = await bin(ROOT, ['--help']);
    expect(help.code).toBe(0);
    for (const [name] of own) expect(help.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(help.stdout).not.toMatch(/^ {2}nest-add\b/m);
    expect(help.stdout).toMatch(/^ {2}-d, --dry-run /m);

    for (const [name, entry] of own) {
      const { code, stdout } = await bin(ROOT, ['g', name, '--help']);
      expect({ name, code }).toEqual({ name, code: 0 });
      const flat = stdout.replace(/\s+/g, ' ');
      expect(flat).toContain(entry.description.replace(/\s+/g, ' '));
      const schema = JSON.parse(readFileSync(join(ROOT, entry.schema), 'utf8')) as {
        properties: Record<string, { description?: string; visible?: boolean }>;
      };
      for (const [key, property] of Object.entries(schema.properties)) {
        if (property.visible === false) continue;
        const flag = new RegExp(`--(\\[no-\\])?${strings.dasherize(key)}\\b`);
        expect({ name, key, listed: flag.test(stdout) }).toEqual({ name, key, listed: true });
        if (property.description) expect(flat).toContain(property.description.replace(/\s+/g, ' '));
      }
    }
    const initHelp = await bin(ROOT, ['g', 'init', '--help']);
    expect((await bin(ROOT, ['init', '--help'])).stdout).toBe(initHelp.stdout);
    expect((await bin(ROOT, ['help', 'init'])).stdout).toBe(initHelp.stdout);
    // choices come from the schema (enum or the x-prompt's list)
    expect(initHelp.stdout).toContain('--driver <sqlite|postgresql|mysql|mariadb|mssql|libsql|mongodb>');
  });

  it('passes every option to the schematic: init --driver postgresql --style middleware --skip-install', async () => {
    const dir = app('nest12');
    try {
      const mainBefore = readFileSync(join(dir, 'src/main.ts'));
      const result = await bin(dir, ['init', '--driver', 'postgresql', '--style', 'middleware', '--skip-install']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(imports(source(dir, 'src/mikro-orm.config.ts')).get('@mikro-orm/postgresql')).toContain('defineConfig');
      const middleware = source(dir, 'src/database/mikro-orm-request-context.middleware.ts');
      expect(middleware.statements.some((s) => ts.isClassDeclaration(s) && s.name?.text === 'MikroOrmRequestContextMiddleware')).toBe(true);
      const appModule = source(dir, 'src/app.module.ts');
      expect(identifiersInMethod(appModule, 'AppModule', 'configure')).toContain('MikroOrmRequestContextMiddleware');
      // Style middleware: main.ts opens no context, it only calls setupApp (the pipes and filters).
      const main = readFileSync(join(dir, 'src/main.ts'), 'utf8');
      expect(main).not.toContain('RequestContext');
      expect(main.split('\n').filter((line) => !mainBefore.toString('utf8').split('\n').includes(line))).toEqual([
        "import { setupApp } from './app.setup.js';",
        '  setupApp(app);',
      ]);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(Object.keys(pkg.dependencies)).toContain('@mikro-orm/postgresql');
      expect(result.stdout).toContain('driver postgresql');
      expect(installs()).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });

  it('takes --flag=value, --no-flag and the g form: g init --driver=mysql --path=db --no-force', async () => {
    const dir = app('nest12');
    try {
      const result = await bin(dir, ['g', 'init', '--driver=mysql', '--path=db', '--no-force', '--skip-install']);
      expect(result.code).toBe(0);
      expect(imports(source(dir, 'src/mikro-orm.config.ts')).get('@mikro-orm/mysql')).toContain('defineConfig');
      expect(imports(source(dir, 'src/app.module.ts')).get('./db/database.module.js')).toEqual(['DatabaseModule']);
      expect(statementAfterCreate(source(dir, 'src/main.ts'))).toContain('RequestContext.create(app.get(MikroORM).em, next)');
    } finally {
      removeDir(dir);
    }
  });

  it('--dry-run writes nothing and prints the Nest CLI lines, byte counts and a diff of each update that produces the real result', async () => {
    const dry = app('nest12');
    const real = app('nest12');
    try {
      const before = folderFiles(dry);
      const result = await bin(dry, ['init', '--dry-run']);
      expect(result.code).toBe(0);
      expect(folderFiles(dry)).toEqual(before);
      expect(result.stdout).not.toContain(CSI);
      expect(result.stdout).toContain('Using defaults: driver=sqlite, style=main');
      expect(result.stdout.trimEnd().endsWith('Dry run enabled. No files written to disk.')).toBe(true);
      expect(installs()).toEqual([]);

      // The same command for real: every line of the dry run must describe what it writes.
      expect((await bin(real, ['init', '--skip-install'])).code).toBe(0);
      const after = folderFiles(real);
      const expected = changes(before, real);
      expect(actions(result.stdout).sort()).toEqual(expected.sort());
      expect(actions(result.stdout).map(([, path]) => path)).toEqual(
        expect.arrayContaining(['src/main.ts', 'src/app.module.ts', 'src/mikro-orm.config.ts']),
      );

      for (const [kind, path] of expected) {
        if (kind !== 'UPDATE') continue;
        const diff = printedDiff(result.stdout, path);
        expect(diff.startsWith(`--- a/${path}\n+++ b/${path}\n@@ `)).toBe(true);
        expect(applyUnifiedDiff(before.get(path)!.toString('utf8'), diff)).toBe(after.get(path)!.toString('utf8'));
      }
      // main.ts: the registration, right after NestFactory.create, is what the diff adds.
      const mainDiff = printedDiff(result.stdout, 'src/main.ts');
      // Added right after it, as the app's prettier lays them out: the comment, app.use(...), setupApp(app).
      const lines = mainDiff.split('\n');
      const create = lines.indexOf('   const app = await NestFactory.create(AppModule);');
      expect(create).toBeGreaterThan(0);
      const added = lines.slice(create + 1).filter((_, i, rest) => rest.slice(0, i + 1).every((l) => l.startsWith('+')));
      expect(added[0]).toMatch(/^\+ {2}\/\/ One MikroORM request context per request/);
      const code = added
        .slice(1)
        .map((l) => l.slice(1).trim())
        .join(' ')
        .replace(/\( /g, '(')
        .replace(/,? \)/g, ')');
      expect(code).toBe(
        'app.use((_req: unknown, _res: unknown, next: () => void) => RequestContext.create(app.get(MikroORM).em, next)); setupApp(app);',
      );
      expect(mainDiff).toMatch(/^\+import \{ MikroORM, RequestContext \} from '@mikro-orm\/core';$/m);
    } finally {
      removeDir(dry);
      removeDir(real);
    }
  });

  it('colours on request (--color) and stays plain with --no-color even when FORCE_COLOR is set', async () => {
    const dir = app('nest12');
    try {
      const plain = await bin(dir, ['init', '--dry-run']);
      const coloured = await bin(dir, ['init', '--dry-run', '--color']);
      expect(coloured.stdout).toContain(`${CSI}32m+  app.use(`);
      expect(coloured.stdout).toContain(`${CSI}36mUPDATE${CSI}39m src/main.ts`);
      expect(stripVTControlCharacters(coloured.stdout)).toBe(plain.stdout);
      const forcedOff = await bin(dir, ['init', '--dry-run', '--no-color'], { FORCE_COLOR: '1' });
      expect(forcedOff.stdout).toBe(plain.stdout);
      expect((await bin(dir, ['init', '--dry-run'], { FORCE_COLOR: '1' })).stdout).toContain(CSI);
    } finally {
      removeDir(dir);
    }
  });

  it("fails with the schematic's message, a non-zero exit code and no stack trace, leaving every file as it was", async () => {
    const dir = app('nest12');
    try {
      const before = folderFiles(dir);
      const bad = await bin(dir, ['init', '--driver', 'nope']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('Unknown driver "nope": choose one of sqlite, postgresql');
      expect(bad.stderr).not.toMatch(/^\s+at /m);
      expect(actions(bad.stdout)).toEqual([]);
      expect(folderFiles(dir)).toEqual(before);

      const verbose = await bin(dir, ['init', '--driver', 'nope', '--verbose']);
      expect(verbose.code).toBe(1);
      expect(verbose.stderr).toMatch(/^\s+at .*init/m);

      unlinkSync(join(dir, 'src/main.ts'));
      const withoutMain = folderFiles(dir);
      const missing = await bin(dir, ['init']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('src/main.ts not found');
      expect(missing.stderr).not.toMatch(/^\s+at /m);
      expect(folderFiles(dir)).toEqual(withoutMain);
      expect(installs()).toEqual([]);

      const typo = await bin(dir, ['init', '--drvier', 'postgresql']);
      expect(typo.code).toBe(2);
      expect(typo.stderr).toContain('Unknown option --drvier for init');
      expect(typo.stderr).toContain('--driver');
      expect(folderFiles(dir)).toEqual(withoutMain);
    } finally {
      removeDir(dir);
    }
  });

  it('finds the app root from a subfolder (src/)', async () => {
    const dir = app('nest12');
    try {
      const result = await bin(join(dir, 'src'), ['init', '--skip-install']);
      expect(result.code).toBe(0);
      expect(imports(source(dir, 'src/mikro-orm.config.ts')).get('@mikro-orm/sqlite')).toContain('defineConfig');
      expect(statementAfterCreate(source(dir, 'src/main.ts'))).toContain('RequestContext.create(');
      expect(readdirSync(join(dir, 'src'))).not.toContain('src');
    } finally {
      removeDir(dir);
    }
  });

  it('works in a Nest monorepo: --project chooses the app; inside a project folder that project is the default', async () => {
    const dir = app('monorepo');
    try {
      const before = folderFiles(dir);
      const unknown = await bin(dir, ['init', '--project', 'nope', '--skip-install']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('Project "nope" is not in nest-cli.json: choose one of api, worker, shared.');

      // apps/worker has no HTTP server (createApplicationContext): init refuses it, naming its main.ts.
      const inWorker = await bin(join(dir, 'apps/worker/src'), ['init', '--skip-install']);
      expect(inWorker.stdout).toContain('Project worker');
      expect(inWorker.code).toBe(1);
      expect(inWorker.stderr).toContain('apps/worker/src/main.ts creates the app with NestFactory.createApplicationContext');
      expect(folderFiles(dir)).toEqual(before);

      const api = await bin(join(dir, 'apps/worker/src'), ['init', '--project', 'api', '--skip-install']);
      expect(api.code).toBe(0);
      expect(imports(source(dir, 'apps/api/src/mikro-orm.config.ts')).get('@mikro-orm/sqlite')).toContain('defineConfig');
      expect(statementAfterCreate(source(dir, 'apps/api/src/main.ts'))).toContain('RequestContext.create(');
      const changed = changes(before, dir).map(([, path]) => path);
      expect(changed).toContain('apps/api/src/main.ts');
      expect(changed.filter((path) => path.startsWith('apps/worker') || path.startsWith('libs/'))).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });

  it('follows the module system of the app: .js import suffixes in the Nest 12 ESM app, none in the Nest 11 CommonJS app', async () => {
    const esm = app('nest12');
    const cjs = app('nest11');
    try {
      expect((await bin(esm, ['init', '--skip-install'])).code).toBe(0);
      expect((await bin(cjs, ['init', '--skip-install'])).code).toBe(0);
      expect(imports(source(esm, 'src/app.module.ts')).get('./database/database.module.js')).toEqual(['DatabaseModule']);
      expect(imports(source(cjs, 'src/app.module.ts')).get('./database/database.module')).toEqual(['DatabaseModule']);
      const esmDatabase = [...imports(source(esm, 'src/database/database.module.ts')).keys()];
      const cjsDatabase = [...imports(source(cjs, 'src/database/database.module.ts')).keys()];
      expect(esmDatabase).toContain('../mikro-orm.config.js');
      expect(cjsDatabase).toContain('../mikro-orm.config');
      expect(cjsDatabase.filter((s) => s.startsWith('.') && s.endsWith('.js'))).toEqual([]);
      for (const dir of [esm, cjs]) expect(statementAfterCreate(source(dir, 'src/main.ts'))).toContain('RequestContext.create(');
    } finally {
      removeDir(esm);
      removeDir(cjs);
    }
  });

  it("runs the install task with the app's package manager unless --skip-install", async () => {
    const npmApp = app('nest12');
    const pnpmApp = app('nest12');
    const yarnApp = app('nest11');
    try {
      writeFileSync(join(pnpmApp, 'pnpm-lock.yaml'), 'lockfileVersion: 9.0\n');
      const yarnPackage = JSON.parse(readFileSync(join(yarnApp, 'package.json'), 'utf8'));
      writeFileSync(join(yarnApp, 'package.json'), `${JSON.stringify({ ...yarnPackage, packageManager: 'yarn@4.5.0' }, null, 2)}\n`);
      rmSync(installLog, { force: true });
      for (const dir of [npmApp, pnpmApp, yarnApp]) {
        const result = await bin(dir, ['init']);
        expect(result.code).toBe(0);
      }
      // One install per run, in the app's root, with install scripts allowed (no --ignore-scripts).
      expect(installs()).toEqual([`npm install @ ${npmApp}`, `pnpm install @ ${pnpmApp}`, `yarn install @ ${yarnApp}`]);
    } finally {
      rmSync(installLog, { force: true });
      [npmApp, pnpmApp, yarnApp].forEach(removeDir);
    }
  });

  it('asks the x-prompts in a terminal (driver, style, health) and uses the answers', async () => {
    const dir = app('nest12');
    try {
      // `script` gives the bin a pseudo-terminal; keys are sent once a question is on screen.
      const command = `'${process.execPath}' '${BIN}' init --dry-run --no-color`;
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: environment() });
      let screen = '';
      const answered = new Set<string>();
      const answer = (question: string, keys: string[]): void => {
        if (answered.has(question) || !screen.includes(question)) return;
        answered.add(question);
        keys.forEach((key, i) => setTimeout(() => child.stdin.write(key), 300 * (i + 1)));
      };
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString('utf8');
        answer('Which database will the app use?', ['\u001b[B', '\r']); // second item: PostgreSQL
        answer('Where should the request context be registered?', ['\r']); // first item: main
        answer('Add a /health endpoint (@nestjs/terminus) that checks the database?', ['y', '\r']);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      const text = stripVTControlCharacters(screen);
      expect(code).toBe(0);
      expect([...answered]).toHaveLength(3);
      expect(text).toContain('driver postgresql');
      expect(text).toMatch(/CREATE src\/health\/health\.controller\.ts/);
      expect(text).not.toContain('Using defaults');
      expect(text).toMatch(/CREATE src\/mikro-orm\.config\.ts \(\d+ bytes\)/);
    } finally {
      removeDir(dir);
    }
  });

  it('is the package bin: package.json points at it, npm pack ships it, and npx runs it from node_modules/.bin', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'mikro-request-context': './dist/cli/main.js' });
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const packed = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT, { PATH: process.env.PATH });
    const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/cli/main.js', 'dist/cli/run.js', 'dist/cli/diff.js']));

    // As `npm i -D mikro-request-context` leaves it: the package in node_modules, its bin linked. The build makes it executable.
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    const dir = app('nest12');
    try {
      mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
      symlinkSync(relative(join(dir, 'node_modules'), ROOT), join(dir, 'node_modules', 'mikro-request-context'), 'dir');
      symlinkSync('../mikro-request-context/dist/cli/main.js', join(dir, 'node_modules', '.bin', 'mikro-request-context'));
      const version = await exec('npx', ['--no-install', 'mikro-request-context', '--version'], join(dir, 'src'));
      expect(version.stdout.trim()).toBe(pkg.version);
    } finally {
      removeDir(dir);
    }
  });
});

describe('nest add mikro-request-context (the nest-add schematic)', () => {
  it('is init under the name nest add looks for: same factory and schema, hidden from the list', () => {
    const collection = JSON.parse(readFileSync(COLLECTION, 'utf8')).schematics;
    expect(collection['nest-add']).toMatchObject({ factory: collection.init.factory, schema: collection.init.schema, hidden: true });
  });

  it("takes init's options through the devkit", async () => {
    const tree = await runner().runSchematic(
      'nest-add',
      { driver: 'postgresql', style: 'middleware', skipInstall: true },
      fixtureTree('nest12'),
    );
    const config = ts.createSourceFile('c.ts', tree.readContent('/src/mikro-orm.config.ts'), ts.ScriptTarget.Latest, true);
    expect(imports(config).get('@mikro-orm/postgresql')).toContain('defineConfig');
    expect(tree.exists('/src/database/mikro-orm-request-context.middleware.ts')).toBe(true);
  });

  it('runs under the real `nest add` with every flag forwarded; --dry-run is honoured, and the install goes to the package manager', async () => {
    const dir = app('nest12');
    try {
      // The package as `nest add` leaves it after installing it (the install itself goes to the fake npm).
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(relative(join(dir, 'node_modules'), ROOT), join(dir, 'node_modules', 'mikro-request-context'), 'dir');
      const before = folderFiles(dir);
      rmSync(installLog, { force: true });
      const dry = await exec(process.execPath, [NEST_CLI, 'add', 'mikro-request-context', '--driver=postgresql', '--dry-run'], dir);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('driver postgresql');
      expect(dry.stdout).toContain('Dry run enabled. No files written to disk.');
      expect(folderFiles(dir)).toEqual(before);

      const real = await exec(
        process.execPath,
        [NEST_CLI, 'add', 'mikro-request-context', '--driver=postgresql', '--style=middleware'],
        dir,
      );
      expect(real.code).toBe(0);
      expect(imports(source(dir, 'src/mikro-orm.config.ts')).get('@mikro-orm/postgresql')).toContain('defineConfig');
      expect(identifiersInMethod(source(dir, 'src/app.module.ts'), 'AppModule', 'configure')).toContain('MikroOrmRequestContextMiddleware');
      // nest add installs the library itself (as a dependency), then the schematic's install task runs,
      // with the install scripts package.json allows (no --ignore-scripts: MikroORM 6's sqlite3 needs its own).
      expect(installs()).toEqual([
        `npm install --save mikro-request-context@latest @ ${dir}`,
        `npm install --save mikro-request-context@latest @ ${dir}`,
        `npm install @ ${dir}`,
      ]);
    } finally {
      rmSync(installLog, { force: true });
      removeDir(dir);
    }
  });
});
