// One way to run this package's schematics, for the proof harness, the bench and the tests: on a
// folder through the devkit's NodeWorkflow (the real file system, schema defaults and validation,
// no prompts, as `schematics mikro-request-context:<name>` and the package's own bin do), or on an
// in-memory tree through the devkit's SchematicTestRunner. Run as a script it applies schematics to
// a fixture app in a plain Node process and prints the files and log lines as JSON: Jest's module
// runtime cannot load the ESM-only collections (@nestjs/schematics 12) a schematic hands work to.
//   node scripts/lib/schematics.ts '{"fixture":"nest12","steps":[["init",{"skipInstall":true}],["resource",{"name":"users"}]]}'
import { logging } from '@angular-devkit/core';
import { HostTree } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from './files.ts';
import type * as Workflow from '../../src/cli/workflow.ts';
import { built, COLLECTION, FIXTURES } from './paths.ts';

export type SchematicOptions = Record<string, unknown>;

/** The devkit's test runner on the package's collection (built: collection.json points at dist/). */
export function schematicRunner(): SchematicTestRunner {
  return new SchematicTestRunner('mikro-request-context', COLLECTION);
}

export interface TreeRun {
  tree: UnitTestTree;
  /** what the schematic logged, `<level> <message>` */
  logs: string[];
  /** the same messages without their level */
  messages: string[];
}

/** Runs one schematic on a tree (which it changes) and collects what it logged. */
export async function runOnTree(name: string, options: SchematicOptions, tree: UnitTestTree): Promise<TreeRun> {
  const runner = schematicRunner();
  const entries: logging.LogEntry[] = [];
  runner.logger.subscribe((entry) => entries.push(entry));
  const result = await runner.runSchematic(name, options, tree);
  return { tree: result, logs: entries.map((e) => `${e.level} ${e.message}`), messages: entries.map((e) => e.message) };
}

/** A tree holding the files of a folder (node_modules and dist left out), as a schematic run in that folder sees it. */
export function folderTree(root: string): UnitTestTree {
  const host = new HostTree();
  for (const path of listFiles(root)) host.create(path, readFileSync(join(root, path)));
  return new UnitTestTree(host);
}

/**
 * Runs one schematic on a folder. Resolves with what the workflow reported (`CREATE <path>`,
 * `UPDATE <path>`, …) followed by the schematic's messages (indented); with `dryRun` nothing is
 * written and the lines still say what would be.
 */
export async function runInFolder(
  dir: string,
  name: string,
  options: SchematicOptions,
  { dryRun = false }: { dryRun?: boolean } = {},
): Promise<string[]> {
  // The bin's own workflow (built): the same defaults, validation and app folder as a user's run.
  const { appWorkflow, executeSchematic } = built<typeof Workflow>('cli/workflow');
  const workflow = appWorkflow(dir, { dryRun });
  const log: string[] = [];
  workflow.reporter.subscribe((event) => {
    const path = event.path.replace(/^\//, '');
    log.push(event.kind === 'error' ? `ERROR ${path} (${event.description})` : `${event.kind.toUpperCase()} ${path}`);
  });
  const logger = new logging.Logger(`run:${name}`);
  const messages: string[] = [];
  logger.subscribe((entry) => messages.push(`${entry.level}: ${entry.message}`));
  try {
    await executeSchematic(workflow, name, options, logger);
  } catch (error) {
    throw new Error(`Schematic ${name} ${JSON.stringify(options)} failed in ${dir}: ${(error as Error).message}\n${messages.join('\n')}`, {
      cause: error,
    });
  }
  return [...log, ...messages.map((m) => `  ${m}`)];
}

/** The command line: a fixture app, the schematics to run on it in order; prints `{ files, logs }`. */
async function main(argument: string): Promise<void> {
  const { fixture, steps } = JSON.parse(argument) as { fixture: string; steps: [string, SchematicOptions][] };
  let tree = folderTree(join(FIXTURES, fixture));
  const logs: string[] = [];
  for (const [name, options] of steps) {
    const run = await runOnTree(name, options, tree);
    tree = run.tree;
    logs.push(...run.logs);
  }
  const files = Object.fromEntries(tree.files.map((f) => [f, tree.readContent(f)]));
  process.stdout.write(JSON.stringify({ files, logs }));
}

if (process.argv[1] === import.meta.filename) {
  main(process.argv[2] ?? '').catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
