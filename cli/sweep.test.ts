import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { runCli } from './commands';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { parseRunRecord, parseRunsJsonl } from '../src/core/experiments/runRecord';

const dir = mkdtempSync(join(tmpdir(), 'ppo-sweep-'));
writeFileSync(join(dir, 'data.csv'), barsToCsv(generateSampleBars({ bars: 700, seed: 9 })));

const tinyBase = {
  env: { numEnvs: 2, lookback: 8, episodeLength: 40 },
  ppo: { numSteps: 32, minibatchSize: 32, epochs: 1 },
  network: { hidden: [16] },
  eval: { everyUpdates: 1, minTrades: 0 },
};

function writeSpec(name: string, fields: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ data: 'data.csv', base: tinyBase, steps: 64, seed: 2, ...fields }));
  return path;
}

const twoTrials = writeSpec('two.json', { method: 'grid', trials: 2, parameters: { 'ppo.entropyCoef': { values: [0, 0.02] } } });

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sweep help', () => {
  it('lists the subcommands, and each one its flags', async () => {
    const group = await cli('sweep', '--help');
    expect(group.out).toMatch(/sweep run .*\n.*sweep export .*\n.*sweep collect/);
    const run = await cli('sweep', 'run', '--help');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^npm run cli -- sweep run --spec FILE.json --out DIR/);
    expect(run.out).toMatch(/--parallel K/);
    expect((await cli('sweep', 'export', '--help')).out).toMatch(/--results-volume pvc:NAME\|host:PATH/);
    expect((await cli('--help')).out).toMatch(/sweep collect\s+Gather/);
    expect((await cli('sweep', 'fly')).err).toMatch(/Unknown sweep subcommand "fly"/);
  });
});

describe('sweep run', () => {
  it('runs each trial, writes a run record per trial, and skips finished trials on a rerun', async () => {
    const out = join(dir, 'run');
    const first = await cli('sweep', 'run', '--spec', twoTrials, '--out', out, '--backend', 'cpu');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/2 of 2 trials finished/);
    const records = [0, 1].map((i) => parseRunRecord(readFileSync(join(out, `result-${i}.json`), 'utf8')));
    expect(records.map((r) => r.sweep)).toEqual([
      { id: expect.stringMatching(/^sweep-/), trial: 0, parameters: { 'ppo.entropyCoef': 0 } },
      { id: records[0].sweep!.id, trial: 1, parameters: { 'ppo.entropyCoef': 0.02 } },
    ]);
    expect(records.map((r) => [r.source, r.timesteps, r.error])).toEqual([
      ['sweep', 64, null],
      ['sweep', 64, null],
    ]);
    expect((records[1].config as { ppo: { entropyCoef: number }; seed: number }).ppo.entropyCoef).toBe(0.02);
    expect((records[1].config as { seed: number }).seed).toBe(3);

    const before = statSync(join(out, 'result-0.json')).mtimeMs;
    rmSync(join(out, 'result-1.json'));
    const again = await cli('sweep', 'run', '--spec', twoTrials, '--out', out, '--backend', 'cpu');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Kept 1 finished trial \(0\); running 1/);
    expect(statSync(join(out, 'result-0.json')).mtimeMs).toBe(before);
    expect(existsSync(join(out, 'result-1.json'))).toBe(true);
  });

  it('runs one trial with --trial, and refuses one past the last', async () => {
    const out = join(dir, 'one');
    const r = await cli('sweep', 'run', '--spec', twoTrials, '--out', out, '--trial', '1', '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toEqual(['result-1.json']);
    const past = await cli('sweep', 'run', '--spec', twoTrials, '--out', out, '--trial', '2');
    expect(past.code).toBe(1);
    expect(past.err).toMatch(/--trial 2 is past the last trial: this sweep has 2 \(0 to 1\)/);
  });

  it('runs trials in parallel child processes with --parallel 2', { timeout: 120_000 }, async () => {
    const out = join(dir, 'parallel');
    const r = await cli('sweep', 'run', '--spec', twoTrials, '--out', out, '--parallel', '2', '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/2 at a time/);
    // The children print their own trial lines, passed on.
    expect(r.out).toMatch(/trial 0: done/);
    expect(r.out).toMatch(/trial 1: done/);
    const records = [0, 1].map((i) => parseRunRecord(readFileSync(join(out, `result-${i}.json`), 'utf8')));
    expect(records.map((rec) => rec.sweep!.trial)).toEqual([0, 1]);
  });

  it('runs successive halving rung by rung, writing each rung and a final result per trial', async () => {
    const spec = writeSpec('halving.json', {
      method: 'halving',
      trials: 4,
      steps: 256,
      // A rollout is 32 steps × 2 envs = 64 timesteps, the smallest budget that trains once.
      halving: { eta: 2, minSteps: 64 },
      parameters: { 'ppo.learningRate': { min: 1e-4, max: 1e-3, log: true } },
    });
    const out = join(dir, 'halving');
    const r = await cli('sweep', 'run', '--spec', spec, '--out', out, '--backend', 'cpu');
    expect(r.code, r.err).toBe(0);
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    // Rungs of 64, 128 and 256 steps for 4, 2 and 1 trials.
    expect(files.filter((f) => f.endsWith('-r0.json'))).toHaveLength(4);
    expect(files.filter((f) => f.endsWith('-r1.json'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('-r2.json'))).toHaveLength(1);
    const finals = [0, 1, 2, 3].map((i) => parseRunRecord(readFileSync(join(out, `result-${i}.json`), 'utf8')));
    expect(finals.map((f) => f.timesteps).sort((a, b) => a - b)).toEqual([64, 64, 128, 256]);
  });

  it('names the spec file and the field of a bad spec', async () => {
    const bad = writeSpec('bad.json', { method: 'random', trials: 2, parameters: { 'ppo.learningRte': { min: 0.1, max: 0.2 } } });
    const r = await cli('sweep', 'run', '--spec', bad, '--out', join(dir, 'bad'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^--spec .*bad.json: Sweep spec field parameters.ppo.learningRte: "ppo.learningRte" is not a setting/);
  });
});

describe('sweep export', () => {
  const spec = writeSpec('export.json', {
    method: 'random',
    trials: 5,
    parameters: { 'ppo.learningRate': { min: 1e-5, max: 1e-3, log: true } },
  });

  it('writes a Slurm job array of one task per trial, with the spec beside it', async () => {
    const out = join(dir, 'slurm');
    const r = await cli(
      'sweep',
      'export',
      '--spec',
      spec,
      '--to',
      'slurm',
      '--out',
      out,
      '--cpus',
      '4',
      '--memory',
      '2G',
      '--time',
      '00:30:00',
    );
    expect(r.code, r.err).toBe(0);
    const script = readFileSync(join(out, 'sweep.sbatch'), 'utf8');
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain('#SBATCH --array=0-4\n');
    expect(script).toContain('#SBATCH --cpus-per-task=4\n');
    expect(script).toContain('#SBATCH --mem=2G\n');
    expect(script).toContain('#SBATCH --time=00:30:00\n');
    expect(script).toContain(`#SBATCH --output=${join(out, 'results')}/slurm-%A_%a.out\n`);
    expect(script).toMatch(/sweep run --spec '.*sweep.json' --out '.*results' --trial "\$SLURM_ARRAY_TASK_ID"/);
    const copy = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(copy.data).toBe(join(dir, 'data.csv'));
    const again = await cli('sweep', 'export', '--spec', spec, '--to', 'slurm', '--out', out);
    expect(again.err).toMatch(/already exists; pass --force/);
  });

  it('writes a Kubernetes Indexed Job that the batch/v1 schema accepts', async () => {
    const out = join(dir, 'k8s');
    const r = await cli(
      'sweep',
      'export',
      '--spec',
      spec,
      '--to',
      'k8s',
      '--out',
      out,
      '--parallelism',
      '2',
      '--image',
      'registry.example/ppo:1',
      '--data-volume',
      'host:/srv/market',
      '--results-volume',
      'pvc:sweep-results',
    );
    expect(r.code, r.err).toBe(0);
    const list = JSON.parse(readFileSync(join(out, 'sweep-job.json'), 'utf8'));
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    const [configMap, job] = list.items;
    // kubernetes-models validates against the Kubernetes OpenAPI schema it vendors; it throws on any violation.
    expect(() => new ConfigMap(configMap).validate()).not.toThrow();
    expect(() => new Job(job).validate()).not.toThrow();
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 5, parallelism: 2 });
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example/ppo:1');
    expect(container.args).toEqual(expect.arrayContaining(['--trial', '$(JOB_COMPLETION_INDEX)', '--out', '/results']));
    expect(container.env[0].name).toBe('JOB_COMPLETION_INDEX');
    expect(container.resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
    expect(job.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        { name: 'data', hostPath: { path: '/srv/market', type: 'Directory' } },
        { name: 'results', persistentVolumeClaim: { claimName: 'sweep-results', readOnly: false } },
      ]),
    );
    expect(JSON.parse(configMap.data['sweep.json']).data).toBe('/data/data.csv');
    // The check is real: a manifest the API would refuse fails it.
    expect(() => new Job({ ...job, spec: { ...job.spec, completions: 'five' } }).validate()).toThrow(/completions/);
  });

  it('refuses halving on a cluster and bad resources, saying what to do', async () => {
    const halving = writeSpec('h.json', { method: 'halving', trials: 3, halving: { eta: 3, minSteps: 16 }, parameters: {} });
    expect((await cli('sweep', 'export', '--spec', halving, '--to', 'slurm', '--out', join(dir, 'h'))).err).toMatch(
      /sweep run --parallel K/,
    );
    expect((await cli('sweep', 'export', '--spec', spec, '--to', 'k8s', '--out', join(dir, 'x'), '--memory', '4GB')).err).toMatch(
      /--memory must be a whole number with K, M, G or T/,
    );
    expect((await cli('sweep', 'export', '--spec', spec, '--to', 'k8s', '--out', join(dir, 'x'), '--data-volume', 'nfs:x')).err).toMatch(
      /--data-volume must be pvc:NAME/,
    );
    expect((await cli('sweep', 'export', '--spec', spec, '--to', 'aws', '--out', join(dir, 'x'))).err).toMatch(/--to must be slurm or k8s/);
  });
});

describe('sweep collect', () => {
  it('gathers the results sorted by trial and reports a missing one', async () => {
    const out = join(dir, 'collect');
    expect((await cli('sweep', 'run', '--spec', twoTrials, '--out', out, '--trial', '1', '--backend', 'cpu')).code).toBe(0);
    const jsonl = join(dir, 'runs.jsonl');
    const r = await cli('sweep', 'collect', out, '--spec', twoTrials, '--out', jsonl);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Wrote 1 run records/);
    expect(r.err).toMatch(/Missing trials \(no result file\): 0\./);
    expect(parseRunsJsonl(readFileSync(jsonl, 'utf8')).map((rec) => rec.sweep!.trial)).toEqual([1]);

    const full = join(dir, 'run');
    const all = await cli('sweep', 'collect', full, '--out', join(dir, 'all.jsonl'));
    expect(all.code, all.err).toBe(0);
    expect(parseRunsJsonl(readFileSync(join(dir, 'all.jsonl'), 'utf8')).map((rec) => rec.sweep!.trial)).toEqual([0, 1]);
    expect((await cli('sweep', 'collect', join(dir, 'nowhere'), '--out', join(dir, 'n.jsonl'))).err).toMatch(/Folder not found/);
  });
});
