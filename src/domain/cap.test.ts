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

  it('after its last window: none will hold', () => {
    expect(instruction(capAlertXml(resumed('2022-03-10T10:00:00Z', day)), 'en-US')).toMatch(/^The suspension has been lifted, but the corridor has no window left/);
    expect(instruction(capAlertXml(resumed('2022-03-10T10:00:00Z', null)), 'en-US')).toMatch(/no window left/);
  });
});
