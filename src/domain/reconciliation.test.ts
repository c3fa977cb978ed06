import { describe, expect, it } from 'vitest';
import { discrepancies, reconcile } from './reconciliation.js';

const manifest = { people: { adults: 100, children: 40 }, cargo: [{ id: 'insulin', item: 'Insulin', unit: 'doses', quantity: 200 }] };
const count = (stage: 'departed' | 'checkpoint' | 'arrived', at: string, adults: number | undefined, checkpointId: string | null = null, cargo: { lineId: string; quantity: number }[] = []) => ({
  stage,
  checkpointId,
  at,
  people: { adults, children: 40 },
  cargo,
});

describe('reconciliation', () => {
  it('compares departed with each checkpoint and the arrival, and shows where a shortfall first appeared', () => {
    const r = reconcile({
      manifest,
      counts: [count('departed', '09:00', 98), count('checkpoint', '11:00', 98, 'lokhvytsia'), count('checkpoint', '13:00', 96, 'lubny'), count('arrived', '15:00', 96)],
      receipts: [],
    });
    const adults = r.people.find((p) => p.category === 'adults')!;
    expect(adults).toMatchObject({ planned: 100, expected: 98, final: 96, difference: -2, firstDiscrepancy: { stage: 'checkpoint', checkpointId: 'lubny', expected: 98, counted: 96 } });
    expect(adults.stages.map((s) => s.difference)).toEqual([0, -2, -2]);
    expect(r.balanced).toBe(false);
    const d = discrepancies(r);
    expect([...d.keys()]).toEqual(['people:adults']);
    expect(r.people.find((p) => p.category === 'children')?.firstDiscrepancy).toBeNull();
  });

  it('places a shortfall where it appeared, not at an earlier checkpoint that counted too many', () => {
    const r = reconcile({
      manifest,
      counts: [count('departed', '09:00', 20), count('checkpoint', '11:00', 25, 'lokhvytsia'), count('checkpoint', '13:00', 19, 'lubny'), count('arrived', '15:00', 19)],
      receipts: [],
    });
    const adults = r.people.find((p) => p.category === 'adults')!;
    expect(adults.stages.map((s) => s.difference)).toEqual([5, -1, -1]);
    expect(adults).toMatchObject({ difference: -1, firstDiscrepancy: { checkpointId: 'lubny', counted: 19 } });
    // Off at one checkpoint and right again at the arrival: the discrepancy shown is that first one.
    const healed = reconcile({ manifest, counts: [count('departed', '09:00', 20), count('checkpoint', '11:00', 18, 'lokhvytsia'), count('arrived', '15:00', 20)], receipts: [] });
    expect(healed.people.find((p) => p.category === 'adults')).toMatchObject({ difference: 0, firstDiscrepancy: { checkpointId: 'lokhvytsia' } });
  });

  it('uses the manifest when no departure count was made, and balances when counts agree', () => {
    const r = reconcile({ manifest, counts: [count('arrived', '15:00', 100)], receipts: [{ at: '16:00', lines: [{ lineId: 'insulin', quantity: 200 }] }] });
    expect(r.balanced).toBe(true);
    expect(discrepancies(r).size).toBe(0);
  });

  it('compares cargo dispatched with what the receiving operator confirmed', () => {
    const r = reconcile({ manifest, counts: [count('departed', '09:00', 100)], receipts: [{ at: '16:00', lines: [{ lineId: 'insulin', quantity: 150 }] }, { at: '17:00', lines: [{ lineId: 'insulin', quantity: 30 }] }] });
    const line = r.cargo[0]!;
    expect(line).toMatchObject({ expected: 200, final: 180, difference: -20, firstDiscrepancy: { stage: 'received', at: '17:00' } });
    expect(discrepancies(r).get('cargo:insulin')?.type).toBe('cargo_discrepancy');
  });
});
