/**
 * Chooses one action per env from the observations [numEnvs, obsSize] and validity masks
 * [numEnvs, numActions], writing them into `actions`. May be async (a network on a GPU reads back).
 */
export type Policy = (
  obs: Float32Array,
  masks: Uint8Array,
  numEnvs: number,
  actions: Int32Array,
  numActions: number,
) => void | Promise<void>;
