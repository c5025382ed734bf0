// Runs the built formatWithAppPrettier rule in a plain Node process on a tree rooted at an app folder
// on disk, after writing the given files into the tree (overwriting those that exist, as a schematic
// would), and prints the files as the rule leaves them, as JSON. Jest's module runtime cannot load
// prettier 3, whose API imports its ESM core; Node loads it natively, as under the Nest CLI.
// Usage: node format-rule.cjs '{"root":"/path/to/app","files":{"src/main.ts":"..."},"appRoot":true}'
const { HostTree } = require('@angular-devkit/schematics');
const { SchematicTestRunner } = require('@angular-devkit/schematics/testing');
const { normalize, virtualFs } = require('@angular-devkit/core');
const { NodeJsSyncHost } = require('@angular-devkit/core/node');
const { join } = require('node:path');
const { lastValueFrom } = require('rxjs');

const ROOT = join(__dirname, '..', '..');
const { formatWithAppPrettier, APP_ROOT_OPTION } = require(join(ROOT, 'dist', 'utils', 'format.js'));

async function main() {
  const { root, files, appRoot } = JSON.parse(process.argv[2]);
  const tree = new HostTree(new virtualFs.ScopedHost(new NodeJsSyncHost(), normalize(root)));
  for (const [path, content] of Object.entries(files)) {
    if (tree.exists(path)) tree.overwrite(path, content);
    else tree.create(path, content);
  }
  const runner = new SchematicTestRunner('mikro-request-context', join(ROOT, 'collection.json'));
  const warnings = [];
  runner.logger.subscribe((entry) => entry.level === 'warn' && warnings.push(entry.message));
  const options = appRoot === false ? {} : { [APP_ROOT_OPTION]: root };
  const result = await lastValueFrom(runner.callRule(formatWithAppPrettier(options), tree));
  const out = Object.fromEntries(Object.keys(files).map((path) => [path, result.readText(path)]));
  process.stdout.write(JSON.stringify({ files: out, warnings }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
