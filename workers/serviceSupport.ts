import { toUserError, type Outcome, type UserError } from '../src/core/errors';

/** Runs a call whose input errors come back as values; anything else (a bug) still throws. */
export async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const userError = toUserError(error);
    if (userError === null) throw error;
    return { ok: false, error: userError };
  }
}

/** A failure that is not the input's fault (out of memory, a lost GPU device…), said plainly. */
export function failure(during: string, error: unknown): UserError {
  const detail = error instanceof Error ? error.message : String(error);
  const gpuLost = /device.*lost|lost.*device|context lost/i.test(detail);
  const memory = /memory|allocation|OOM/i.test(detail);
  const hint = gpuLost
    ? 'The GPU device was lost; choose the wasm backend or reload the page and train again.'
    : memory
      ? 'The backend ran out of memory; use a smaller network, fewer envs or a smaller minibatch.'
      : 'Try again; if it repeats, try another backend and report this message.';
  return { kind: 'TrainingError', message: `${during} failed: ${detail}. ${hint}` };
}

/** A model name as a file name: letters, digits, dot, dash and underscore only. */
export function fileSafe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'model';
}

/**
 * Lets queued messages (pause, stop) in. On wasm and cpu every await of an update settles as a
 * microtask, so without this a pause sent mid-run waits for the run to end.
 */
export function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
