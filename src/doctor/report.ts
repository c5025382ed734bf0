import { SchematicContext } from '@angular-devkit/schematics';
import { Examination } from './examine';
import { formatFinding } from './rules';

export function report(exam: Examination, ctx: SchematicContext): void {
  const log = ctx.logger;
  if (!exam.ormSetUp) {
    log.info(
      `doctor: MikroORM is not set up in this app (no @mikro-orm/core in ${exam.project.packageJson}), nothing to check — nest g -c mikro-request-context init sets it up.`,
    );
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
