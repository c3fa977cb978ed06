// Lint (`npm run lint`, part of `npm test`): ESLint's and typescript-eslint's recommended rules,
// and the type-aware rules that catch what the compiler lets through and a server must not do: a
// promise nobody awaits or catches (an unhandled rejection stops Node), a promise where a
// callback's answer is expected, an await of something that is not a promise.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '.bench-tmp/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // Scripts and benchmarks run in Node.
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], languageOptions: { globals: globals.node } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters in patterns are what those patterns are for: refusing them in input
      // and stripping them from what reaches a terminal.
      'no-control-regex': 'off',
    },
  },
  // Numeric code (Vincenty's iterations, SHA-256 rounds) gives every variable a value before its
  // loop, where the loop's first pass sets it again.
  { files: ['src/domain/geo/geodesic.ts', 'src/domain/log/sha256-js.ts'], rules: { 'no-useless-assignment': 'off' } },
  // The browser benchmark's page functions run in the page.
  { files: ['bench/web.bench.mjs'], languageOptions: { globals: { ...globals.node, ...globals.browser } } },
  // Migrations see the schema as it was at their step, not today's: Kysely<any>, as Kysely's own
  // migration guide does. Tests read JSON answers loosely.
  { files: ['src/store/migrations/**', 'src/store/pg-introspector.ts', 'test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
