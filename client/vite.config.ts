import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

const server = 'http://localhost:8080';

export default defineConfig({
  plugins: [
    react(),
    // A brotli and a gzip copy next to every text asset; the server sends the one the browser
    // accepts (on a slow link the bundle is a third of its size). Originals stay for the others.
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024, skipIfLargerOrEqual: true }),
  ],
  resolve: {
    // The shared package is built as CommonJS for the server; the client bundles its source.
    alias: { '@karavan/shared': fileURLToPath(new URL('../shared/src/index.ts', import.meta.url)) },
  },
  server: {
    proxy: {
      '/api': server,
      '/socket.io': { target: server, ws: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true },
});
