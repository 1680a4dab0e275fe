import { ConfigError, type EnvConfig } from './config';
import {
  actionCount,
  BUY,
  FLATTEN,
  HOLD,
  LONG,
  observationSize,
  REDUCE,
  SHORT,
  writeActionMask,
  writeObservation,
  type AccountView,
  type MarketData,
} from './observation';
import { borrows, kellyFraction, marketSizeSeries } from './sizing';
import { pushRollingStd } from './rolling';
import { createRng, type Rng } from '../random/rng';

export {
  ACCOUNT_FEATURES,
  ACTION_NAMES,
  actionCount,
  actionNames,
  BUY,
  CLOSE,
  FLATTEN,
  HOLD,
  LONG,
  NUM_ACTIONS,
  REDUCE,
  SELL,
  SHORT,
  SIZED_ACTION_NAMES,
  type MarketData,
} from './observation';

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
  /** Positions closed by a margin call. */
  marginCalls: number;
  startIndex: number;
  endIndex: number;
}

/** Why a round trip ended, besides the agent's own order. */
export type ExitReason = 'action' | 'margin-call' | 'session-close' | 'end' | 'ruin';

/** A completed round trip (flat to flat), recorded only when the environment is asked to record trades. */
export interface TradeRecord {
  direction: 1 | -1;
  entryIndex: number;
  exitIndex: number;
  /** Average fill price of every order that built the position. */
  entryPrice: number;
  /** Average fill price of every order that reduced or closed it. */
  exitPrice: number;
  /** Net of both sides' transaction costs (and borrowing), over the notional of every entry, as a fraction. */
  netReturn: number;
  /** Largest position value over equity while it was open (sizes vary with the sized set and sizing modes). */
  maxExposure: number;
  /** The executed actions of the round trip, in order: their indices in the config's action set. */
  actions: number[];
  exitReason: ExitReason;
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
 * observations, rewards, done flags and masks in place and allocates nothing except on episode end
 * (and, when recording trades, per order).
 *
 * Timing: the action chosen at decision bar t fills at open[t+1] (fillAt 'nextOpen') or at close[t]
 * (fillAt 'close', a price the observation already includes), adjusted by slippage; the position is
 * then marked to close[t+1]. Reward for that step:
 *   r = rewardScale · (E[t+1] − E[t]) / E[t]  − holdPenalty·[action = Hold]
 *       − λ_dd · max(0, DD[t+1] − DD[t])  − λ_vol · std(last volatilityWindow step returns)
 *       − drawdownSquaredPenalty · DD[t+1]²  + regimeAlignmentBonus·[side = regime direction at t]
 *       + survivalBonus·[not bust]
 * where E is equity before the trade at t (so costs paid at t count against the step) and DD is the
 * episode's drawdown depth from its running peak. The drawdown risk mask keeps a peak of its own,
 * which its cool-down may reset; the reported and penalised drawdown never forgets the true peak.
 *
 * After marking, in this order: ruin (equity ≤ 0), borrowing cost on the part of a position above
 * equity (when the config may borrow), a margin call below maintenanceMargin, the session close
 * (flattenAtClose), the end of the episode (closeAtEnd).
 */
export class TradingEnv {
  readonly numEnvs: number;
  readonly numActions: number;
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
  /** Valid actions for the current observations, [numEnvs, numActions], 1 = allowed. */
  readonly masks: Uint8Array;
  /** The action each env actually executed in the last step (invalid actions become Hold). */
  readonly executed: Int8Array;
  /** Equity at the bar each env just stepped to, before any episode reset. */
  readonly stepEquity: Float64Array;
  /** Position side each env held over the bar it just stepped across (−1, 0, 1). */
  readonly heldPosition: Int8Array;
  /** Signed position value over equity each env held over the bar it just stepped across (at that bar's open fill). */
  readonly heldExposure: Float64Array;
  /** Closed trades when recordTrades is set; a position still open at episode end is marked to the last close. */
  readonly trades: TradeRecord[] = [];
  /** Orders that used the fixed size because a Kelly estimate had fewer than KELLY_MIN_TRADES trades behind it. */
  kellyFallbacks = 0;

  private readonly cfg: EnvConfig;
  private readonly data: MarketData;
  private readonly options: EnvOptions;
  private readonly rng: Rng;
  private readonly firstDecision: number;
  private readonly lastDecision: number;
  private readonly sized: boolean;
  private readonly mayBorrow: boolean;
  /** Equity fraction of a new basic-set position per bar (atr, vol-target); null for fixed and kelly. */
  private readonly marketSizes: Float64Array | null;

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
  /** Sized set: notional of every entry order, exit orders' notional and units, and the PnL realised by partial exits. */
  private readonly entryNotional: Float64Array;
  private readonly exitNotional: Float64Array;
  private readonly exitUnits: Float64Array;
  private readonly realised: Float64Array;
  private readonly maxExposure: Float64Array;
  private readonly heldBars: Int32Array;
  /** Step until which a FLATTEN blocks new entries. */
  private readonly cooldownUntil: Int32Array;
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
  private readonly marginCalls: Int32Array;
  private readonly recentReturns: Float64Array;
  private readonly recentCursor: Int32Array;
  /** Kelly: each env's last kellyWindow trade returns; they outlive episodes (the agent's own record). */
  private readonly kellyOutcomes: Float64Array;
  private readonly kellyCount: Int32Array;
  private readonly kellyCursor: Int32Array;
  private readonly orderLog: number[][];
  /** Reused for every env and step: the hot loop allocates nothing. */
  private readonly view: AccountView = {
    equityChange: 0,
    position: 0,
    exposure: 0,
    cooldown: 0,
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
    this.numActions = actionCount(config.actionSet);
    this.sized = config.actionSet === 'sized';
    this.mayBorrow = borrows(config);
    this.windowSize = config.lookback * data.featureCount;
    this.obsSize = observationSize(data, config);
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
    if ((config.regimeLabels || config.regimeAlignmentBonus > 0) && !data.tradeRegimes) {
      throw new RangeError('The config uses regime labels (regimeLabels or regimeAlignmentBonus) but the market has none.');
    }
    if (options.fixedStart !== undefined && (options.fixedStart < this.firstDecision || options.fixedStart > this.lastDecision)) {
      throw new RangeError(`fixedStart ${options.fixedStart} is outside the decision bars ${this.firstDecision}…${this.lastDecision}.`);
    }
    this.marketSizes = this.sized ? null : marketSizeSeries(config, data);
    const n = this.numEnvs;
    this.rng = createRng(config.seed);
    this.obs = new Float32Array(n * this.obsSize);
    this.finalObs = new Float32Array(n * this.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.masks = new Uint8Array(n * this.numActions);
    this.executed = new Int8Array(n);
    this.stepEquity = new Float64Array(n);
    this.heldPosition = new Int8Array(n);
    this.heldExposure = new Float64Array(n);
    this.barIndex = new Int32Array(n);
    this.startIndex = new Int32Array(n);
    this.stepsTaken = new Int32Array(n);
    this.cash = new Float64Array(n);
    this.units = new Float64Array(n);
    this.position = new Int8Array(n);
    this.entryPrice = new Float64Array(n);
    this.entryIndex = new Int32Array(n);
    this.entryCost = new Float64Array(n);
    this.entryNotional = new Float64Array(n);
    this.exitNotional = new Float64Array(n);
    this.exitUnits = new Float64Array(n);
    this.realised = new Float64Array(n);
    this.maxExposure = new Float64Array(n);
    this.heldBars = new Int32Array(n);
    this.cooldownUntil = new Int32Array(n);
    this.blockedSince = new Int32Array(n).fill(-1);
    this.equity = new Float64Array(n);
    this.peakEquity = new Float64Array(n);
    this.drawdown = new Float64Array(n);
    this.riskPeak = new Float64Array(n);
    this.riskDrawdown = new Float64Array(n);
    this.maxDrawdown = new Float64Array(n);
    this.totalReward = new Float64Array(n);
    this.tradeCount = new Int32Array(n);
    this.marginCalls = new Int32Array(n);
    this.recentReturns = new Float64Array(n * config.volatilityWindow);
    this.recentCursor = new Int32Array(n);
    const kelly = config.sizing === 'kelly' && !this.sized;
    this.kellyOutcomes = new Float64Array(kelly ? n * config.kellyWindow : 0);
    this.kellyCount = new Int32Array(n);
    this.kellyCursor = new Int32Array(n);
    this.orderLog = Array.from({ length: options.recordTrades ? n : 0 }, () => []);
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

  /** Signed position value over equity at the current bar's close. */
  currentExposure(envIndex: number): number {
    return this.exposureAt(envIndex, this.data.close[this.barIndex[envIndex]]);
  }

  /** Executes one action per env; invalid actions execute as Hold. */
  step(actions: ArrayLike<number>): void {
    const cfg = this.cfg;
    const close = this.data.close;
    const atNextOpen = cfg.fillAt === 'nextOpen';
    const numActions = this.numActions;
    for (let i = 0; i < this.numEnvs; i++) {
      const t = this.barIndex[i];
      const next = t + 1;
      let action = actions[i];
      if (action !== HOLD && this.masks[i * numActions + action] === 0) action = HOLD;
      this.executed[i] = action;

      const equityBefore = this.equity[i];
      if (action !== HOLD) {
        const fillBar = atNextOpen ? next : t;
        const price = atNextOpen ? this.data.open![next] : close[t];
        if (this.sized) this.executeSized(i, action, fillBar, price);
        else {
          const direction = action === BUY ? 1 : -1;
          if (this.position[i] === -direction) this.closePosition(i, fillBar, price, action);
          else this.openPosition(i, fillBar, direction, price, this.sizeFraction(i, t), action);
        }
      }

      this.heldExposure[i] = this.units[i] === 0 ? 0 : this.exposureAt(i, atNextOpen ? this.data.open![next] : close[t]);
      let equityAfter = this.cash[i] + this.units[i] * close[next];
      if (equityAfter <= 0 && this.position[i] !== 0) equityAfter = this.ruin(i, next);
      if (this.mayBorrow && this.position[i] !== 0) equityAfter = this.chargeBorrowing(i, next, equityAfter);
      this.heldPosition[i] = this.position[i];
      this.stepsTaken[i] += 1;
      const session = this.data.session;
      if (cfg.flattenAtClose && session && session.lastOfSession[next] === 1 && this.position[i] !== 0) {
        this.closePosition(i, next, close[next], -1, 'session-close');
        equityAfter = this.cash[i];
      }
      const outOfTime = this.stepsTaken[i] >= cfg.episodeLength || next > this.lastDecision;
      if (outOfTime && this.options.closeAtEnd && this.position[i] !== 0) {
        this.closePosition(i, next, close[next], -1, 'end');
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

      const bust = equityAfter < cfg.bustThreshold * cfg.initialCapital;
      let reward = cfg.rewardScale * stepReturn;
      if (action === HOLD) reward -= cfg.holdPenalty;
      if (cfg.drawdownPenalty > 0) reward -= cfg.drawdownPenalty * ddIncrease;
      if (cfg.volatilityPenalty > 0)
        reward -= cfg.volatilityPenalty * pushRollingStd(this.recentReturns, this.recentCursor, i, cfg.volatilityWindow, stepReturn);
      if (cfg.drawdownSquaredPenalty > 0) reward -= cfg.drawdownSquaredPenalty * dd * dd;
      if (cfg.regimeAlignmentBonus > 0) {
        const side = this.heldPosition[i];
        if (side !== 0 && side === this.data.tradeRegimes!.direction[t]) reward += cfg.regimeAlignmentBonus;
      }
      if (cfg.survivalBonus > 0 && !bust) reward += cfg.survivalBonus;
      this.rewards[i] = reward;
      this.totalReward[i] += reward;

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
    this.clearRoundTrip(i);
    this.cooldownUntil[i] = 0;
    this.blockedSince[i] = -1;
    this.equity[i] = this.cfg.initialCapital;
    this.peakEquity[i] = this.cfg.initialCapital;
    this.drawdown[i] = 0;
    this.riskPeak[i] = this.cfg.initialCapital;
    this.riskDrawdown[i] = 0;
    this.maxDrawdown[i] = 0;
    this.totalReward[i] = 0;
    this.tradeCount[i] = 0;
    this.marginCalls[i] = 0;
    this.recentCursor[i] = 0;
    this.recentReturns.fill(0, i * this.cfg.volatilityWindow, (i + 1) * this.cfg.volatilityWindow);
    this.writeObservation(i, this.obs);
    this.writeMask(i);
  }

  private clearRoundTrip(i: number): void {
    this.entryPrice[i] = 0;
    this.entryIndex[i] = -1;
    this.entryCost[i] = 0;
    this.entryNotional[i] = 0;
    this.exitNotional[i] = 0;
    this.exitUnits[i] = 0;
    this.realised[i] = 0;
    this.maxExposure[i] = 0;
    this.heldBars[i] = 0;
    if (this.options.recordTrades) this.orderLog[i] = [];
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

  private exposureAt(i: number, price: number): number {
    const equity = this.cash[i] + this.units[i] * price;
    return equity > 0 ? (this.units[i] * price) / equity : 0;
  }

  /** The equity fraction a new basic-set position takes when decided at bar t. */
  private sizeFraction(i: number, t: number): number {
    if (this.marketSizes) return this.marketSizes[t];
    if (this.cfg.sizing !== 'kelly') return this.cfg.positionFraction;
    const fraction = kellyFraction(this.kellyOutcomes, i * this.cfg.kellyWindow, this.kellyCount[i], this.cfg);
    if (fraction !== null) return fraction;
    this.kellyFallbacks += 1;
    return this.cfg.positionFraction;
  }

  private recordKellyOutcome(i: number, netReturn: number): void {
    if (this.kellyOutcomes.length === 0) return;
    const w = this.cfg.kellyWindow;
    this.kellyOutcomes[i * w + (this.kellyCursor[i] % w)] = netReturn;
    this.kellyCursor[i] += 1;
    this.kellyCount[i] = Math.min(this.kellyCount[i] + 1, w);
  }

  /**
   * The sized set at fill bar f: LONG / SHORT add a slice of sliceFraction of equity (closing an
   * opposite position first), REDUCE sells half, CLOSE all, FLATTEN all and starts the cool-down.
   */
  private executeSized(i: number, action: number, f: number, price: number): void {
    if (action === LONG || action === SHORT) {
      const direction: 1 | -1 = action === LONG ? 1 : -1;
      if (this.position[i] === -direction) this.closePosition(i, f, price, action);
      const fraction = this.cfg.sliceFraction;
      if (this.position[i] === 0) this.openPosition(i, f, direction, price, fraction, action);
      else this.addToPosition(i, direction, price, fraction, action);
      return;
    }
    if (action === REDUCE) {
      this.reducePosition(i, price, 0.5, action);
      return;
    }
    this.closePosition(i, f, price, action);
    if (action === FLATTEN) this.cooldownUntil[i] = this.stepsTaken[i] + 1 + this.cfg.flattenCooldown;
  }

  private openPosition(i: number, t: number, direction: 1 | -1, basePrice: number, fraction: number, action: number): void {
    const price = this.withSlippage(basePrice, direction);
    const notional = fraction * this.equity[i];
    const cost = notional * this.cfg.transactionCost;
    const units = (direction * notional) / price;
    this.units[i] = units;
    this.cash[i] -= units * price + cost;
    this.position[i] = direction;
    this.entryPrice[i] = price;
    this.entryIndex[i] = t;
    this.entryCost[i] = cost;
    this.entryNotional[i] = notional;
    this.heldBars[i] = 0;
    this.tradeCount[i] += 1;
    this.equity[i] = this.cash[i] + units * basePrice;
    this.noteExposure(i, basePrice);
    if (this.options.recordTrades) this.orderLog[i].push(action);
  }

  /** Adds to an open position of the same side; the entry price becomes the units-weighted average. */
  private addToPosition(i: number, direction: 1 | -1, basePrice: number, fraction: number, action: number): void {
    const price = this.withSlippage(basePrice, direction);
    const notional = fraction * this.equity[i];
    const cost = notional * this.cfg.transactionCost;
    const added = (direction * notional) / price;
    const before = Math.abs(this.units[i]);
    this.entryPrice[i] = (before * this.entryPrice[i] + Math.abs(added) * price) / (before + Math.abs(added));
    this.units[i] += added;
    this.cash[i] -= added * price + cost;
    this.entryCost[i] += cost;
    this.entryNotional[i] += notional;
    this.equity[i] = this.cash[i] + this.units[i] * basePrice;
    this.noteExposure(i, basePrice);
    if (this.options.recordTrades) this.orderLog[i].push(action);
  }

  /** Sells (or covers) `share` of the position; the profit on that part is realised. */
  private reducePosition(i: number, basePrice: number, share: number, action: number): void {
    const direction = this.position[i] as 1 | -1;
    const price = this.withSlippage(basePrice, direction === 1 ? -1 : 1);
    const sold = this.units[i] * share;
    const cost = Math.abs(sold) * price * this.cfg.transactionCost;
    this.cash[i] += sold * price - cost;
    this.realised[i] += sold * (price - this.entryPrice[i]) - cost;
    this.exitNotional[i] += Math.abs(sold) * price;
    this.exitUnits[i] += Math.abs(sold);
    this.units[i] -= sold;
    this.equity[i] = this.cash[i] + this.units[i] * basePrice;
    if (this.options.recordTrades) this.orderLog[i].push(action);
  }

  private noteExposure(i: number, price: number): void {
    const exposure = Math.abs(this.exposureAt(i, price));
    if (exposure > this.maxExposure[i]) this.maxExposure[i] = exposure;
  }

  /**
   * Equity reached zero with a position open (a short through a rally it cannot cover, a leveraged
   * long through a crash): the position is closed at bar t and the account ends at 0, where it stays
   * and can no longer trade. Without this a backtest kept trading on negative equity and reported
   * drawdowns beyond −100 % and a recovery no real account could make.
   */
  private ruin(i: number, t: number): number {
    this.closePosition(i, t, this.data.close[t], -1, 'ruin');
    this.cash[i] = 0;
    this.equity[i] = 0;
    return 0;
  }

  /**
   * With borrowing allowed: the part of the position's value above equity pays borrowRatePerBar for
   * the bar, and a position whose equity fell below maintenanceMargin of its value is closed at the
   * bar's close (a margin call).
   */
  private chargeBorrowing(i: number, t: number, equityAfter: number): number {
    const value = Math.abs(this.units[i]) * this.data.close[t];
    const borrowed = value - equityAfter;
    if (borrowed > 0 && this.cfg.borrowRatePerBar > 0) {
      const charge = borrowed * this.cfg.borrowRatePerBar;
      this.cash[i] -= charge;
      this.realised[i] -= charge;
      equityAfter -= charge;
    }
    if (equityAfter < this.cfg.maintenanceMargin * value) {
      this.marginCalls[i] += 1;
      this.closePosition(i, t, this.data.close[t], -1, 'margin-call');
      if (this.cash[i] <= 0) return this.ruin(i, t);
      return this.cash[i];
    }
    return equityAfter;
  }

  private closePosition(i: number, t: number, basePrice: number, action: number, reason: ExitReason = 'action'): void {
    if (this.position[i] === 0) return;
    const direction = this.position[i] as 1 | -1;
    const price = this.withSlippage(basePrice, direction === 1 ? -1 : 1);
    const units = this.units[i];
    const notional = Math.abs(units) * price;
    const cost = notional * this.cfg.transactionCost;
    this.cash[i] += units * price - cost;
    const recording = this.options.recordTrades;
    if (recording || this.kellyOutcomes.length > 0) {
      const pnl = units * (price - this.entryPrice[i]) - cost - this.entryCost[i] + this.realised[i];
      const entryNotional = this.exitUnits[i] === 0 ? Math.abs(units) * this.entryPrice[i] : this.entryNotional[i];
      const netReturn = pnl / entryNotional;
      this.recordKellyOutcome(i, netReturn);
      if (recording) {
        if (action >= 0) this.orderLog[i].push(action);
        const exitUnits = this.exitUnits[i] + Math.abs(units);
        this.trades.push({
          direction,
          entryIndex: this.entryIndex[i],
          exitIndex: t,
          entryPrice: this.entryPrice[i],
          exitPrice: this.exitUnits[i] === 0 ? price : (this.exitNotional[i] + notional) / exitUnits,
          netReturn,
          maxExposure: this.maxExposure[i],
          actions: this.orderLog[i],
          exitReason: reason,
        });
      }
    }
    this.units[i] = 0;
    this.position[i] = 0;
    this.clearRoundTrip(i);
    this.equity[i] = this.cash[i];
  }

  /** Env i's account as the shared observation and mask functions read it. */
  private account(i: number): AccountView {
    const view = this.view;
    view.equityChange = this.equity[i] / this.cfg.initialCapital - 1;
    view.position = this.position[i];
    view.exposure = this.position[i] === 0 ? 0 : this.exposureAt(i, this.data.close[this.barIndex[i]]);
    view.cooldown = Math.max(0, this.cooldownUntil[i] - this.stepsTaken[i]);
    view.entryPrice = this.entryPrice[i];
    view.heldBars = this.heldBars[i];
    view.solvent = this.equity[i] > 0;
    view.withinDrawdownLimit = true;
    return view;
  }

  private writeObservation(i: number, out: Float32Array): void {
    writeObservation(out, i * this.obsSize, this.data, this.cfg, this.barIndex[i], this.account(i));
  }

  private writeMask(i: number): void {
    const account = this.account(i);
    // Evaluated only when opening is otherwise possible: the cool-down clock counts blocked flat bars.
    const calmEnough = !this.cfg.blockHighVolatility || !this.data.highVolatility || this.data.highVolatility[this.barIndex[i]] === 0;
    account.withinDrawdownLimit = !(calmEnough && account.solvent) || this.withinDrawdownLimit(i);
    writeActionMask(this.masks, i * this.numActions, this.cfg, this.data, this.barIndex[i], account);
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
      const pnl = units * (price - this.entryPrice[i]) - this.entryCost[i] + this.realised[i];
      const entryNotional = this.exitUnits[i] === 0 ? Math.abs(units) * this.entryPrice[i] : this.entryNotional[i];
      this.trades.push({
        direction: this.position[i] as 1 | -1,
        entryIndex: this.entryIndex[i],
        exitIndex: t,
        entryPrice: this.entryPrice[i],
        exitPrice: price,
        netReturn: pnl / entryNotional,
        maxExposure: this.maxExposure[i],
        actions: this.orderLog[i],
        exitReason: 'end',
      });
    }
    this.options.onEpisode?.(i, {
      totalReward: this.totalReward[i],
      return: this.equity[i] / this.cfg.initialCapital - 1,
      maxDrawdown: this.maxDrawdown[i],
      trades: this.tradeCount[i],
      bars: this.stepsTaken[i],
      terminated: bust,
      marginCalls: this.marginCalls[i],
      startIndex: this.startIndex[i],
      endIndex: this.barIndex[i],
    });
  }
}
