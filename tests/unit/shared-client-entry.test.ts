import fs from 'node:fs';
import path from 'node:path';

/*
 * The web client imports shared/ through client.ts (vite.config.ts and client/tsconfig.json alias
 * @karavan/shared to it): every module it reaches by a value import must be free of Joi, which
 * would otherwise ship in the phone's bundle (about 50 kB brotli).
 */

const SHARED = path.resolve(__dirname, '../../shared/src');

/** The modules a file imports or re-exports as values (type-only imports and exports are erased). */
function valueImports(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*'([^']+)'|^import\s+'([^']+)'/gms;
  for (const match of source.matchAll(statement)) {
    const [, , typeOnly, clause = '', from, bare] = match;
    if (bare) found.push(bare);
    else if (!typeOnly && from) {
      // `import { type A, type B }` names only types, but with verbatimModuleSyntax the import stays.
      found.push(from);
      void clause;
    }
  }
  return found;
}

/** Every module of shared/ reached from `entry` by value imports, and the packages they import. */
function reach(entry: string): { modules: string[]; packages: string[] } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (modules.has(file)) return;
    modules.add(file);
    for (const from of valueImports(file)) {
      if (from.startsWith('.')) visit(path.resolve(path.dirname(file), `${from}.ts`));
      else packages.add(from);
    }
  };
  visit(path.join(SHARED, entry));
  return { modules: [...modules].map((file) => path.relative(SHARED, file)).sort(), packages: [...packages] };
}

test('When the web client imports shared/, then no module it reaches imports Joi (or any package)', () => {
  const { modules, packages } = reach('client.ts');
  expect(packages).toEqual([]);
  expect(modules).toEqual(
    expect.arrayContaining(['rules.ts', 'terms.ts', 'quantity.ts', 'hours.ts', 'localized.ts', 'shipment-life.ts']),
  );
  expect(modules).not.toContain('text.ts');
});

test('When the server imports shared/, then its entry reaches the Joi schemas (the walk sees Joi where it is)', () => {
  expect(reach('index.ts').packages).toContain('joi');
});

test('When a rule is given to the server, then its schema reads it from rules.ts (one definition)', () => {
  // The numbers the client checks are not repeated in the schema modules.
  for (const file of ['catalogue.ts', 'stock.ts', 'shipments.ts', 'donations.ts', 'text.ts', 'common.ts']) {
    const source = fs.readFileSync(path.join(SHARED, file), 'utf8');
    expect([
      file,
      source.match(/10_000_000|1_000_000_000|200_000|100_000|24 \* 30|\{5,20\}|max\(90\)|max\(180\)/g),
    ]).toEqual([file, null]);
  }
});
