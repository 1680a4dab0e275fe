import type { TrainingConfig } from '../ppo/config';

/**
 * A run's trading rules and critic in a few words, for tables and logs: only what differs from the
 * basic set with fixed sizing, e.g. "sized 10 % slices to 100 % · session 09:30-16:00
 * America/New_York, flat at close · quantile critic (32)". "basic, fixed 100 %" when nothing does.
 */
export function describeRunRules(config: TrainingConfig): string {
  const env = config.env;
  const pct = (x: number) => `${+(x * 100).toFixed(2)} %`;
  const parts: string[] = [];
  if (env.actionSet === 'sized') parts.push(`sized ${pct(env.sliceFraction)} slices to ${pct(env.maxPosition)}`);
  else if (env.sizing === 'fixed') parts.push(`basic, fixed ${pct(env.positionFraction)}`);
  else {
    const detail = {
      atr: `${pct(env.riskPerTrade)} risk per ${env.atrMultiple} ATR`,
      kelly: `${env.kellyCap} × Kelly of ${env.kellyWindow} trades`,
      'vol-target': `${pct(env.targetVolatility)} a year`,
    }[env.sizing];
    parts.push(`${env.sizing} sizing, ${detail}${env.maxLeverage > 1 ? `, ≤ ${env.maxLeverage}×` : ''}`);
  }
  if (env.session) {
    const close = env.flattenAtClose ? ', flat at close' : '';
    const late = env.noEntryMinutes > 0 ? `, no entries in the last ${env.noEntryMinutes} min` : '';
    parts.push(`session ${env.session} ${env.timeZone}${late}${close}`);
  }
  const terms = [
    env.regimeLabels ? 'regime labels' : '',
    env.drawdownSquaredPenalty > 0 ? `−${env.drawdownSquaredPenalty}·DD²` : '',
    env.regimeAlignmentBonus > 0 ? `+${env.regimeAlignmentBonus} aligned` : '',
    env.survivalBonus > 0 ? `+${env.survivalBonus} per bar` : '',
  ].filter(Boolean);
  if (terms.length) parts.push(terms.join(', '));
  if (config.network.critic === 'quantile') parts.push(`quantile critic (${config.network.quantiles})`);
  if (config.network.dropout > 0) parts.push(`dropout ${config.network.dropout}`);
  return parts.join(' · ');
}
