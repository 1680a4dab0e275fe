// Node-only PPO timing: the Standard and Enhanced-Maskable default updates on the wasm backend, without
// the Chromium half of `npm run bench`. For before/after comparisons taken back to back on a noisy
// machine: `npx tsx bench/updateSpeed.ts [--reps 3] [--updates 2] [--variants standard,enhanced-maskable]
// [--cases scalar,quantile,dropout]` (the value head and trunk cases of NETWORK_CASES, interleaved so
// each rep measures them under the same load). Prints one JSON line per run and the medians.
import { useNodeBackend } from '../cli/backend';
import type { Variant } from '../src/core/ppo/config';
import { NETWORK_CASES, ppoThroughput, type NetworkCase } from './measure';

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const reps = Number(flag('reps', '3'));
  const updates = Number(flag('updates', '2'));
  const variants = flag('variants', 'standard,enhanced-maskable').split(',') as Variant[];
  const cases = flag('cases', 'scalar').split(',') as NetworkCase[];
  const unknown = cases.filter((c) => !(c in NETWORK_CASES));
  if (unknown.length) throw new Error(`Unknown --cases ${unknown.join(', ')}; choose from ${Object.keys(NETWORK_CASES).join(', ')}.`);
  const backend = await useNodeBackend('wasm', (line) => console.error(line));
  const runs: Record<string, { update: number[]; endToEnd: number[] }> = {};
  for (let r = 0; r < reps; r++) {
    for (const variant of variants) {
      for (const networkCase of cases) {
        const label = networkCase === 'scalar' ? variant : `${variant}, ${networkCase}`;
        const figures = await ppoThroughput(variant, updates, { network: NETWORK_CASES[networkCase] });
        const run = (runs[label] ??= { update: [], endToEnd: [] });
        run.update.push(figures.updateSamplesPerSecond);
        run.endToEnd.push(figures.endToEndStepsPerSecond);
        console.log(
          JSON.stringify({
            backend,
            variant,
            network: networkCase,
            rep: r,
            updateSamplesPerSecond: Math.round(figures.updateSamplesPerSecond),
            endToEndStepsPerSecond: Math.round(figures.endToEndStepsPerSecond),
            engine: figures.updateEngine,
          }),
        );
      }
    }
  }
  for (const [label, run] of Object.entries(runs)) {
    console.log(
      `median ${label}: update ${Math.round(median(run.update))} samples/s, end to end ${Math.round(median(run.endToEnd))} env steps/s`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
