// The proof harness: generates an app with this package's schematics, derives a control without the
// request context, boots several instances on one database and checks what they serve. Used by
// `npm run demo` (scripts/demo.ts) and by the jest proof (test/proof*.spec.ts), which import its
// types from here. TypeScript that Node runs as it is (type stripping) and Jest through ts-jest;
// nothing of it ships.
export * from './generate.ts';
export * from './processes.ts';
export * from './http.ts';
export * from './database.ts';
export * from './scenario.ts';
export * from './load.ts';
export * from './isolation.ts';
export * from './forks.ts';
export * from './variant.ts';
