import { logging, schema } from '@angular-devkit/core';
import { NodeWorkflow } from '@angular-devkit/schematics/tools';
import { join } from 'node:path';
import { APP_ROOT_OPTION } from '../utils/format';

/** The package's own collection: its schematics are discovered from it at run time. */
export const COLLECTION_PATH = join(__dirname, '..', '..', 'collection.json');

export interface AppWorkflowOptions {
  dryRun?: boolean;
  /** the package manager that installs what a schematic adds */
  packageManager?: string;
}

/**
 * The one way this package runs its schematics on an app folder, shared by the bin and the proof
 * and bench harness: the devkit's NodeWorkflow on the real file system, schema defaults filled in
 * and validated as `nest g` does, and every schematic told the app's folder (the formatter reads the
 * app's prettier there; the tree is rooted at the app, not at the current folder).
 */
export function appWorkflow(root: string, { dryRun = false, packageManager = 'npm' }: AppWorkflowOptions = {}): NodeWorkflow {
  const workflow = new NodeWorkflow(root, {
    dryRun,
    force: false,
    packageManager,
    resolvePaths: [root, __dirname],
    schemaValidation: true,
    optionTransforms: [(_schematic, options: Record<string, unknown> | null) => ({ ...options, [APP_ROOT_OPTION]: root })],
  });
  workflow.registry.addPostTransform(schema.transforms.addUndefinedDefaults);
  return workflow;
}

/** Runs one schematic of the collection through a workflow; rejects as the workflow does (UnsuccessfulWorkflowExecution). */
export function executeSchematic(
  workflow: NodeWorkflow,
  name: string,
  options: Record<string, unknown>,
  logger: logging.Logger,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    workflow
      .execute({ collection: COLLECTION_PATH, schematic: name, options, allowPrivate: true, debug: false, logger })
      .subscribe({ error: reject, complete: resolve });
  });
}
