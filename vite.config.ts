import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the WASM backend use threads (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * "Nothing leaves the browser", enforced: scripts, workers, fetches, styles and images come from this
 * site only. 'wasm-unsafe-eval' lets tfjs-backend-wasm and our own kernels compile WebAssembly; no
 * JavaScript eval and no inline script is allowed (zod runs jitless, src/core/schema.ts).
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** What a static host must send with every file of dist/ (the worker takes its CSP from its own response). */
const productionHeaders = {
  ...isolationHeaders,
  // frame-ancestors only works as a header, so it is not in the page's meta tag.
  'Content-Security-Policy': `${contentSecurityPolicy}; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * The built site carries its policy twice: as a meta tag in index.html (any host) and in
 * dist/_headers (Netlify, Cloudflare Pages and hosts that read that format), which also carries
 * COOP/COEP. The dev server keeps no CSP, since React's fast refresh injects an inline script.
 */
function securityHeaders(): Plugin {
  return {
    name: 'ppo-lab-security-headers',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy }, injectTo: 'head-prepend' },
    ],
    generateBundle() {
      const lines = Object.entries(productionHeaders).map(([name, value]) => `  ${name}: ${value}`);
      this.emitFile({ type: 'asset', fileName: '_headers', source: `/*\n${lines.join('\n')}\n` });
    },
  };
}

export default defineConfig({
  plugins: [react(), securityHeaders()],
  server: { port: 5173, strictPort: false, headers: isolationHeaders },
  preview: { port: 4173, strictPort: false, headers: productionHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
