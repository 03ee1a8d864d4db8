import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';
import { VitePWA } from 'vite-plugin-pwa';

const server = 'http://localhost:8080';

/** Each feature's chunk is named after it (`page-driver-<hash>.js`), so the service worker can pick. */
function chunkName(id: string | undefined): string | undefined {
  return id?.match(/\/src\/features\/([^/]+)\/index\.tsx?$/)?.[1];
}

// Pages the service worker does not download ahead (big, and never used offline): they are
// cached the first time they are opened. Intake and the driver's screens are kept ready.
const ONLINE_PAGES = ['dashboard', 'needs'];

export default defineConfig({
  plugins: [
    react(),
    VitePWA({
      // The new service worker takes over at once but the open page is not reloaded:
      // a new release is used from the next load on.
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      includeAssets: ['favicon.svg'],
      manifest: {
        name: 'Караван',
        short_name: 'Караван',
        description: 'Karavan: donations, stock and shipments of humanitarian aid',
        lang: 'ru',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#eef2f6',
        theme_color: '#1f4e79',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        // Everything but the pages a phone never needs offline (their chunks load on first use).
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        globIgnores: ONLINE_PAGES.map((page) => `assets/page-${page}-*`),
        navigateFallback: '/index.html',
        // (the public board's page comes from the server, which puts the board in it: below)
        navigateFallbackDenylist: [/^\/api\//, /^\/socket\.io\//, /^\/healthz$/, /^\/readyz$/, /^\/needs\//],
        runtimeCaching: [
          {
            // A donor's board: the server's page carries the board itself (read on 3G before the
            // app's files arrive); the last one seen is kept for a phone with no network (and the
            // app's own page when there is none).
            urlPattern: ({ request, url, sameOrigin }) =>
              sameOrigin && request.mode === 'navigate' && url.pathname.startsWith('/needs/'),
            handler: 'NetworkFirst',
            options: {
              cacheName: 'karavan-boards',
              networkTimeoutSeconds: 5,
              expiration: { maxEntries: 10 },
              precacheFallback: { fallbackURL: '/index.html' },
            },
          },
          {
            // The key labels are checked with: the last one seen answers when there is no network
            // (the label page also keeps it in localStorage).
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname === '/api/keys/public',
            handler: 'NetworkFirst',
            options: { cacheName: 'karavan-keys', networkTimeoutSeconds: 5, expiration: { maxEntries: 4 } },
          },
          {
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/assets/'),
            handler: 'CacheFirst',
            options: { cacheName: 'karavan-assets', expiration: { maxEntries: 60, maxAgeSeconds: 30 * 24 * 3600 } },
          },
        ],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
    // A brotli and a gzip copy next to every text asset; the server sends the one the browser
    // accepts (on a slow link the bundle is a third of its size). Originals stay for the others.
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024, skipIfLargerOrEqual: true }),
  ],
  resolve: {
    // The shared package is built as CommonJS for the server; the client bundles the source of its
    // Joi-free entry (rules, lists, pure functions: no schema library in the bundle).
    alias: { '@karavan/shared': fileURLToPath(new URL('../shared/src/client.ts', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/.vite/manifest.json: which files each page needs, so the server can name them in the
    // public board's HTML and a phone fetches them all at once instead of one after another.
    manifest: true,
    rollupOptions: {
      output: {
        chunkFileNames: (chunk) => {
          const page = chunkName(chunk.facadeModuleId ?? undefined);
          return page ? `assets/page-${page}-[hash].js` : 'assets/[name]-[hash].js';
        },
      },
    },
  },
});
