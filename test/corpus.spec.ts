import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { contextRegistrations, ownOrms } from '../src/utils/bootstrap';
import { analyseOrmRoot, findOrmRootCalls } from '../src/utils/orm-options';
import { folderFiles, ROOT, runner, snapshot } from './support/fixtures';
import { imports, parse } from './support/inspect';

/**
 * init and doctor on open-source Nest apps nobody here wrote (test/corpus, listed in corpus.json).
 * The copies are third-party code kept out of git: each app whose folder is on disk is checked, the
 * others are skipped, and the run prints which. For each app: the outcome corpus.json expects; for a
 * patched app exactly one context path counted across the app, one MikroOrmModule root, no ORM of its
 * own, every module init created imported somewhere, no name imported twice, and a second run that
 * changes nothing; for a refused app every file byte-identical; and doctor reports no
 * context-registration error after init.
 */
interface CorpusApp {
  slug: string;
  repo: string;
  expected: 'patched' | 'refused';
  expectedWhy: string;
}

const CORPUS = join(ROOT, 'test', 'corpus');
const apps = JSON.parse(readFileSync(join(CORPUS, 'corpus.json'), 'utf8')) as CorpusApp[];
const present = apps.filter((app) => existsSync(join(CORPUS, app.slug, 'package.json')));
const missing = apps.filter((app) => !present.includes(app));

function appTree(slug: string): UnitTestTree {
  const host = new HostTree();
  for (const [path, content] of folderFiles(join(CORPUS, slug))) host.create(path, content);
  return new UnitTestTree(host);
}

async function run(
  name: string,
  tree: UnitTestTree,
  options: Record<string, unknown> = {},
): Promise<{ tree?: UnitTestTree; logs: string[]; error?: string }> {
  const schematics = runner();
  const logs: string[] = [];
  schematics.logger.subscribe((entry) => logs.push(entry.message));
  try {
    return { tree: await schematics.runSchematic(name, { skipInstall: true, ...options }, tree), logs };
  } catch (error) {
    return { logs, error: (error as Error).message };
  }
}

const sources = (tree: UnitTestTree) =>
  new Map(
    tree.files
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes('/node_modules/'))
      .map((f) => [f.replace(/^\//, ''), parse(tree.readContent(f), f.replace(/^\//, ''))] as const),
  );

/** Every context path of the app, counted as init counts them: its own registrations and each library middleware left on. */
function contextPaths(tree: UnitTestTree, main: string): string[] {
  const files = sources(tree);
  const paths: string[] = [];
  for (const [path, source] of files) {
    for (const r of contextRegistrations(source, path === main)) paths.push(`${r.what} at ${r.file}:${r.line}`);
    for (const call of findOrmRootCalls(source)) {
      const root = analyseOrmRoot(call, (p) => files.get(p));
      if (root.middleware !== 'off') paths.push(`library middleware at ${root.file}:${root.line}`);
    }
  }
  return paths;
}

if (missing.length > 0) {
  // Said once, so that a run without the copies does not pass for a run over them.
  process.stdout.write(
    `corpus: ${missing.length} of ${apps.length} apps are not on disk and are skipped: ${missing.map((a) => a.slug).join(', ')}\n`,
  );
}

describe('init and doctor on the corpus of open-source Nest apps', () => {
  const table: string[] = [];
  afterAll(() => {
    if (table.length > 0) process.stdout.write(`\n| app | expected | outcome |\n| --- | --- | --- |\n${table.join('\n')}\n`);
  });

  for (const app of missing) it.skip(`${app.slug} (not on disk: third-party code, kept out of git)`, () => undefined);

  for (const app of present)
    it(app.slug, async () => {
      const before = appTree(app.slug);
      const main = JSON.parse(before.exists('/nest-cli.json') ? before.readContent('/nest-cli.json') : '{}');
      const mainPath = `${main.sourceRoot ?? 'src'}/${main.entryFile ?? 'main'}.ts`;
      const snapshotBefore = snapshot(before);
      const result = await run('init', before);
      if (result.error) {
        table.push(`| ${app.slug} | ${app.expected} | refused: ${result.error.slice(0, 160)} |`);
        expect([app.slug, 'refused']).toEqual([app.slug, app.expected]);
        expect(snapshot(before)).toEqual(snapshotBefore);
        return;
      }
      const after = result.tree!;
      table.push(`| ${app.slug} | ${app.expected} | patched: ${contextPaths(after, mainPath).join('; ')} |`);
      expect([app.slug, 'patched']).toEqual([app.slug, app.expected]);
      expect(contextPaths(after, mainPath)).toHaveLength(1);
      const files = sources(after);
      const roots = [...files.values()].flatMap((s) => findOrmRootCalls(s));
      expect(roots).toHaveLength(1);
      expect([...files.values()].flatMap((s) => ownOrms(s))).toEqual([]);
      // Every module init created is imported by some file of the app.
      const created = after.files.filter((f) => !snapshotBefore.has(f) && f.endsWith('.module.ts'));
      for (const module of created) {
        const name = module.split('/').pop()!.replace(/\.ts$/, '');
        const importers = [...files.values()].filter((s) =>
          [...imports(s).keys()].some((k) => k.replace(/\.(js|ts)$/, '').endsWith(`/${name}`)),
        );
        expect([module, importers.length > 0]).toEqual([module, true]);
      }
      // No local name imported twice in a file init changed.
      for (const path of after.files.filter((f) => f.endsWith('.ts') && snapshotBefore.get(f) !== after.readContent(f))) {
        const source = files.get(path.replace(/^\//, ''))!;
        const locals = source.statements.filter(ts.isImportDeclaration).flatMap((i) => {
          const clause = i.importClause;
          const named = clause?.namedBindings;
          return [
            ...(clause?.name ? [clause.name.text] : []),
            ...(named && ts.isNamedImports(named) ? named.elements.map((e) => e.name.text) : named ? [named.name.text] : []),
          ];
        });
        expect([path, locals]).toEqual([path, [...new Set(locals)]]);
      }
      const again = await run('init', after);
      expect(again.error).toBeUndefined();
      expect(snapshot(again.tree!)).toEqual(snapshot(after));
      const doctor = await run('doctor', after);
      expect(
        doctor.logs.filter((l) => / error .*registered twice|builds its own MikroORM|no request context is registered/.test(l)),
      ).toEqual([]);
    });
});
