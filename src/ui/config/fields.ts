import type { Section } from '../../store/configStore';

export interface FieldSpec {
  section: Section;
  key: string;
  label: string;
  kind: 'int' | 'number' | 'optional-number' | 'bool' | 'list' | 'select';
  options?: readonly string[];
  help: string;
  /** Only shown for these variants (default: all). */
  only?: 'enhanced' | 'attention';
}

export const FIELD_GROUPS: { title: string; fields: FieldSpec[] }[] = [
  {
    title: 'Data & split',
    fields: [
      { section: 'env', key: 'lookback', label: 'Lookback (bars)', kind: 'int', help: 'Bars of features in each observation window.' },
      { section: 'split', key: 'train', label: 'Train fraction', kind: 'number', help: 'Share of usable bars for training (oldest first).' },
      { section: 'split', key: 'validation', label: 'Validation fraction', kind: 'number', help: 'Share for validation backtests during training.' },
      { section: 'split', key: 'test', label: 'Test fraction', kind: 'number', help: 'Share held out for the final test backtest.' },
    ],
  },
  {
    title: 'Environment',
    fields: [
      { section: 'env', key: 'numEnvs', label: 'Parallel envs', kind: 'int', help: 'Episodes stepped together.' },
      { section: 'env', key: 'episodeLength', label: 'Episode length', kind: 'int', help: 'Steps before an episode is truncated.' },
      { section: 'env', key: 'initialCapital', label: 'Initial capital', kind: 'number', help: 'Account value at the start of each episode.' },
      { section: 'env', key: 'positionFraction', label: 'Position size', kind: 'number', help: 'Fraction of equity committed per position (0–1).' },
      { section: 'env', key: 'transactionCost', label: 'Transaction cost', kind: 'number', help: 'Fraction of traded notional (0.001 = 0.1 %).' },
      { section: 'env', key: 'fillAt', label: 'Orders fill at', kind: 'select', options: ['nextOpen', 'close'], help: "nextOpen: the next bar's open (no trading at a price already seen); close: the decision bar's close." },
      { section: 'env', key: 'slippageBps', label: 'Slippage (bps)', kind: 'number', help: 'Fill worse than the fill price by this many basis points, on every order.' },
      { section: 'env', key: 'bustThreshold', label: 'Bust threshold', kind: 'number', help: 'Episode ends when equity falls below this fraction.' },
      { section: 'env', key: 'longOnly', label: 'Long only', kind: 'bool', help: 'Sell only closes a long; no shorts.' },
    ],
  },
  {
    title: 'Reward & risk',
    fields: [
      { section: 'env', key: 'rewardScale', label: 'Reward scale', kind: 'number', help: 'Multiplies the step equity change.' },
      { section: 'env', key: 'holdPenalty', label: 'Hold penalty', kind: 'number', help: 'Subtracted on each Hold step.' },
      { section: 'env', key: 'drawdownPenalty', label: 'Drawdown penalty λ_dd', kind: 'number', help: 'Penalty per unit increase of drawdown.' },
      { section: 'env', key: 'volatilityPenalty', label: 'Volatility penalty λ_vol', kind: 'number', help: 'Penalty per unit of rolling return volatility.' },
      { section: 'env', key: 'volatilityWindow', label: 'Volatility window', kind: 'int', help: 'Steps in the rolling volatility.' },
      { section: 'env', key: 'drawdownMaskLimit', label: 'Drawdown mask limit', kind: 'optional-number', help: 'No new exposure beyond this drawdown (empty = off).' },
      { section: 'env', key: 'drawdownCooldownBars', label: 'Drawdown cool-down (bars)', kind: 'int', help: 'Flat bars after which the drawdown limit resets (0 = never).' },
      { section: 'env', key: 'minHoldingBars', label: 'Minimum holding (bars)', kind: 'int', help: 'Bars before a position may be closed.' },
      { section: 'env', key: 'blockHighVolatility', label: 'Block high-volatility entries', kind: 'bool', help: 'No new exposure in the high-volatility regime.', only: 'enhanced' },
    ],
  },
  {
    title: 'PPO',
    fields: [
      { section: 'ppo', key: 'numSteps', label: 'Steps per env per update', kind: 'int', help: 'Rollout length; × envs = transitions per update.' },
      { section: 'ppo', key: 'epochs', label: 'Epochs', kind: 'int', help: 'Passes over each rollout.' },
      { section: 'ppo', key: 'minibatchSize', label: 'Minibatch size', kind: 'int', help: 'Transitions per gradient step. 64 is the usual default; 256 makes fewer, larger gradient steps (about 10% faster updates on WASM).' },
      { section: 'ppo', key: 'learningRate', label: 'Learning rate', kind: 'number', help: 'Adam step size.' },
      { section: 'ppo', key: 'annealLearningRate', label: 'Anneal learning rate', kind: 'bool', help: 'Linearly to 0 over the run.' },
      { section: 'ppo', key: 'gamma', label: 'γ (discount)', kind: 'number', help: 'Discount factor.' },
      { section: 'ppo', key: 'gaeLambda', label: 'GAE λ', kind: 'number', help: 'Bias/variance trade-off of advantages.' },
      { section: 'ppo', key: 'clipRange', label: 'Clip range ε', kind: 'number', help: 'Surrogate clipping.' },
      { section: 'ppo', key: 'clipValueLoss', label: 'Clip value loss', kind: 'bool', help: 'Clip value updates to ±ε.' },
      { section: 'ppo', key: 'entropyCoef', label: 'Entropy coefficient', kind: 'number', help: 'Weight of the entropy bonus.' },
      { section: 'ppo', key: 'valueCoef', label: 'Value coefficient', kind: 'number', help: 'Weight of the value loss.' },
      { section: 'ppo', key: 'maxGradNorm', label: 'Max gradient norm', kind: 'number', help: 'Global gradient-norm clip.' },
      { section: 'ppo', key: 'targetKl', label: 'Target KL', kind: 'optional-number', help: 'Stop an update early past this KL (empty = off).' },
      { section: 'ppo', key: 'adaptiveKl', label: 'Adaptive KL', kind: 'bool', help: 'Halve / grow the learning rate around the KL target.' },
      { section: 'ppo', key: 'adaptiveKlTarget', label: 'Adaptive KL target', kind: 'number', help: 'KL the adaptive rate aims at.' },
    ],
  },
  {
    title: 'Network',
    fields: [
      { section: 'network', key: 'hidden', label: 'Hidden layers', kind: 'list', help: 'Widths of the dense trunk, comma-separated.' },
      { section: 'network', key: 'activation', label: 'Activation', kind: 'select', options: ['tanh', 'relu'], help: 'Trunk activation.' },
      { section: 'network', key: 'attentionLayers', label: 'Attention layers', kind: 'int', help: 'Self-attention blocks.', only: 'attention' },
      { section: 'network', key: 'attentionHeads', label: 'Attention heads', kind: 'int', help: 'Heads per block.', only: 'attention' },
      { section: 'network', key: 'modelDim', label: 'Model width', kind: 'int', help: 'Width of the attention encoder.', only: 'attention' },
    ],
  },
  {
    title: 'Stopping & evaluation',
    fields: [
      { section: 'stop', key: 'maxEpisodes', label: 'Max episodes', kind: 'optional-number', help: 'Stop after this many episodes (empty = no limit).' },
      { section: 'stop', key: 'maxMinutes', label: 'Max minutes', kind: 'optional-number', help: 'Wall-clock limit (empty = none).' },
      { section: 'stop', key: 'convergenceEpsilon', label: 'Convergence ε', kind: 'optional-number', help: 'Stop when smoothed reward gains less than this over the patience (empty = off).' },
      { section: 'stop', key: 'convergencePatience', label: 'Convergence patience', kind: 'int', help: 'Updates the gain is measured over.' },
      { section: 'eval', key: 'everyUpdates', label: 'Validate every (updates)', kind: 'int', help: 'Validation backtest interval (0 = at the end).' },
      { section: 'eval', key: 'minTrades', label: 'Min. validation trades', kind: 'int', help: 'Trades a checkpoint must make on validation before it can be the best (0 = none).' },
    ],
  },
];
