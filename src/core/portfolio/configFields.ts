import { schemaFields, type ConfigField } from '../ppo/configFields';
import { portfolioTrainingConfigSchema, type PortfolioTrainingConfig } from './trainingConfig';

/** The sections of a portfolio config that hold settings (variant and seed are top-level values). */
export const PORTFOLIO_SECTIONS = ['env', 'ppo', 'network', 'stop', 'eval', 'split'] as const;
export type PortfolioSection = (typeof PORTFOLIO_SECTIONS)[number];

/** A portfolio settings path the type checker knows: 'env.transactionCost', 'ppo.numSteps', … */
export type PortfolioConfigPath = {
  [S in PortfolioSection]: `${S}.${Extract<keyof PortfolioTrainingConfig[S], string>}`;
}[PortfolioSection];

/** One portfolio setting as its schema describes it: what the app's form reads. */
export interface PortfolioConfigField extends Omit<ConfigField, 'path' | 'section'> {
  path: PortfolioConfigPath;
  section: PortfolioSection;
}

let cached: PortfolioConfigField[] | null = null;

/** Every portfolio setting, in schema order. */
export function portfolioConfigFields(): PortfolioConfigField[] {
  if (cached) return cached;
  const shape = portfolioTrainingConfigSchema.shape;
  cached = PORTFOLIO_SECTIONS.flatMap((section) =>
    schemaFields(shape[section]).map((f) => ({ ...f, path: `${section}.${f.key}` as PortfolioConfigPath, section })),
  );
  return cached;
}

export function portfolioConfigField(path: PortfolioConfigPath): PortfolioConfigField {
  const field = portfolioConfigFields().find((f) => f.path === path);
  if (!field) throw new Error(`No portfolio setting ${path}`);
  return field;
}
