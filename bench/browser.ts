// What both bench runs need from a browser: the Chromium to launch, its flags, and the app built and
// served by Vite's preview server (cross-origin isolated, as users get it).
import { build, preview } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
];
const OUT_DIR = 'bench/.dist';

/** Builds the given HTML entries into bench/.dist and serves them; `close` stops the server. */
export async function serveBuild(input: Record<string, string>): Promise<{ base: string; close: () => Promise<void> }> {
  await build({ logLevel: 'warn', build: { outDir: OUT_DIR, emptyOutDir: true, rollupOptions: { input } } });
  const server = await preview({ logLevel: 'warn', preview: { port: 4190, strictPort: false }, build: { outDir: OUT_DIR } });
  return {
    base: server.resolvedUrls?.local[0] ?? 'http://localhost:4190/',
    close: () => new Promise<void>((resolve) => server.httpServer.close(() => resolve())),
  };
}
