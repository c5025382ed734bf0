import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { listFiles } from './fixtures';
import { parse } from './inspect';

import * as proof from '../../scripts/lib/proof/index.ts';
import type { App, AppKind, AppSpec, ForkReport, RunningBuild } from '../../scripts/lib/proof/index.ts';

/**
 * The jest blocks that run one proof variant with the harness (scripts/lib/proof, shared with
 * `npm run demo`, whose types the tests use as they are): the generated app and its control, each
 * compiled once and booted as three instances on a database of its own, for the scenario, the load
 * check, the isolation check and the one-fork check; on a fixture that already has MikroORM, also
 * the app before init and the double-context app (two instances each: the scenario and the one-fork
 * check).
 */
export { proof };
export type * from '../../scripts/lib/proof/index.ts';
type ExtraKind = 'before-init' | 'double-context';

/** What each variant measured, printed at the end of the file (and quoted in docs/proof.md). */
export const summary: string[] = [];

const INSTANCES = 3;
const OPERATIONS = 1200;
const USERS = 50;
const ISOLATION_REQUESTS = 200;
const FORK_REQUESTS = 100;

/**
 * The jest blocks for one variant: generated app and control, scenario + load + isolation + one fork per request; and the extra builds
 * asked for.
 */
export function describeVariant(spec: AppSpec, { extras = [] }: { extras?: ExtraKind[] } = {}): void {
  const name = proof.variantName(spec);
  describe(name, () => {
    let built: { generated: App; control: App; extras: Partial<Record<ExtraKind, App>> } | undefined;

    beforeAll(async () => {
      built = await proof.buildVariant(spec, { extras });
    }, 300_000);
    afterAll(() => proof.cleanup(), 60_000);

    it('the control differs from the generated app only by the marked removal of the context and allowGlobalContext: true', () => {
      const { generated, control } = built!;
      const a = sourceTexts(generated.dir);
      const b = sourceTexts(control.dir);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      const changed = [...a.keys()].filter((path) => a.get(path) !== b.get(path)).sort();
      const registration = spec.style === 'main' ? 'src/main.ts' : 'src/app.module.ts';
      const root = generated.ormRoot;
      expect(changed).toEqual([...new Set([registration, root])].sort());
      // The generated app registers exactly one context; the control none, and allows the global EntityManager.
      expect(registrations(a.get(registration)!, spec.style)).toBe(1);
      expect(registrations(b.get(registration)!, spec.style)).toBe(0);
      expect(b.get(registration)).toContain(proof.CONTROL_NOTE);
      expect(allowGlobalContext(a.get(root)!)).toBe(false);
      expect(allowGlobalContext(b.get(root)!)).toBe(true);
      // And the library's middleware is off in both: the generated app has init's registration as its one context, the control none.
      expect(registerRequestContext(a.get(root)!)).toBe('false');
      expect(registerRequestContext(b.get(root)!)).toBe('false');
    });

    for (const kind of ['generated', 'control'] as const) {
      const label = kind === 'generated' ? 'generated app' : 'control (PROOF CONTROL: no request context, allowGlobalContext: true)';
      describe(label, () => {
        let run: RunningBuild | undefined;
        beforeAll(async () => {
          if (!built) throw new Error(`${name} did not build: see the first error of this block.`);
          // SQLite files in RAM where the OS has it: every PATCH commits, and fsyncs on a shared disk would set the pace.
          run = await proof.startBuild(built![kind], {
            count: INSTANCES,
            sqliteDir: spec.driver === 'sqlite' ? proof.ramFolder() : undefined,
          });
        }, 180_000);
        afterAll(() => run?.stop(), 60_000);

        it(
          kind === 'generated'
            ? 'the six steps: instance A serves "Mike" once B has renamed the user'
            : 'the six steps: instance A serves the stale "John"',
          async () => {
            const { steps, stale, fresh } = await proof.runScenario({
              a: run!.instances[0],
              b: run!.instances[1],
              database: run!.database,
            });
            const shown = steps.map((s) => `${s.step} ${s.action} on ${s.instance}: ${s.actual}`);
            summary.push(`${name} | ${kind} | six steps | ${steps.at(-1)!.actual} on A after B wrote "Mike"`);
            // The steps before the decisive read behave the same in both builds.
            expect(
              steps
                .slice(0, -1)
                .filter((s) => !s.ok)
                .map((s) => `${s.step} ${s.action}: ${s.actual}`),
            ).toEqual([]);
            if (kind === 'generated') {
              expect(fresh).toBe(true);
              expect(shown.at(-1)).toMatch(/: Mike$/);
            } else {
              // Without this, the scenario would not show the bug and the generated app's pass would prove nothing.
              expect(stale).toBe(true);
            }
          },
        );

        it(`load: ${OPERATIONS} interleaved GET/PATCH over ${USERS} users on ${INSTANCES} instances, checked for stale reads`, async () => {
          const report = await proof.runLoad({ instances: run!.instances, users: USERS, operations: OPERATIONS, concurrency: 16 });
          const line = proof.describeLoad(report);
          summary.push(`${name} | ${kind} | load | ${line}`);
          console.log(
            `${name}, ${kind}: ${line}${report.examples.length ? `\n  e.g. ${report.examples.slice(0, 3).join('\n  e.g. ')}` : ''}`,
          );
          expect(report.gets + report.patches + report.errors).toBe(OPERATIONS);
          expect(report.gets).toBeGreaterThan(OPERATIONS / 4);
          expect(report.patches).toBeGreaterThan(OPERATIONS / 4);
          if (kind === 'generated') {
            expect(report.examples).toEqual([]);
            expect(report.stale).toBe(0);
            expect(report.errors).toBe(0);
          } else {
            expect(report.stale).toBeGreaterThan(0);
          }
        });

        it(`isolation: ${ISOLATION_REQUESTS} concurrent requests on one instance, each modifying its own row`, async () => {
          const report = await proof.runIsolation({ instance: run!.instances[0], database: run!.database, requests: ISOLATION_REQUESTS });
          const line = proof.describeIsolation(report);
          summary.push(`${name} | ${kind} | isolation | ${line}`);
          console.log(`${name}, ${kind}: ${line}`);
          if (kind === 'generated') {
            expect(report.examples).toEqual([]);
            expect(report.violations).toBe(0);
            expect(report.contexts).toBe(ISOLATION_REQUESTS);
          } else {
            expect(report.contexts).toBe(1);
            expect(report.sawOthers).toBeGreaterThan(0);
          }
        });

        it(
          kind === 'generated'
            ? `one fork per request: each of ${FORK_REQUESTS} concurrent handlers works on the request context's EntityManager, forked straight from the global one`
            : `one fork per request: the control's ${FORK_REQUESTS} handlers all work on the global EntityManager`,
          async () => {
            const report = await forkCheck(name, kind, run!);
            if (kind === 'generated') {
              expectOneForkEach(report);
            } else {
              expect(report.forks).toEqual({ 0: FORK_REQUESTS });
              expect(report.entityManagers).toBe(1);
              expect(report.violations).toBe(FORK_REQUESTS);
            }
          },
        );
      });
    }

    if (extras.includes('double-context')) {
      it('the double-context app differs from the generated app only by registerRequestContext: true, marked', () => {
        const { generated, extras: more } = built!;
        const a = sourceTexts(generated.dir);
        const b = sourceTexts(more['double-context']!.dir);
        expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
        expect([...a.keys()].filter((path) => a.get(path) !== b.get(path))).toEqual([generated.ormRoot]);
        expect(registerRequestContext(b.get(generated.ormRoot)!)).toBe('true');
        expect(b.get(generated.ormRoot)).toContain(proof.DOUBLE_NOTE);
        const registration = spec.style === 'main' ? 'src/main.ts' : 'src/app.module.ts';
        expect(registrations(b.get(registration)!, spec.style)).toBe(1);
      });
    }
    if (extras.includes('before-init')) {
      it('the app before init has the library middleware as its only context: no registration of its own, no registerRequestContext', () => {
        const before = sourceTexts(built!.extras['before-init']!.dir);
        const root = built!.extras['before-init']!.ormRoot;
        expect(registerRequestContext(before.get(root)!)).toBeUndefined();
        expect(registrations(before.get('src/main.ts')!, 'main')).toBe(0);
        expect(registrations(before.get('src/app.module.ts')!, 'middleware')).toBe(0);
      });
    }

    for (const kind of extras) {
      const label =
        kind === 'before-init'
          ? `before init (test/fixtures/${spec.fixture} + repository + resource: @mikro-orm/nestjs's middleware is the one context)`
          : "double context (PROOF DOUBLE CONTEXT: init's registration with the library's middleware switched back on)";
      describe(label, () => {
        let run: RunningBuild | undefined;
        beforeAll(async () => {
          if (!built) throw new Error(`${name} did not build: see the first error of this block.`);
          run = await proof.startBuild(built!.extras[kind]!, {
            count: 2,
            sqliteDir: spec.driver === 'sqlite' ? proof.ramFolder() : undefined,
          });
        }, 180_000);
        afterAll(() => run?.stop(), 60_000);

        it('the six steps: instance A serves "Mike" once B has renamed the user (one context or two, nothing is stale)', async () => {
          const { steps, fresh } = await proof.runScenario({ a: run!.instances[0], b: run!.instances[1], database: run!.database });
          summary.push(`${name} | ${kind} | six steps | ${steps.at(-1)!.actual} on A after B wrote "Mike"`);
          expect(steps.filter((s) => !s.ok).map((s) => `${s.step} ${s.action}: ${s.actual}`)).toEqual([]);
          expect(fresh).toBe(true);
        });

        if (kind === 'before-init') {
          it(`one fork per request: the library's middleware gives each of ${FORK_REQUESTS} handlers one fork of the global EntityManager`, async () => {
            expectOneForkEach(await forkCheck(name, kind, run!));
          });
        } else {
          it(`the one-fork check fails here: each of ${FORK_REQUESTS} handlers works on a fork of a fork`, async () => {
            const report = await forkCheck(name, kind, run!);
            expect(report.errors).toBe(0);
            expect(report.forks).toEqual({ 2: FORK_REQUESTS });
            expect(report.oneFork).toBe(0);
            expect(report.violations).toBe(FORK_REQUESTS);
            expect(report.examples[0]).toMatch(/2 forks away from the global one \(fork \d+ < fork \d+ < global EntityManager \d+\)/);
          });
        }
      });
    }
  });
}

async function forkCheck(name: string, kind: AppKind, run: RunningBuild): Promise<ForkReport> {
  const report = await proof.runForkCheck({ instance: run.instances[0], requests: FORK_REQUESTS });
  const line = proof.describeForks(report);
  summary.push(`${name} | ${kind} | one fork | ${line}`);
  console.log(`${name}, ${kind}: ${line}${report.examples.length ? `\n  e.g. ${report.examples.slice(0, 2).join('\n  e.g. ')}` : ''}`);
  return report;
}

/** Every request's handler on an EntityManager of its own: the request context's, forked straight from the global one. */
function expectOneForkEach(report: ForkReport): void {
  expect(report.examples).toEqual([]);
  expect(report.forks).toEqual({ 1: FORK_REQUESTS });
  expect(report.oneFork).toBe(FORK_REQUESTS);
  expect(report.notRequestContext).toBe(0);
  expect(report.entityManagers).toBe(FORK_REQUESTS);
  expect(report.violations).toBe(0);
}

/** Prints what every variant of the file measured (jest shows it after the tests). */
export function printSummary(title: string): void {
  if (summary.length > 0) console.log(`${title}\n${summary.map((l) => `  ${l}`).join('\n')}`);
}

/** The app's sources and configuration (no build output, no databases), path → text. */
function sourceTexts(dir: string): Map<string, string> {
  const skip = (entry: string) =>
    ['node_modules', 'dist'].includes(entry) ||
    /\.(sqlite3|tsbuildinfo)$/.test(entry) ||
    ['PROOF-CONTROL.md', 'PROOF-DOUBLE-CONTEXT.md'].includes(entry);
  return new Map(listFiles(dir, skip).map((path) => [path, readFileSync(join(dir, path), 'utf8')]));
}

/** Statements that register the request context: RequestContext.create in main.ts, or consumer.apply(<the middleware>). */
function registrations(text: string, style: 'main' | 'middleware'): number {
  const source = parse(text);
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const callee = node.expression;
      if (style === 'main' && callee.expression.getText(source) === 'RequestContext' && callee.name.text === 'create') count++;
      if (
        style === 'middleware' &&
        callee.name.text === 'apply' &&
        node.arguments.some((a) => a.getText(source) === 'MikroOrmRequestContextMiddleware')
      )
        count++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return count;
}

/** The value written for `registerRequestContext` in the file's object literals (the last one), if any. */
function registerRequestContext(text: string): string | undefined {
  const source = parse(text);
  let found: string | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'registerRequestContext') found = node.initializer.getText(source);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Whether a `allowGlobalContext: true` property is set in the file's object literals. */
function allowGlobalContext(text: string): boolean {
  const source = parse(text);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      node.name.getText(source) === 'allowGlobalContext' &&
      node.initializer.kind === ts.SyntaxKind.TrueKeyword
    ) {
      found = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
