import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/core/data/**/*.test.ts', 'src/core/features/**/*.test.ts', 'src/core/env/tradingEnv.test.ts', 'src/core/ppo/buffer.test.ts', 'src/core/ppo/distribution.test.ts', 'src/core/model/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Two cores: one fork keeps tfjs tests from fighting each other for CPU.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', ['json', { outputFile: 'reports/unit.json' }]],
  },
});
