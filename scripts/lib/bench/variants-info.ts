// What each benchmark variant is (names, titles and how it differs from the generated app b); the
// edits that make them live in variants.ts.

export type VariantName = 'a' | 'a_r' | 'a_m' | 'a_f' | 'b' | 'b_x' | 'b_m' | 'c' | 'd' | 'e';

/** What a variant is, for the log and the report. */
export interface VariantInfo {
  name: VariantName;
  /** "b — init --style main" */
  title: string;
  /** how it differs from b, in a sentence */
  detail: string;
  /** it serves stale data (a): not a target */
  stale?: boolean;
  /** only counted (--explain), never timed */
  countOnly?: boolean;
  /** the NODE_OPTIONS its instances start with */
  nodeOptions?: string;
}

/** Which AsyncLocalStorage implementation this Node uses by default, the other one, and the flag that selects the other. */
export interface AsyncContext {
  standard: string;
  other: string;
  flag: string;
}

/**
 * Node runs AsyncLocalStorage (what RequestContext uses) on AsyncContextFrame by default from Node 24,
 * on async_hooks before: Node 22 can opt in with a flag, Node 24 can opt out with one. b_x is b run on
 * the implementation this Node does not use by default.
 */
export function asyncContext(version = process.versions.node): AsyncContext {
  return Number(version.split('.')[0]) >= 24
    ? { standard: 'AsyncContextFrame', other: 'async_hooks', flag: '--no-async-context-frame' }
    : { standard: 'async_hooks', other: 'AsyncContextFrame', flag: '--experimental-async-context-frame' };
}
const ALS = asyncContext();

export const VARIANTS: Record<VariantName, VariantInfo> = {
  a: {
    name: 'a',
    title: 'a — STALE baseline',
    detail:
      "no request context: the global EntityManager with `allowGlobalContext: true` (the proof's control); reads come from its identity map and go stale. Not a target.",
    stale: true,
  },
  a_r: {
    name: 'a_r',
    title: 'a_r — floor',
    detail:
      "a with the adapter's `findOne(...)` given `{ refresh: true }` (bench scaffolding): every read hits the database, still no context",
  },
  a_m: {
    name: 'a_m',
    title: 'a_m — a_r + an empty middleware',
    detail:
      'a_r with `app.use((_req, _res, next) => next())` after create (bench scaffolding, counted only with --explain): what a middleware layer costs',
    countOnly: true,
  },
  a_f: {
    name: 'a_f',
    title: 'a_f — a_r + a bare fork',
    detail:
      'a_r with a middleware that calls `app.get(MikroORM).em.fork({ useContext: true })` and drops the fork (bench scaffolding, counted only with --explain): what the fork costs before anything runs in it',
    countOnly: true,
  },
  b: {
    name: 'b',
    title: 'b — init --style main',
    detail:
      'generated: `app.use(... RequestContext.create(...))` in main.ts (Fastify: an `onRequest` hook on the adapter, added before create), `registerRequestContext: false`',
  },
  b_x: {
    name: 'b_x',
    title: `b_x — b on ${ALS.other}`,
    detail: `b itself, started with \`NODE_OPTIONS=${ALS.flag}\`: AsyncLocalStorage on ${ALS.other} instead of this Node's default ${ALS.standard} (for context, Express leg only: what the Node version does to the cost of any AsyncLocalStorage context)`,
    nodeOptions: ALS.flag,
  },
  b_m: {
    name: 'b_m',
    title: 'b_m — b through middie',
    detail:
      'Fastify leg only: b with its hook replaced by the `app.use(... RequestContext.create(...))` line init writes for Express, which Fastify runs in middie (what init writes when main.ts does not create the adapter itself)',
  },
  c: {
    name: 'c',
    title: 'c — init --style middleware',
    detail: 'generated: `MikroOrmRequestContextMiddleware` applied in AppModule.configure()',
  },
  d: {
    name: 'd',
    title: 'd — @mikro-orm/nestjs middleware',
    detail: 'b without its registration and with `registerRequestContext: true`: the library registers its own middleware',
  },
  e: {
    name: 'e',
    title: 'e — Scope.REQUEST',
    detail:
      'b without its registration and with `scope: Scope.REQUEST` in the forRoot options: a forked EntityManager (and every provider that depends on it) per request, no context',
  },
};

/** Every variant's name, in the order of their definition (a, a_r, …). */
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

/** A variant's description, for a name read from results (undefined when it is none of the variants). */
export function variantInfo(name: string): VariantInfo | undefined {
  return Object.hasOwn(VARIANTS, name) ? VARIANTS[name as VariantName] : undefined;
}
