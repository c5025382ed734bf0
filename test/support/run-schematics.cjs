// Runs schematics of the collection on a fixture app in a plain Node process and prints the
// resulting files and log lines as JSON. Jest's module runtime cannot load ESM-only collections
// (@nestjs/schematics 12) that a schematic hands work to; Node 22 loads them natively.
// Usage: node run-schematics.cjs '{"fixture":"nest12","steps":[["init",{"skipInstall":true}],["resource",{"name":"users"}]]}'
const { HostTree } = require('@angular-devkit/schematics');
const { SchematicTestRunner, UnitTestTree } = require('@angular-devkit/schematics/testing');
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');

async function main() {
  const { fixture, steps } = JSON.parse(process.argv[2]);
  const base = join(ROOT, 'test', 'fixtures', fixture);
  const host = new HostTree();
  const visit = (dir) => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (entry === 'node_modules' || entry === 'dist') continue;
      if (statSync(full).isDirectory()) visit(full);
      else host.create(relative(base, full).split('\\').join('/'), readFileSync(full));
    }
  };
  visit(base);
  let tree = new UnitTestTree(host);
  const runner = new SchematicTestRunner('mikro-request-context', join(ROOT, 'collection.json'));
  const logs = [];
  runner.logger.subscribe((entry) => logs.push(`${entry.level} ${entry.message}`));
  for (const [name, options] of steps) tree = await runner.runSchematic(name, options, tree);
  const files = Object.fromEntries(tree.files.map((f) => [f, tree.readContent(f)]));
  process.stdout.write(JSON.stringify({ files, logs }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
