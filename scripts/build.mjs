// Builds the package: writes each schematic's options interface (schema.d.ts) from its schema.json,
// compiles the factories with tsc, and copies the schemas next to the compiled index.js, so that
// collection.json points at dist/ only.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const schematics = readdirSync(join(root, 'src'), { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(root, 'src', e.name, 'schema.json')))
  .map((e) => e.name);

for (const name of schematics) {
  const schema = JSON.parse(readFileSync(join(root, 'src', name, 'schema.json'), 'utf8'));
  writeFileSync(join(root, 'src', name, 'schema.d.ts'), optionsInterface(name, schema));
}

// Compile into a fresh folder and swap it in at the end, so that a test running while the package
// is rebuilt never sees a half-written dist/ (and no file of a deleted source survives).
const next = join(root, `.dist-${process.pid}`);
const previous = join(root, `.dist-old-${process.pid}`);
rmSync(next, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', next], {
  stdio: 'inherit',
});
for (const name of schematics) {
  cpSync(join(root, 'src', name, 'schema.json'), join(next, name, 'schema.json'));
}
// The bin runs as an executable once installed (npm sets the mode too; a local `node_modules/.bin` link needs it).
if (existsSync(join(next, 'cli', 'main.js'))) chmodSync(join(next, 'cli', 'main.js'), 0o755);
if (existsSync(join(root, 'dist'))) renameSync(join(root, 'dist'), previous);
renameSync(next, join(root, 'dist'));
rmSync(previous, { recursive: true, force: true });

function optionsInterface(name, schema) {
  const typeName = `${name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}Options`;
  const lines = Object.entries(schema.properties ?? {}).map(([key, prop]) => {
    const type = prop.enum
      ? prop.enum.map((v) => JSON.stringify(v)).join(' | ')
      : ({ string: 'string', boolean: 'boolean', number: 'number', integer: 'number', array: 'string[]' }[prop.type] ?? 'unknown');
    const doc = prop.description ? `  /** ${prop.description.replace(/\*\//g, '*\\/')} */\n` : '';
    return `${doc}  ${JSON.stringify(key)}?: ${type};`;
  });
  return `// Generated from schema.json by scripts/build.mjs: do not edit.\nexport interface ${typeName} {\n${lines.join('\n')}\n  [option: string]: unknown;\n}\n`;
}
