import type { NetworkConfig } from './config';
import type { EncoderDims, ObservationSpec } from './network';

// Shapes only, no tfjs: the model bundle checks a file's manifest against these before any tensor exists.

/** Names and shapes of the encoder's weights, in the order ActorCritic creates them. */
export function encoderWeightShapes(dims: EncoderDims): [string, number[]][] {
  const { lookback: L, featureCount: F, modelDim: d, layers } = dims;
  const out: [string, number[]][] = [['embed/kernel', [F, d]], ['embed/bias', [d]], ['position', [L, d]]];
  for (let l = 0; l < layers; l++) {
    const p = `block${l}`;
    out.push([`${p}/norm1/gamma`, [d]], [`${p}/norm1/beta`, [d]]);
    for (const n of ['query', 'key', 'value', 'out']) out.push([`${p}/${n}/kernel`, [d, d]], [`${p}/${n}/bias`, [d]]);
    out.push([`${p}/norm2/gamma`, [d]], [`${p}/norm2/beta`, [d]]);
    out.push([`${p}/ffn1/kernel`, [d, 2 * d]], [`${p}/ffn1/bias`, [2 * d]], [`${p}/ffn2/kernel`, [2 * d, d]], [`${p}/ffn2/bias`, [d]]);
  }
  out.push(['pool/norm/gamma', [d]], ['pool/norm/beta', [d]]);
  return out;
}

/**
 * Names and shapes of every parameter of the network a spec and config describe, in the order
 * ActorCritic creates (and a bundle stores) them. Pure arithmetic: a model file's manifest is checked
 * against it before any tensor exists.
 */
export function networkWeightShapes(spec: ObservationSpec, config: NetworkConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  const dense = (name: string, inputs: number, units: number) => out.push([`${name}/kernel`, [inputs, units]], [`${name}/bias`, [units]]);
  let width = spec.lookback * spec.featureCount + spec.stateSize;
  if (config.encoder === 'attention') {
    const dims = { lookback: spec.lookback, featureCount: spec.featureCount, modelDim: config.modelDim, heads: config.attentionHeads, layers: config.attentionLayers };
    for (const [name, shape] of encoderWeightShapes(dims)) out.push([`encoder/${name}`, shape]);
    width = config.modelDim + spec.stateSize;
  }
  config.hidden.forEach((units, i) => {
    dense(`trunk${i}`, width, units);
    width = units;
  });
  dense('policy', width, spec.numActions);
  dense('value', width, 1);
  return out;
}
