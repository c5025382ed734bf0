import * as ts from 'typescript';
import { findNodes } from '../../utils/ast';
import { at, DoctorInput, Finding, INIT } from './finding';

/** allowGlobalContext: true in any TypeScript file, or MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=true in an env file. */
export function globalContextRule(input: DoctorInput): Finding[] {
  const consequence =
    'lets code use the global EntityManager outside a request context, whose identity map everything shares: it serves stale entities';
  const fix = (what: string) =>
    `remove ${what}: HTTP requests get a context from the registration (${INIT}), other handlers from nest g context`;
  const findings: Finding[] = [];
  for (const source of input.sources.values()) {
    for (const p of findNodes(source, (n): n is ts.PropertyAssignment => ts.isPropertyAssignment(n))) {
      if (p.name.getText(source).replace(/['"]/g, '') === 'allowGlobalContext' && p.initializer.kind === ts.SyntaxKind.TrueKeyword) {
        // Outside what main.ts reaches (a test helper under src/), it does not touch the app's requests;
        // a MikroORM config file counts wherever it is, since the CLI and forRoot() load it without an import.
        const outside =
          input.reachable && !input.reachable.has(source.fileName) && !/(^|\/)mikro-orm\.config\.[cm]?ts$/.test(source.fileName);
        findings.push(
          outside
            ? at(
                source,
                p,
                'warning',
                'global-context',
                `allowGlobalContext: true in a file the app does not import (a test helper?): whatever uses it ${consequence.replace(/^lets code /, 'may ')}`,
                fix('it, or keep it to tests'),
              )
            : at(source, p, 'error', 'global-context', `allowGlobalContext: true ${consequence}`, fix('it')),
        );
      }
    }
  }
  for (const env of input.envFiles) {
    env.text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim().replace(/^export\s+/, '');
      const eq = line.indexOf('=');
      if (line.startsWith('#') || eq < 0) return;
      const key = line.slice(0, eq).trim();
      const value = line
        .slice(eq + 1)
        .trim()
        .replace(/^(['"])(.*)\1$/, '$2')
        .toLowerCase();
      if (key === 'MIKRO_ORM_ALLOW_GLOBAL_CONTEXT' && ['true', 't', '1'].includes(value)) {
        const message = `MIKRO_ORM_ALLOW_GLOBAL_CONTEXT=${value} ${consequence}`;
        findings.push({ file: env.path, line: index + 1, severity: 'error', rule: 'global-context', message, fix: fix('the variable') });
      }
    });
  }
  return findings;
}
