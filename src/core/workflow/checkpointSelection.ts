import type { Annualisation } from '../backtest/types';
import { runBacktest, type BacktestResult } from '../backtest/runner';
import { isBetterCheckpoint, selectionScore, type SelectionScore } from '../backtest/selection';
import type { EnvRange } from '../env/tradingEnv';
import type { TrainingConfig } from '../ppo/config';
import type { PpoTrainer, RunSummary, TrainerState, TrainingData, TrainingEvents } from '../ppo/trainer';

/** One validation backtest of a checkpoint, and whether it became the selected one. */
export interface EvaluationEvent {
  update: number;
  timesteps: number;
  result: BacktestResult;
  /** What the checkpoint is ranked by (see backtest/selection.ts). */
  selection: SelectionScore;
  isBest: boolean;
}

export interface SelectedCheckpoint {
  update: number;
  timesteps: number;
  result: BacktestResult;
  selection: SelectionScore;
}

/** A run with its checkpoint selection: the trainer's summary plus what validation chose. */
export interface TrainingSummary extends RunSummary {
  /**
   * Validation backtest of the selected checkpoint (best score with at least eval.minTrades trades),
   * if any qualified. When one did, the trainer's network, optimizer and counters are that
   * checkpoint's; the fields of RunSummary still describe the whole run.
   */
  bestValidation: SelectedCheckpoint | null;
  /** Validation backtests compared during selection (the number of trials behind the best one). */
  evaluations: number;
}

/**
 * Chooses the checkpoint a run keeps (SB3's EvalCallback): on each evaluation the trainer asks for,
 * a deterministic backtest of the validation range, ranked by selectionScore; the best state is
 * captured and put back by finish(). The same selector serves a walk-forward fold's validation slice.
 */
export class CheckpointSelector {
  private best: { state: TrainerState; checkpoint: SelectedCheckpoint } | null = null;
  private evaluations = 0;

  constructor(
    private readonly config: TrainingConfig,
    private readonly validation: EnvRange,
    private readonly data: Pick<TrainingData, 'market'> & { annualisation: Annualisation },
    private readonly onEvaluation?: (event: EvaluationEvent) => void | Promise<void>,
  ) {}

  /** The trainer's onEvaluationDue hook. */
  readonly evaluate: NonNullable<TrainingEvents['onEvaluationDue']> = async ({ trainer, update, timesteps }) => {
    if (!this.canEvaluate()) return;
    this.evaluations += 1;
    const result = await runBacktest(trainer.greedyPolicy(), this.data.market, this.validation, this.config.env, this.data.annualisation);
    const selection = selectionScore(result);
    const isBest = isBetterCheckpoint(selection, this.best?.checkpoint.selection ?? null, this.config.eval.minTrades);
    if (isBest) {
      this.disposeBest();
      this.best = { state: await trainer.captureState(), checkpoint: { update, timesteps, result, selection } };
    }
    await this.onEvaluation?.({ update, timesteps, result, selection, isBest });
  };

  /** Puts the trainer on the selected checkpoint (if one qualified) and completes the run's summary. */
  finish(trainer: PpoTrainer, run: RunSummary): TrainingSummary {
    const best = this.best;
    if (best) trainer.restoreState(best.state);
    this.disposeBest();
    return { ...run, bestValidation: best?.checkpoint ?? null, evaluations: this.evaluations };
  }

  dispose(): void {
    this.disposeBest();
  }

  private canEvaluate(): boolean {
    return this.validation.end - this.validation.start >= this.config.env.lookback + 2;
  }

  private disposeBest(): void {
    this.best?.state.weights.forEach((t) => t.dispose());
    this.best = null;
  }
}
