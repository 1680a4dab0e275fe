// Lint and layer rules. The layers run one way: core ← library ← workers ← api ← store ← ui, with
// the CLI, the bench and the end-to-end tests on top of the core; src/core never imports upwards and
// never touches DOM globals (tsconfig.core.json also type-checks it without the DOM library).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

const DOM_GLOBALS = [
  'window',
  'document',
  'localStorage',
  'sessionStorage',
  'indexedDB',
  'navigator',
  'location',
  'HTMLElement',
  'HTMLCanvasElement',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'test-results/**', 'bench/results/**', 'bench/.dist/**', 'public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { boundaries },
    settings: {
      'boundaries/include': ['src/**/*', 'workers/**/*', 'cli/**/*', 'bench/**/*', 'e2e/**/*'],
      'boundaries/elements': [
        { type: 'test-support', pattern: 'src/test-support' },
        { type: 'core', pattern: 'src/core' },
        { type: 'library', pattern: 'src/library' },
        { type: 'workers', pattern: 'workers' },
        { type: 'api', pattern: 'src/api' },
        { type: 'store', pattern: 'src/store' },
        { type: 'ui', pattern: 'src/ui' },
        { type: 'app', pattern: 'src/*.tsx', mode: 'file' },
        { type: 'cli', pattern: 'cli' },
        { type: 'bench', pattern: 'bench' },
        { type: 'e2e', pattern: 'e2e' },
      ],
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
    },
    rules: {
      'boundaries/element-types': [
        'error',
        {
          default: 'disallow',
          message: '${file.type} must not import ${dependency.type}: the layers run core ← library ← workers ← api ← store ← ui.',
          rules: [
            { from: 'core', allow: ['core'] },
            { from: 'test-support', allow: ['core', 'test-support'] },
            { from: 'library', allow: ['core', 'library'] },
            { from: 'workers', allow: ['core', 'library', 'workers'] },
            { from: 'api', allow: ['core', 'workers', 'api'] },
            { from: 'store', allow: ['core', 'api', 'library', 'store'] },
            { from: 'ui', allow: ['core', 'api', 'store', 'ui'] },
            { from: 'app', allow: ['core', 'api', 'store', 'ui'] },
            { from: 'cli', allow: ['core', 'cli'] },
            { from: 'bench', allow: ['core', 'cli', 'workers', 'bench', 'test-support'] },
            { from: 'e2e', allow: ['core', 'e2e'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Tests may use the shared test helpers.
    files: ['src/core/**/*.test.ts', 'src/**/*.test.ts', 'workers/**/*.test.ts', 'cli/**/*.test.ts'],
    rules: {
      'boundaries/element-types': [
        'error',
        {
          default: 'disallow',
          rules: [
            // Node tests start tfjs's WASM backend as the CLI does.
            { from: 'core', allow: ['core', 'test-support', 'cli'] },
            { from: 'library', allow: ['core', 'library', 'test-support'] },
            { from: 'workers', allow: ['core', 'library', 'workers', 'test-support'] },
            { from: 'store', allow: ['core', 'api', 'library', 'store', 'test-support'] },
            { from: 'cli', allow: ['core', 'cli', 'test-support'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '*.config.ts', '*.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...DOM_GLOBALS.map((name) => ({ name, message: `src/core runs in Node and workers too: no ${name}.` })),
      ],
    },
  },
);
