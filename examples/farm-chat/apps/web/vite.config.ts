import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', sourcemap: true },
  server: {
    port: 5173,
    // Local development only: production calls VITE_API_URL directly.
    proxy: { '/api': { target: 'http://localhost:8000', ws: true } },
  },
});
