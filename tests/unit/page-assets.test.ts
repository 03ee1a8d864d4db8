import { boardDataScript } from '../../server/src/dashboard/needs-page';
import { pageAssets, withPageAssets } from '../../server/src/web/page-assets';
import type { PublicCampaignDto } from '@karavan/shared';

// A build manifest as Vite writes it: index.html's own chunks, and a page that shares some of them.
const manifest = {
  'index.html': {
    file: 'assets/index-A1b2C3d4.js',
    imports: ['_react-R1r2R3r4.js'],
    css: ['assets/index-C1c2C3c4.css'],
  },
  '_react-R1r2R3r4.js': { file: 'assets/react-R1r2R3r4.js' },
  '_query-Q1q2Q3q4.js': { file: 'assets/query-Q1q2Q3q4.js', imports: ['_react-R1r2R3r4.js', 'index.html'] },
  '_units-U1u2U3u4.js': { file: 'assets/units-U1u2U3u4.js', imports: ['_query-Q1q2Q3q4.js'] },
  'src/features/needs/index.ts': {
    file: 'assets/page-needs-N1n2N3n4.js',
    imports: ['_react-R1r2R3r4.js', '_units-U1u2U3u4.js', 'index.html'],
    css: ['assets/needs-S1s2S3s4.css'],
  },
};

describe('The public board page names its files at once', () => {
  test('When a page is asked for, then its scripts and their imports are named, without those index.html already has', () => {
    expect(pageAssets(manifest, ['src/features/needs/index.ts'])).toEqual({
      scripts: ['assets/page-needs-N1n2N3n4.js', 'assets/units-U1u2U3u4.js', 'assets/query-Q1q2Q3q4.js'],
      styles: ['assets/needs-S1s2S3s4.css'],
    });
    // (an older build without the page, or no manifest at all: no hints, and no error)
    expect(pageAssets({}, ['src/features/needs/index.ts'])).toEqual({ scripts: [], styles: [] });
  });

  test('When the page carries its content, then the scripts are preloaded in the head and every stylesheet follows the content', () => {
    const html =
      '<html><head><script type="module" src="/assets/index-A1b2C3d4.js"></script>\n' +
      '<link rel="stylesheet" crossorigin href="/assets/index-C1c2C3c4.css">\n</head>' +
      '<body><div id="root"><main>board</main></div></body></html>';
    const page = withPageAssets(html, pageAssets(manifest, ['src/features/needs/index.ts']));
    const [head, body] = page.split('</head>') as [string, string];
    expect(head).toContain('<link rel="modulepreload" crossorigin href="/assets/page-needs-N1n2N3n4.js">');
    expect(head).toContain('<link rel="modulepreload" crossorigin href="/assets/query-Q1q2Q3q4.js">');
    expect(head).not.toContain('stylesheet');
    expect(body.indexOf('board')).toBeLessThan(body.indexOf('/assets/index-C1c2C3c4.css'));
    expect(body).toContain('<link rel="stylesheet" crossorigin href="/assets/needs-S1s2S3s4.css">');
  });

  test('When a campaign name tries to close the data element, then it cannot', () => {
    const board = {
      id: 'a'.repeat(24),
      name: { ru: '</script><script>alert(1)</script>', en: 'x' },
    } as PublicCampaignDto;
    const script = boardDataScript(board);
    expect(script.match(/<\/script>/g)).toHaveLength(1);
    const json = /^<script type="application\/json" id="board-data">(.*)<\/script>$/.exec(script)?.[1] ?? '';
    expect(JSON.parse(json)).toEqual(board);
  });
});
