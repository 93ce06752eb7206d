import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { downward } from './scripts/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'openapi/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment in src/config.ts only.' },
      ],
      // `const { dropped, ...kept } = value` is how an object is copied without some fields.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  // Layers look only down, type imports included (docs/architecture.md).
  { files: ['src/**'], plugins: { layers: { rules: { downward } } }, rules: { 'layers/downward': 'error' } },
  { files: ['src/config.ts', 'test/**', 'load/**', 'scripts/**'], rules: { 'no-restricted-properties': 'off' } },
  // Tests read loosely typed JSON (OpenAPI documents, responses).
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
