import { chain, Rule } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { AppProfile } from '../utils/app-profile';
import { classesWithDecorator, decoratorArgument, isNameTaken, lineOf, objectProperty } from '../utils/ast';
import { renderFiles } from '../utils/files';
import { ModuleClass } from '../utils/module';
import { NestProject, relativeImport } from '../utils/workspace';
import { importIntoRootModule } from './context';
import { InitPlan } from './plan';
import { InitOptions } from './schema';

const TEMPLATES = '../../templates/init/health';
export const HEALTH_MODULE = 'HealthModule';

/** The /health module init writes (`init --health`). */
export interface HealthPlan {
  modulePath: string;
  controllerPath: string;
}

/**
 * Whether init writes the /health module: asked with --health (or the prompt), else on when the app
 * already lists @nestjs/terminus. Skipped, with a note, when the app has a HealthModule or a
 * `@Controller('health')` of its own (one it did not get from init): a second one would shadow it.
 */
export function planHealth(
  raw: InitOptions,
  profile: AppProfile,
  project: NestProject,
  sources: Map<string, ts.SourceFile>,
  appModulePath: string,
  appModuleSource: ts.SourceFile,
  appModule: ModuleClass,
  defaultsUsed: string[],
  notes: string[],
): HealthPlan | undefined {
  let wanted = raw.health;
  if (typeof wanted !== 'boolean') {
    wanted = profile.hasDependency('@nestjs/terminus');
    // Off is what init did before --health existed: only a default that adds something is named.
    if (wanted) defaultsUsed.push('health (the app lists @nestjs/terminus)');
  }
  if (!wanted) return undefined;
  const plan = {
    modulePath: `${project.sourceRoot}/health/health.module.ts`,
    controllerPath: `${project.sourceRoot}/health/health.controller.ts`,
  };
  for (const [path, source] of sources) {
    if (path === plan.modulePath || path === plan.controllerPath) continue;
    const own = source.statements.find((s) => ts.isClassDeclaration(s) && s.name?.text === HEALTH_MODULE);
    const controller = classesWithDecorator(source, 'Controller').find((c) => servesHealth(c));
    const found = own ? `a ${HEALTH_MODULE}` : controller ? `a @Controller('health') (${controller.name?.text ?? 'a class'})` : undefined;
    if (found) {
      notes.push(`${path}:${lineOf(source, own ?? controller!)} is ${found} already: no /health module added.`);
      return undefined;
    }
  }
  if (isNameTaken(appModuleSource, HEALTH_MODULE) && !sources.has(plan.modulePath)) {
    notes.push(`${appModulePath} already uses the name ${HEALTH_MODULE}: no /health module added.`);
    return undefined;
  }
  const imports = appModule.metadata && objectProperty(appModule.metadata, 'imports');
  if (!appModule.metadata || (imports && !ts.isArrayLiteralExpression(imports.initializer))) {
    notes.push(
      `${appModulePath}: the imports of @Module() on ${appModule.name} are not an array init can add to: no /health module added.`,
    );
    return undefined;
  }
  return plan;
}

/** `@Controller('health')`, `@Controller('/health')` or `@Controller({ path: 'health' })`. */
function servesHealth(node: ts.ClassDeclaration): boolean {
  const call = decoratorArgument(node, 'Controller')?.call;
  const [first] = call?.arguments ?? [];
  let path: ts.Expression | undefined = first;
  if (first && ts.isObjectLiteralExpression(first)) {
    const property = first.properties.find(
      (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'path',
    );
    path = property?.initializer;
  }
  return !!path && ts.isStringLiteralLike(path) && path.text.replace(/^\/+|\/+$/g, '') === 'health';
}

/** @nestjs/terminus 12 is ESM only and peers Nest 11 and 12; 11.x is CommonJS for Nest 10 and 11. */
export function healthPackages(nestMajor: number | undefined): Record<string, string> {
  return { '@nestjs/terminus': (nestMajor ?? 12) >= 12 ? '^12.1.0' : '^11.1.1' };
}

/** The health module and controller, imported into the root module after the database module. */
export function createHealthModule(plan: InitPlan): Rule {
  const health = plan.health;
  if (!health) return chain([]);
  const folder = health.modulePath.split('/').slice(0, -1).join('/');
  const values = { controllerImport: relativeImport(health.modulePath, health.controllerPath, plan.profile.importSuffix) };
  return chain([
    renderFiles({ from: TEMPLATES, to: folder, values, force: plan.options.force }),
    (tree) => importIntoRootModule(tree, plan, HEALTH_MODULE, health.modulePath, 'last'),
  ]);
}
