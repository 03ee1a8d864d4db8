import fs from 'node:fs';
import path from 'node:path';

/** One entry of Vite's build manifest (`client/dist/.vite/manifest.json`). */
interface ManifestChunk {
  file: string;
  imports?: string[];
  css?: string[];
}
type Manifest = Record<string, ManifestChunk>;

/** The files a lazily loaded part of the client needs beyond what index.html already names. */
export interface PageAssets {
  scripts: string[];
  styles: string[];
}

/** The client's build manifest, or null when the build has none (an older build: no hints). */
export function readClientManifest(clientDir: string): Manifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(clientDir, '.vite', 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/**
 * Every script and stylesheet that the given manifest entries (e.g. `src/features/needs/index.ts`)
 * load, their imports' too, without those of index.html itself (the page names them already).
 * Unknown entries are skipped: a hint, never a requirement.
 */
export function pageAssets(manifest: Manifest, entries: string[]): PageAssets {
  const known = new Set<string>();
  const collect = (key: string, into: Set<string>) => {
    if (into.has(key) || !manifest[key]) return;
    into.add(key);
    for (const next of manifest[key].imports ?? []) collect(next, into);
  };
  collect('index.html', known);
  const wanted = new Set<string>();
  for (const entry of entries) collect(entry, wanted);
  const keys = [...wanted].filter((key) => !known.has(key));
  const styles = new Set(keys.flatMap((key) => manifest[key]!.css ?? []));
  return { scripts: keys.map((key) => manifest[key]!.file), styles: [...styles] };
}

/**
 * A page whose content is already in its HTML (the public board): the scripts the app will ask
 * for next are named in `<head>` (`modulepreload`: fetched at once, in parallel, instead of one
 * round trip after another as each import is found), and every stylesheet moves to the end of
 * `<body>`, after that content: the browser paints the content with its inline styles without
 * waiting for the app's stylesheets (a round trip on 3G), and still has them before the app runs.
 */
export function withPageAssets(html: string, assets: PageAssets): string {
  const stylesheets: string[] = [];
  const withoutStyles = html.replace(/<link\s+rel="stylesheet"[^>]*>\s*/gi, (link) => {
    stylesheets.push(link.trim());
    return '';
  });
  const attr = (file: string) => `/${file.replace(/"/g, '')}`;
  const preloads = assets.scripts.map((file) => `<link rel="modulepreload" crossorigin href="${attr(file)}">`);
  const styles = [
    ...stylesheets,
    ...assets.styles.map((file) => `<link rel="stylesheet" crossorigin href="${attr(file)}">`),
  ];
  return withoutStyles
    .replace(/<\/head>/i, `  ${preloads.join('\n    ')}\n  </head>`)
    .replace(/<\/body>/i, `  ${styles.join('\n    ')}\n  </body>`);
}
