// Runs schematics of the collection on a fixture app in a plain Node process and prints the
// resulting files and log lines as JSON. Jest's module runtime cannot load ESM-only collections
// (@nestjs/schematics 12) that a schematic hands work to; Node 22 loads them natively.
// Usage: node run-schematics.cjs '{"fixture":"nest12","steps":[["init",{"skipInstall":true}],["resource",{"name":"users"}]]}'
const { HostTree } = require('@angular-devkit/schematics');
const { SchematicTestRunner, UnitTestTree } = require('@angular-devkit/schematics/testing');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const { listFiles } = require(join(ROOT, 'scripts', 'lib', 'files.cjs'));

async function main() {
  const { fixture, steps } = JSON.parse(process.argv[2]);
  const base = join(ROOT, 'test', 'fixtures', fixture);
  const host = new HostTree();
  for (const path of listFiles(base)) host.create(path, readFileSync(join(base, path)));
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
