import { logging } from '@angular-devkit/core';
import { DryRunEvent, TaskExecutor, UnsuccessfulWorkflowExecution } from '@angular-devkit/schematics';
import { FileSystemCollection, FileSystemSchematic, NodeWorkflow } from '@angular-devkit/schematics/tools';
import { BuiltinTaskExecutor } from '@angular-devkit/schematics/tasks/node';
import { NodePackageTaskOptions } from '@angular-devkit/schematics/tasks/package-manager/options';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, GlobalOptions, OptionsSchema, parseCommandLine, parseSchematicOptions, UsageError } from './args';
import { detectPackageManager, findAppRoot, PackageManager, projectOfFolder } from './app-root';
import { BIN, globalHelp, schematicHelp, SchematicSummary } from './help';
import { describeEvent, Paint, painter, useColour } from './output';
import { promptProvider } from './prompts';
import { appWorkflow, COLLECTION_PATH, executeSchematic } from './workflow';
import { ownPackage } from '../utils/own-package';

export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * `mikro-request-context <command>`: runs a schematic of collection.json in the app around the
 * current folder with the devkit's NodeWorkflow (no Nest CLI needed). Resolves with the exit code:
 * 0 done, 1 the schematic failed (nothing written), 2 a usage error.
 */
export async function run(argv: string[], io: CliIO = processIO()): Promise<number> {
  let globals: GlobalOptions | undefined;
  let command: Command;
  let errPaint = painter(useColour(undefined, io.stderr, io.env));
  try {
    ({ globals, command } = parseCommandLine(argv));
    errPaint = painter(useColour(globals.color, io.stderr, io.env));
    const out = painter(useColour(globals.color, io.stdout, io.env));
    const width = Math.min(io.stdout.columns ?? 100, 120);

    if (command.kind === 'version') {
      io.stdout.write(`${ownPackage().version}\n`);
      return 0;
    }
    const root = findAppRoot(io.cwd);
    const workflowRoot = root ?? io.cwd;
    const packageManager = detectPackageManager(workflowRoot);
    const workflow = appWorkflow(workflowRoot, { dryRun: globals.dryRun, packageManager });
    const collection = workflow.engine.createCollection(COLLECTION_PATH);

    if (command.kind === 'help') {
      if (command.schematic) {
        const schematic = findSchematic(collection, command.schematic);
        io.stdout.write(schematicHelp(schematic.description.name, schematic.description.description, schemaOf(schematic), width));
      } else {
        io.stdout.write(globalHelp(ownSchematics(collection), collection.description.extends ?? [], width));
      }
      return 0;
    }

    const schematic = findSchematic(collection, command.schematic);
    const name = schematic.description.name;
    const optionsSchema = schemaOf(schematic);
    const helpFor = name === 'init' && command.schematic === 'init' ? 'init' : `g ${name}`;
    const options = parseSchematicOptions(name, optionsSchema, command.args, helpFor);
    if (!root) {
      throw new UsageError(
        `No app found in ${io.cwd} or its parent folders: run ${BIN} in a Nest app (a folder with nest-cli.json or package.json).`,
      );
    }
    const properties = optionsSchema.properties ?? {};
    if (globals.skipInstall && 'skipInstall' in properties) options.skipInstall = true;
    const logger = createLogger(io, globals.verbose, errPaint);
    if ('project' in properties && options.project === undefined) {
      const project = projectOfFolder(root, io.cwd);
      if (project) {
        options.project = project;
        logger.info(`Project ${project} (the folder you are in; --project chooses another).`);
      }
    }
    return await execute(workflow, { name, options, root, globals, packageManager, logger, out, io });
  } catch (error) {
    return report(error, io, errPaint, globals?.verbose ?? argv.includes('--verbose'));
  }
}

interface Execution {
  name: string;
  options: Record<string, unknown>;
  root: string;
  globals: GlobalOptions;
  packageManager: PackageManager;
  logger: logging.Logger;
  out: Paint;
  io: CliIO;
}

async function execute(workflow: NodeWorkflow, run: Execution): Promise<number> {
  const { globals, logger, io, root } = run;
  let changes: string[] = [];
  let failed = false;
  let nothingDone = true;
  let written = false;
  workflow.reporter.subscribe((event: DryRunEvent) => {
    nothingDone = false;
    if (event.kind === 'error') {
      failed = true;
      io.stderr.write(`${describeEvent(event, painter(false)).join('\n')}\n`);
      return;
    }
    // In a dry run the disk still holds the old content of an updated file: diff against it.
    const before = globals.dryRun && event.kind === 'update' ? readIfExists(join(root, event.path)) : undefined;
    changes.push(...describeEvent(event, run.out, before));
  });
  // The change list is printed once the tree is committed (or known to fail), as the Nest CLI does.
  workflow.lifeCycle.subscribe((event) => {
    if (event.kind === 'post-tasks-start') written = true;
    if (event.kind === 'workflow-end' || event.kind === 'post-tasks-start') {
      if (!failed && changes.length > 0) io.stdout.write(`${changes.join('\n')}\n`);
      changes = [];
    }
  });
  workflow.registry.useXDeprecatedProvider((message) => logger.warn(message));
  if (globals.interactive && io.stdin.isTTY) {
    workflow.registry.usePromptProvider(promptProvider(root, logger));
  }
  registerInstall(workflow, run);

  try {
    await executeSchematic(workflow, run.name, run.options, logger);
  } catch (error) {
    if (!written) throw error;
    // The files are on disk: only a task after them (the install) failed.
    io.stderr.write(
      `Error: the files are written, but ${error instanceof Error && !(error instanceof UnsuccessfulWorkflowExecution) ? error.message : 'the package install failed'}: run \`${run.packageManager} install\` yourself.\n`,
    );
    return 1;
  }
  if (nothingDone) logger.info('Nothing to be done.');
  else if (globals.dryRun) logger.info('Dry run enabled. No files written to disk.');
  return 0;
}

/**
 * The install task that addDependency schedules: run with the app's package manager in the app's
 * root, unless --skip-install. Install scripts are allowed: the devkit would pass --ignore-scripts,
 * which leaves MikroORM 6's sqlite driver (the sqlite3 package builds or downloads its binding in
 * its install script) unable to load ("Could not locate the bindings file"). The package manager's
 * own script policy still applies.
 */
function registerInstall(workflow: NodeWorkflow, run: Execution): void {
  const nodePackage = BuiltinTaskExecutor.NodePackage;
  workflow.engineHost.registerTaskExecutor(
    {
      name: nodePackage.name,
      create: async (factoryOptions) => {
        if (run.globals.skipInstall) {
          return async () =>
            run.logger.info(`Skipped the package install (--skip-install): run \`${run.packageManager} install\` yourself.`);
        }
        const install = await (nodePackage.create(factoryOptions) as Promise<TaskExecutor<NodePackageTaskOptions>>);
        const withScripts: TaskExecutor<NodePackageTaskOptions> = (options, context) =>
          install({ command: 'install', ...options, allowScripts: true }, context);
        return withScripts as TaskExecutor;
      },
    },
    { allowPackageManagerOverride: true, packageManager: run.packageManager, rootDirectory: run.root },
  );
}

function report(error: unknown, io: CliIO, paint: Paint, verbose: boolean): number {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    io.stderr.write(`${paint('red', 'Error:')} ${message}\n`);
    io.stderr.write(`Run "${BIN} ${error.helpFor ? `${error.helpFor} ` : ''}--help" for the options.\n`);
    return 2;
  }
  const reason = error instanceof UnsuccessfulWorkflowExecution ? 'the schematic failed (see above).' : message;
  io.stderr.write(`${paint('red', 'Error:')} ${reason}\nNothing was written.\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return 1;
}

function createLogger(io: CliIO, verbose: boolean, err: Paint): logging.Logger {
  const logger = new logging.Logger(BIN);
  logger.subscribe((entry) => {
    if (entry.level === 'debug' && !verbose) return;
    if (entry.level === 'warn') io.stderr.write(`${err('yellow', entry.message)}\n`);
    else if (entry.level === 'error' || entry.level === 'fatal') io.stderr.write(`${err('red', entry.message)}\n`);
    else io.stdout.write(`${entry.message}\n`);
  });
  return logger;
}

type Collection = ReturnType<NodeWorkflow['engine']['createCollection']>;
type Schematic = ReturnType<Collection['createSchematic']>;

function findSchematic(collection: Collection, name: string): Schematic {
  try {
    return collection.createSchematic(name, true);
  } catch {
    const known = ownSchematics(collection).map((s) => s.name);
    throw new UsageError(`Unknown schematic "${name}": this package has ${known.join(', ')}.`);
  }
}

/** The schematics collection.json lists itself (not the ones it extends), hidden ones left out. */
function ownSchematics(collection: Collection): SchematicSummary[] {
  const own = (collection as unknown as FileSystemCollection).description.schematics;
  return Object.entries(own)
    .filter(([, s]) => !s.hidden && !s.private)
    .map(([name, s]) => ({ name, description: s.description, aliases: s.aliases }));
}

function schemaOf(schematic: Schematic): OptionsSchema {
  return ((schematic as unknown as FileSystemSchematic).description.schemaJson as OptionsSchema | undefined) ?? {};
}

function readIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

function processIO(): CliIO {
  return { cwd: process.cwd(), env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
