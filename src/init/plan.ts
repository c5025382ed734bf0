import { SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { AppProfile, readAppProfile } from '../utils/app-profile';
import { parseSource } from '../utils/ast';
import { Bootstrap, contextRegistrations, findBootstrap, findOrmRoots } from '../utils/bootstrap';
import { findModuleClass } from '../utils/module';
import { sourceFiles } from '../utils/tree';
import { Driver, DRIVERS, OrmPackages, ormPackages } from '../utils/versions';
import { importedSourceFiles, NestProject, resolveProject } from '../utils/workspace';
import { InitOptions } from './schema';

/** Everything init decided before touching the tree: rules only carry it out. */
export interface InitPlan {
  options: Required<Pick<InitOptions, 'force' | 'skipInstall'>> & { driver: Driver; style: 'main' | 'middleware' };
  defaultsUsed: string[];
  project: NestProject;
  profile: AppProfile;
  orm: OrmPackages;
  bootstrap: Bootstrap;
  appModulePath: string;
  appModuleClass: string;
  configPath: string;
  databaseModulePath: string;
  middlewarePath: string;
  /** where the app already opens a request context (empty: we register ours) */
  registrations: string[];
  /** MikroOrmModule.forRoot calls the app already has */
  ormRoots: { path: string; call: ts.CallExpression }[];
}

export function planInit(tree: Tree, raw: InitOptions): InitPlan {
  const defaultsUsed: string[] = [];
  const driver = chooseDriver(raw, defaultsUsed);
  const style = raw.style ?? (defaultsUsed.push('style=main'), 'main');
  if (style !== 'main' && style !== 'middleware') {
    throw new SchematicsException(`Unknown style "${style}": use --style main (app.use in main.ts) or --style middleware.`);
  }
  const project = resolveProject(tree, raw);
  const profile = readAppProfile(tree, project);
  if (!tree.exists(project.main)) {
    throw new SchematicsException(
      `${project.main} not found: init registers the request context in the app's bootstrap file. ` +
        `Run it in the app's root folder, or pass --project (monorepo) or --sourceRoot.`,
    );
  }
  const main = parseSource(tree, project.main);
  const bootstrap = findBootstrap(main);
  if ('kind' in bootstrap) {
    throw new SchematicsException(
      bootstrap.others.length > 0
        ? `${project.main} creates the app with NestFactory.${bootstrap.others.join('/NestFactory.')} only: it serves no HTTP requests, ` +
            `so there is no request to give a context. Use \`nest g context\` for message handlers, jobs and lifecycle hooks.`
        : `${project.main} has no NestFactory.create(...) call: init registers the request context right after it. ` +
            `Create the app with NestFactory.create, or pass --project/--sourceRoot to point at the right app.`,
    );
  }
  const registrations: string[] = [];
  const ormRoots: InitPlan['ormRoots'] = [];
  for (const path of sourceFiles(tree, project.sourceRoot)) {
    const source = path === project.main ? main : parseSource(tree, path);
    registrations.push(...contextRegistrations(source, path === project.main));
    ormRoots.push(...findOrmRoots(source).map((call) => ({ path, call })));
  }
  if (registrations.length === 0 && style === 'main' && !bootstrap.statement) {
    throw new SchematicsException(
      `${project.main}: the result of NestFactory.create(...) is not kept in a variable, so nothing can be registered on it. ` +
        `Write \`const app = await NestFactory.create(...)\`, then run init again.`,
    );
  }
  const appModulePath = rootModulePath(tree, project, bootstrap);
  const appModule = findModuleClass(parseSource(tree, appModulePath), bootstrap.rootModule);
  if (!appModule) {
    throw new SchematicsException(
      `${appModulePath} has no @Module() class${bootstrap.rootModule ? ` named ${bootstrap.rootModule}` : ''}: init imports the database module there.`,
    );
  }
  const folder = cleanFolder(raw.path ?? 'database');
  return {
    options: { driver, style, force: raw.force === true, skipInstall: raw.skipInstall === true },
    defaultsUsed,
    project,
    profile,
    orm: ormPackages(driver, { nestMajor: profile.nestMajor, existingOrmMajor: profile.ormMajor, nodeVersion: process.versions.node }),
    bootstrap,
    appModulePath,
    appModuleClass: appModule.name,
    configPath: `${project.sourceRoot}/mikro-orm.config.ts`,
    databaseModulePath: `${project.sourceRoot}/${folder}/database.module.ts`,
    middlewarePath: `${project.sourceRoot}/${folder}/mikro-orm-request-context.middleware.ts`,
    registrations,
    ormRoots,
  };
}

function chooseDriver(raw: InitOptions, defaultsUsed: string[]): Driver {
  // --type is only ever typed on a command line (nest g has no --driver), while driver may be the
  // answer of the prompt that the devkit shows because --driver was not given: --type wins.
  const given = raw.type ?? raw.driver;
  if (given === undefined) {
    defaultsUsed.push('driver=sqlite');
    return 'sqlite';
  }
  if (!(DRIVERS as readonly string[]).includes(given)) {
    throw new SchematicsException(`Unknown driver "${given}": choose one of ${DRIVERS.join(', ')}.`);
  }
  return given as Driver;
}

function cleanFolder(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || !/^[\w.-]+$/.test(p))) {
    throw new SchematicsException(`Invalid --path "${path}": give a folder inside the source root, e.g. "database".`);
  }
  return parts.join('/');
}

/** The file of the module given to NestFactory.create, from main.ts's import of it. */
function rootModulePath(tree: Tree, project: NestProject, bootstrap: Bootstrap): string {
  const fallback = `${project.sourceRoot}/app.module.ts`;
  const main = bootstrap.create.getSourceFile();
  const name = bootstrap.rootModule;
  for (const statement of main.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!name || !bindings || !ts.isNamedImports(bindings) || !bindings.elements.some((e) => e.name.text === name)) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) break;
    const candidate = importedSourceFiles(project.main, specifier).find((p) => tree.exists(p));
    if (candidate) return candidate;
  }
  if (!tree.exists(fallback)) {
    throw new SchematicsException(`Could not find the root module file (${fallback}) that ${project.main} bootstraps.`);
  }
  return fallback;
}

