import { Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { ContextPlan, planContext, projectFiles } from '../context/plan';
import { readAppProfile } from '../utils/app-profile';
import { findOrmRootCalls } from '../utils/orm-options';
import { classFacts } from '../utils/handlers';
import { importResolver, reachableFiles } from '../utils/import-graph';
import { driverPackage, DRIVERS, majorOf } from '../utils/versions';
import { NestProject, resolveProject } from '../utils/workspace';
import {
  DoctorInput,
  Finding,
  globalContextRule,
  globalEntityManagerRule,
  handlerFindings,
  registrationRule,
  repositoryProvidersRule,
  requestScopeRule,
  sortFindings,
  storedForkRule,
  versionsRule,
} from './rules';
import { DoctorOptions } from './schema';

/** What the doctor found, and what `fix` would run. */
export interface Examination {
  project: NestProject;
  /** false when the app has no MikroORM at all: nothing to check */
  ormSetUp: boolean;
  files: number;
  findings: Finding[];
  contextPlan?: ContextPlan;
  /** the app's driver, which init needs to add the right packages */
  driver?: string;
}

export function examine(tree: Tree, options: DoctorOptions): Examination {
  const project = resolveProject(tree, options);
  const profile = readAppProfile(tree, project);
  const findings: Finding[] = [];
  const sources = new Map<string, ts.SourceFile>();
  const tsFiles = [...projectFiles(tree, project), ...rootFiles(tree, project, (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))];
  for (const path of [...new Set(tsFiles)]) {
    const source = ts.createSourceFile(path, tree.readText(path), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const [problem] = (source as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
    if (problem) {
      findings.push({
        file: path,
        line: source.getLineAndCharacterOfPosition(problem.start).line + 1,
        severity: 'error',
        rule: 'syntax',
        message: `does not parse (${ts.flattenDiagnosticMessageText(problem.messageText, ' ')}), so the doctor could not check it`,
        fix: 'fix the syntax error, then run the doctor again',
      });
      continue;
    }
    sources.set(path, source);
  }
  const ormSetUp = profile.hasDependency('@mikro-orm/core') || [...sources.values()].some((s) => findOrmRootCalls(s).length > 0);
  const exam: Examination = {
    project,
    ormSetUp,
    files: tsFiles.length,
    findings,
    driver: DRIVERS.find((d) => profile.hasDependency(driverPackage(d))),
  };
  if (!ormSetUp) return exam;

  const input: DoctorInput = {
    sources,
    main: project.main,
    packageJson: tree.exists(project.packageJson) ? { path: project.packageJson, text: tree.readText(project.packageJson) } : undefined,
    envFiles: rootFiles(tree, project, (f) => /(^|\/)\.env(\..+)?$/.test(f)).map((path) => ({ path, text: tree.readText(path) })),
    reachable: reachableFiles(project.main, (path) => sources.get(path), importResolver(tree, project.tsconfig)),
  };
  const facts = [...sources].flatMap(([path, source]) => classFacts(source, path));
  findings.push(
    ...globalContextRule(input),
    ...storedForkRule(input),
    ...globalEntityManagerRule(input, facts),
    ...requestScopeRule(input, facts),
    ...registrationRule(input),
    ...repositoryProvidersRule(input, facts),
    ...versionsRule(input),
  );
  // The handler rule is what `context` would do: it needs MikroORM 5+ (the decorator) and files that parse.
  if ((majorOf(profile.dependencies['@mikro-orm/core']) ?? 0) >= 5 && !findings.some((f) => f.rule === 'syntax')) {
    exam.contextPlan = planContext(tree, { project: options.project, sourceRoot: options.sourceRoot });
    findings.push(...handlerFindings(exam.contextPlan.outcomes));
  }
  exam.findings = sortFindings(findings);
  return exam;
}

/** Files directly in the app's root folder and the workspace root (config and env files). */
function rootFiles(tree: Tree, project: NestProject, accept: (file: string) => boolean): string[] {
  const folders = [...new Set([project.root === '.' ? '' : project.root, ''])];
  return folders.flatMap((folder) =>
    tree
      .getDir(folder || '/')
      .subfiles.map((f) => (folder ? `${folder}/${f}` : `${f}`))
      .filter(accept),
  );
}
