import { SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { readAppProfile } from '../utils/app-profile';
import { Binding, importBindings, importInsertion, Insertion, isNameTaken, parseSource } from '../utils/ast';
import {
  ClassFacts,
  classFacts,
  constructorParameterInsertion,
  contextAccess,
  contextFreeOrmWork,
  touchesDatabase,
  databaseClasses,
  findHandlers,
  Handler,
  methodDecoratorInsertion,
  repositoryClasses,
} from '../utils/handlers';
import { detectSourceStyle } from '../utils/source-style';
import { sourceFiles } from '../utils/tree';
import { majorOf } from '../utils/versions';
import { NestProject, resolveProject } from '../utils/workspace';
import { ContextOptions } from './schema';

/** What happens to one handler. */
export type HandlerOutcome =
  | { kind: 'covered'; path: string; handler: Handler; how: string }
  | { kind: 'no-database'; path: string; handler: Handler }
  /** only ORM-level work (`this.orm.migrator`…), which needs no context, though its class reaches the database */
  | { kind: 'orm-only'; path: string; handler: Handler; work: string }
  | { kind: 'add'; path: string; handler: Handler; decorator: string; database: string; injects: boolean }
  | { kind: 'report'; path: string; handler: Handler; database: string; reason: string; fix: string };

export interface ContextPlan {
  project: NestProject;
  ormMajor: number;
  /** the decorator for this MikroORM major and where it is imported from */
  decorator: { name: string; from: string };
  /** the folder or file scanned for handlers */
  scope: string;
  outcomes: HandlerOutcome[];
  /** insertions per file, offsets in the file as it is */
  edits: Map<string, Insertion[]>;
  /** classes that get `private readonly orm: MikroORM`, as `path: Class` log lines */
  injections: { path: string; className: string; because: string }[];
  /** packages to add (MikroORM 7 keeps the decorator in @mikro-orm/decorators) */
  packages: Record<string, string>;
  skipInstall: boolean;
}

export const ORM_PARAMETER = 'private readonly orm: MikroORM';

/** MikroORM's request-context decorator for a major: v7 moved it to @mikro-orm/decorators, v5 named it UseRequestContext. */
export function contextDecorator(ormMajor: number): { name: string; from: string } {
  if (ormMajor >= 7) return { name: 'CreateRequestContext', from: '@mikro-orm/decorators/legacy' };
  if (ormMajor === 6) return { name: 'CreateRequestContext', from: '@mikro-orm/core' };
  return { name: 'UseRequestContext', from: '@mikro-orm/core' };
}

export function planContext(tree: Tree, raw: ContextOptions): ContextPlan {
  const project = resolveProject(tree, raw);
  const profile = readAppProfile(tree, project);
  const coreRange = profile.dependencies['@mikro-orm/core'];
  const ormMajor = majorOf(coreRange);
  if (ormMajor === undefined) {
    throw new SchematicsException(
      `${project.packageJson} does not list @mikro-orm/core: set MikroORM up first (nest g -c mikro-request-context init), then run context.`,
    );
  }
  if (ormMajor < 5) {
    throw new SchematicsException(
      `MikroORM ${ormMajor} has no request-context decorator (it arrived in MikroORM 5): upgrade MikroORM, then run context.`,
    );
  }
  const scope = resolveScope(tree, project, raw.path ?? raw.name);
  const decorator = contextDecorator(ormMajor);

  const files = projectFiles(tree, project);
  const sources = new Map(files.map((path) => [path, parseSource(tree, path)] as const));
  const facts = [...sources].flatMap(([path, source]) => classFacts(source, path));
  const database = databaseClasses(facts);
  const repositories = repositoryClasses(facts);

  const plan: ContextPlan = {
    project,
    ormMajor,
    decorator,
    scope,
    outcomes: [],
    edits: new Map(),
    injections: [],
    packages: {},
    skipInstall: raw.skipInstall === true,
  };
  for (const [path, source] of sources) {
    if (!inScope(path, scope)) continue;
    const handlers = findHandlers(source);
    if (handlers.length === 0) continue;
    const planned = planFile(path, source, handlers, facts, database, repositories, plan);
    if (planned.length > 0) plan.edits.set(path, planned);
  }
  const adds = plan.outcomes.some((o) => o.kind === 'add');
  if (adds && ormMajor >= 7 && !profile.hasDependency('@mikro-orm/decorators')) {
    plan.packages['@mikro-orm/decorators'] = coreRange!;
  }
  return plan;
}

/** The outcome of every handler of one file, and the file's insertions. */
function planFile(
  path: string,
  source: ts.SourceFile,
  handlers: Handler[],
  facts: ClassFacts[],
  database: Map<string, string>,
  repositories: Set<string>,
  plan: ContextPlan,
): Insertion[] {
  const style = detectSourceStyle(source);
  const bindings = importBindings(source);
  const { name, from } = plan.decorator;
  const insertions: Insertion[] = [];
  const imports = new Map<string, Set<string>>();
  const injected = new Set<ts.ClassDeclaration>();
  const decoratorProblem = importProblem(source, bindings, name, (b) => b.from === from);

  for (const handler of handlers) {
    const base = { path, handler };
    if (handler.existingContext) {
      plan.outcomes.push({ ...base, kind: 'covered', how: handler.existingContext });
      continue;
    }
    const reason = database.get(handler.className);
    const cls = facts.find((c) => c.node === handler.cls);
    if (!reason || !cls || !touchesDatabase(handler.method, cls, database, repositories)) {
      plan.outcomes.push({ ...base, kind: 'no-database' });
      continue;
    }
    // Migrations, schema updates, seeding, connection checks: the class reaches the database, this handler needs no context.
    const work = contextFreeOrmWork(handler.method, cls, database, repositories);
    if (work) {
      plan.outcomes.push({ ...base, kind: 'orm-only', work });
      continue;
    }
    const refuse = (why: string, fix: string) => plan.outcomes.push({ ...base, kind: 'report', database: reason, reason: why, fix });
    if (handler.isStatic) {
      refuse('is static: there is no `this` on which the decorator can find the ORM', 'move the work into an async instance method');
      continue;
    }
    if (!handler.isAsync) {
      refuse(
        plan.ormMajor >= 7
          ? `is synchronous: @${name}() accepts only async methods (MikroORM 7 throws at startup otherwise)`
          : `is synchronous: @${name}() would make it return a Promise`,
        `make it async (returning a Promise), then run nest g context again`,
      );
      continue;
    }
    if (decoratorProblem) {
      refuse(decoratorProblem, `rename that import, then run nest g context again`);
      continue;
    }
    const access = contextAccess(cls, plan.ormMajor, repositories);
    let decorator = `@${name}()`;
    let injects = false;
    if (!access || access.kind === 'member') {
      const injection = injected.has(handler.cls) ? 'done' : ormInjection(source, style, bindings, cls);
      if (injection === 'done' || typeof injection === 'object') {
        injects = true;
        if (typeof injection === 'object') {
          injected.add(handler.cls);
          insertions.push(injection.insertion);
          if (injection.importFrom) addImport(imports, injection.importFrom, 'MikroORM');
          plan.injections.push({ path, className: cls.name, because: reason });
        }
      } else if (access?.kind === 'member') {
        // No injection possible (e.g. a subclass without its own constructor): the decorator's callback returns the member.
        decorator = `@${name}<${cls.name}>((self) => self.${access.member})`;
      } else {
        refuse(
          `${reason}, but has no \`this.orm\`${plan.ormMajor >= 6 ? ' or `this.em`' : ''} for @${name}() to use, and MikroORM cannot be injected: ${injection}`,
          `add \`${ORM_PARAMETER}\` to its constructor, then run nest g context again`,
        );
        continue;
      }
    }
    insertions.push(methodDecoratorInsertion(source, style, handler.method, decorator));
    addImport(imports, from, name);
    plan.outcomes.push({ ...base, kind: 'add', decorator, database: reason, injects });
  }
  for (const [module, names] of imports) {
    const insertion = importInsertion(source, style, [...names], module);
    if (insertion) insertions.push(insertion);
  }
  return insertions;
}

function addImport(imports: Map<string, Set<string>>, from: string, name: string): void {
  if (!imports.has(from)) imports.set(from, new Set());
  imports.get(from)!.add(name);
}

/** Why `name` cannot be imported as needed (taken by another import or declaration, or imported as a type only). */
function importProblem(
  source: ts.SourceFile,
  bindings: Map<string, Binding>,
  name: string,
  accept: (b: Binding) => boolean,
): string | undefined {
  const binding = bindings.get(name);
  if (binding && !accept(binding)) return `${name} is already imported from '${binding.from}' in this file`;
  if (binding && typeOnlyImport(source, name))
    return `${name} is imported with \`import type\` in this file, which emits no value for Nest's injection`;
  if (!binding && isNameTaken(source, name)) return `${name} is already declared in this file`;
  return undefined;
}

function typeOnlyImport(source: ts.SourceFile, name: string): boolean {
  return source.statements.some((s) => {
    if (!ts.isImportDeclaration(s) || !s.importClause) return false;
    const named = s.importClause.namedBindings;
    const element = named && ts.isNamedImports(named) ? named.elements.find((e) => e.name.text === name) : undefined;
    return !!element && (s.importClause.isTypeOnly || element.isTypeOnly);
  });
}

/** `private readonly orm: MikroORM` added to the class, with the import it needs, or why that is not possible. */
function ormInjection(
  source: ts.SourceFile,
  style: ReturnType<typeof detectSourceStyle>,
  bindings: Map<string, Binding>,
  cls: ClassFacts,
): { insertion: Insertion; importFrom?: string } | string {
  if (!cls.decorated) return `${cls.name} has no class decorator, so Nest does not create it and injects nothing into it`;
  if (cls.members.some((m) => m.name === 'orm')) return `${cls.name} already has a member named orm that is not the MikroORM instance`;
  const problem = importProblem(source, bindings, 'MikroORM', (b) => b.from.startsWith('@mikro-orm/') && b.name === 'MikroORM');
  if (problem) return problem;
  const insertion = constructorParameterInsertion(source, style, cls.node, ORM_PARAMETER);
  if (!insertion)
    return `${cls.name} extends ${cls.extendsName} without a constructor of its own, so a new one would have to call super() with arguments`;
  return { insertion, importFrom: bindings.has('MikroORM') ? undefined : '@mikro-orm/core' };
}

/** The app's TypeScript files: its source root, and the shared libraries of a monorepo. */
export function projectFiles(tree: Tree, project: NestProject): string[] {
  const roots = [project.sourceRoot];
  if (project.monorepo && tree.getDir('libs').subdirs.length > 0) roots.push('libs');
  return [...new Set(roots.flatMap((root) => sourceFiles(tree, root)))];
}

/** The folder or file `--path` names, relative to the workspace root or to the source root. */
function resolveScope(tree: Tree, project: NestProject, given: string | undefined): string {
  if (given === undefined || given.trim() === '' || given === '.') return project.sourceRoot;
  const clean = given.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  if (clean.split('/').includes('..') || clean.startsWith('/')) {
    throw new SchematicsException(`Invalid --path "${given}": give a folder or file inside the app, e.g. src/jobs.`);
  }
  for (const candidate of [clean, `${project.sourceRoot}/${clean}`]) {
    if (tree.exists(candidate) || tree.getDir(candidate).subfiles.length + tree.getDir(candidate).subdirs.length > 0) return candidate;
  }
  throw new SchematicsException(
    `--path ${given}: no such folder or file (looked in the workspace root and in ${project.sourceRoot}). Nothing was changed.`,
  );
}

function inScope(path: string, scope: string): boolean {
  return path === scope || path.startsWith(`${scope}/`);
}
