import { Handler } from '../../utils/handlers';
import { Finding } from './finding';

/** What `nest g context` would fix, or leaves to the user, as findings. */
export function handlerFindings(
  outcomes: readonly {
    kind: string;
    path: string;
    handler: Handler;
    database?: string;
    decorator?: string;
    reason?: string;
    fix?: string;
  }[],
): Finding[] {
  return outcomes.flatMap((o) => {
    const h = o.handler;
    const what = `${h.className}.${h.methodName}() (${h.trigger}) reaches the database with no request context (${o.database})`;
    if (o.kind === 'add') {
      return [
        {
          file: o.path,
          line: h.line,
          severity: 'error' as const,
          rule: 'handler-context' as const,
          message: `${what}: MikroORM throws its global-context error there (with allowGlobalContext it serves stale entities)`,
          fix: `nest g context adds ${o.decorator}`,
          fixBy: 'context' as const,
        },
      ];
    }
    if (o.kind === 'report') {
      return [
        {
          file: o.path,
          line: h.line,
          severity: 'error' as const,
          rule: 'handler-context' as const,
          message: `${what}, and it ${o.reason}`,
          fix: o.fix!,
        },
      ];
    }
    return [];
  });
}
