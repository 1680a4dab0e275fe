import { basename } from 'node:path';
import { importCsv } from '../src/core/data';
import { alignAssets, uniqueAssetNames } from '../src/core/data/align';
import { UsageError } from '../src/core/errors';
import { parsePortfolioBundle, serializePortfolioBundle } from '../src/core/portfolio/bundle';
import { PORTFOLIO_MODES } from '../src/core/portfolio/config';
import { PORTFOLIO_VARIANTS, portfolioTrainingConfigSchema, type PortfolioOverrides } from '../src/core/portfolio/trainingConfig';
import type { PortfolioBacktest } from '../src/core/portfolio/runner';
import type { AlignOptions } from '../src/core/portfolio/types';
import { backtestPortfolioModel, predictPortfolio, trainPortfolio, type PortfolioSplitName } from '../src/core/workflow/portfolio';
import { useNodeBackend } from './backend';
import { checkOutputs, openInput, readInput, writeOutput, type FileFlag } from './files';
import { integerFlag, parseFlags, type Flags } from './flags';
import { commandOptions, COMMANDS } from './spec';
import { backendOption, formatDuration, formatMetrics, requireString, type CliIo } from './commands';

/** Every --data file, imported as the single-asset importer does, then aligned on common timestamps. */
async function loadAssets(values: Flags) {
  const paths = values.data;
  const list = Array.isArray(paths) ? paths : typeof paths === 'string' ? [paths] : [];
  if (list.length < 2) throw new UsageError('A portfolio needs at least two --data files (one per asset). See --help.');
  const names = uniqueAssetNames(list.map((p) => basename(p)));
  const inputs = [];
  for (const [k, path] of list.entries()) {
    const { bars, report } = await importCsv(await openInput({ flag: '--data', path }), { fileName: basename(path) });
    inputs.push({ name: names[k], bars, report });
  }
  const join = String(values.join ?? 'inner');
  if (join !== 'inner' && join !== 'forward-fill') throw new UsageError(`--join must be inner or forward-fill, got "${join}".`);
  const options: AlignOptions = { join, maxFillBars: integerFlag(values['max-fill'], '--max-fill', join === 'forward-fill' ? 3 : 0, 0) };
  const aligned = alignAssets(inputs, options);
  return { ...aligned, fileNames: list.map((p) => basename(p)), inputs: list };
}

function alignmentLines(report: ReturnType<typeof alignAssets>['report']): string[] {
  const range = `${new Date(report.firstTime).toISOString().slice(0, 16)} … ${new Date(report.lastTime).toISOString().slice(0, 16)}`;
  const lines = [`Aligned ${report.assets.length} assets (${report.join} join): ${report.bars} bars of ${report.intervalLabel}, ${range}`];
  for (const a of report.assets) {
    const drops = a.dropped.map((d) => `${d.count} ${d.reason}`).join(', ');
    lines.push(`  ${a.name}: ${a.rows} rows${drops ? `, dropped ${drops}` : ''}${a.filled ? `, ${a.filled} filled` : ''}`);
  }
  for (const w of report.warnings) lines.push(`  Warning: ${w}`);
  return lines;
}

async function portfolioOverrides(values: Flags): Promise<PortfolioOverrides> {
  let fromFile: PortfolioOverrides = {};
  if (typeof values.config === 'string') {
    const text = await readInput({ flag: '--config', path: values.config });
    try {
      fromFile = JSON.parse(text) as PortfolioOverrides;
    } catch (error) {
      throw new UsageError(`--config ${values.config} is not JSON (${(error as Error).message}).`);
    }
    const unknown = unknownKeys(fromFile);
    if (unknown.length)
      throw new UsageError(`--config ${values.config} has settings a portfolio run does not know: ${unknown.join(', ')}.`);
  }
  const variant = values.type === undefined ? (fromFile.variant ?? 'standard') : String(values.type);
  if (!(PORTFOLIO_VARIANTS as readonly string[]).includes(variant)) {
    throw new UsageError(`--type must be one of ${PORTFOLIO_VARIANTS.join(', ')}; got "${variant}".`);
  }
  const mode = values.mode === undefined ? undefined : String(values.mode);
  if (mode !== undefined && !(PORTFOLIO_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode must be one of ${PORTFOLIO_MODES.join(', ')}; got "${mode}".`);
  }
  return {
    ...fromFile,
    variant: variant as PortfolioOverrides['variant'],
    seed: values.seed !== undefined ? integerFlag(values.seed, '--seed', 1, 0) : fromFile.seed,
    env: { ...fromFile.env, ...(mode ? { mode: mode as (typeof PORTFOLIO_MODES)[number] } : {}) },
    stop: { ...fromFile.stop, ...(values.steps !== undefined ? { totalTimesteps: integerFlag(values.steps, '--steps', 100_000, 1) } : {}) },
  };
}

/** Keys of a --config file that no portfolio setting has ("env.maxLeverge"). */
function unknownKeys(settings: object): string[] {
  const shape = portfolioTrainingConfigSchema.shape as unknown as Record<string, { shape?: Record<string, unknown> }>;
  const out: string[] = [];
  for (const [section, inner] of Object.entries(settings)) {
    if (!(section in shape)) out.push(section);
    else if (shape[section].shape && inner && typeof inner === 'object') {
      for (const key of Object.keys(inner)) if (!(key in shape[section].shape!)) out.push(`${section}.${key}`);
    }
  }
  return out;
}

function baselineRow(b: PortfolioBacktest) {
  return {
    label: b.label,
    totalReturn: b.metrics.totalReturn,
    sharpe: b.metrics.sharpe,
    maxDrawdown: b.metrics.maxDrawdown,
    turnover: b.portfolio.turnover,
  };
}

function comparisonLines(result: PortfolioBacktest, baselines: PortfolioBacktest[]): string[] {
  const fmt = (x: number | null, d = 2) => (x === null ? '—' : x.toFixed(d));
  const lines = [
    `  ${'run'.padEnd(28)} ${'return %'.padStart(9)} ${'Sharpe'.padStart(7)} ${'max DD %'.padStart(9)} ${'turnover'.padStart(9)}`,
  ];
  for (const b of [result, ...baselines]) {
    lines.push(
      `  ${b.label.slice(0, 28).padEnd(28)} ${fmt(b.metrics.totalReturn).padStart(9)} ${fmt(b.metrics.sharpe).padStart(7)} ${fmt(b.metrics.maxDrawdown).padStart(9)} ${fmt(b.portfolio.turnover).padStart(9)}`,
    );
  }
  const p = result.portfolio;
  lines.push(
    `  Average gross ${fmt(p.averageGross * 100, 1)} %, net ${fmt(p.averageNet * 100, 1)} %, concentration (HHI) ${fmt(p.averageConcentration, 3)}, ${p.rebalances} rebalances`,
  );
  lines.push(`  Contribution to return: ${p.contributions.map((c) => `${c.asset} ${fmt(c.percent)} %`).join(', ')}`);
  return lines;
}

export async function portfolioTrain(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, commandOptions(COMMANDS['portfolio-train']));
  const overrides = await portfolioOverrides(values);
  const { market, report, fileNames, inputs } = await loadAssets(values);
  const name =
    typeof values.output === 'string' ? basename(values.output).replace(/\.portfolio\.json$/, '') : `portfolio-${overrides.variant}`;
  const outPath =
    typeof values.output === 'string' && values.output.endsWith('.portfolio.json')
      ? values.output
      : `${values.output ?? name}.portfolio.json`;
  const output: FileFlag = { flag: '--output', path: outPath };
  await checkOutputs(
    [output],
    inputs.map((path) => ({ flag: '--data', path })),
    values.force === true,
  );
  const backend = await useNodeBackend(backendOption(values.backend), io.err);
  const log = values.json ? io.err : io.out;
  for (const line of alignmentLines(report)) log(line);
  log(`Training a ${overrides.variant} portfolio agent with the ${backend} backend`);
  const outcome = await trainPortfolio(market, report, fileNames, overrides, name, {
    onProgress: (p) =>
      log(
        `update ${p.update}  timesteps ${p.timesteps}/${p.totalTimesteps}  mean reward ${p.meanEpisodeReward === null ? '—' : p.meanEpisodeReward.toFixed(4)}  ` +
          `${p.stepsPerSecond.toFixed(0)} steps/s  ETA ${formatDuration(p.etaMs)}`,
      ),
    onEvaluation: (e) =>
      log(
        `  validation @ ${e.timesteps}: return ${e.result.metrics.totalReturn.toFixed(2)}% (1/N held ${e.result.metrics.buyHoldReturn.toFixed(2)}%), ` +
          `${e.selection.basis} ${e.selection.score.toFixed(2)}${e.isBest ? '  ← best' : ''}`,
      ),
  });
  await writeOutput(output, serializePortfolioBundle(outcome.bundle));
  const s = outcome.summary;
  const summary = {
    model: outPath,
    variant: overrides.variant,
    assets: market.assets,
    backend,
    alignment: { join: report.join, bars: report.bars, firstTime: report.firstTime, lastTime: report.lastTime },
    timesteps: s.timesteps,
    stepsPerSecond: s.timesteps / (s.wallTimeMs / 1000),
    selection: outcome.bundle.training.selection,
    validation: outcome.bundle.metrics.validation,
    test: outcome.bundle.metrics.test,
    testPortfolio: outcome.bundle.metrics.testPortfolio,
    baselines: outcome.baselines.map(baselineRow),
    significance: outcome.significance,
  };
  if (values.json) io.out(JSON.stringify(summary));
  else {
    io.out(`Saved ${outPath} after ${s.timesteps} timesteps (${s.stopReason}), ${summary.stepsPerSecond.toFixed(0)} steps/s`);
    if (outcome.test) {
      io.out('Test split (out of sample), against the baselines on the same bars:');
      for (const line of comparisonLines(outcome.test, outcome.baselines)) io.out(line);
      if (outcome.significance) io.out(`  ${outcome.significance.verdict}`);
    }
  }
  return 0;
}

export async function portfolioBacktest(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, commandOptions(COMMANDS['portfolio-backtest']));
  const bundle = parsePortfolioBundle(await readInput({ flag: '--model', path: requireString(values.model, '--model') }));
  const { market, report } = await loadAssets(values);
  const split = String(values.split ?? 'test') as PortfolioSplitName;
  if (!['all', 'train', 'validation', 'test'].includes(split))
    throw new UsageError(`--split must be all, train, validation or test; got "${split}".`);
  await useNodeBackend(backendOption(values.backend), io.err);
  const r = await backtestPortfolioModel(bundle, market, report, split);
  if (values.json) {
    io.out(
      JSON.stringify({
        split,
        inSample: r.inSample,
        assets: market.assets,
        metrics: r.result.metrics,
        portfolio: r.result.portfolio,
        baselines: r.baselines.map(baselineRow),
        significance: r.significance,
      }),
    );
  } else {
    for (const line of alignmentLines(report)) io.out(line);
    io.out(`${r.inSample ? 'IN SAMPLE — ' : ''}${split} split of ${market.assets.join(', ')}:`);
    io.out(formatMetrics(r.result.metrics));
    for (const line of comparisonLines(r.result, r.baselines)) io.out(line);
    io.out(`  ${r.significance.verdict}`);
  }
  return 0;
}

export async function portfolioPredict(args: string[], io: CliIo): Promise<number> {
  const values = parseFlags(args, commandOptions(COMMANDS['portfolio-predict']));
  const bundle = parsePortfolioBundle(await readInput({ flag: '--model', path: requireString(values.model, '--model') }));
  const { market, report } = await loadAssets(values);
  await useNodeBackend(backendOption(values.backend), io.err);
  const p = await predictPortfolio(bundle, market, report);
  const weights = Object.fromEntries(p.weights.map((w) => [w.asset, w.weight]));
  if (values.json) io.out(JSON.stringify({ bar_time: p.bar_time, weights }));
  else {
    io.out(`Target weights after the bar of ${p.bar_time} (from all cash):`);
    for (const w of p.weights) io.out(`  ${w.asset.padEnd(24)} ${(w.weight * 100).toFixed(2).padStart(8)} %`);
  }
  return 0;
}
