import { describeVariant, printSummary, proof } from './support/proof';

/**
 * The proof on an app that already used MikroORM before init (test/fixtures/existing-orm:
 * `MikroOrmModule.forRoot(config)` with `config` from ./mikro-orm.config, so @mikro-orm/nestjs's own
 * request-context middleware is on). init adds its registration in main.ts and switches the library's
 * middleware off (`forRoot({ ...config, registerRequestContext: false })`). On SQLite, as instances
 * of one app on one database file:
 * - generated (init + repository + resource) and control (no context at all, allowGlobalContext: true),
 *   three instances each: the six steps, the load check, the isolation check and the one-fork check;
 * - the app before init (the library's middleware as its one context) and the double-context app
 *   (init's registration with the library's middleware switched back on), two instances each: the six
 *   steps (fresh in both) and the one-fork check, which passes before init and fails on the
 *   double-context app, where every handler works on a fork of a fork.
 */
process.on('exit', () => proof.killAllSync());
afterAll(() => printSummary('Proof on an app that already had MikroORM (variant | build | check | result):'));

describeVariant({ fixture: 'existing-orm', ormMajor: 7, driver: 'sqlite', style: 'main' }, { extras: ['before-init', 'double-context'] });
