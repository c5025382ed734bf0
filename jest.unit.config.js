/**
 * The fast tier (`npm run test:unit`): tree tests of every schematic and the pure helpers, nothing
 * that compiles a generated app, boots a server, packs the package or talks to PostgreSQL. The full
 * `npm test` (what CI runs) keeps every tier.
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    // compile or boot generated apps, run the CLIs as processes, or pack the package
    '\\.compile\\.spec\\.ts$',
    '\\.run\\.spec\\.ts$',
    '\\.e2e\\.spec\\.ts$',
    '/test/proof(\\.postgres|\\.existing-orm)?\\.spec\\.ts$',
    '/test/bench\\.spec\\.ts$',
    '/test/cli\\.spec\\.ts$',
    '/test/nest-cli\\.spec\\.ts$',
    '/test/package\\.spec\\.ts$',
    '/test/resource\\.spec\\.ts$',
  ],
};
