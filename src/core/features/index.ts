export {
  computeFeatures,
  defaultFeatureNames,
  isFeatureName,
  validateFeatureNames,
  FEATURE_NAMES,
  type FeatureMatrix,
  type FeatureName,
} from './featureSet';
export { applyScaler, fitScaler, scalerFromJson, type Scaler } from './scaler';
export { chronologicalSplit, DEFAULT_SPLIT_RATIOS, type BarRange, type SplitRatios, type Splits } from './splits';
export {
  fitVolatilityRegimes,
  trendRegime,
  volatilityRegime,
  VOLATILITY_HIGH,
  VOLATILITY_LOW,
  VOLATILITY_NORMAL,
  type VolatilityRegime,
  type VolatilityThresholds,
} from './regimes';
export {
  DEFAULT_REGIME_SETTINGS,
  fitRegimeRules,
  labelRegimes,
  MAX_REGIME_WINDOW,
  REGIME_BREAKOUT,
  REGIME_LABELS,
  REGIME_MEAN_REVERSION,
  REGIME_RANGE,
  REGIME_TREND,
  regimeMeasures,
  regimeRulesFromJson,
  regimeRulesSchema,
  regimeWarmup,
  type RegimeLabel,
  type RegimeLabels,
  type RegimeMeasures,
  type RegimeQuantiles,
  type RegimeRules,
  type RegimeSettings,
  type RegimeWindows,
} from './tradeRegimes';
export { FeatureError, SplitError, type FeatureErrorCode, type SplitErrorCode, type SplitErrorDetails, type SplitName } from './errors';
