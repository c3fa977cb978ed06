import { describe, expect, it } from 'vitest';
import { canSeeEvent, readEvents } from '../../src/app/events.js';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava } from '../helpers.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: the event outbox`, () => {
    it('records every corridor change as an event, in order, in the same transaction', async () => {
      const w = await makeWorld(engine);
      try {
        const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
        const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
        for (const p of [w.ua, w.ru]) await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) });
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling' });
        await api(w.app, w.ua.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'refused: not the mediator' });
        await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/resume`, { reason: 'calm' });
        const events = await readEvents(w.store.db, 0);
        // Each guarantee is announced, naming its party — the last one too, before corridor.guaranteed.
        expect(events.map((e) => e.type)).toEqual(['corridor.proposed', 'guarantee.given', 'guarantee.given', 'corridor.guaranteed', 'corridor.suspended', 'corridor.resumed']);
        expect(events.slice(1, 3).map((e) => (e.payload as { partyId?: string }).partyId)).toEqual(['ua', 'ru']);
        expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
        expect(events[4]).toMatchObject({ corridorId: c.id, subject: `corridor/${c.id}`, audience: null, payload: { state: 'suspended', reason: 'shelling' } });
        expect(await readEvents(w.store.db, events[3]!.id)).toHaveLength(2);
        // As a stream subscriber reads them.
        const stream = (await w.app.inject({ method: 'GET', url: `/api/v1/events?follow=false&lastEventId=0&corridor=${c.id}`, headers: { authorization: `Bearer ${w.observer.viewer.token}` } })).body;
        expect([...stream.matchAll(/^event: (.*)$/gm)].map((m) => m[1])).toEqual(['corridor.proposed', 'guarantee.given', 'guarantee.given', 'corridor.guaranteed', 'corridor.suspended', 'corridor.resumed']);
        expect(stream).toContain('"partyId":"ru"');
      } finally {
        await w.close();
      }
    });
  });
}

describe('event visibility', () => {
  it('shows events addressed to everyone to all, and restricted ones only to their audience and the mediator', () => {
    const ua = { partyId: 'ua', partyKind: 'belligerent' as const };
    const ru = { partyId: 'ru', partyKind: 'belligerent' as const };
    const med = { partyId: 'mediator', partyKind: 'mediator' as const };
    expect(canSeeEvent(ua, { audience: null })).toBe(true);
    expect(canSeeEvent(ua, { audience: ['ua', 'aid'] })).toBe(true);
    expect(canSeeEvent(ru, { audience: ['ua', 'aid'] })).toBe(false);
    expect(canSeeEvent(med, { audience: ['ua'] })).toBe(true);
  });
});
