/**
 * The library entries a training run writes to while it goes (its checkpoint and best-so-far
 * model). They are held as Web Locks, which every tab of the site sees, so no tab deletes or
 * renames what a run would silently write back at its next autosave.
 */
const PREFIX = 'ppo-lab-run-writes:';
const heldHere = new Set<string>();

/** Marks the ids as in use until the returned function is called. */
export function holdWhileRunning(ids: string[]): () => void {
  let release = () => {};
  const until = new Promise<void>((resolve) => (release = resolve));
  for (const id of ids) {
    heldHere.add(id);
    void globalThis.navigator?.locks?.request(PREFIX + id, () => until);
  }
  return () => {
    release();
    for (const id of ids) heldHere.delete(id);
  };
}

/** True while a run in this tab or another writes to this library entry. */
export async function isHeldByRun(id: string): Promise<boolean> {
  if (heldHere.has(id)) return true;
  const locks = globalThis.navigator?.locks;
  if (!locks) return false;
  const { held = [] } = await locks.query();
  return held.some((lock) => lock.name === PREFIX + id);
}
