import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { listFiles } from './fixtures';
import { parse } from './inspect';

/**
 * Typed access to the proof harness (scripts/lib/proof: plain CommonJS shared with `npm run demo`)
 * and the jest blocks that run one proof variant: the generated app and its control, each compiled
 * once and booted as three instances on a database of its own, for the scenario, the load check and
 * the isolation check.
 */

export interface AppSpec {
  fixture: string;
  ormMajor: 6 | 7;
  driver: 'sqlite' | 'postgresql';
  style: 'main' | 'middleware';
}
export interface App {
  dir: string;
  spec: AppSpec;
  kind: 'generated' | 'control';
  esm: boolean;
  log: string[];
}
export interface Instance {
  name: string;
  port: number;
  url: string;
  output: () => string;
}
export interface ProofDatabase {
  driver: string;
  label: string;
  env: Record<string, string>;
  readNames(ids: number[]): Promise<Map<number, string>>;
  drop(): Promise<void>;
}
export interface RunningBuild {
  app: App;
  database: ProofDatabase;
  instances: Instance[];
  stop(): Promise<void>;
}
export interface StepResult {
  step: number;
  action: string;
  instance: string;
  expected: string;
  actual: string;
  ok: boolean;
  decisive: boolean;
}
export interface Operation {
  op: 'GET' | 'PATCH';
  key: number;
  instance: string;
  start: number;
  end: number;
  status: number;
  version: number | undefined;
  error?: string;
}
export interface HistoryCheck {
  gets: number;
  patches: number;
  errors: number;
  stale: number;
  staleByInstance: Record<string, number>;
  maxLag: number;
  examples: string[];
}
export interface LoadReport extends HistoryCheck {
  instances: number;
  users: number;
  seed: number;
  retried: number;
  history: Operation[];
}
export interface IsolationReport {
  requests: number;
  contexts: number;
  sawOthers: number;
  wouldFlushOthers: number;
  rowMismatches: number;
  errors: number;
  violations: number;
  examples: string[];
}

export interface ProofHarness {
  ROOT: string;
  buildVariant(spec: AppSpec): Promise<{ spec: AppSpec; generated: App; control: App }>;
  startBuild(app: App, options?: { count?: number; sqliteDir?: string }): Promise<RunningBuild>;
  runScenario(run: { a: Instance; b: Instance; database: ProofDatabase }): Promise<{ steps: StepResult[]; stale: boolean; fresh: boolean }>;
  verdict(results: {
    control: { stale: boolean };
    generated: { fresh: boolean };
    loads?: { control: { stale: number }; generated: { stale: number; errors: number } };
  }): { code: 0 | 1 | 2; message: string };
  scenarioTable(control: StepResult[], generated: StepResult[]): string;
  runLoad(options: { instances: Instance[]; users?: number; operations?: number; concurrency?: number; seed?: number }): Promise<LoadReport>;
  checkHistory(history: Operation[], options?: { initial?: Map<number, number> }): HistoryCheck;
  describeLoad(report: LoadReport): string;
  runIsolation(options: { instance: Instance; database: ProofDatabase; requests?: number }): Promise<IsolationReport>;
  describeIsolation(report: IsolationReport): string;
  variantName(spec: AppSpec): string;
  postgresReachable(): Promise<{ ok: boolean; reason: string }>;
  ramFolder(): string | undefined;
  cleanup(): Promise<void>;
  killAllSync(): void;
  CONTROL_NOTE: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const proof: ProofHarness = require('../../scripts/lib/proof/index.cjs');

/** What each variant measured, printed at the end of the file (and quoted in docs/proof.md). */
export const summary: string[] = [];

const INSTANCES = 3;
const OPERATIONS = 1200;
const USERS = 50;
const ISOLATION_REQUESTS = 200;

/** The jest blocks for one variant: generated app and control, scenario + load + isolation. */
export function describeVariant(spec: AppSpec): void {
  const name = proof.variantName(spec);
  describe(name, () => {
    let built: { generated: App; control: App } | undefined;

    beforeAll(async () => {
      built = await proof.buildVariant(spec);
    }, 300_000);
    afterAll(() => proof.cleanup(), 60_000);

    it('the control differs from the generated app only by the marked removal of the context and allowGlobalContext: true', () => {
      const { generated, control } = built!;
      const a = sourceTexts(generated.dir);
      const b = sourceTexts(control.dir);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      const changed = [...a.keys()].filter((path) => a.get(path) !== b.get(path)).sort();
      const registration = spec.style === 'main' ? 'src/main.ts' : 'src/app.module.ts';
      expect(changed).toEqual([registration, 'src/database/database.module.ts'].sort());
      // The generated app registers exactly one context; the control none, and allows the global EntityManager.
      expect(registrations(a.get(registration)!, spec.style)).toBe(1);
      expect(registrations(b.get(registration)!, spec.style)).toBe(0);
      expect(b.get(registration)).toContain(proof.CONTROL_NOTE);
      expect(allowGlobalContext(a.get('src/database/database.module.ts')!)).toBe(false);
      expect(allowGlobalContext(b.get('src/database/database.module.ts')!)).toBe(true);
    });

    for (const kind of ['generated', 'control'] as const) {
      const label = kind === 'generated' ? 'generated app' : 'control (PROOF CONTROL: no request context, allowGlobalContext: true)';
      describe(label, () => {
        let run: RunningBuild | undefined;
        beforeAll(async () => {
          if (!built) throw new Error(`${name} did not build: see the first error of this block.`);
          // SQLite files in RAM where the OS has it: every PATCH commits, and fsyncs on a shared disk would set the pace.
          run = await proof.startBuild(built![kind], { count: INSTANCES, sqliteDir: spec.driver === 'sqlite' ? proof.ramFolder() : undefined });
        }, 180_000);
        afterAll(() => run?.stop(), 60_000);

        it(kind === 'generated' ? 'the six steps: instance A serves "Mike" once B has renamed the user' : 'the six steps: instance A serves the stale "John"', async () => {
          const { steps, stale, fresh } = await proof.runScenario({ a: run!.instances[0], b: run!.instances[1], database: run!.database });
          const shown = steps.map((s) => `${s.step} ${s.action} on ${s.instance}: ${s.actual}`);
          summary.push(`${name} | ${kind} | six steps | ${steps.at(-1)!.actual} on A after B wrote "Mike"`);
          // The steps before the decisive read behave the same in both builds.
          expect(steps.slice(0, -1).filter((s) => !s.ok).map((s) => `${s.step} ${s.action}: ${s.actual}`)).toEqual([]);
          if (kind === 'generated') {
            expect(fresh).toBe(true);
            expect(shown.at(-1)).toMatch(/: Mike$/);
          } else {
            // Without this, the scenario would not show the bug and the generated app's pass would prove nothing.
            expect(stale).toBe(true);
          }
        });

        it(`load: ${OPERATIONS} interleaved GET/PATCH over ${USERS} users on ${INSTANCES} instances, checked for stale reads`, async () => {
          const report = await proof.runLoad({ instances: run!.instances, users: USERS, operations: OPERATIONS, concurrency: 16 });
          const line = proof.describeLoad(report);
          summary.push(`${name} | ${kind} | load | ${line}`);
          console.log(`${name}, ${kind}: ${line}${report.examples.length ? `\n  e.g. ${report.examples.slice(0, 3).join('\n  e.g. ')}` : ''}`);
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
      });
    }
  });
}

/** Prints what every variant of the file measured (jest shows it after the tests). */
export function printSummary(title: string): void {
  if (summary.length > 0) console.log(`${title}\n${summary.map((l) => `  ${l}`).join('\n')}`);
}

/** The app's sources and configuration (no build output, no databases), path → text. */
function sourceTexts(dir: string): Map<string, string> {
  const skip = (entry: string) => ['node_modules', 'dist'].includes(entry) || /\.(sqlite3|tsbuildinfo)$/.test(entry) || entry === 'PROOF-CONTROL.md';
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
      if (style === 'middleware' && callee.name.text === 'apply' && node.arguments.some((a) => a.getText(source) === 'MikroOrmRequestContextMiddleware')) count++;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return count;
}

/** Whether a `allowGlobalContext: true` property is set in the file's object literals. */
function allowGlobalContext(text: string): boolean {
  const source = parse(text);
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'allowGlobalContext' && node.initializer.kind === ts.SyntaxKind.TrueKeyword) {
      found = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}
