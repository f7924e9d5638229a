// One jest run covers the workspace; projects split by what a test needs to run.
const swc = ['@swc/jest', JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'))];
const shared = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@greenlight/(.*)$': '<rootDir>/libs/$1/src/index.ts' },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.dist-', '<rootDir>/dist.old-'],
};
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{libs,services}/*/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services}/*/src/**/*.int-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration.setup.ts'],
    },
    {
      ...shared,
      displayName: 'deploy',
      testMatch: ['<rootDir>/test/deploy/**/*.{spec,int-spec}.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration.setup.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e.setup.ts'],
    },
    {
      ...shared,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.chaos-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e.setup.ts'],
    },
    {
      ...shared,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e.setup.ts'],
    },
  ],
};
