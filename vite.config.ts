import { defineConfig, type Plugin, type ResolvedConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

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

/** Every file under a folder, as paths relative to it with '/' separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Files of dist/ the service worker does not cache: host configuration, itself, source maps. */
const NOT_PRECACHED = [/^_headers$/, /^sw\.js$/, /\.map$/];

/**
 * Writes dist/sw.js: workers/serviceWorker.ts compiled, after the build's id and the list of every
 * file the build wrote (scripts, styles, WebAssembly, public/ files such as the sample CSV), so the
 * app opens and trains offline after one visit. The id hashes every file's path and contents: a new
 * build is a new worker, which the page offers to load.
 */
function offlinePrecache(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'ppo-lab-offline-precache',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    closeBundle() {
      const outDir = resolve(config.root, config.build.outDir);
      const files = filesUnder(outDir)
        .filter((file) => !NOT_PRECACHED.some((pattern) => pattern.test(file)))
        .sort();
      const build = createHash('sha256');
      for (const file of files)
        build
          .update(file)
          .update('\0')
          .update(readFileSync(join(outDir, file)))
          .update('\0');
      const buildId = build.digest('hex').slice(0, 16);
      // The app shell is cached under the scope's own URL, the address a page load asks for.
      const precache = files.map((file) => (file === 'index.html' ? './' : file));
      const source = readFileSync(resolve(config.root, 'workers/serviceWorker.ts'), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
      });
      const header = `const BUILD_ID = ${JSON.stringify(buildId)};\nconst PRECACHE = ${JSON.stringify(precache)};\n`;
      writeFileSync(join(outDir, 'sw.js'), header + outputText);
      config.logger.info(`sw.js: build ${buildId}, ${precache.length} files precached`);
    },
  };
}

export default defineConfig({
  plugins: [react(), securityHeaders(), offlinePrecache()],
  server: { port: 5173, strictPort: false, headers: isolationHeaders },
  preview: { port: 4173, strictPort: false, headers: productionHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
