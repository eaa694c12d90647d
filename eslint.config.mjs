// Lint for `npm test` (its typecheck stage) and `npm run lint`: typescript-eslint's recommended
// rules, no import cycles (type-only imports excepted: they vanish at run time), settings read only
// in src/extension/config.ts, nothing under src/analysis importing `vscode`, and formatting left
// to Prettier (eslint-config-prettier turns the clashing style rules off).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'media/dist/',
      'out/',
      '.cache/',
      '.vscode-test/',
      'test-results/',
      'src/analysis/linalg/wasm/assembly/',
      'src/analysis/linalg/wasm/linalgWasmBytes.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.cjs'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      'import-x/extensions': ['.ts', '.mjs', '.cjs', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='getConfiguration']",
          message: 'Read settings only in src/extension/config.ts, so that every setting has one typed, validated reader.',
        },
      ],
    },
  },
  {
    files: ['src/extension/config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/analysis/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message: 'src/analysis and src/protocol are pure Node: they run in the worker and the CLI.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests read oracle JSON of loose shape, and keep a few terse loops of comma expressions.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
