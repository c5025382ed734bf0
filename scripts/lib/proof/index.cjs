'use strict';
// The proof harness: generates an app with this package's schematics, derives a control without the
// request context, boots several instances on one database and checks what they serve. Used by
// `npm run demo` (scripts/demo.mjs) and by the jest proof (test/proof*.spec.ts). Plain CommonJS with
// JSDoc types, so that both plain Node and jest load it without a build step, and nothing of it ships.
module.exports = {
  ...require('./generate.cjs'),
  ...require('./processes.cjs'),
  ...require('./http.cjs'),
  ...require('./database.cjs'),
  ...require('./scenario.cjs'),
  ...require('./load.cjs'),
  ...require('./isolation.cjs'),
  ...require('./forks.cjs'),
  ...require('./variant.cjs'),
};
