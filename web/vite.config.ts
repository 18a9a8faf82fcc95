// Vite build of the browser client: web/src → web/dist, served by the API server at `/`.
// In development (`npm run dev:web`) /graphql (HTTP, SSE and WebSocket) is proxied to the API on :4000.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:4000', ws: true, changeOrigin: true },
      '/health': { target: 'http://127.0.0.1:4000' },
    },
  },
});
