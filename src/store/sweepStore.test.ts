import { describe, expect, it } from 'vitest';
import { draftFromSpec, draftJobs, specFromDraft, type SweepDraft } from './sweepStore';

const draft: SweepDraft = {
  parameters: [
    { path: 'ppo.learningRate', mode: 'range', values: '', min: '1e-5', max: '1e-3', log: true, integer: false },
    { path: 'network.activation', mode: 'values', values: 'tanh, relu', min: '', max: '', log: false, integer: false },
    { path: 'ppo.normalizeAdvantages', mode: 'values', values: 'true,false', min: '', max: '', log: false, integer: false },
  ],
  method: 'halving',
  trials: 9,
  seed: 4,
  steps: 900,
  eta: 3,
  minSteps: 100,
  importedBase: null,
};

describe('sweep form', () => {
  it('turns the draft into a spec: ranges, typed value lists, the halving schedule, base and data', () => {
    const built = specFromDraft(draft, { seed: 2 }, 'standard', 'btc.csv');
    expect(built).toEqual({
      ok: true,
      spec: {
        data: 'btc.csv',
        variant: 'standard',
        base: { seed: 2 },
        steps: 900,
        method: 'halving',
        trials: 9,
        seed: 4,
        parameters: {
          'ppo.learningRate': { min: 1e-5, max: 1e-3, log: true },
          'network.activation': { values: ['tanh', 'relu'] },
          'ppo.normalizeAdvantages': { values: [true, false] },
        },
        halving: { eta: 3, minSteps: 100 },
      },
    });
    expect(draftJobs(draft, 'btc.csv')).toBe(13);
  });

  it('says which parameter is incomplete', () => {
    const bad = { ...draft, parameters: [{ ...draft.parameters[0], max: 'lots' }] };
    expect(specFromDraft(bad, {}, 'maskable', 'a.csv')).toEqual({ ok: false, error: 'ppo.learningRate: min and max must be numbers.' });
    const reversed = { ...draft, parameters: [{ ...draft.parameters[0], min: '1', max: '0.5', log: false }] };
    expect(specFromDraft(reversed, {}, 'maskable', 'a.csv')).toEqual({
      ok: false,
      error: 'parameters.ppo.learningRate.max: max must be at least min.',
    });
    expect(specFromDraft({ ...draft, parameters: [] }, {}, 'maskable', 'a.csv')).toEqual({
      ok: false,
      error: 'Add at least one parameter to sweep.',
    });
  });

  it('reads a spec file back into the form, keeping its base settings', () => {
    const built = specFromDraft(draft, { ppo: { epochs: 2 } }, 'standard', 'btc.csv');
    if (!built.ok) throw new Error(built.error);
    const back = draftFromSpec(built.spec, 'x.sweep.json');
    if (!back.ok) throw new Error(back.error);
    expect(back.draft.importedBase).toEqual({ fileName: 'x.sweep.json', base: { ppo: { epochs: 2 } }, variant: 'standard' });
    expect(back.draft.parameters.map((p) => [p.path, p.mode])).toEqual(draft.parameters.map((p) => [p.path, p.mode]));
    expect(specFromDraft(back.draft, built.spec.base, 'standard', 'btc.csv')).toEqual(built);
    expect(draftFromSpec({ ...built.spec, parameters: { 'ppo.learnRate': { values: [1] } } }, 'x.json')).toEqual({
      ok: false,
      error: 'ppo.learnRate is not a setting of a training config (e.g. ppo.learningRate).',
    });
  });
});
