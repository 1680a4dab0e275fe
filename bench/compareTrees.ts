// Two checkouts' PPO throughput in one Node process, runs interleaved (order alternating per round), so
// a shared machine's drift hits both alike: `npx tsx bench/compareTrees.ts <before-dir> <after-dir>
// [rounds=3] [variants=standard,enhanced-maskable] [updates=1]`. Both checkouts must resolve
// node_modules to the same real path (a symlink to one install), so they share one tfjs.
import { resolve } from 'node:path';
import { useNodeBackend } from '../cli/backend';
import type { Variant } from '../src/core/ppo/config';
import type { ppoThroughput } from './measure';

type Throughput = typeof ppoThroughput;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const [beforeDir, afterDir, rounds = '3', variantList = 'standard,enhanced-maskable', updates = '1'] = process.argv.slice(2);
  if (!beforeDir || !afterDir) throw new Error('Usage: compareTrees.ts <before-dir> <after-dir> [rounds] [variants] [updates]');
  const load = async (dir: string): Promise<Throughput> => (await import(resolve(dir, 'bench/measure.ts'))).ppoThroughput;
  const trees: [string, Throughput][] = [
    ['before', await load(beforeDir)],
    ['after', await load(afterDir)],
  ];
  await useNodeBackend('wasm', (line) => console.error(line));
  const ratios: Record<string, number[]> = {};
  for (let r = 0; r < Number(rounds); r++) {
    for (const variant of variantList.split(',') as Variant[]) {
      const rates: Record<string, number> = {};
      for (const [tree, run] of r % 2 === 0 ? trees : [...trees].reverse()) {
        const f = await run(variant, Number(updates));
        rates[tree] = f.updateSamplesPerSecond;
        console.log(
          JSON.stringify({
            round: r,
            variant,
            tree,
            updateSamplesPerSecond: Math.round(f.updateSamplesPerSecond),
            endToEndStepsPerSecond: Math.round(f.endToEndStepsPerSecond),
            engine: f.updateEngine,
          }),
        );
      }
      (ratios[variant] ??= []).push(rates.after / rates.before);
    }
  }
  for (const [variant, list] of Object.entries(ratios))
    console.log(`${variant}: after / before update rate, median of ${list.length} paired rounds: ${median(list).toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
