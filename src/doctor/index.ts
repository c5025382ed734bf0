import { chain, Rule, schematic, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';
import { ContextPlan, planContext, projectFiles } from '../context/plan';
import { readAppProfile } from '../utils/app-profile';
import { findOrmRoots } from '../utils/bootstrap';
import {
  DoctorInput,
  Finding,
  formatFinding,
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
import { classFacts } from '../utils/handlers';
import { importResolver, reachableFiles } from '../utils/import-graph';
import { driverPackage, DRIVERS, majorOf } from '../utils/versions';
import { NestProject, resolveProject } from '../utils/workspace';
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

/**
 * `doctor`: a read-only audit of the app's request contexts (it never writes, with or without
 * --dry-run), one finding per line as `file:line severity message — fix`, then a summary. With
 * `fix` (`nest g doctor fix`, or --fix), it runs the schematics that fix what is safe to fix:
 * context for handlers, init for a missing or doubled registration.
 */
export function doctor(options: DoctorOptions): Rule {
  return (tree: Tree, ctx: SchematicContext) => {
    if (options.name !== undefined && options.name !== 'fix') {
      throw new SchematicsException(`Unknown argument "${options.name}": nest g doctor takes none (read-only audit) or "fix" (apply the safe fixes).`);
    }
    const fix = options.fix === true || options.name === 'fix';
    const exam = examine(tree, options);
    report(exam, ctx);
    return fix ? chain(fixes(exam, options, ctx)) : undefined;
  };
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
  const ormSetUp = profile.hasDependency('@mikro-orm/core') || [...sources.values()].some((s) => findOrmRoots(s).length > 0);
  const exam: Examination = { project, ormSetUp, files: tsFiles.length, findings, driver: DRIVERS.find((d) => profile.hasDependency(driverPackage(d))) };
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

function report(exam: Examination, ctx: SchematicContext): void {
  const log = ctx.logger;
  if (!exam.ormSetUp) {
    log.info(`doctor: MikroORM is not set up in this app (no @mikro-orm/core in ${exam.project.packageJson}), nothing to check — nest g -c mikro-request-context init sets it up.`);
    return;
  }
  for (const finding of exam.findings) {
    const line = formatFinding(finding);
    if (finding.severity === 'error') log.error(line);
    else log.warn(line);
  }
  const errors = exam.findings.filter((f) => f.severity === 'error').length;
  const warnings = exam.findings.length - errors;
  log.info(
    exam.findings.length === 0
      ? `doctor: no problems found (${exam.files} files checked).`
      : `doctor: ${errors} error(s), ${warnings} warning(s) (${exam.files} files checked).`,
  );
}

/** The safe fixes: the context schematic for handlers, init for the HTTP registration. */
function fixes(exam: Examination, options: DoctorOptions, ctx: SchematicContext): Rule[] {
  const log = ctx.logger;
  const common = { project: options.project, sourceRoot: options.sourceRoot, skipInstall: options.skipInstall === true };
  const rules: Rule[] = [];
  const byContext = exam.findings.filter((f) => f.fixBy === 'context');
  const byInit = exam.findings.filter((f) => f.fixBy === 'init');
  if (byContext.length > 0) {
    log.info(`doctor fix: running context for ${byContext.length} handler(s) without a request context.`);
    rules.push(schematic('context', common));
  }
  if (byInit.length > 0) {
    if (exam.driver) {
      log.info('doctor fix: running init for the HTTP request context registration.');
      rules.push(schematic('init', { ...common, driver: exam.driver, style: 'main' }));
    } else {
      log.warn('doctor fix: no @mikro-orm driver package in package.json, so init cannot run: fix the registration by hand.');
    }
  }
  const left = exam.findings.filter((f) => !f.fixBy).length;
  if (left > 0) log.info(`doctor fix: ${left} finding(s) need a change by hand (see the fix after each —).`);
  if (rules.length === 0) log.info('doctor fix: nothing that a schematic can fix safely.');
  return rules;
}
