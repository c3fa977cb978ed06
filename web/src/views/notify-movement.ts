/**
 * Notify a movement (`/app/movements/new`, humanitarian operators and the mediator, by
 * `canNotifyMovement`): the corridor, the planned departure in the corridor's zone, the vehicles
 * with their trackers, the people by category and the cargo by line, who receives the cargo,
 * and which parties are told. A notification informs; it is acknowledged, never approved — the
 * server says so in a warning when the corridor is not open at the planned departure.
 */
import { stillCurrent } from '../nav.js';
import { localInputValue, zonedToRfc3339 } from '../../../src/i18n/index.js';
import { api, type CorridorView } from '../api.js';
import { busySubmit } from '../busy.js';
import type { Ctx } from '../context.js';
import { clear, field, h, keptCount, nextId } from '../dom.js';
import { clearFieldErrors, clearOnEdit, fieldByPath, setFieldError, showProblem } from '../feedback.js';
import { t, tValue, type MessageKey } from '../i18n.js';

const CATEGORIES = ['adults', 'children', 'elderly', 'wounded', 'personsWithDisabilities'] as const;
const VEHICLE_TYPES = ['bus', 'car', 'van', 'truck', 'ambulance', 'other'] as const;
const CARGO_CATEGORIES = ['food', 'medicine', 'water', 'shelter', 'hygiene', 'medical_equipment', 'clothing', 'fuel', 'other'] as const;
const UNITS = ['kg', 't', 'l', 'pcs', 'doses', 'kits', 'pallets'] as const;

const select = (id: string, name: string, values: readonly string[], label: (v: string) => string): HTMLSelectElement =>
  h('select', { id, name }, values.map((v) => h('option', { value: v }, label(v)))) as HTMLSelectElement;

/** Rows the next render draws (set around a change of language: as many as the form had, for `restoreFields` to fill). */
let keptRows: { vehicles: number; cargo: number } | null = null;

/**
 * Before the page is drawn again for another language: the form's vehicle and cargo rows, as
 * `snapshotFields` kept them, are drawn again — each row's values come back by `restoreFields`.
 */
export function keepNotifyRows(saved: ReadonlyMap<string, readonly unknown[]>): void {
  keptRows = saved.has('notify-form|plate') || saved.has('notify-form|item') ? { vehicles: keptCount(saved, 'notify-form', 'plate'), cargo: keptCount(saved, 'notify-form', 'item') } : null;
}

export async function renderNotifyMovement(main: HTMLElement, ctx: Ctx): Promise<void> {
  const rows = keptRows ?? { vehicles: 1, cargo: 0 };
  keptRows = null;
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const current = stillCurrent();
  const corridors = (await api.corridors()).filter((c) => c.state !== 'withdrawn' && c.state !== 'rejected' && c.state !== 'draft');
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;
  clear(main);
  const zoneOf = (c: CorridorView | undefined): string => c?.terms.windows[0]?.timeZone ?? 'Europe/Kyiv';

  const corridor = h('select', { id: 'n-corridor', name: 'corridorId' }, corridors.map((c) => h('option', { value: c.id }, c.title))) as HTMLSelectElement;
  const title = h('input', { id: 'n-title', name: 'title', maxlength: '300', 'aria-required': 'true' }) as HTMLInputElement;
  const departure = h('input', { id: 'n-departure', name: 'plannedDeparture', type: 'datetime-local', value: localInputValue(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000, zoneOf(corridors[0])) }) as HTMLInputElement;
  const departureLabel = h('label', { for: 'n-departure' }, t('notify.departure', { zone: zoneOf(corridors[0]) }));
  corridor.addEventListener('change', () => {
    departureLabel.textContent = t('notify.departure', { zone: zoneOf(corridors.find((c) => c.id === corridor.value)) });
  });

  // Vehicles and cargo lines: rows added and removed by the user, each cell's control labelled.
  const adder = (body: HTMLElement, cls: string, cells: (id: string) => HTMLElement[]) => (): void => {
    const row = h('tr', { class: cls }, cells(nextId(cls)).map((c) => h('td', {}, c)));
    row.append(h('td', {}, h('button', { type: 'button', class: 'small-btn', 'aria-label': t('notify.remove'), onclick: () => row.remove() }, '×')));
    body.append(row);
  };
  const input = (id: string, name: string, label: MessageKey, attrs: Record<string, string>): HTMLElement => h('input', { id: `${id}-${name}`, name, 'aria-label': t(label), ...attrs });
  const choice = (id: string, name: string, label: MessageKey, values: readonly string[], text: (v: string) => string): HTMLElement => {
    const sel = select(`${id}-${name}`, name, values, text);
    sel.setAttribute('aria-label', t(label));
    return sel;
  };
  const vehicleRows = h('tbody', { id: 'n-vehicles' });
  const addVehicle = adder(vehicleRows, 'vehicle-row', (id) => [
    input(id, 'plate', 'movement.plate', { maxlength: '30' }),
    choice(id, 'type', 'movement.vehicleType', VEHICLE_TYPES, (v) => tValue('vehicle', v)),
    input(id, 'seats', 'movement.seats', { type: 'number', min: '0', max: '500', step: '1' }),
    input(id, 'trackerDeviceId', 'movement.tracker', { maxlength: '100' }),
  ]);
  for (let i = 0; i < rows.vehicles; i++) addVehicle();
  const cargoRows = h('tbody', { id: 'n-cargo' });
  const addCargo = adder(cargoRows, 'cargo-row', (id) => [
    input(id, 'item', 'movement.item', { maxlength: '200' }),
    choice(id, 'category', 'movement.category', CARGO_CATEGORIES, (v) => tValue('cargo', v)),
    input(id, 'quantity', 'movement.quantity', { type: 'number', min: '0', step: 'any' }),
    choice(id, 'unit', 'notify.unit', UNITS, (v) => v),
  ]);
  for (let i = 0; i < rows.cargo; i++) addCargo();

  const people = new Map<string, HTMLInputElement>();
  const peopleGrid = h('div', { class: 'grid', id: 'n-people' });
  for (const c of CATEGORIES) {
    const input = h('input', { id: `n-people-${c}`, name: c, type: 'number', min: '0', step: '1', value: '0' }) as HTMLInputElement;
    people.set(c, input);
    peopleGrid.append(field(t(`people.${c}` as MessageKey), input));
  }

  const others = ctx.parties.filter((p) => p.id !== ctx.actor.partyId);
  const receiver = h('select', { id: 'n-receiver', name: 'receivingPartyId' }, h('option', { value: '' }, t('notify.receiverNone')), others.filter((p) => p.kind === 'humanitarian').map((p) => h('option', { value: p.id }, ctx.partyName(p.id)))) as HTMLSelectElement;
  const distribution = h(
    'div',
    { class: 'checks', id: 'n-distribution' },
    // The mediator sees every movement: not a choice to offer.
    others.filter((p) => p.kind !== 'mediator').map((p) => {
      const id = nextId(`dist-${p.id}`);
      return h('span', { class: 'check' }, h('input', { type: 'checkbox', id, name: 'distribution', value: p.id, checked: p.kind === 'belligerent' }), h('label', { for: id }, ctx.partyName(p.id)));
    }),
  );
  const notes = h('textarea', { id: 'n-notes', name: 'notes', rows: '2', maxlength: '5000' }) as HTMLTextAreaElement;
  const msg = h('p', { id: 'notify-msg', class: 'msg', role: 'status' });

  const submit = async (): Promise<void> => {
    clearFieldErrors(form);
    const rowsOf = (body: HTMLElement, sel: string): HTMLElement[] => [...body.querySelectorAll<HTMLElement>(sel)];
    const val = (row: HTMLElement, name: string): string => (row.querySelector<HTMLInputElement | HTMLSelectElement>(`[name=${name}]`)?.value ?? '').trim();
    const vehicles = rowsOf(vehicleRows, 'tr.vehicle-row')
      .filter((r) => val(r, 'plate') !== '' || val(r, 'trackerDeviceId') !== '')
      .map((r) => ({ plate: val(r, 'plate'), type: val(r, 'type'), ...(val(r, 'seats') ? { seats: Number(val(r, 'seats')) } : {}), ...(val(r, 'trackerDeviceId') ? { trackerDeviceId: val(r, 'trackerDeviceId') } : {}) }));
    const cargo = rowsOf(cargoRows, 'tr.cargo-row')
      .filter((r) => val(r, 'item') !== '' || val(r, 'quantity') !== '')
      .map((r) => ({ item: val(r, 'item'), category: val(r, 'category'), quantity: Number(val(r, 'quantity') || 'NaN'), unit: val(r, 'unit') }));
    // Said here, in the app's words, before anything is sent.
    const refuse = (at: HTMLElement, text: string, focus: HTMLElement): void => {
      setFieldError(at, text);
      msg.textContent = t('problem.seeField');
      focus.focus();
    };
    if (title.value.trim() === '') return refuse(title, t('problem.required'), title);
    if (vehicles.length === 0) return refuse(vehicleTable, t('notify.needVehicle'), vehicleRows.querySelector('input') ?? vehicleTable);
    if (cargo.length > 0 && receiver.value === '') return refuse(receiver, t('notify.needReceiver'), receiver);
    const told = [...distribution.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    // The consignee must see the movement it receives.
    if (receiver.value && !told.includes(receiver.value)) told.push(receiver.value);
    const zone = zoneOf(corridors.find((c) => c.id === corridor.value));
    const body = {
      corridorId: corridor.value,
      title: title.value.trim(),
      plannedDeparture: departure.value ? zonedToRfc3339(departure.value, zone) : '',
      vehicles,
      manifest: { people: Object.fromEntries([...people].map(([c, i]) => [c, Number(i.value || '0')])), cargo },
      distribution: told,
      ...(receiver.value ? { receivingPartyId: receiver.value } : {}),
      notes: notes.value,
    };
    try {
      const m = await api.notifyMovement(body);
      ctx.navigate(`/app/movements/${encodeURIComponent(m.id)}`);
    } catch (err) {
      const fields = { '/corridorId': corridor, '/title': title, '/plannedDeparture': departure, '/vehicles': vehicleTable, '/manifest/people': peopleGrid, '/manifest/cargo': cargoTable, '/receivingPartyId': receiver, '/distribution': distribution, '/notes': notes };
      showProblem(err, msg, (path) => fieldByPath(fields, path))?.focus();
    }
  };

  const head = (cols: string[]): HTMLElement => h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('notify.remove')))));
  const vehicleTable = h('table', { class: 'list', id: 'n-vehicle-table' }, head([t('movement.plate'), t('movement.vehicleType'), t('movement.seats'), t('movement.tracker')]), vehicleRows);
  const cargoTable = h('table', { class: 'list', id: 'n-cargo-table' }, head([t('movement.item'), t('movement.category'), t('movement.quantity'), t('notify.unit')]), cargoRows);
  const form = h(
    'form',
    { id: 'notify-form', class: 'propose', novalidate: true, onsubmit: busySubmit(submit) },
    h('h1', {}, t('notify.title')),
    h('p', { class: 'small' }, t('notify.lead')),
    corridors.length === 0 ? h('p', { class: 'msg error' }, t('notify.noCorridor')) : null,
    field(t('movement.corridor'), corridor),
    field(t('notify.titleField'), title),
    h('div', { class: 'field' }, departureLabel, departure),
    h('fieldset', {}, h('legend', {}, t('movement.vehicles')), h('div', { class: 'table-scroll' }, vehicleTable), h('button', { type: 'button', id: 'n-add-vehicle', onclick: addVehicle }, t('notify.addVehicle'))),
    h('fieldset', {}, h('legend', {}, t('movement.people')), peopleGrid),
    h('fieldset', {}, h('legend', {}, t('movement.cargo')), h('div', { class: 'table-scroll' }, cargoTable), h('button', { type: 'button', id: 'n-add-cargo', onclick: addCargo }, t('notify.addCargo'))),
    field(t('notify.receiver'), receiver),
    h('fieldset', {}, h('legend', {}, t('notify.distribution')), h('p', { class: 'small' }, t('notify.distributionHelp')), distribution),
    field(t('notify.notes'), notes),
    h('button', { type: 'submit', class: 'primary', id: 'notify-submit', disabled: corridors.length === 0 }, t('notify.submit')),
    msg,
  );
  clearOnEdit(form, msg);
  main.append(form);
}
