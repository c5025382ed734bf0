'use strict';
// What each benchmark variant is (names, titles and how it differs from the generated app b); the
// edits that make them live in variants.cjs.

/**
 * @typedef {'a'|'a_r'|'b'|'c'|'d'|'e'} VariantName
 * @typedef {{ name: VariantName, title: string, detail: string, stale?: boolean }} VariantInfo
 */

/** @type {Record<VariantName, VariantInfo>} */
const VARIANTS = {
  a: {
    name: 'a',
    title: 'a — STALE baseline',
    detail: 'no request context: the global EntityManager with `allowGlobalContext: true` (the proof\'s control); reads come from its identity map and go stale. Not a target.',
    stale: true,
  },
  a_r: {
    name: 'a_r',
    title: 'a_r — floor',
    detail: 'a with the adapter\'s `findOne(...)` given `{ refresh: true }` (bench scaffolding): every read hits the database, still no context',
  },
  b: { name: 'b', title: 'b — init --style main', detail: 'generated: `app.use(... RequestContext.create(...))` in main.ts, `registerRequestContext: false`' },
  c: { name: 'c', title: 'c — init --style middleware', detail: 'generated: `MikroOrmRequestContextMiddleware` applied in AppModule.configure()' },
  d: {
    name: 'd',
    title: 'd — @mikro-orm/nestjs middleware',
    detail: 'b without its `app.use` registration and with `registerRequestContext: true`: the library registers its own middleware',
  },
  e: {
    name: 'e',
    title: 'e — Scope.REQUEST',
    detail: 'b without its registration and with `scope: Scope.REQUEST` in the forRoot options: a forked EntityManager (and every provider that depends on it) per request, no context',
  },
};

module.exports = { VARIANTS };
