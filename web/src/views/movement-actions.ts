/**
 * What a member can do on a movement's page, by the server's own rules (`movementActions` in
 * web/src/permissions.ts): acknowledge the notification (a party on its distribution), record
 * the departure, a check-in at a checkpoint and the arrival with the people counted by category
 * and the cargo by line, confirm receipt of the cargo (the receiving party alone), or abort it
 * (asked first). Times are typed in the corridor's zone and sent as RFC 3339.
 */
import { localInputValue, zonedToRfc3339 } from '../../../src/i18n/index.js';
import { busySubmit } from '../busy.js';
import { api, type MovementView } from '../api.js';
import { confirmAction } from '../confirm.js';
import type { Ctx } from '../context.js';
import { field, h, nextId } from '../dom.js';
import { clearOnEdit, fieldByPath, setFieldError, showProblem } from '../feedback.js';
import { t, type MessageKey } from '../i18n.js';
import { movementActions, type MovementUiAction } from '../permissions.js';

const CATEGORIES = ['adults', 'children', 'elderly', 'wounded', 'personsWithDisabilities'] as const;

/** The people last counted (or, before any count, the manifest's plan): what a new count starts from. */
function lastPeople(m: MovementView): Record<string, number> {
  return m.counts.at(-1)?.people ?? m.manifest.people;
}

/**
 * The actions section, or null when the member may do nothing here now. `done(message)` re-reads
 * the page and shows the message; a refusal is shown in the section, at the field it names.
 */
export function movementActionsSection(m: MovementView, ctx: Ctx, checkpoints: readonly { id?: string | undefined; name: string }[], tz: string, done: (message: string) => Promise<void>): HTMLElement | null {
  const actions = movementActions(ctx.actor, m, checkpoints.filter((c) => c.id).length);
  if (actions.length === 0) return null;
  const msg = h('p', { id: 'movement-action-msg', class: 'msg', role: 'status' });
  const section = h('section', { class: 'card actions', id: 'movement-actions', 'aria-labelledby': 'h-movement-actions' }, h('h2', { id: 'h-movement-actions' }, t('movement.actions')));
  clearOnEdit(section, msg);
  for (const a of actions) section.append(actionForm(a, m, checkpoints, tz, msg, done));
  section.append(msg);
  return section;
}

function actionForm(action: MovementUiAction, m: MovementView, checkpoints: readonly { id?: string | undefined; name: string }[], tz: string, msg: HTMLElement, done: (message: string) => Promise<void>): HTMLElement {
  const idOf = (what: string): string => nextId(`mv-${action}-${what}`);
  const fields: Record<string, HTMLElement> = {};
  const parts: HTMLElement[] = [];
  // When: the corridor's wall clock, now by default.
  const when = h('input', { id: idOf('at'), name: 'at', type: 'datetime-local', value: localInputValue(Date.now(), tz) }) as HTMLInputElement;
  const people = new Map<string, HTMLInputElement>();
  const cargo = new Map<string, HTMLInputElement>();
  const text = (name: string, required: boolean): HTMLInputElement => h('input', { id: idOf(name), name, maxlength: '200', ...(required ? { 'aria-required': 'true' } : {}) }) as HTMLInputElement;
  const who = text(action === 'receipt' ? 'receivedBy' : 'countedBy', action !== 'depart');
  const reason = h('input', { id: idOf('reason'), name: 'reason', maxlength: '2000', 'aria-required': 'true' }) as HTMLInputElement;
  const checkpoint = h('select', { id: idOf('checkpoint'), name: 'checkpointId' }, checkpoints.filter((c) => c.id).map((c) => h('option', { value: c.id }, c.name))) as HTMLSelectElement;

  if (action === 'acknowledge') parts.push(h('p', { class: 'small' }, t('movement.ackHelp')));
  if (action === 'checkin') parts.push(field(t('movement.form.checkpoint'), checkpoint));
  if (action === 'depart' || action === 'checkin' || action === 'arrive') {
    const start = lastPeople(m);
    const grid = h('div', { class: 'grid' });
    for (const c of CATEGORIES) {
      const input = h('input', { id: idOf(c), name: c, type: 'number', min: '0', step: '1', value: String(start[c] ?? 0) }) as HTMLInputElement;
      people.set(c, input);
      grid.append(field(t(`people.${c}` as MessageKey), input));
    }
    parts.push(h('fieldset', {}, h('legend', {}, t('movement.form.people')), grid));
    fields['/people'] = grid;
  }
  if ((action === 'depart' || action === 'arrive' || action === 'receipt') && m.manifest.cargo.length > 0) {
    const grid = h('div', { class: 'grid' });
    for (const line of m.manifest.cargo) {
      const input = h('input', { id: idOf(`cargo-${line.id}`), name: line.id, type: 'number', min: '0', step: 'any', value: String(line.quantity) }) as HTMLInputElement;
      cargo.set(line.id, input);
      grid.append(field(`${line.item} (${line.unit})`, input));
    }
    parts.push(h('fieldset', {}, h('legend', {}, t(action === 'depart' ? 'movement.form.cargoDispatched' : 'movement.form.cargoCounted')), grid));
    fields['/cargo'] = grid;
    fields['/lines'] = grid;
  }
  if (action !== 'acknowledge' && action !== 'abort') {
    parts.push(field(t(action === 'receipt' ? 'movement.form.receivedBy' : 'movement.form.countedBy'), who));
    parts.push(field(t('movement.form.at', { zone: tz }), when));
    fields['/countedBy'] = who;
    fields['/receivedBy'] = who;
    fields['/at'] = when;
  }
  if (action === 'abort') {
    parts.push(field(t('movement.form.reason'), reason));
    fields['/reason'] = reason;
  }

  const submit = async (): Promise<void> => {
    // Required text said in the app's words, before anything is sent.
    const empty = action === 'abort' ? (reason.value.trim() === '' ? reason : null) : action !== 'acknowledge' && action !== 'depart' && who.value.trim() === '' ? who : null;
    if (empty) {
      setFieldError(empty, t('problem.required'));
      empty.focus();
      return;
    }
    if (action === 'abort' && !(await confirmAction(t('movement.confirmAbort'), t('movement.action.abort')))) return;
    const at = when.value ? zonedToRfc3339(when.value, tz) : undefined;
    const counted = Object.fromEntries([...people].filter(([, i]) => i.value !== '').map(([c, i]) => [c, Number(i.value)]));
    const lines = [...cargo].filter(([, i]) => i.value !== '').map(([lineId, i]) => ({ lineId, quantity: Number(i.value) }));
    const countedBy = who.value.trim();
    try {
      if (action === 'acknowledge') await api.movementAction(m.id, 'acknowledge');
      else if (action === 'depart') await api.movementAction(m.id, 'depart', { at, people: counted, cargo: lines, ...(countedBy ? { countedBy } : {}) });
      else if (action === 'checkin') await api.movementAction(m.id, 'checkins', { checkpointId: checkpoint.value, at, countedBy, people: counted });
      else if (action === 'arrive') await api.movementAction(m.id, 'arrive', { at, countedBy, people: counted, cargo: lines });
      else if (action === 'receipt') await api.movementAction(m.id, 'receipts', { at, receivedBy: countedBy, lines });
      else await api.movementAction(m.id, 'abort', { reason: reason.value.trim() });
      await done(t(`movement.done.${action}` as MessageKey));
    } catch (err) {
      showProblem(err, msg, (path) => fieldByPath(fields, path))?.focus();
    }
  };
  const headingId = nextId(`mv-${action}-h`);
  return h(
    'form',
    { class: `movement-action action-${action}`, 'data-action': action, novalidate: true, 'aria-labelledby': headingId, onsubmit: busySubmit(submit) },
    h('h3', { id: headingId }, t(`movement.action.${action}` as MessageKey)),
    parts,
    h('button', { type: 'submit', class: action === 'abort' ? 'danger' : 'primary' }, t(`movement.action.${action}` as MessageKey)),
  );
}
