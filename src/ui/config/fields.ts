import { configField, type ConfigPath } from '../../core/ppo/configFields';
import type { Section } from '../../store/configStore';

/**
 * A setting in the form. Its kind, options and help come from the config schema
 * (core/ppo/config.ts) through configField, so the form cannot drift from what is validated.
 */
export interface FieldSpec {
  path: ConfigPath;
  section: Section;
  key: string;
  label: string;
  kind: 'int' | 'number' | 'optional-number' | 'bool' | 'list' | 'select' | 'text';
  /** A text field that may be empty (null). */
  nullable?: boolean;
  options?: readonly string[];
  help: string;
  /** Only shown when the config uses it (default: always). */
  only?: Visibility;
}

/** When a field applies: the Enhanced variant, the attention encoder, the quantile critic, an action set, a sizing mode, a session. */
export type Visibility =
  'enhanced' | 'attention' | 'quantile-critic' | 'basic' | 'sized' | 'atr' | 'kelly' | 'vol-target' | 'leverage' | 'session';

function field(path: ConfigPath, label: string, only?: FieldSpec['only']): FieldSpec {
  const f = configField(path);
  const kind: FieldSpec['kind'] =
    f.kind === 'text'
      ? 'text'
      : f.kind === 'boolean'
        ? 'bool'
        : f.kind === 'choice'
          ? 'select'
          : f.kind === 'list'
            ? 'list'
            : f.nullable
              ? 'optional-number'
              : f.kind === 'int'
                ? 'int'
                : 'number';
  return {
    path,
    section: f.section,
    key: f.key,
    label,
    kind,
    ...(f.options ? { options: f.options } : {}),
    ...(f.kind === 'text' && f.nullable ? { nullable: true } : {}),
    help: f.description,
    ...(only ? { only } : {}),
  };
}

export const FIELD_GROUPS: { title: string; fields: FieldSpec[] }[] = [
  {
    title: 'Data & split',
    fields: [
      field('env.lookback', 'Lookback (bars)'),
      field('split.train', 'Train fraction'),
      field('split.validation', 'Validation fraction'),
      field('split.test', 'Test fraction'),
    ],
  },
  {
    title: 'Environment',
    fields: [
      field('env.numEnvs', 'Parallel envs'),
      field('env.episodeLength', 'Episode length'),
      field('env.initialCapital', 'Initial capital'),
      field('env.positionFraction', 'Position size'),
      field('env.transactionCost', 'Transaction cost'),
      field('env.fillAt', 'Orders fill at'),
      field('env.slippageBps', 'Slippage (bps)'),
      field('env.bustThreshold', 'Bust threshold'),
      field('env.longOnly', 'Long only'),
    ],
  },
  {
    title: 'Actions & sizing',
    fields: [
      field('env.actionSet', 'Action set'),
      field('env.sliceFraction', 'Slice (fraction of equity)', 'sized'),
      field('env.maxPosition', 'Largest position', 'sized'),
      field('env.flattenCooldown', 'Cool-down after FLATTEN (bars)', 'sized'),
      field('env.sizing', 'Position sizing', 'basic'),
      field('env.riskPerTrade', 'Risk per trade', 'atr'),
      field('env.atrMultiple', 'Stop distance (ATRs)', 'atr'),
      field('env.kellyCap', 'Kelly fraction', 'kelly'),
      field('env.kellyWindow', 'Kelly window (trades)', 'kelly'),
      field('env.targetVolatility', 'Target volatility (annual)', 'vol-target'),
      field('env.forecastWindow', 'Volatility forecast window (bars)', 'vol-target'),
      field('env.maxLeverage', 'Max leverage', 'leverage'),
      field('env.borrowRatePerBar', 'Borrow rate per bar', 'leverage'),
      field('env.maintenanceMargin', 'Maintenance margin', 'leverage'),
    ],
  },
  {
    title: 'Trading session (intraday)',
    fields: [
      field('env.session', 'Session (HH:MM-HH:MM)'),
      field('env.timeZone', 'Time zone (IANA)', 'session'),
      field('env.noEntryMinutes', 'No entries in the last (minutes)', 'session'),
      field('env.flattenAtClose', 'Flatten at the session close', 'session'),
    ],
  },
  {
    title: 'Reward & risk',
    fields: [
      field('env.rewardScale', 'Reward scale'),
      field('env.holdPenalty', 'Hold penalty'),
      field('env.drawdownPenalty', 'Drawdown penalty λ_dd'),
      field('env.volatilityPenalty', 'Volatility penalty λ_vol'),
      field('env.volatilityWindow', 'Volatility window'),
      field('env.drawdownMaskLimit', 'Drawdown mask limit'),
      field('env.drawdownCooldownBars', 'Drawdown cool-down (bars)'),
      field('env.minHoldingBars', 'Minimum holding (bars)'),
      field('env.blockHighVolatility', 'Block high-volatility entries', 'enhanced'),
      field('env.regimeLabels', 'Regime labels in the observation'),
      field('env.drawdownSquaredPenalty', 'Drawdown² penalty'),
      field('env.regimeAlignmentBonus', 'Regime alignment bonus'),
      field('env.survivalBonus', 'Survival bonus per bar'),
    ],
  },
  {
    title: 'PPO',
    fields: [
      field('ppo.numSteps', 'Steps per env per update'),
      field('ppo.epochs', 'Epochs'),
      field('ppo.minibatchSize', 'Minibatch size'),
      field('ppo.learningRate', 'Learning rate'),
      field('ppo.annealLearningRate', 'Anneal learning rate'),
      field('ppo.gamma', 'γ (discount)'),
      field('ppo.gaeLambda', 'GAE λ'),
      field('ppo.clipRange', 'Clip range ε'),
      field('ppo.clipValueLoss', 'Clip value loss'),
      field('ppo.entropyCoef', 'Entropy coefficient'),
      field('ppo.valueCoef', 'Value coefficient'),
      field('ppo.maxGradNorm', 'Max gradient norm'),
      field('ppo.targetKl', 'Target KL'),
      field('ppo.adaptiveKl', 'Adaptive KL'),
      field('ppo.adaptiveKlTarget', 'Adaptive KL target'),
    ],
  },
  {
    title: 'Network',
    fields: [
      field('network.hidden', 'Hidden layers'),
      field('network.activation', 'Activation'),
      field('network.attentionLayers', 'Attention layers', 'attention'),
      field('network.attentionHeads', 'Attention heads', 'attention'),
      field('network.modelDim', 'Model width', 'attention'),
      field('network.critic', 'Critic'),
      field('network.quantiles', 'Quantiles', 'quantile-critic'),
      field('network.dropout', 'Trunk dropout'),
    ],
  },
  {
    title: 'Stopping & evaluation',
    fields: [
      field('stop.maxEpisodes', 'Max episodes'),
      field('stop.maxMinutes', 'Max minutes'),
      field('stop.convergenceEpsilon', 'Convergence ε'),
      field('stop.convergencePatience', 'Convergence patience'),
      field('eval.everyUpdates', 'Validate every (updates)'),
      field('eval.minTrades', 'Min. validation trades'),
    ],
  },
];
