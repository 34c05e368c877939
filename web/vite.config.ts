import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { compression } from 'vite-plugin-compression2';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Two pages (the playground and the embed), everything bundled locally: no CDN at run time.
// Text assets are written precompressed (brotli and gzip) for the server to send as they are.
export default defineConfig({
  root: here('.'),
  plugins: [
    react(),
    compression({ algorithms: ['brotliCompress', 'gzip'], include: /\.(js|mjs|css|html|svg|json|ttf|map)$/, threshold: 1024, deleteOriginalAssets: false }),
  ],
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      input: { index: here('./index.html'), embed: here('./embed.html') },
    },
  },
  worker: { format: 'es' },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } } },
});
