import { useEffect, useRef, useState } from 'react';

/** How often an open tab asks whether a new build is out (the browser also checks on each page load). */
const UPDATE_CHECK_MS = 30 * 60 * 1000;

/**
 * Registers the service worker (production builds only: dist/sw.js, see vite.config.ts) that keeps
 * the app usable offline, and offers to reload when a new build has been downloaded and is waiting.
 */
export function UpdatePrompt() {
  const [waiting, setWaiting] = useState<ServiceWorker | null>(null);
  const accepted = useRef(false);

  useEffect(() => {
    if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
    const container = navigator.serviceWorker;
    // The first install also changes the controller (the worker claims the page): reload only when asked.
    const onControllerChange = () => {
      if (accepted.current) location.reload();
    };
    container.addEventListener('controllerchange', onControllerChange);
    let timer: ReturnType<typeof setInterval> | undefined;
    const watch = (registration: ServiceWorkerRegistration) => {
      // A waiting worker with a page already controlled is a new build; without one it is the first install.
      if (registration.waiting && container.controller) setWaiting(registration.waiting);
      registration.addEventListener('updatefound', () => {
        const installing = registration.installing;
        installing?.addEventListener('statechange', () => {
          if (installing.state === 'installed' && container.controller) setWaiting(installing);
        });
      });
      timer = setInterval(() => {
        registration.update().catch((error: unknown) => console.info('No update check now (offline?):', error));
      }, UPDATE_CHECK_MS);
    };
    // Registered once; later loads reuse the registration (register() would fetch sw.js, which fails offline).
    const register = () => {
      container
        .getRegistration()
        .then((existing) => existing ?? container.register(`${import.meta.env.BASE_URL}sw.js`))
        .then(watch, (error: unknown) => console.warn('Offline use is unavailable: the service worker did not register.', error));
    };
    // After the page's own files have loaded, so the precache does not compete with them.
    if (document.readyState === 'complete') register();
    else window.addEventListener('load', register, { once: true });
    return () => {
      container.removeEventListener('controllerchange', onControllerChange);
      window.removeEventListener('load', register);
      clearInterval(timer);
    };
  }, []);

  if (!waiting) return null;
  return (
    <div className="update-prompt" role="status" data-testid="update-prompt">
      <span>A new version is available.</span>
      <button
        type="button"
        className="button"
        data-testid="update-reload"
        onClick={() => {
          accepted.current = true;
          waiting.postMessage({ type: 'skip-waiting' });
        }}
      >
        Reload
      </button>
    </div>
  );
}
