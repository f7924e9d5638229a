// ESLint 9 flat config: type-checked TypeScript rules, Nx module boundaries, Prettier owns formatting.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  '**/*.e2e-spec.ts',
  'test/**/*.ts',
  'bench/**/*.ts',
];

/**
 * Who may import whom. A project gets every constraint whose sourceTag it carries.
 * scope:core = contracts, scope:runtime = bus/store/telemetry, scope:testing = the harness,
 * scope:cli = the CLI, scope:<service> = one service (services never import each other: Nx forbids
 * importing applications).
 */
function boundaries({ tests }) {
  const testing = tests ? ['scope:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
      // Direct imports only: a lib's own tests may use the harness without its users inheriting it.
      {
        sourceTag: 'type:service',
        onlyDependOnLibsWithTags: ['scope:core', 'scope:runtime', ...testing],
      },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core', ...testing] },
      {
        sourceTag: 'scope:runtime',
        onlyDependOnLibsWithTags: ['scope:core', 'scope:runtime', ...testing],
      },
      {
        sourceTag: 'scope:testing',
        onlyDependOnLibsWithTags: ['scope:core', 'scope:runtime', 'scope:testing'],
      },
      { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
      {
        sourceTag: 'scope:bench',
        onlyDependOnLibsWithTags: ['scope:core', 'scope:runtime', 'scope:testing'],
      },
      {
        sourceTag: 'scope:cli',
        onlyDependOnLibsWithTags: ['scope:core', 'scope:runtime', 'scope:testing', 'scope:cli'],
      },
    ],
  };
}

const NODE_GLOBALS = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'fetch',
    'AbortController',
    'AbortSignal',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    '__dirname',
    '__filename',
    'require',
    'module',
    'exports',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.dist-*/**',
      'dist.old-*/**',
      'node_modules/**',
      'coverage/**',
      'tmp/**',
      '.greenlight/**',
      '.nx/**',
      '**/*.d.ts',
    ],
  },

  // Plain JavaScript (scripts, bin, configs): untyped.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2023, globals: NODE_GLOBALS },
  },

  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    plugins: { '@nx': nx },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries({ tests: false })],
      // Nest: injection-only classes, decorated modules with no body, constructor parameter properties.
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-empty-function': [
        'error',
        { allow: ['constructors', 'decoratedFunctions'] },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Nest handlers and guards are often async to satisfy an interface without awaiting.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-undef': 'off',
    },
  },

  {
    files: TEST_FILES,
    rules: {
      '@nx/enforce-module-boundaries': ['error', boundaries({ tests: true })],
      // jest.Mocked fakes and expect.any() matchers are `any` by design.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },

  prettier,
);
