import * as ts from 'typescript';
import { lineOf } from '../../utils/ast';

/** What every doctor rule returns: findings, one per problem, each at the exact file and line. */
export type Severity = 'error' | 'warning';

export type RuleId =
  | 'syntax'
  | 'global-context'
  | 'stored-fork'
  | 'global-em-outside-context'
  | 'request-scope'
  | 'context-registration'
  | 'repository-provider'
  | 'handler-context'
  | 'versions';

export interface Finding {
  file: string;
  line: number;
  severity: Severity;
  rule: RuleId;
  message: string;
  fix: string;
  /** the schematic that `doctor fix` runs for it, when the fix is safe */
  fixBy?: 'context' | 'init';
}

export interface DoctorInput {
  /** the app's TypeScript files, path → parsed file */
  sources: Map<string, ts.SourceFile>;
  /** the bootstrap file (main.ts) */
  main: string;
  packageJson?: { path: string; text: string };
  envFiles: { path: string; text: string }[];
  /** the files main.ts reaches through imports: context paths count there only (all files when absent) */
  reachable?: Set<string>;
}

/** `file:line severity message — fix` */
export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line} ${f.severity} ${f.message} — ${f.fix}`;
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

export const INIT = 'nest g -c mikro-request-context init';

export function at(source: ts.SourceFile, node: ts.Node, severity: Severity, rule: RuleId, message: string, fix: string): Finding {
  return { file: source.fileName, line: lineOf(source, node), severity, rule, message, fix };
}
