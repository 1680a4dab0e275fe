import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './commands';
import { barsToCsv, generateSampleBars } from '../src/core/data/sampleData';
import { parseBundle } from '../src/core/model/bundle';

const writes = vi.hoisted(() => [] as { path: string; text: string }[]);
vi.mock('./files', async (importOriginal) => {
  const real = await importOriginal<typeof import('./files')>();
  return {
    ...real,
    writeOutput: async (output: { flag: string; path: string }, text: string) => {
      writes.push({ path: output.path, text });
      return real.writeOutput(output, text);
    },
  };
});

const root = mkdtempSync(join(tmpdir(), 'ppo-cli-files-'));
const sampleText = barsToCsv(generateSampleBars({ bars: 600, seed: 3 }));
const tinyConfig = {
  env: { numEnvs: 2, lookback: 10, episodeLength: 50 },
  ppo: { numSteps: 16, minibatchSize: 32, epochs: 1 },
  network: { hidden: [8] },
  eval: { everyUpdates: 0 },
};
let dir: string;
let data: string;
let config: string;

beforeEach(() => {
  dir = mkdtempSync(join(root, 'case-'));
  data = join(dir, 'data.csv');
  config = join(dir, 'tiny.json');
  writeFileSync(data, sampleText);
  writeFileSync(config, JSON.stringify(tinyConfig));
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function expectOneLineError(r: { code: number; err: string }, pattern: RegExp) {
  expect(r.code).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err.split('\n')).toHaveLength(1);
}

const train = (...extra: string[]) =>
  cli('train', '--data', data, '--config', config, '--steps', '64', '--backend', 'cpu', '--json', ...extra);

describe('cli outputs are checked before any work starts', () => {
  it('refuses an --output in a missing directory before training, naming --output', async () => {
    const r = await train('--output', join(dir, 'missing', 'model'));
    expectOneLineError(r, /^--output .*missing.*: the directory .* does not exist/);
    expect(r.out).toBe('');
  });

  it('refuses an existing output without --force and replaces it with --force', async () => {
    const out = join(dir, 'm.ppo.json');
    writeFileSync(out, 'keep me');
    const refused = await train('--output', out);
    expectOneLineError(refused, /--output .*m\.ppo\.json already exists; pass --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');

    const forced = await train('--output', out, '--force');
    expect(forced.code, forced.err).toBe(0);
    expect(parseBundle(readFileSync(out, 'utf8')).training.timesteps).toBe(64);
  });

  it('never writes over an input, not even with --force', async () => {
    const before = readFileSync(data, 'utf8');
    const r = await cli('backtest', '--baseline', 'flat', '--data', data, '--equity-out', data, '--force');
    expectOneLineError(r, /--equity-out .*data\.csv is the --data file/);
    expect(readFileSync(data, 'utf8')).toBe(before);
    const viaOtherSpelling = await cli(
      'backtest',
      '--baseline',
      'flat',
      '--data',
      data,
      '--trades-out',
      join(dir, '.', 'data.csv'),
      '--force',
    );
    expectOneLineError(viaOtherSpelling, /is the --data file/);
    const settings = join(dir, 'settings.ppo.json');
    writeFileSync(settings, JSON.stringify(tinyConfig));
    const r2 = await cli('train', '--data', data, '--config', settings, '--output', settings, '--force');
    expectOneLineError(r2, /^--output .*settings\.ppo\.json is the --config file/);
  });

  it('refuses two outputs naming one file', async () => {
    const same = join(dir, 'x.csv');
    const r = await cli('backtest', '--baseline', 'flat', '--data', data, '--equity-out', same, '--trades-out', same);
    expectOneLineError(r, /--equity-out and --trades-out both name/);
  });

  it('refuses an output that is a directory', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const r = await cli('backtest', '--baseline', 'flat', '--data', data, '--equity-out', folder, '--force');
    expectOneLineError(r, /^--equity-out .*folder is a directory/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses an output in a read-only directory before training', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const r = await train('--output', join(locked, 'model'));
    expectOneLineError(r, /^Cannot write --output .*not writable/);
    chmodSync(locked, 0o700);
  });

  it('writes the model atomically and leaves no temporary files behind', async () => {
    const r = await train('--output', join(dir, 'atomic'), '--checkpoint-every', '1');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('atomic'))).toEqual(['atomic.ppo.json']);
  });
});

describe('cli checkpoints during training', () => {
  it('writes the model every K updates through the atomic writer, then the final model', async () => {
    const out = join(dir, 'ckpt.ppo.json');
    writes.length = 0;
    // 2 envs × 16 steps = 32 timesteps an update: 128 steps make 4 updates, checkpoints after 2 and 4.
    const r = await train('--output', out, '--steps', '128', '--checkpoint-every', '2');
    expect(r.code, r.err).toBe(0);
    const written = writes.filter((w) => w.path === out).map((w) => parseBundle(w.text).training);
    expect(written.map((t) => [t.updates, t.stopReason])).toEqual([
      [2, 'checkpoint'],
      [4, 'checkpoint'],
      [4, written[2].stopReason],
    ]);
    expect(written[2].stopReason).not.toBe('checkpoint');
    expect(parseBundle(readFileSync(out, 'utf8')).training.timesteps).toBe(128);
  });

  it('leaves the previous file whole when a write fails', async () => {
    const out = join(dir, 'kept.csv');
    writeFileSync(out, 'previous');
    mkdirSync(join(dir, 'blocker'));
    const real = await vi.importActual<typeof import('./files')>('./files');
    // Renaming onto a directory fails after the temporary file is written, as a crash mid-write would.
    await expect(real.writeOutput({ flag: '--out', path: join(dir, 'blocker') }, 'new')).rejects.toThrow(/--out .*blocker is a directory/);
    expect(readFileSync(out, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('cli input errors name the right flag', () => {
  it('says --data is a directory', async () => {
    const r = await cli('inspect', '--data', dir);
    expectOneLineError(r, /^--data .* is a directory; give a file/);
  });

  it('names --model when the model file is missing', async () => {
    const r = await cli('predict', '--model', join(dir, 'none.ppo.json'), '--data', data);
    expectOneLineError(r, /^File not found: .*none\.ppo\.json \(given to --model\)/);
  });

  it('names --config when the config file is missing', async () => {
    const r = await cli('train', '--data', data, '--config', join(dir, 'none.json'));
    expectOneLineError(r, /\(given to --config\)/);
  });
});

describe('cli numbers are parsed strictly', () => {
  it.each(['0x10', '1e1', '3.5', '0', ' 10', '', 'Infinity'])('refuses --steps "%s" naming the flag', async (value) => {
    const r = await train(`--steps=${value}`, '--output', join(dir, 'never'));
    expectOneLineError(r, /^--steps must be a whole number ≥ 1 in decimal digits/);
    expect(existsSync(join(dir, 'never.ppo.json'))).toBe(false);
  });

  it('refuses a negative --steps, written either way', async () => {
    expectOneLineError(await train('--steps', '-5'), /^--steps needs a value; .*--steps=VALUE/);
    expectOneLineError(await train('--steps=-5'), /^--steps must be a whole number/);
  });

  it('refuses hex and other non-decimal spellings of real numbers', async () => {
    expectOneLineError(await train('--learning-rate', '0x1'), /^--learning-rate must be a positive decimal number/);
    expectOneLineError(await train('--minutes=-1'), /^--minutes must be a positive decimal number/);
    expectOneLineError(
      await cli('backtest', '--baseline', 'flat', '--data', data, '--lookback', '1e1'),
      /^--lookback must be a whole number/,
    );
  });
});

describe('cli errors that are bugs', () => {
  it('does not pass a RangeError off as bad input', async () => {
    const { userMessage } = await import('./commands');
    expect(userMessage(new RangeError('Invalid array length'))).toBeNull();
  });
});
