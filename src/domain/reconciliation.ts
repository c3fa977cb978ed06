import { PEOPLE_CATEGORIES } from '../schemas/movement.js';

/**
 * Reconciliation of a movement (issue 5): for people, what departed against each checkpoint's count
 * and the arrival; for cargo, what was dispatched against what was counted on the way and what the
 * receiving operator confirmed. A discrepancy is shown where it first appeared.
 */

export interface StageCount {
  readonly stage: 'departed' | 'checkpoint' | 'arrived';
  readonly checkpointId: string | null;
  readonly at: string;
  readonly people: Readonly<Record<string, number | undefined>>;
  readonly cargo: readonly { lineId: string; quantity: number }[];
}

export interface ReconInput {
  readonly manifest: { people: Readonly<Record<string, number | undefined>>; cargo: readonly { id?: string | undefined; item: string; unit: string; quantity: number }[] };
  /** In time order; at most one `departed` and one `arrived`. */
  readonly counts: readonly StageCount[];
  readonly receipts: readonly { at: string; lines: readonly { lineId: string; quantity: number }[] }[];
}

export interface ReconStage {
  stage: string;
  checkpointId: string | null;
  at: string;
  counted: number | null;
  difference: number | null;
}

export interface ReconRowOut {
  planned: number;
  expected: number;
  stages: ReconStage[];
  final: number | null;
  difference: number | null;
  firstDiscrepancy: { stage: string; checkpointId: string | null; at: string; expected: number; counted: number } | null;
}

export interface Reconciliation {
  balanced: boolean;
  people: (ReconRowOut & { category: string })[];
  cargo: (ReconRowOut & { lineId: string; item: string; unit: string })[];
}

function row(planned: number, departed: StageCount | undefined, later: StageCount[], pick: (c: StageCount) => number | undefined, receipts?: { at: string; total: number } | undefined): ReconRowOut {
  const fromDeparture = departed ? pick(departed) : undefined;
  const expected = fromDeparture ?? planned;
  const stages: ReconStage[] = later.map((c) => {
    const counted = pick(c);
    return { stage: c.stage, checkpointId: c.checkpointId, at: c.at, counted: counted ?? null, difference: counted === undefined ? null : counted - expected };
  });
  if (receipts) stages.push({ stage: 'received', checkpointId: null, at: receipts.at, counted: receipts.total, difference: receipts.total - expected });
  const last = [...stages].reverse().find((s) => s.counted !== null);
  // Where the discrepancy that stands first appeared: the start of the last run of counts off the
  // same way (an overcount at one checkpoint, then a shortfall from the next on, is a shortfall
  // from the next). When the counts agree again at the end, the first count that was off.
  const off = stages.filter((s) => s.difference !== null);
  const standing = last?.difference ?? 0;
  let first = stages.find((s) => s.difference !== null && s.difference !== 0);
  if (standing !== 0) {
    let i = off.length - 1;
    while (i > 0 && Math.sign(off[i - 1]?.difference ?? 0) === Math.sign(standing)) i -= 1;
    first = off[i];
  }
  return {
    planned,
    expected,
    stages,
    final: last?.counted ?? null,
    difference: last?.difference ?? null,
    firstDiscrepancy: first ? { stage: first.stage, checkpointId: first.checkpointId, at: first.at, expected, counted: first.counted ?? 0 } : null,
  };
}

export function reconcile(input: ReconInput): Reconciliation {
  const departed = input.counts.find((c) => c.stage === 'departed');
  const later = input.counts.filter((c) => c.stage !== 'departed');
  const people = PEOPLE_CATEGORIES.map((category) => ({ category, ...row(input.manifest.people[category] ?? 0, departed, later, (c) => c.people[category]) }));
  const cargo = input.manifest.cargo.map((line, i) => {
    const lineId = line.id ?? `line-${i + 1}`;
    const pick = (c: StageCount): number | undefined => c.cargo.find((x) => x.lineId === lineId)?.quantity;
    const received = input.receipts.filter((r) => r.lines.some((l) => l.lineId === lineId));
    const total = received.reduce((s, r) => s + r.lines.filter((l) => l.lineId === lineId).reduce((a, l) => a + l.quantity, 0), 0);
    const last = received.at(-1);
    return { lineId, item: line.item, unit: line.unit, ...row(line.quantity, departed, later, pick, last ? { at: last.at, total } : undefined) };
  });
  const balanced = [...people, ...cargo].every((r) => r.firstDiscrepancy === null || r.difference === 0);
  return { balanced, people, cargo };
}

/** The open discrepancies: key (`people:<category>` or `cargo:<lineId>`) → what to say about it. */
export function discrepancies(r: Reconciliation): Map<string, { type: 'count_discrepancy' | 'cargo_discrepancy'; details: Record<string, unknown> }> {
  const out = new Map<string, { type: 'count_discrepancy' | 'cargo_discrepancy'; details: Record<string, unknown> }>();
  for (const p of r.people) {
    if (p.difference !== null && p.difference !== 0 && p.firstDiscrepancy) {
      out.set(`people:${p.category}`, { type: 'count_discrepancy', details: { category: p.category, departed: p.expected, latest: p.final, difference: p.difference, firstAppeared: p.firstDiscrepancy } });
    }
  }
  for (const c of r.cargo) {
    if (c.difference !== null && c.difference !== 0 && c.firstDiscrepancy) {
      out.set(`cargo:${c.lineId}`, { type: 'cargo_discrepancy', details: { lineId: c.lineId, item: c.item, unit: c.unit, dispatched: c.expected, latest: c.final, difference: c.difference, firstAppeared: c.firstDiscrepancy } });
    }
  }
  return out;
}
