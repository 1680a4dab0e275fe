import { describe, expect, it } from 'vitest';
import { portfolioConfigField, portfolioConfigFields } from './configFields';

describe('portfolioConfigFields', () => {
  it('reads each setting’s kind, bounds and description from the schema', () => {
    expect(portfolioConfigField('env.transactionCost')).toMatchObject({ kind: 'number', min: 0, max: 0.1, nullable: false });
    expect(portfolioConfigField('env.kellyCap')).toMatchObject({ kind: 'number', nullable: true });
    expect(portfolioConfigField('env.mode')).toMatchObject({ kind: 'choice', options: ['long-only', 'long-short'] });
    expect(portfolioConfigField('env.hedgeBenchmark')).toMatchObject({ kind: 'text', nullable: true });
    expect(portfolioConfigField('network.hidden').kind).toBe('list');
    expect(portfolioConfigFields().every((f) => f.description.length > 0)).toBe(true);
  });
});
