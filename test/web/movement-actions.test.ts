/**
 * A movement's life recorded in the browser, each step by the member whose job it is: a party on
 * the distribution acknowledges the notification, the convoy leader records the departure and a
 * check-in, the receiving operator confirms the cargo, the convoy leader records the arrival with
 * two adults missing — and the reconciliation shows it. Members with nothing to do see no form;
 * aborting asks first. Its own harness: it moves the demo convoy.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { axe, describeViolations, HAVE_CHROMIUM, signIn, SKIP_REASON, useHarness } from './harness.js';

if (!HAVE_CHROMIUM) console.warn(SKIP_REASON);

describe.skipIf(!HAVE_CHROMIUM)('recording a movement in the browser', () => {
  const h = useHarness();
  const movementId = (): string => String(h.demo.extra.movementId);
  const movement = async (): Promise<{ state: string; acknowledgements: { partyId: string }[]; counts: { stage: string; checkpointId: string | null; people: Record<string, number> }[]; receipts: unknown[] }> =>
    JSON.parse((await h.app.inject({ url: `/api/v1/movements/${movementId()}`, headers: { authorization: `Bearer ${h.token('mediator-liaison')}` } })).body);
  const open = async (key: string): Promise<Page> => {
    const { page } = await h.newPage();
    await signIn(h, page, key, `/app/movements/${movementId()}`);
    await page.locator('#recon-people').waitFor();
    return page;
  };
  const forms = (page: Page): Promise<string[]> => page.locator('#movement-actions form').evaluateAll((fs) => fs.map((f) => f.getAttribute('data-action') ?? ''));

  it('a party on the distribution acknowledges; an observer has nothing to do', async () => {
    // A new notification (the demo's own is acknowledged by everyone already).
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/movements',
      headers: { authorization: `Bearer ${h.token('convoy-operator')}`, 'content-type': 'application/json' },
      payload: { corridorId: h.demo.corridors['sumy-poltava'], title: 'Second convoy', plannedDeparture: new Date(Date.now() + 3_600_000).toISOString(), vehicles: [{ plate: 'BM 0404 AA', type: 'bus', seats: 40 }], manifest: { people: { adults: 30 }, cargo: [] }, distribution: ['ua', 'ru'], rules: {}, notes: '' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const second = JSON.parse(res.body).id as string;
    const { page: ru } = await h.newPage();
    await signIn(h, ru, 'ru-liaison', `/app/movements/${second}`);
    await ru.locator('#recon-people').waitFor();
    expect(await forms(ru)).toEqual(['acknowledge']);
    expect(await ru.locator('form[data-action=acknowledge] p.small').textContent()).toMatch(/not an approval/);
    await ru.locator('form[data-action=acknowledge] button').click();
    await expect.poll(() => ru.locator('#movement-msg').textContent()).toMatch(/^Acknowledged/);
    expect(await ru.locator('#movement-actions').count()).toBe(0);
    // The observer's party is not on the distribution: the movement is not shared with it at all.
    const { page: observer } = await h.newPage();
    await signIn(h, observer, 'observer', `/app/movements/${second}`);
    await expect.poll(() => observer.locator('main h1').textContent()).toBe('Not found, or not shared with your party.');
    expect(await observer.locator('#movement-actions').count()).toBe(0);
    // The mediator may count and abort, and is asked first: Cancel changes nothing.
    const { page: med } = await h.newPage();
    await signIn(h, med, 'mediator-liaison', `/app/movements/${second}`);
    await med.locator('#recon-people').waitFor();
    expect(await forms(med)).toEqual(['abort']);
    const abort = med.locator('form[data-action=abort]');
    await abort.locator('input[name=reason]').fill('Route under fire');
    await abort.locator('button[type=submit]').click();
    await med.locator('dialog.confirm [data-confirm=cancel]').click();
    const state = async (): Promise<string> => JSON.parse((await h.app.inject({ url: `/api/v1/movements/${second}`, headers: { authorization: `Bearer ${h.token('mediator-liaison')}` } })).body).state;
    expect(await state()).toBe('notified');
    await abort.locator('button[type=submit]').click();
    await med.locator('dialog.confirm [data-confirm=ok]').click();
    await expect.poll(() => med.locator('#movement-msg').textContent()).toBe('The movement is aborted.');
    expect(await state()).toBe('aborted');
  }, 60_000);

  it('the convoy leader departs and checks in (a name is required), the receiver confirms the cargo, the leader records the arrival', async () => {
    const op = await open('convoy-operator');
    expect(await forms(op)).toEqual(['depart', 'abort']);
    const violations = await axe(op);
    expect(violations, describeViolations(violations)).toEqual([]);
    // The same forms on a phone: nothing scrolls sideways.
    const { page: phone } = await h.newPage({ width: 390, height: 844 });
    await signIn(h, phone, 'convoy-operator', `/app/movements/${movementId()}`);
    await phone.locator('form[data-action=depart]').waitFor();
    await phone.waitForTimeout(300);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await op.locator('form[data-action=depart] button[type=submit]').click();
    await expect.poll(() => op.locator('#movement-msg').textContent()).toBe('Departure recorded.');
    expect(await op.locator('#movement-state').textContent()).toBe('under way');
    expect(await forms(op)).toEqual(['checkin', 'arrive', 'abort']);
    // A check-in needs the name of who counted.
    const checkin = op.locator('form[data-action=checkin]');
    await checkin.locator('button[type=submit]').click();
    await expect.poll(() => checkin.locator('.field-error').textContent()).toBe('Required.');
    await checkin.locator('input[name=countedBy]').fill('UA checkpoint officer');
    await checkin.locator('select[name=checkpointId]').selectOption({ label: 'Lokhvytsia' });
    await checkin.locator('button[type=submit]').click();
    await expect.poll(() => op.locator('#movement-msg').textContent()).toBe('Check-in recorded.');
    // The receiving operator, and only it, confirms the cargo.
    const rx = await open('receiving-operator');
    expect(await forms(rx)).toContain('receipt');
    const receipt = rx.locator('form[data-action=receipt]');
    await receipt.locator('input[name=receivedBy]').fill('Warehouse, Poltava');
    await receipt.locator('button[type=submit]').click();
    await expect.poll(() => rx.locator('#movement-msg').textContent()).toBe('Receipt recorded.');
    expect(await forms(op)).not.toContain('receipt');
    // Arrival with two adults fewer than departed: the reconciliation flags it.
    const op2 = await open('convoy-operator');
    const arrive = op2.locator('form[data-action=arrive]');
    const adults = arrive.locator('input[name=adults]');
    await adults.fill(String(Number(await adults.inputValue()) - 2));
    await arrive.locator('input[name=countedBy]').fill('Poltava reception centre');
    await arrive.locator('button[type=submit]').click();
    await expect.poll(() => op2.locator('#movement-msg').textContent()).toBe('Arrival recorded; the trackers are released.');
    expect(await op2.locator('#movement-state').textContent()).toBe('arrived');
    expect(await op2.locator('#recon-status').textContent()).toBe('Discrepancies found: highlighted below.');
    expect(await op2.locator('#movement-actions').count()).toBe(0);
    const m = await movement();
    expect(m.state).toBe('arrived');
    expect(m.counts.map((c) => [c.stage, c.checkpointId])).toEqual([['departed', null], ['checkpoint', 'lokhvytsia'], ['arrived', null]]);
    expect((m.counts[2]?.people.adults ?? 0) - (m.counts[0]?.people.adults ?? 0)).toBe(-2);
    expect(m.receipts).toHaveLength(1);
  }, 90_000);

  it('an operator notifies a movement in the browser; a party negotiator is not offered the form', async () => {
    const { page: ua } = await h.newPage();
    await signIn(h, ua, 'ua-liaison');
    expect(await ua.locator('#nav-notify').count()).toBe(0);
    const { page } = await h.newPage();
    await signIn(h, page, 'convoy-operator');
    await page.locator('#nav-notify').click();
    await page.locator('#notify-form').waitFor();
    const violations = await axe(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    await page.locator('#n-corridor').selectOption({ label: 'Sumy → Poltava' });
    await page.locator('#n-title').fill('Third convoy');
    await page.locator('#n-vehicles input[name=plate]').fill('BM 0505 AA');
    await page.locator('#n-vehicles input[name=trackerDeviceId]').fill('third-bus-1');
    await page.locator('#n-people-adults').fill('40');
    await page.locator('#n-add-cargo').click();
    await page.locator('#n-cargo input[name=item]').fill('Insulin');
    await page.locator('#n-cargo select[name=category]').selectOption('medicine');
    await page.locator('#n-cargo input[name=quantity]').fill('100');
    await page.locator('#n-cargo select[name=unit]').selectOption('doses');
    // Cargo without a receiving party: said at the field, nothing sent.
    await page.locator('#notify-submit').click();
    await expect.poll(() => page.locator('#n-receiver-error').textContent()).toMatch(/^Cargo needs a receiving party/);
    await page.locator('#n-receiver').selectOption('poltava-aid');
    await page.locator('#notify-submit').click();
    await page.waitForURL(/\/app\/movements\/mov_/);
    await page.locator('#recon-people').waitFor();
    expect(await page.locator('#movement-state').textContent()).toBe('notified');
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
    const m = JSON.parse((await h.app.inject({ url: `/api/v1/movements/${id}`, headers: { authorization: `Bearer ${h.token('convoy-operator')}` } })).body);
    expect(m).toMatchObject({ title: 'Third convoy', receivingPartyId: 'poltava-aid', vehicles: [{ plate: 'BM 0505 AA', type: 'bus', trackerDeviceId: 'third-bus-1' }], manifest: { people: { adults: 40 }, cargo: [{ item: 'Insulin', category: 'medicine', quantity: 100, unit: 'doses' }] } });
    expect([...m.distribution].sort()).toEqual(['poltava-aid', 'ru', 'ua']);
    expect(m.awaitingAcknowledgement.sort()).toEqual(['poltava-aid', 'ru', 'ua']);
    // On a phone the form does not scroll sideways (its tables scroll in their own boxes).
    const { page: phone } = await h.newPage({ width: 390, height: 844, locale: 'uk-UA' });
    await signIn(h, phone, 'convoy-operator', '/app/movements/new');
    await phone.locator('#notify-form').waitFor();
    await phone.locator('#n-add-cargo').click();
    await phone.waitForTimeout(300);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }, 60_000);
});
