// Four projects: unit (no database), client (the web client's logic, in Node with an in-memory
// IndexedDB; its components in jsdom), integration (Supertest against the app on a real embedded
// database started once in globalSetup) and e2e (Chromium through playwright-core).
const transform = { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tests/tsconfig.json' }] };
const moduleNameMapper = { '^@karavan/shared$': '<rootDir>/shared/src/index.ts' };
const common = { rootDir: __dirname, testEnvironment: 'node', transform, moduleNameMapper };

/** @type {import('jest').Config} */
module.exports = {
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  transform,
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.js'],
  testSequencer: '<rootDir>/tests/support/sequencer.mjs',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'client',
      // *.test.tsx render components: they ask for jsdom in their docblock (`@jest-environment jsdom`).
      testMatch: ['<rootDir>/client/src/**/*.test.ts', '<rootDir>/client/src/**/*.test.tsx'],
      transform: {
        '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/client/tsconfig.jest.json' }],
        // FormatJS (the Kyrgyz and Kazakh locale data, lib/intl) ships ES modules only; the client
        // takes ZXing's ES modules one by one.
        '^.+/node_modules/@(formatjs|zxing)/.+\\.js$': '<rootDir>/tests/support/client-transform.js',
      },
      transformIgnorePatterns: ['/node_modules/(?!@formatjs/|@zxing/library/esm/)'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      // A test may drive the web client's own logic (client/src, an ES module package) in Node,
      // ZXing's ES modules included (the labels' QR codes are read by the phones' reader).
      transform: {
        '^.+/client/src/.+\\.tsx?$': '<rootDir>/tests/support/client-transform.js',
        '^.+/node_modules/@zxing/.+\\.js$': '<rootDir>/tests/support/client-transform.js',
        ...transform,
      },
      transformIgnorePatterns: ['/node_modules/(?!@zxing/library/esm/)'],
      setupFilesAfterEnv: ['<rootDir>/tests/support/integration-setup.ts'],
    },
    // And faults: real server processes whose database or process is made to fail (~1 min).
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/tests/faults/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/tests/support/integration-setup.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/tests/support/integration-setup.ts', '<rootDir>/tests/support/e2e-setup.ts'],
    },
  ],
  testTimeout: 30_000,
};
