import { toUserError, type Outcome } from '../src/core/errors';

/** Runs a call, returning an error the user can act on as a value; anything else (a bug) still throws. */
export async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const userError = toUserError(error);
    if (userError === null) throw error;
    return { ok: false, error: userError };
  }
}
