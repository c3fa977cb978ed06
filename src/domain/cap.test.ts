import { describe, expect, it } from 'vitest';
import { capAlertXml, type CapAlertInput } from './cap.js';

const T = (iso: string): number => Date.parse(iso);
const resumed = (at: string, window: CapAlertInput['window']): CapAlertInput => ({
  identifier: 'corridor-alert-2',
  sender: 'passage.local',
  sent: T(at),
  kind: 'resumed',
  msgType: 'Update',
  references: [],
  corridorId: 'cor_1',
  title: 'Sumy → Poltava',
  origin: 'Sumy',
  destination: 'Poltava',
  widthM: 3000,
  timeZone: 'Europe/Kyiv',
  window,
  effective: T(at),
  reason: null,
  zone: [[34.8, 50.9], [34.9, 50.9], [34.9, 51], [34.8, 50.9]],
});
const instruction = (xml: string, lang: string): string => new RegExp(`<language>${lang}</language>[\\s\\S]*?<instruction>([^<]*)</instruction>`).exec(xml)?.[1] ?? '';
const day = { start: T('2022-03-09T07:00:00Z'), end: T('2022-03-09T19:00:00Z') };

describe('CAP: a resumption says whether the ceasefire holds now', () => {
  it('inside a window: it holds again, and the alert expires at the window’s end', () => {
    const xml = capAlertXml(resumed('2022-03-09T10:00:00Z', day));
    expect(instruction(xml, 'en-US')).toBe('The ceasefire along the route holds again. Check the window times before setting out.');
    expect(xml).toContain('<expires>2022-03-09T21:00:00+02:00</expires>');
  });

  it('between windows: only from the next one, named in the corridor’s local time, in each language', () => {
    const xml = capAlertXml(resumed('2022-03-08T22:00:00Z', day));
    expect(instruction(xml, 'en-US')).toBe('The suspension has been lifted, but the ceasefire along the route holds only from the next window: 2022-03-09 09:00 (Europe/Kyiv). Do not set out before then.');
    expect(instruction(xml, 'uk-UA')).toMatch(/^Призупинення скасовано, але режим тиші .* 2022-03-09 09:00 \(Europe\/Kyiv\)/);
    expect(instruction(xml, 'ru-RU')).toMatch(/^Приостановка отменена, но режим тишины .* 2022-03-09 09:00 \(Europe\/Kyiv\)/);
    expect(instruction(xml, 'en-US')).not.toMatch(/holds again/);
  });

  it('after its last window: nothing on the ground changes — urgency Past, no action asked, no expiry, in each language', () => {
    for (const xml of [capAlertXml(resumed('2022-03-10T10:00:00Z', day)), capAlertXml(resumed('2022-03-10T10:00:00Z', null))]) {
      expect(instruction(xml, 'en-US')).toBe('Every window of this corridor has already ended, so no ceasefire holds along the route; this notice records the change and calls for no action.');
      expect(instruction(xml, 'uk-UA')).toMatch(/^Увесь час роботи цього коридору вже минув/);
      expect(instruction(xml, 'ru-RU')).toMatch(/^Всё время работы этого коридора уже истекло/);
      // Not "Execute" while saying "Do not set out".
      for (const info of xml.split('<info>').slice(1)) expect(info).toMatch(/<responseType>None<\/responseType>\s*<urgency>Past<\/urgency>\s*<severity>Minor<\/severity>/);
      expect(xml).not.toContain('<expires>');
      expect(xml).not.toMatch(/Do not set out|Execute/);
    }
  });
});

const alert = (kind: CapAlertInput['kind'], at: string, extra: Partial<CapAlertInput> = {}): CapAlertInput => ({ ...resumed(at, day), kind, ...extra });
const tone = (xml: string): string[] => xml.split('<info>').slice(1).map((info) => ['responseType', 'urgency', 'severity'].map((f) => new RegExp(`<${f}>([^<]*)</${f}>`).exec(info)?.[1]).join(' '));

describe('CAP: what an alert asks, and until when', () => {
  it('a suspension confirmed after every window ended (the 2022 demo’s incident, confirmed today) asks nothing: Past, None, Minor', () => {
    const late = alert('suspended', '2026-11-27T10:00:00Z', { effective: T('2022-03-05T08:00:00Z'), window: { start: T('2022-03-05T07:00:00Z'), end: T('2022-03-05T15:00:00Z') }, lastEnd: T('2022-03-05T15:00:00Z') });
    const xml = capAlertXml(late);
    expect(tone(xml)).toEqual(['None Past Minor', 'None Past Minor', 'None Past Minor']);
    expect(instruction(xml, 'en-US')).toMatch(/^Every window of this corridor has already ended/);
    expect(xml).not.toContain('seek shelter');
    expect(xml).not.toContain('<expires>');
    // While a window is still to come it is a warning, that expires with the corridor's last window.
    const now = capAlertXml(alert('suspended', '2022-03-09T10:00:00Z', { lastEnd: T('2022-03-10T19:00:00Z') }));
    expect(tone(now)).toEqual(['Avoid Immediate Severe', 'Avoid Immediate Severe', 'Avoid Immediate Severe']);
    expect(now).toContain('<expires>2022-03-10T21:00:00+02:00</expires>');
  });

  it('a withdrawal after the last window asks nothing; one while a window runs tells those on the route to seek shelter', () => {
    expect(tone(capAlertXml(alert('withdrawn', '2022-03-10T10:00:00Z', { lastEnd: day.end })))[0]).toBe('None Past Minor');
    const open = capAlertXml(alert('withdrawn', '2022-03-09T10:00:00Z', { lastEnd: day.end }));
    expect(tone(open)[0]).toBe('Avoid Immediate Severe');
    expect(instruction(open, 'en-US')).toMatch(/seek shelter/);
    expect(open).toContain('<expires>2022-03-09T21:00:00+02:00</expires>');
  });

  it('a closure before the window’s end is an urgent warning that expires with that window; a window’s end expires nothing', () => {
    const early = capAlertXml(alert('closed', '2022-03-09T10:00:00Z', { closedBy: { cause: 'amended' } }));
    expect(tone(early)[0]).toBe('Avoid Immediate Severe');
    expect(early).toContain('<expires>2022-03-09T21:00:00+02:00</expires>');
    const ended = capAlertXml(alert('closed', '2022-03-09T19:00:01Z', { closedBy: { cause: 'window_end' }, msgType: 'Cancel' }));
    expect(tone(ended)[0]).toBe('None Past Minor');
    expect(ended).not.toContain('<expires>');
  });

  it('drops control characters from a party’s words (xmlEscape uses the feeds’ one function)', () => {
    const xml = capAlertXml(alert('suspended', '2022-03-09T10:00:00Z', { reason: { 'uk-UA': 'a\u0007b\u000bc', 'ru-RU': 'a\u0007b', 'en-US': 'a\u0007b\ufffe' } }));
     
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(xml).toContain('Reason: ab');
  });
});
