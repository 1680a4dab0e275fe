import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bars } from '../data/bars';
import { importCsv } from '../data/importCsv';
import { barsToCsv, generateSampleBars } from '../data/sampleData';
import type { TrainingOverrides } from '../ppo/config';
import { observationSize, type ActorCritic } from '../ppo/network';
import { predictLatest, trainModel, type Prediction } from '../workflow/session';
import { BundleError, loadNetwork, parseBundle, serializeBundle } from './bundle';

// Property: whatever one field of a valid model file is changed to, import either refuses it with a
// BundleError within a second, or yields a network whose outputs equal the original's and a finite
// prediction. Never another error type, a NaN, or a hang.

const RUNS_PER_VARIANT = 400;
const IMPORT_BUDGET_MS = 1000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

interface Subject {
  text: string;
  json: { [key: string]: Json };
  fieldPaths: Path[];
  topologyPaths: Path[];
  observations: tf.Tensor2D;
  outputs: number[];
  prediction: Prediction;
}

const tiny: TrainingOverrides = {
  env: { lookback: 6, numEnvs: 2, episodeLength: 40 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [12], modelDim: 8, attentionHeads: 2 },
  stop: { totalTimesteps: 64 },
  eval: { everyUpdates: 0 },
};

let bars: Bars;
let hasVolume: boolean;
const subjects = new Map<string, Subject>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  const imported = await importCsv(barsToCsv(generateSampleBars({ bars: 400, seed: 11 })), { fileName: 'fuzz.csv' });
  bars = imported.bars;
  hasVolume = imported.report.hasVolume;
  for (const variant of ['maskable', 'enhanced-maskable'] as const) {
    const { bundle } = await trainModel(bars, imported.report, { ...tiny, variant }, `fuzz ${variant}`);
    const text = serializeBundle(bundle);
    const json = JSON.parse(text) as { [key: string]: Json };
    const all = paths(json, []);
    const inTopology = (p: Path) => p[0] === 'network' && p[1] === 'modelTopology' && p.length > 2;
    const net = loadNetwork(parseBundle(text));
    const observations = tf.randomNormal([3, observationSize(net.spec)], 0, 2, 'float32', 7) as tf.Tensor2D;
    subjects.set(variant, {
      text,
      json,
      fieldPaths: all.filter((p) => !inTopology(p)),
      topologyPaths: all.filter(inTopology),
      observations,
      outputs: outputsOf(net, observations),
      prediction: await predictLatest(bundle, bars, hasVolume),
    });
    net.dispose();
  }
}, 120_000);

function paths(value: Json, prefix: Path): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function outputsOf(net: ActorCritic, observations: tf.Tensor2D): number[] {
  return tf.tidy(() => {
    const { logits, value } = net.forward(observations);
    return [...tf.softmax(logits).dataSync(), ...value.dataSync()];
  });
}

/** Raw JSON tokens that JSON.stringify cannot write (Infinity after parsing), spliced into the text. */
const RAW = { __raw_inf__: '1e999', '__raw_-inf__': '-1e999' } as const;

function numberMutations(x: number): (number | string | null)[] {
  return [null, '__raw_inf__', '__raw_-inf__', -Math.abs(x) - 1, -x, x + 0.5, 1e300, 1e9, 2 ** 31, 0, 3];
}

function stringMutations(s: string, size: number): (string | number | null)[] {
  return ['x'.repeat([300, 20_000, 2_000_000][size % 3]), '', `${s}\u0000`, null, 0];
}

type Mutation =
  | { kind: 'field'; variant: string; path: Path; choice: number; size: number }
  | { kind: 'weights'; variant: string; which: 'network' | 'optimizer'; op: number; at: number; size: number }
  | { kind: 'dtype'; variant: string; which: 'network' | 'optimizer'; index: number; dtype: string };

/** The mutated file's text, and whether the change may legitimately alter the outputs. */
function apply(m: Mutation): { text: string; mayChangeOutputs: boolean; mayChangePrediction: boolean } {
  const s = subjects.get(m.variant)!;
  const json = structuredClone(s.json);
  let mayChangeOutputs = false;
  let mayChangePrediction = false;
  if (m.kind === 'field') {
    const parent = m.path.length ? (get(json, m.path.slice(0, -1)) as { [k: string | number]: Json }) : null;
    const key = m.path.at(-1)!;
    const node = parent ? parent[key] : json;
    const replace = (value: Json | undefined) => {
      if (!parent) return;
      if (value === undefined) {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      } else parent[key] = value;
    };
    if (typeof node === 'number') replace(pick(numberMutations(node), m.choice));
    else if (typeof node === 'string') replace(pick(stringMutations(node, m.size), m.choice));
    else if (typeof node === 'boolean') replace(pick([null, String(node), Number(node)], m.choice));
    else if (Array.isArray(node)) {
      const options: (() => void)[] = [
        () => node.pop(),
        () => node.shift(),
        () => node.splice(0),
        () => node.push(structuredClone(node.at(-1) ?? null)),
        () => node.push(null),
        () => replace(null),
        () => replace(undefined),
      ];
      pick(options, m.choice)();
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      const options: (() => void)[] = [
        () => delete node[keys[m.size % Math.max(1, keys.length)]],
        () => replace(null),
        () => replace(undefined),
        () => replace([]),
        () => (node.unexpected = 1),
      ];
      pick(options, m.choice)();
    } else {
      replace(pick([0, 'x', {}, [], undefined], m.choice));
    }
    // In-range values of these reach the observation, not the network: a prediction may change.
    mayChangePrediction = m.path[0] === 'scaler' || m.path[0] === 'regimes';
  } else if (m.kind === 'weights') {
    const holder = json[m.which] as { weightData: string } | null;
    if (holder) {
      const data = holder.weightData;
      const at = m.at % Math.max(1, data.length);
      const ops: (() => string)[] = [
        () => data.slice(0, at) + '!' + data.slice(at + 1),
        () => data.slice(0, at) + ' ' + data.slice(at),
        () => data.slice(0, data.length - 1 - (m.size % 8)),
        () => data.slice(0, data.length - 4 * (1 + (m.size % 4))),
        () => data + 'AAAA',
        () => data.replace(/=+$/, ''),
        () => '',
        // A different valid base64 character: other weight bits, which no check can tell from a trained value.
        () => {
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
          const c = alphabet[(alphabet.indexOf(data[at]) + 1 + (m.size % 63)) % 64];
          mayChangeOutputs = m.which === 'network' && data[at] !== '=';
          mayChangePrediction = mayChangeOutputs;
          return data[at] === '=' ? data : data.slice(0, at) + c + data.slice(at + 1);
        },
      ];
      holder.weightData = pick(ops, m.op)();
    }
  } else {
    const specs = (json[m.which] as { weightSpecs: { dtype: string }[] } | null)?.weightSpecs;
    if (specs) specs[m.index % specs.length].dtype = m.dtype;
  }
  let text = JSON.stringify(json);
  for (const [token, raw] of Object.entries(RAW)) text = text.replaceAll(`"${token}"`, raw);
  return { text, mayChangeOutputs, mayChangePrediction };
}

function get(root: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as { [k: string | number]: Json })[key], root);
}

function pick<T>(options: T[], choice: number): T {
  return options[choice % options.length];
}

function mutations(variant: string): fc.Arbitrary<Mutation> {
  const s = subjects.get(variant)!;
  const field = fc.record({
    kind: fc.constant('field' as const),
    variant: fc.constant(variant),
    path: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom(...s.fieldPaths) },
      { weight: 1, arbitrary: fc.constantFrom(...s.topologyPaths) },
    ),
    choice: fc.nat(),
    size: fc.nat(),
  });
  const weights = fc.record({
    kind: fc.constant('weights' as const),
    variant: fc.constant(variant),
    which: fc.constantFrom('network' as const, 'optimizer' as const),
    op: fc.nat(),
    at: fc.nat(),
    size: fc.nat(),
  });
  const dtype = fc.record({
    kind: fc.constant('dtype' as const),
    variant: fc.constant(variant),
    which: fc.constantFrom('network' as const, 'optimizer' as const),
    index: fc.nat(),
    dtype: fc.constantFrom('int32', 'bool', 'string', 'complex64', 'float16', 'float64', ''),
  });
  return fc.oneof({ weight: 6, arbitrary: field }, { weight: 3, arbitrary: weights }, { weight: 1, arbitrary: dtype });
}

function finitePrediction(p: Prediction): boolean {
  return [p.confidence, p.value_estimate, ...Object.values(p.probabilities)].every(Number.isFinite);
}

describe('model import under one-field mutations', () => {
  it.each(['maskable', 'enhanced-maskable'])('the %s file either is refused with a BundleError or predicts as before', async (variant) => {
    const s = subjects.get(variant)!;
    const outcomes = { refused: 0, identical: 0, changedButFinite: 0 };
    await fc.assert(
      fc.asyncProperty(mutations(variant), async (m) => {
        const { text, mayChangeOutputs, mayChangePrediction } = apply(m);
        const started = performance.now();
        let net: ActorCritic;
        let bundle;
        try {
          bundle = parseBundle(text);
          net = loadNetwork(bundle);
        } catch (error) {
          expect(error).toBeInstanceOf(BundleError);
          expect(performance.now() - started).toBeLessThan(IMPORT_BUDGET_MS);
          outcomes.refused++;
          return;
        }
        const outputs = outputsOf(net, s.observations);
        net.dispose();
        const prediction = await predictLatest(bundle, bars, hasVolume);
        expect(outputs.every(Number.isFinite)).toBe(true);
        expect(finitePrediction(prediction)).toBe(true);
        if (mayChangeOutputs || mayChangePrediction) {
          if (!mayChangeOutputs) expect(outputs).toEqual(s.outputs);
          outcomes.changedButFinite++;
        } else {
          expect(outputs).toEqual(s.outputs);
          expect(prediction).toEqual(s.prediction);
          outcomes.identical++;
        }
      }),
      { numRuns: RUNS_PER_VARIANT },
    );
    // Most mutations must be caught; the rest are edits the format cannot tell from a real model.
    expect(outcomes.refused).toBeGreaterThan(RUNS_PER_VARIANT / 2);
    console.info(`${variant}: ${JSON.stringify(outcomes)}`);
  });
});
