/**
 * Jest runs the TypeScript tests through ts-jest. The Angular devkit 22 requires magic-string, which
 * ships only as ESM: Jest's CommonJS runtime cannot load it on Node 22, so that one package is
 * compiled to CommonJS by babel-jest.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/fixtures/', '/corpus/', '/.tmp/'],
  // Fixture apps and generated apps have package.json files of their own: keep them out of Jest's module map.
  modulePathIgnorePatterns: ['<rootDir>/test/fixtures/', '<rootDir>/test/corpus/', '<rootDir>/.tmp/', '<rootDir>/test/orm6/'],
  transform: {
    // The harness under scripts/ is ES modules that Node runs by stripping their types: imports end in
    // .ts (TS5097, which Jest resolves as written) and `import.meta` (TS1343) is rewritten for CommonJS.
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: 'tsconfig.json',
        diagnostics: { ignoreCodes: [151002, 5097, 1343] },
        astTransformers: { before: ['<rootDir>/test/support/import-meta.cjs'] },
      },
    ],
    '/node_modules/magic-string/.+\\.mjs$': [
      'babel-jest',
      { babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!magic-string/)'],
  moduleNameMapper: { '^ora$': '<rootDir>/test/support/ora-stub.js' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 180000,
  // Most suites wait on child processes (tsc, generated apps, the MikroORM CLI, databases): two
  // workers on two cores take the full run from about 8 minutes to 5 (jest's default is cores - 1).
  maxWorkers: 2,
};
