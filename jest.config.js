// Jest in ESM mode (npm test passes --experimental-vm-modules); swc strips types only.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'es6' },
    }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // Component suites share one PostgreSQL; two workers keep a 2-core machine busy without oversubscribing it.
  maxWorkers: 2,
  testTimeout: 30000,
};
