import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const PRETTIER_BIN = join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
const NEST_PRETTIERRC = '{\n  "singleQuote": true,\n  "trailingComma": "all"\n}\n';

/** main.ts as `nest new` writes it: prettier-clean under the .prettierrc above. */
const CLEAN_MAIN = [
  "import { NestFactory } from '@nestjs/core';",
  "import { AppModule } from './app.module';",
  '',
  'async function bootstrap() {',
  '  const app = await NestFactory.create(AppModule);',
  '  await app.listen(process.env.PORT ?? 3000);',
  '}',
  'bootstrap();',
  '',
].join('\n');

/** What a schematic adds to main.ts: an import and a registration line longer than 80 columns. */
const IMPORT = "import { MikroORM, RequestContext } from '@mikro-orm/core';\n";
const REGISTRATION = '  app.use((req: unknown, res: unknown, next: () => void) => RequestContext.create(app.get(MikroORM).em, next));\n';

function withRegistration(main: string): string {
  const create = main.indexOf('\n', main.indexOf('NestFactory.create(')) + 1;
  return IMPORT + main.slice(0, create) + REGISTRATION + main.slice(create);
}

interface AppSetup {
  /** package.json lists prettier (default true) */
  lists?: boolean;
  /** node_modules holds it (default true) */
  installed?: boolean;
  files?: Record<string, string>;
}

const apps: string[] = [];

/** An app folder outside the project (so that no prettier of ours is found above it), with the project's prettier 3 linked in. */
function makeApp({ lists = true, installed = true, files = {} }: AppSetup = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mrc-format-'));
  apps.push(dir);
  const pkg = { name: 'app', private: true, devDependencies: lists ? { prettier: '^3.4.2' } : {} };
  const all: Record<string, string> = { 'package.json': `${JSON.stringify(pkg, null, 2)}\n`, '.prettierrc': NEST_PRETTIERRC, ...files };
  for (const [path, content] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'node_modules', 'prettier'), join(dir, 'node_modules', 'prettier'), 'dir');
  }
  return dir;
}

/** The rule run on a tree of the app folder where a schematic wrote `files`: the files as it leaves them. */
async function formatRule(
  root: string,
  files: Record<string, string>,
  appRoot = true,
): Promise<{ files: Record<string, string>; warnings: string[] }> {
  const { stdout } = await exec(
    process.execPath,
    [join(__dirname, '..', 'support', 'format-rule.cjs'), JSON.stringify({ root, files, appRoot })],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as { files: Record<string, string>; warnings: string[] };
}

/** The app's own `prettier --check` on the files written to its folder: true when they are clean. */
async function prettierClean(root: string, files: Record<string, string>): Promise<boolean> {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  try {
    await exec(process.execPath, [PRETTIER_BIN, '--check', ...Object.keys(files)], { cwd: root });
    return true;
  } catch {
    return false;
  }
}

/**
 * `out` is `updated` with the registration line formatted (broken over lines, longer than 80 columns)
 * and every other line byte for byte as in `updated`: the user's quotes, semicolons and long lines.
 */
function expectOnlyRegistrationFormatted(out: string, updated: string, registration: string): void {
  const at = updated.indexOf(registration);
  const before = updated.slice(0, at);
  const after = updated.slice(at + registration.length);
  expect(out.startsWith(before)).toBe(true);
  expect(out.endsWith(after)).toBe(true);
  const formatted = out.slice(before.length, out.length - after.length);
  expect(formatted).not.toBe(registration);
  expect(formatted.trim().split(/\r?\n/).length).toBeGreaterThan(1);
  expect(formatted).toContain('RequestContext.create(app.get(MikroORM).em, next)');
}

afterAll(() => {
  for (const dir of apps) rmSync(dir, { recursive: true, force: true });
});

describe('formatWithAppPrettier', () => {
  it('formats a created file whole, with the app config (quotes, trailing commas, print width)', async () => {
    const root = makeApp();
    const entity = [
      'import { Entity, PrimaryKey, Property } from "@mikro-orm/core";',
      '@Entity() export class User { @PrimaryKey() id!: number; @Property({ nullable: true, length: 255, comment: "the name the user chose at sign-up", default: "anonymous" }) name?: string }',
      '',
    ].join('\n');
    const { files } = await formatRule(root, { 'src/user.entity.ts': entity });
    const out = files['src/user.entity.ts'];
    expect(out).not.toBe(entity);
    expect(out).toContain("from '@mikro-orm/core'");
    expect(out).toContain("default: 'anonymous',\n");
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(await prettierClean(root, files)).toBe(true);
    // Formatting what is formatted changes nothing: a second schematic run stays quiet.
    expect((await formatRule(root, files)).files).toEqual(files);
  });

  it('formats an updated file whole when it was prettier-clean before', async () => {
    const root = makeApp({ files: { 'src/main.ts': CLEAN_MAIN } });
    const updated = withRegistration(CLEAN_MAIN);
    expect(await prettierClean(makeApp(), { 'main.ts': updated })).toBe(false);
    const { files } = await formatRule(root, { 'src/main.ts': updated });
    expect(files['src/main.ts']).not.toBe(updated);
    expect(files['src/main.ts']).toContain('RequestContext.create(app.get(MikroORM).em, next)');
    expect(await prettierClean(root, files)).toBe(true);
  });

  it('in a file that was not clean, moves only the lines the schematic changed', async () => {
    // The user's own style: double quotes, no semicolons, a long line of theirs.
    const original = [
      'import { NestFactory } from "@nestjs/core"',
      'import { AppModule } from "./app.module"',
      '',
      'async function bootstrap() {',
      '  const app = await NestFactory.create(AppModule)',
      '  const port = process.env.PORT ?? process.env.APP_PORT ?? process.env.NEST_PORT ?? process.env.LISTEN_PORT ?? 3000',
      '  await app.listen(port)',
      '}',
      'bootstrap()',
      '',
    ].join('\n');
    const root = makeApp({ files: { 'src/main.ts': original } });
    const updated = withRegistration(original);
    const { files } = await formatRule(root, { 'src/main.ts': updated });
    expectOnlyRegistrationFormatted(files['src/main.ts'], updated, REGISTRATION);
  });

  it('leaves a changed line as written when prettier would have to reformat user lines around it', async () => {
    // A new array entry inside the decorator: prettier's range widens to the whole class, which holds the user's lines.
    const original = [
      'import { Module } from "@nestjs/core"',
      '',
      '@Module({',
      '  imports: [',
      '    UsersModule ,',
      '  ],',
      '})',
      'export class AppModule {}',
      '',
    ].join('\n');
    const updated = original.replace(
      '    UsersModule ,\n',
      '    UsersModule ,\n    MikroOrmModule.forRoot({ registerRequestContext:false }),\n',
    );
    const root = makeApp({ files: { 'src/app.module.ts': original } });
    const { files } = await formatRule(root, { 'src/app.module.ts': updated });
    expect(files['src/app.module.ts']).toBe(updated);
  });

  it('leaves files that the app ignores (.prettierignore, .gitignore) and files prettier has no parser for', async () => {
    const root = makeApp({ files: { '.prettierignore': 'src/generated\n', '.gitignore': 'src/local.ts\n' } });
    const ugly = 'export const   x = {a:"b"}\n';
    const written = { 'src/generated/client.ts': ugly, 'src/local.ts': ugly, '.env': 'DB_NAME="app"   \n', 'src/formatted.ts': ugly };
    const { files } = await formatRule(root, written);
    expect(files['src/generated/client.ts']).toBe(ugly);
    expect(files['src/local.ts']).toBe(ugly);
    expect(files['.env']).toBe(written['.env']);
    expect(files['src/formatted.ts']).toBe("export const x = { a: 'b' };\n");
  });

  it.each<[string, AppSetup]>([
    ['package.json does not list prettier', { lists: false }],
    ['prettier is listed but not installed', { installed: false }],
  ])('changes no byte when %s', async (_, setup) => {
    const root = makeApp({ ...setup, files: { 'src/main.ts': CLEAN_MAIN } });
    const written = { 'src/main.ts': withRegistration(CLEAN_MAIN), 'src/user.entity.ts': 'export class User {   id!: number }\n' };
    expect((await formatRule(root, written)).files).toEqual(written);
  });

  it('changes no byte of a tree that has no app folder on disk (no workflow, no appRoot option)', async () => {
    const root = makeApp({ files: { 'src/main.ts': CLEAN_MAIN } });
    const written = { 'src/main.ts': withRegistration(CLEAN_MAIN) };
    expect((await formatRule(root, written, false)).files).toEqual(written);
  });

  it('keeps CRLF line endings and tab indentation that the config asks for (.editorconfig)', async () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    const tabbed = CLEAN_MAIN.replace(/^ {2}/gm, '\t');
    const root = makeApp({
      files: { '.editorconfig': 'root = true\n\n[*]\nend_of_line = crlf\nindent_style = tab\n', 'src/main.ts': crlf(tabbed) },
    });
    expect(await prettierClean(root, { 'src/main.ts': crlf(tabbed) })).toBe(true);
    const updated = crlf(withRegistration(tabbed).replace(/^ {2}/gm, '\t'));
    const created = 'export class User {\n  id!: number;\n}\n';
    const { files } = await formatRule(root, { 'src/main.ts': updated, 'src/user.entity.ts': created });
    for (const out of Object.values(files)) {
      expect(out.split('\r\n').join('')).not.toContain('\n');
      expect(out).not.toMatch(/^ /m);
    }
    expect(files['src/user.entity.ts']).toBe('export class User {\r\n\tid!: number;\r\n}\r\n');
    expect(await prettierClean(root, files)).toBe(true);
  });

  it('keeps the CRLF line endings of a file that was not clean under an LF config, on every line', async () => {
    const original = CLEAN_MAIN.replace(/\n/g, '\r\n');
    const root = makeApp({ files: { 'src/main.ts': original } });
    const updated = withRegistration(CLEAN_MAIN).replace(/\n/g, '\r\n');
    const { files } = await formatRule(root, { 'src/main.ts': updated });
    const out = files['src/main.ts'];
    expectOnlyRegistrationFormatted(out, updated, REGISTRATION.replace('\n', '\r\n'));
    expect(out.split('\r\n').join('')).not.toContain('\n');
  });
});
