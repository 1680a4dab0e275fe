import type { TrainingOverrides } from './config';

/** Named starting points for a run; the app's preset menu and the CLI's --preset read them. */
export const PRESETS = {
  'fast-prototype': {
    label: 'Fast prototype',
    description: 'Small network, short window and run: a first answer in a minute or two.',
    overrides: {
      env: { lookback: 30, episodeLength: 500 },
      ppo: { numSteps: 128, minibatchSize: 128 },
      network: { hidden: [64, 64] },
      stop: { totalTimesteps: 20_000 },
      eval: { everyUpdates: 2 },
    },
  },
  research: {
    label: 'Research',
    description: 'The defaults (MLP 256-256-128, 2048 steps per update) for 200k steps.',
    overrides: { stop: { totalTimesteps: 200_000 } },
  },
  'rl-v3': {
    label: 'RL v3',
    description:
      "RL v3's trading rules: the six sized actions, regime labels in the observation, reward −50 × drawdown², +2 while the position agrees with the regime, +0.1 per bar survived; rollouts of 2048 (256 steps × 8 envs), 10 epochs, minibatches of 64.",
    overrides: {
      env: { actionSet: 'sized', regimeLabels: true, drawdownSquaredPenalty: 50, regimeAlignmentBonus: 2, survivalBonus: 0.1, numEnvs: 8 },
      ppo: { numSteps: 256, epochs: 10, minibatchSize: 64 },
    },
  },
  production: {
    label: 'Production',
    description:
      'Long run with learning-rate annealing, minibatches of 256 (fewer, larger gradient steps) and a convergence stop; evaluates every 10 updates.',
    overrides: {
      ppo: { annealLearningRate: true, minibatchSize: 256 },
      stop: { totalTimesteps: 1_000_000, convergenceEpsilon: 0.01 },
      eval: { everyUpdates: 10 },
    },
  },
} as const satisfies Record<string, { label: string; description: string; overrides: TrainingOverrides }>;
export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}
