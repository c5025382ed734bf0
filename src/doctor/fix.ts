import { Rule, schematic, SchematicContext } from '@angular-devkit/schematics';
import { Examination } from './examine';
import { DoctorOptions } from './schema';

/** The safe fixes: the context schematic for handlers, init for the HTTP registration. */
export function fixes(exam: Examination, options: DoctorOptions, ctx: SchematicContext): Rule[] {
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
