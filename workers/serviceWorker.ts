/**
 * The service worker that lets the app open and train offline after one visit. vite.config.ts
 * compiles this file to dist/sw.js and puts two constants before it: the build's id and every file of
 * the build (scripts, styles, the tfjs and kernel WebAssembly binaries, the sample CSV, the icons).
 *
 * - install: the whole build goes into one cache named after the build, in one step: all or nothing.
 * - fetch: a precached file is answered from the cache (its hash is in its name, so it cannot be
 *   stale); a page load tries the network first and falls back to the cached app shell offline.
 *   Cached responses are the server's own, headers included, so the page stays under its CSP and
 *   cross-origin isolated (COOP/COEP) when it comes from the cache.
 * - activate: caches of older builds are deleted, and open pages are taken over at once.
 * - A new build waits until the page asks it to take over (the "new version" prompt), so a page is
 *   never served files from two builds.
 */

declare const BUILD_ID: string;
/** Every file of the build, as paths relative to the worker's scope ('' is the app shell). */
declare const PRECACHE: readonly string[];

// The parts of the service worker scope this file uses (the DOM library, which the project checks
// against, does not describe it).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

const sw = self as unknown as ServiceWorkerScope;
const CACHE_PREFIX = 'ppo-lab-';
const CACHE_NAME = `${CACHE_PREFIX}${BUILD_ID}`;
const SHELL_URL = new URL('./', sw.registration.scope).href;
// The server's Vary (Origin, Accept-Encoding) would make a module script's request, which carries an
// Origin header, miss the copy the install fetched without one: the URL alone identifies a file here.
const MATCH = { cacheName: CACHE_NAME, ignoreSearch: true, ignoreVary: true };
const PRECACHED = new Set(PRECACHE.map((path) => new URL(path, sw.registration.scope).href));

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE_NAME).then((cache) => cache.addAll([...PRECACHED])));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE_NAME).map((n) => caches.delete(n))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'skip-waiting') void sw.skipWaiting();
});

/** Network first for page loads, so an online visit sees a new build; the cached shell offline. */
async function navigate(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const shell = await caches.match(SHELL_URL, MATCH);
    if (shell) return shell;
    throw error;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  return (await caches.match(request, MATCH)) ?? fetch(request);
}

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
    return;
  }
  url.search = '';
  url.hash = '';
  if (PRECACHED.has(url.href)) event.respondWith(cacheFirst(request));
});
