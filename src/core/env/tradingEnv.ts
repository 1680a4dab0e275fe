import { ConfigError, type EnvConfig } from './config';
import {
  BUY,
  HOLD,
  NUM_ACTIONS,
  observationSize,
  writeActionMask,
  writeObservation,
  type AccountView,
  type MarketData,
} from './observation';
import { createRng, type Rng } from '../random/rng';

export { ACCOUNT_FEATURES, ACTION_NAMES, BUY, HOLD, NUM_ACTIONS, SELL, type MarketData } from './observation';

/** Bars [start, end) an environment may use; decisions happen at start+lookback-1 … end-2. */
export interface EnvRange {
  start: number;
  end: number;
}

export interface EpisodeStats {
  /** Sum of rewards over the episode. */
  totalReward: number;
  /** Final equity over initial capital − 1, as a fraction. */
  return: number;
  /** Deepest drawdown of equity from the episode's running peak, as a fraction ≤ 0. */
  maxDrawdown: number;
  /** Positions opened during the episode. */
  trades: number;
  /** Steps taken. */
  bars: number;
  /** Ended by the bust threshold (true) or by length / end of data (false). */
  terminated: boolean;
  startIndex: number;
  endIndex: number;
}

/** A completed round trip, recorded only when the environment is asked to record trades. */
export interface TradeRecord {
  direction: 1 | -1;
  entryIndex: number;
  exitIndex: number;
  entryPrice: number;
  exitPrice: number;
  /** Net of both sides' transaction costs, as a fraction. */
  netReturn: number;
}

export interface EnvOptions {
  /** Fixed first decision bar for every episode instead of a random start (backtests). */
  fixedStart?: number;
  /** Keep every closed trade in `trades` (backtests; allocates one object per trade). */
  recordTrades?: boolean;
  /**
   * Close a position still open when the episode ends, paying its exit cost and slippage at the last
   * close (backtests: the final equity is what the account could take home).
   */
  closeAtEnd?: boolean;
  /** Called with each finished episode's statistics. */
  onEpisode?: (envIndex: number, stats: EpisodeStats) => void;
}

/**
 * N trading episodes stepped together. Every buffer is preallocated; `step` writes the next
 * observations, rewards, done flags and masks in place and allocates nothing except on episode end.
 *
 * Timing: the action chosen at decision bar t fills at open[t+1] (fillAt 'nextOpen') or at close[t]
 * (fillAt 'close', a price the observation already includes), adjusted by slippage; the position is
 * then marked to close[t+1]. Reward for that step:
 *   r = rewardScale · (E[t+1] − E[t]) / E[t]  − holdPenalty·[action = Hold]
 *       − λ_dd · max(0, DD[t+1] − DD[t])  − λ_vol · std(last volatilityWindow step returns)
 * where E is equity before the trade at t (so costs paid at t count against the step) and DD is the
 * episode's drawdown depth from its running peak. The drawdown risk mask keeps a peak of its own,
 * which its cool-down may reset; the reported and penalised drawdown never forgets the true peak.
 */
export class TradingEnv {
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly windowSize: number;

  /** Observations, [numEnvs, obsSize]. */
  readonly obs: Float32Array;
  /** Rewards of the last step. */
  readonly rewards: Float32Array;
  /** 1 where the last step ended the episode by bust (no bootstrap). */
  readonly terminated: Uint8Array;
  /** 1 where the last step ended the episode by length or end of data (bootstrap from finalObs). */
  readonly truncated: Uint8Array;
  /** The last observation of an episode that just ended; valid where terminated or truncated. */
  readonly finalObs: Float32Array;
  /** Valid actions for the current observations, [numEnvs, 3], 1 = allowed. */
  readonly masks: Uint8Array;
  /** The action each env actually executed in the last step (invalid actions become Hold). */
  readonly executed: Int8Array;
  /** Equity at the bar each env just stepped to, before any episode reset. */
  readonly stepEquity: Float64Array;
  /** Position each env held over the bar it just stepped across (−1, 0, 1). */
  readonly heldPosition: Int8Array;
  /** Closed trades when recordTrades is set; a position still open at episode end is marked to the last close. */
  readonly trades: TradeRecord[] = [];

  private readonly cfg: EnvConfig;
  private readonly data: MarketData;
  private readonly options: EnvOptions;
  private readonly rng: Rng;
  private readonly firstDecision: number;
  private readonly lastDecision: number;

  // Per-env account state, structure-of-arrays.
  private readonly barIndex: Int32Array;
  private readonly startIndex: Int32Array;
  private readonly stepsTaken: Int32Array;
  private readonly cash: Float64Array;
  private readonly units: Float64Array;
  private readonly position: Int8Array;
  private readonly entryPrice: Float64Array;
  private readonly entryIndex: Int32Array;
  private readonly entryCost: Float64Array;
  private readonly heldBars: Int32Array;
  /** Step at which a flat account was first blocked by the drawdown limit (-1 = not blocked). */
  private readonly blockedSince: Int32Array;
  private readonly equity: Float64Array;
  private readonly peakEquity: Float64Array;
  private readonly drawdown: Float64Array;
  /** The drawdown risk mask's peak and depth; its cool-down resets them, the true ones above never. */
  private readonly riskPeak: Float64Array;
  private readonly riskDrawdown: Float64Array;
  private readonly maxDrawdown: Float64Array;
  private readonly totalReward: Float64Array;
  private readonly tradeCount: Int32Array;
  private readonly recentReturns: Float64Array;
  private readonly recentCursor: Int32Array;
  /** Reused for every env and step: the hot loop allocates nothing. */
  private readonly view: AccountView = {
    equityChange: 0,
    position: 0,
    entryPrice: 0,
    heldBars: 0,
    solvent: true,
    withinDrawdownLimit: true,
  };

  constructor(config: EnvConfig, data: MarketData, range: EnvRange, options: EnvOptions = {}) {
    this.cfg = config;
    this.data = data;
    this.options = options;
    this.numEnvs = config.numEnvs;
    this.windowSize = config.lookback * data.featureCount;
    this.obsSize = observationSize(data, config.lookback);
    this.firstDecision = range.start + config.lookback - 1;
    this.lastDecision = range.end - 2;
    if (this.lastDecision < this.firstDecision) {
      const needed = config.lookback + 1;
      throw new ConfigError(
        `The range has ${range.end - range.start} bars but a lookback of ${config.lookback} needs at least ${needed}. ` +
          'Use a smaller lookback or more data.',
        'lookback',
      );
    }
    if (config.fillAt === 'nextOpen' && !data.open) {
      throw new RangeError('Orders fill at the next bar\'s open (fillAt "nextOpen") but the market has no opening prices.');
    }
    if (options.fixedStart !== undefined && (options.fixedStart < this.firstDecision || options.fixedStart > this.lastDecision)) {
      throw new RangeError(`fixedStart ${options.fixedStart} is outside the decision bars ${this.firstDecision}…${this.lastDecision}.`);
    }
    const n = this.numEnvs;
    this.rng = createRng(config.seed);
    this.obs = new Float32Array(n * this.obsSize);
    this.finalObs = new Float32Array(n * this.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.masks = new Uint8Array(n * NUM_ACTIONS);
    this.executed = new Int8Array(n);
    this.stepEquity = new Float64Array(n);
    this.heldPosition = new Int8Array(n);
    this.barIndex = new Int32Array(n);
    this.startIndex = new Int32Array(n);
    this.stepsTaken = new Int32Array(n);
    this.cash = new Float64Array(n);
    this.units = new Float64Array(n);
    this.position = new Int8Array(n);
    this.entryPrice = new Float64Array(n);
    this.entryIndex = new Int32Array(n);
    this.entryCost = new Float64Array(n);
    this.heldBars = new Int32Array(n);
    this.blockedSince = new Int32Array(n).fill(-1);
    this.equity = new Float64Array(n);
    this.peakEquity = new Float64Array(n);
    this.drawdown = new Float64Array(n);
    this.riskPeak = new Float64Array(n);
    this.riskDrawdown = new Float64Array(n);
    this.maxDrawdown = new Float64Array(n);
    this.totalReward = new Float64Array(n);
    this.tradeCount = new Int32Array(n);
    this.recentReturns = new Float64Array(n * config.volatilityWindow);
    this.recentCursor = new Int32Array(n);
  }

  /** Starts a fresh episode in every env and writes the first observations. */
  reset(): Float32Array {
    for (let i = 0; i < this.numEnvs; i++) this.resetEnv(i);
    return this.obs;
  }

  /** Bar index each env is deciding at. */
  currentBar(envIndex: number): number {
    return this.barIndex[envIndex];
  }

  currentPosition(envIndex: number): number {
    return this.position[envIndex];
  }

  currentEquity(envIndex: number): number {
    return this.equity[envIndex];
  }

  /** Executes one action per env; invalid actions execute as Hold. */
  step(actions: ArrayLike<number>): void {
    const cfg = this.cfg;
    const close = this.data.close;
    const atNextOpen = cfg.fillAt === 'nextOpen';
    for (let i = 0; i < this.numEnvs; i++) {
      const t = this.barIndex[i];
      const next = t + 1;
      let action = actions[i];
      if (action !== HOLD && this.masks[i * NUM_ACTIONS + action] === 0) action = HOLD;
      this.executed[i] = action;

      const equityBefore = this.equity[i];
      if (action !== HOLD) {
        const fillBar = atNextOpen ? next : t;
        const price = atNextOpen ? this.data.open![next] : close[t];
        const direction = action === BUY ? 1 : -1;
        if (this.position[i] === -direction) this.closePosition(i, fillBar, price);
        else this.openPosition(i, fillBar, direction, price);
      }

      let equityAfter = this.cash[i] + this.units[i] * close[next];
      if (equityAfter <= 0 && this.position[i] !== 0) equityAfter = this.ruin(i, next);
      this.heldPosition[i] = this.position[i];
      this.stepsTaken[i] += 1;
      const outOfTime = this.stepsTaken[i] >= cfg.episodeLength || next > this.lastDecision;
      if (outOfTime && this.options.closeAtEnd && this.position[i] !== 0) {
        this.closePosition(i, next, close[next]);
        equityAfter = this.cash[i];
      }
      // A ruined account (equity 0) has nothing left to gain or lose.
      const stepReturn = equityBefore > 0 ? (equityAfter - equityBefore) / equityBefore : 0;
      this.equity[i] = equityAfter;
      this.stepEquity[i] = equityAfter;
      this.barIndex[i] = next;
      if (this.position[i] !== 0) this.heldBars[i] += 1;

      if (equityAfter > this.peakEquity[i]) this.peakEquity[i] = equityAfter;
      const dd = 1 - equityAfter / this.peakEquity[i];
      const ddIncrease = dd > this.drawdown[i] ? dd - this.drawdown[i] : 0;
      this.drawdown[i] = dd;
      if (-dd < this.maxDrawdown[i]) this.maxDrawdown[i] = -dd;
      if (equityAfter > this.riskPeak[i]) this.riskPeak[i] = equityAfter;
      this.riskDrawdown[i] = 1 - equityAfter / this.riskPeak[i];

      let reward = cfg.rewardScale * stepReturn;
      if (action === HOLD) reward -= cfg.holdPenalty;
      if (cfg.drawdownPenalty > 0) reward -= cfg.drawdownPenalty * ddIncrease;
      if (cfg.volatilityPenalty > 0) reward -= cfg.volatilityPenalty * this.pushReturn(i, stepReturn);
      this.rewards[i] = reward;
      this.totalReward[i] += reward;

      const bust = equityAfter < cfg.bustThreshold * cfg.initialCapital;
      this.terminated[i] = bust ? 1 : 0;
      this.truncated[i] = !bust && outOfTime ? 1 : 0;
      this.writeObservation(i, this.obs);
      this.writeMask(i);
      if (bust || outOfTime) {
        this.finalObs.set(this.obs.subarray(i * this.obsSize, (i + 1) * this.obsSize), i * this.obsSize);
        this.finishEpisode(i, bust);
        this.resetEnv(i);
      }
    }
  }

  private resetEnv(i: number): void {
    const start = this.options.fixedStart ?? this.randomStart();
    this.barIndex[i] = start;
    this.startIndex[i] = start;
    this.stepsTaken[i] = 0;
    this.cash[i] = this.cfg.initialCapital;
    this.units[i] = 0;
    this.position[i] = 0;
    this.entryPrice[i] = 0;
    this.entryIndex[i] = -1;
    this.entryCost[i] = 0;
    this.heldBars[i] = 0;
    this.blockedSince[i] = -1;
    this.equity[i] = this.cfg.initialCapital;
    this.peakEquity[i] = this.cfg.initialCapital;
    this.drawdown[i] = 0;
    this.riskPeak[i] = this.cfg.initialCapital;
    this.riskDrawdown[i] = 0;
    this.maxDrawdown[i] = 0;
    this.totalReward[i] = 0;
    this.tradeCount[i] = 0;
    this.recentCursor[i] = 0;
    this.recentReturns.fill(0, i * this.cfg.volatilityWindow, (i + 1) * this.cfg.volatilityWindow);
    this.writeObservation(i, this.obs);
    this.writeMask(i);
  }

  // Starts are drawn so that a full-length episode fits when the range allows one.
  private randomStart(): number {
    const span = this.lastDecision - this.firstDecision + 1;
    const room = Math.max(1, span - this.cfg.episodeLength + 1);
    return this.firstDecision + this.rng.int(0, room);
  }

  /** A price moved against the order by the slippage: up for a buy, down for a sell. */
  private withSlippage(price: number, side: 1 | -1): number {
    return price * (1 + (side * this.cfg.slippageBps) / 10_000);
  }

  private openPosition(i: number, t: number, direction: 1 | -1, basePrice: number): void {
    const price = this.withSlippage(basePrice, direction);
    const notional = this.cfg.positionFraction * this.equity[i];
    const cost = notional * this.cfg.transactionCost;
    const units = (direction * notional) / price;
    this.units[i] = units;
    this.cash[i] -= units * price + cost;
    this.position[i] = direction;
    this.entryPrice[i] = price;
    this.entryIndex[i] = t;
    this.entryCost[i] = cost;
    this.heldBars[i] = 0;
    this.tradeCount[i] += 1;
    this.equity[i] = this.cash[i] + units * basePrice;
  }

  /**
   * Equity reached zero with a position open (a short through a rally it cannot cover, a leveraged
   * long through a crash): the position is closed at bar t and the account ends at 0, where it stays
   * and can no longer trade. Without this a backtest kept trading on negative equity and reported
   * drawdowns beyond −100 % and a recovery no real account could make.
   */
  private ruin(i: number, t: number): number {
    this.closePosition(i, t, this.data.close[t]);
    this.cash[i] = 0;
    this.equity[i] = 0;
    return 0;
  }

  private closePosition(i: number, t: number, basePrice: number): void {
    const direction = this.position[i] as 1 | -1;
    const price = this.withSlippage(basePrice, direction === 1 ? -1 : 1);
    const units = this.units[i];
    const notional = Math.abs(units) * price;
    const cost = notional * this.cfg.transactionCost;
    this.cash[i] += units * price - cost;
    if (this.options.recordTrades) {
      const entryNotional = Math.abs(units) * this.entryPrice[i];
      const pnl = units * (price - this.entryPrice[i]) - cost - this.entryCost[i];
      this.trades.push({
        direction,
        entryIndex: this.entryIndex[i],
        exitIndex: t,
        entryPrice: this.entryPrice[i],
        exitPrice: price,
        netReturn: pnl / entryNotional,
      });
    }
    this.units[i] = 0;
    this.position[i] = 0;
    this.entryPrice[i] = 0;
    this.entryIndex[i] = -1;
    this.entryCost[i] = 0;
    this.heldBars[i] = 0;
    this.equity[i] = this.cash[i];
  }

  // Rolling standard deviation of the env's last volatilityWindow step returns.
  private pushReturn(i: number, r: number): number {
    const w = this.cfg.volatilityWindow;
    const base = i * w;
    this.recentReturns[base + (this.recentCursor[i] % w)] = r;
    this.recentCursor[i] += 1;
    const count = Math.min(this.recentCursor[i], w);
    if (count < 2) return 0;
    let mean = 0;
    for (let k = 0; k < count; k++) mean += this.recentReturns[base + k];
    mean /= count;
    let sq = 0;
    for (let k = 0; k < count; k++) {
      const d = this.recentReturns[base + k] - mean;
      sq += d * d;
    }
    return Math.sqrt(sq / count);
  }

  /** Env i's account as the shared observation and mask functions read it. */
  private account(i: number): AccountView {
    const view = this.view;
    view.equityChange = this.equity[i] / this.cfg.initialCapital - 1;
    view.position = this.position[i];
    view.entryPrice = this.entryPrice[i];
    view.heldBars = this.heldBars[i];
    view.solvent = this.equity[i] > 0;
    view.withinDrawdownLimit = true;
    return view;
  }

  private writeObservation(i: number, out: Float32Array): void {
    writeObservation(out, i * this.obsSize, this.data, this.cfg.lookback, this.barIndex[i], this.account(i));
  }

  private writeMask(i: number): void {
    const account = this.account(i);
    // Evaluated only when opening is otherwise possible: the cool-down clock counts blocked flat bars.
    const calmEnough = !this.cfg.blockHighVolatility || !this.data.highVolatility || this.data.highVolatility[this.barIndex[i]] === 0;
    account.withinDrawdownLimit = !(calmEnough && account.solvent) || this.withinDrawdownLimit(i);
    writeActionMask(this.masks, i * NUM_ACTIONS, this.cfg, this.data, this.barIndex[i], account);
  }

  /**
   * The drawdown limit blocks new exposure; a flat account that stays blocked for drawdownCooldownBars
   * gets its risk peak reset to its equity, so one bad stretch does not end its trading for the episode.
   */
  private withinDrawdownLimit(i: number): boolean {
    const limit = this.cfg.drawdownMaskLimit;
    if (limit === null || this.riskDrawdown[i] <= limit) {
      this.blockedSince[i] = -1;
      return true;
    }
    if (this.position[i] !== 0 || this.cfg.drawdownCooldownBars === 0) return false;
    if (this.blockedSince[i] < 0) this.blockedSince[i] = this.stepsTaken[i];
    if (this.stepsTaken[i] - this.blockedSince[i] < this.cfg.drawdownCooldownBars) return false;
    this.riskPeak[i] = this.equity[i];
    this.riskDrawdown[i] = 0;
    this.blockedSince[i] = -1;
    return true;
  }

  private finishEpisode(i: number, bust: boolean): void {
    if (this.options.recordTrades && this.position[i] !== 0) {
      const t = this.barIndex[i];
      const units = this.units[i];
      const price = this.data.close[t];
      const pnl = units * (price - this.entryPrice[i]) - this.entryCost[i];
      this.trades.push({
        direction: this.position[i] as 1 | -1,
        entryIndex: this.entryIndex[i],
        exitIndex: t,
        entryPrice: this.entryPrice[i],
        exitPrice: price,
        netReturn: pnl / (Math.abs(units) * this.entryPrice[i]),
      });
    }
    this.options.onEpisode?.(i, {
      totalReward: this.totalReward[i],
      return: this.equity[i] / this.cfg.initialCapital - 1,
      maxDrawdown: this.maxDrawdown[i],
      trades: this.tradeCount[i],
      bars: this.stepsTaken[i],
      terminated: bust,
      startIndex: this.startIndex[i],
      endIndex: this.barIndex[i],
    });
  }
}
