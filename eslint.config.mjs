import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** The server's components (folders under server/src that own data and services). */
const SERVER_COMPONENTS =
  'auth|users|sessions|items|locations|campaigns|volunteers|donations|stock|shipments|dashboard|exports|documents|labels|pledges|channels|devices';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // Server components talk to each other only through their index.ts (their services and types).
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/seeds/**', 'server/src/scripts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${SERVER_COMPONENTS})/(?!index$)`,
              message: 'Import another component through its index.ts (its services), never its files or model.',
            },
          ],
        },
      ],
    },
  },
  {
    // The seeds and scripts are tools that write in bulk by natural keys: besides the components'
    // services they may read a component's model file, and nothing else inside it.
    files: ['server/src/seeds/**/*.ts', 'server/src/scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${SERVER_COMPONENTS})/(?!index$|[a-z-]+\\.model$)`,
              message: 'A tool imports a component through its index.ts, or its model file.',
            },
          ],
        },
      ],
    },
  },
  {
    // A component's model stays inside it: its index.ts exports no Mongoose model.
    files: ['server/src/*/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // Models are named in PascalCase (Shipment, DonationCounter); constants and helpers may go.
          selector:
            "ExportNamedDeclaration[source.value=/\\.model$/] > ExportSpecifier[exportKind='value'][local.name=/^[A-Z][a-z]/]",
          message: "A component's index.ts exports its services and types, not its Mongoose model.",
        },
        {
          selector: 'ExportAllDeclaration[source.value=/\\.model$/]',
          message: "A component's index.ts exports its services and types, not its Mongoose model.",
        },
      ],
    },
  },
  {
    files: ['client/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Features import each other only through their public index.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./\\.\\./features/[^/]+/(?!index$)',
              message: 'Import another feature through its index.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['tests/**/*.ts', 'tools/**/*.{js,mjs}', '**/*.config.{js,mjs,ts}'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
