import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/fixtures';

const run = promisify(execFile);

interface PackedFile {
  path: string;
}

describe('the published package', () => {
  let files: string[];
  beforeAll(async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    files = (JSON.parse(stdout) as { files: PackedFile[] }[])[0].files.map((f) => f.path);
  });

  it('ships collection.json and, for every schematic it names, the built factory and its schema', () => {
    const collection = JSON.parse(readFileSync(join(ROOT, 'collection.json'), 'utf8'));
    expect(files).toContain('collection.json');
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files).toContain('LICENSE');
    for (const [name, entry] of Object.entries<{ factory: string; schema: string }>(collection.schematics)) {
      const factory = `${entry.factory.replace(/^\.\//, '').split('#')[0]}.js`;
      expect({ name, factory: files.includes(factory) }).toEqual({ name, factory: true });
      expect({ name, schema: files.includes(entry.schema.replace(/^\.\//, '')) }).toEqual({ name, schema: true });
    }
  });

  it("ships every file README links to, so the links work on the registry's page", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((link) => !/^[a-z]+:/.test(link));
    expect(relative.length).toBeGreaterThan(0);
    expect(relative.filter((link) => !files.includes(link))).toEqual([]);
  });

  it('ships the templates the factories render', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'templates/init/config/mikro-orm.config.ts.template',
        'templates/init/database/__databaseModuleFile__.ts.template',
      ]),
    );
  });

  it('ships no tests, fixtures, TypeScript sources or declarations (nobody imports the factories), scripts or CI files', () => {
    const unwanted = files.filter(
      (f) => /^(test|src|scripts|\.ci|\.tmp|node_modules)\//.test(f) || (/\.ts$/.test(f) && !f.startsWith('templates/')),
    );
    expect(unwanted).toEqual([]);
  });
});
