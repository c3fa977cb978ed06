/**
 * The party's signing keys: when each was registered and what became of it, and — for the
 * party's admins and liaison officers — revoking one, saying why. The two reasons have very
 * different consequences, so the form spells out both, and a compromise is confirmed naming the
 * corridors that lose the party's guarantee (the server's rule: losesGuaranteeIfCompromised).
 */
import { zonedToRfc3339 } from '../../../src/i18n/index.js';
import { isAllowed } from '../../../src/domain/authorization.js';
import { losesGuaranteeIfCompromised } from '../../../src/domain/guarantee-rules.js';
import { api, type KeyView } from '../api.js';
import { confirmAction } from '../confirm.js';
import type { Ctx } from '../context.js';
import { clear, h, nextId, scrollBox } from '../dom.js';
import { clearFieldError, setFieldError, showProblem } from '../feedback.js';
import { both } from '../format.js';
import { t } from '../i18n.js';
import { gateOnEd25519, generateSigningKey, parsePublicJwk } from '../sign.js';
import { busySubmit, whileBusy } from '../busy.js';
import { stillCurrent } from '../nav.js';
import { pictureAt, prepare } from '../state.js';

const TZ = 'Europe/Kyiv';
const short = (kid: string): string => `${kid.slice(0, 12)}…`;

export async function renderKeys(main: HTMLElement, ctx: Ctx): Promise<void> {
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const current = stillCurrent();
  const party = await api.parties().then((ps) => ps.find((p) => p.id === ctx.actor.partyId));
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;
  clear(main);
  const keys = party?.keys ?? [];
  const manage = isAllowed(ctx.actor, 'key.manage', { partyId: ctx.actor.partyId });
  const msg = h('p', { id: 'keys-msg', role: 'status', class: 'msg' });
  const reload = async (): Promise<void> => {
    const text = msg.textContent;
    const cls = msg.className;
    await renderKeys(main, ctx);
    const m = document.getElementById('keys-msg');
    if (m) {
      m.textContent = text;
      m.className = cls;
    }
  };
  const statusOf = (k: KeyView): string =>
    k.revokedAt === null
      ? t('keys.standing')
      : k.revocationReason === 'superseded'
        ? t('keys.retired', { when: both(Date.parse(k.revokedAt), TZ) })
        : t('keys.compromised', { since: both(Date.parse(k.compromisedSince ?? k.createdAt), TZ), when: both(Date.parse(k.revokedAt), TZ) });
  // The form opens below the table (not in its row: it stays readable on a phone).
  const panel = h('div', { id: 'revoke-panel' });
  const rows = keys.map((k) => {
    const cell = h('td', {});
    // A standing key may be retired or reported compromised; a retired one may still be found compromised.
    if (manage && k.revocationReason !== 'compromised') {
      const open = h('button', { type: 'button', 'data-revoke': k.kid, 'aria-controls': 'revoke-panel' }, t(k.revokedAt === null ? 'keys.revoke' : 'keys.reportCompromised'));
      open.addEventListener('click', () => {
        clear(panel);
        const form = revokeForm(ctx, k, msg, reload, () => {
          clear(panel);
          open.focus();
        });
        panel.append(form);
        form.querySelector<HTMLInputElement>('input[type=radio]')?.focus();
      });
      cell.append(open);
    }
    return h(
      'tr',
      { 'data-kid': k.kid, 'data-key-state': k.revokedAt === null ? 'standing' : (k.revocationReason ?? 'compromised') },
      h('td', { title: k.kid }, h('code', {}, short(k.kid))),
      h('td', { class: 'small' }, both(Date.parse(k.createdAt), TZ)),
      h('td', { class: k.revocationReason === 'compromised' ? 'error' : '' }, statusOf(k)),
      manage ? cell : null,
    );
  });
  main.append(
    h('h1', {}, t('keys.title', { party: party?.name ?? ctx.actor.partyId })),
    h('p', {}, t('keys.intro')),
    manage ? '' : h('p', { class: 'small', id: 'keys-read-only' }, t('keys.readOnly')),
    msg,
    keys.length === 0
      ? h('p', {}, t('keys.none'))
      : scrollBox(
          h(
            'table',
            { class: 'list', id: 'keys' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('keys.kid')), h('th', { scope: 'col' }, t('keys.registered')), h('th', { scope: 'col' }, t('keys.status')), manage ? h('th', { scope: 'col' }, t('actions.title')) : null)),
            h('tbody', {}, rows),
          ),
          t('common.tableOf', { name: t('keys.title', { party: party?.name ?? '' }) }),
          t('common.scrollHint'),
        ),
    panel,
    manage ? addKeySection(ctx, party?.name ?? ctx.actor.partyId, msg, reload) : '',
  );
}

/**
 * Adding a key, for the party's admins and liaison officers: made here (the private key saved to
 * a file on this device, never sent), or the public half of one `passage keys generate` made.
 * After a compromise this is how the party gets a key that stands, to sign again.
 */
function addKeySection(ctx: Ctx, partyName: string, msg: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const say = (cls: 'ok' | 'error', text: string): void => {
    msg.className = `msg ${cls}`;
    msg.textContent = text;
  };
  const create = h('button', { type: 'button', id: 'key-create', class: 'primary' }, t('keys.add.createButton'));
  const unsupported = h('p', { class: 'small', hidden: true }, t('keys.add.unsupported'));
  gateOnEd25519(create as HTMLButtonElement, unsupported);
  create.addEventListener('click', () => {
    void whileBusy(create, [create], async () => {
      // A new attempt: the last outcome is stale.
      say('ok', '');
      try {
        const key = await generateSigningKey();
        // Registered first: a file is saved only for a key the server holds.
        await api.registerKey(ctx.actor.partyId, key.publicJwk);
        const file = `${ctx.actor.partyId}-${key.kid.slice(0, 8)}.private.jwk`;
        const url = URL.createObjectURL(new Blob([`${JSON.stringify(key.privateJwk, null, 2)}\n`], { type: 'application/jwk+json' }));
        const a = h('a', { href: url, download: file, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        say('ok', t('keys.add.created', { kid: short(key.kid), file }));
        await reload();
      } catch (err) {
        say('error', '');
        showProblem(err, msg);
      }
    });
  });

  const fileId = nextId('pubkey');
  const input = h('input', { type: 'file', id: fileId, accept: '.jwk,.json,application/json' }) as HTMLInputElement;
  const form = h(
    'form',
    { class: 'register-key' },
    h('div', { class: 'field' }, h('label', { for: fileId }, t('keys.add.fileLabel')), input),
    h('button', { type: 'submit' }, t('keys.add.fileButton')),
  );
  form.addEventListener(
    'submit',
    busySubmit(async () => {
      // A new attempt: the last outcome ("Key … registered") is stale beside what this one says.
      say('ok', '');
      clearFieldError(input);
      const file = input.files?.[0];
      if (!file) return setFieldError(input, t('keys.add.needFile'));
      const jwk = parsePublicJwk(await file.text());
      if (jwk === 'private') return setFieldError(input, t('keys.add.private'));
      if (jwk === null) return setFieldError(input, t('keys.add.notKey'));
      try {
        const view = await api.registerKey(ctx.actor.partyId, jwk);
        // The server answers with the record it holds: a key registered before and since
        // revoked stays revoked, and must not be announced as a key that can sign.
        if (view.revokedAt !== null) say('error', t(view.revocationReason === 'superseded' ? 'keys.add.alreadyRetired' : 'keys.add.alreadyCompromised', { kid: short(view.kid) }));
        else say('ok', t('keys.add.registered', { kid: short(view.kid) }));
        await reload();
      } catch (err) {
        say('error', '');
        showProblem(err, msg, (path) => (path.startsWith('/jwk') ? input : null));
      }
    }),
  );
  return h(
    'section',
    { id: 'add-key', 'aria-labelledby': 'add-key-title' },
    h('h2', { id: 'add-key-title' }, t('keys.add.title'), h('span', { class: 'visually-hidden' }, ` — ${partyName}`)),
    h('h3', {}, t('keys.add.create')),
    h('p', { class: 'small' }, t('keys.add.createHelp')),
    unsupported,
    create,
    h('h3', {}, t('keys.add.file')),
    form,
  );
}

/** The choice of reason, each with its consequence, and for a compromise the optional `since`. */
function revokeForm(ctx: Ctx, key: KeyView, msg: HTMLElement, reload: () => Promise<void>, cancelled: () => void): HTMLElement {
  const name = nextId('reason');
  const sinceId = nextId('since');
  const retired = key.revokedAt !== null; // superseded already: only a compromise is left to report
  const choice = (reason: 'superseded' | 'compromised'): HTMLElement => {
    const id = `${name}-${reason}`;
    return h(
      'div',
      { class: 'choice' },
      h('input', { type: 'radio', name, id, value: reason, 'aria-describedby': `${id}-effect` }),
      h('label', { for: id }, t(`keys.reason.${reason}`)),
      h('p', { class: 'small', id: `${id}-effect` }, t(`keys.reason.${reason}.effect`)),
    );
  };
  const since = h('input', { id: sinceId, name: 'since', type: 'datetime-local', 'aria-describedby': `${sinceId}-help` });
  const legend = h('legend', {}, t('keys.revoke.legend', { kid: short(key.kid) }));
  const fieldset = h('fieldset', { 'data-revoke-form': key.kid }, legend, retired ? null : choice('superseded'), choice('compromised'));
  const sinceField = h('div', { class: 'field', hidden: true }, h('label', { for: sinceId }, t('keys.since', { zone: TZ })), since, h('p', { class: 'small', id: `${sinceId}-help` }, t('keys.since.help')));
  const form = h('form', { class: 'revoke-key' }, fieldset, sinceField);
  const radios = (): HTMLInputElement[] => [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]`)];
  if (retired) {
    const only = radios()[0];
    if (only) only.checked = true;
    sinceField.hidden = false;
  }
  form.addEventListener('change', () => {
    clearFieldError(fieldset);
    sinceField.hidden = radios().find((r) => r.checked)?.value !== 'compromised';
  });
  const submit = h('button', { type: 'submit', class: 'danger' }, t('keys.submit'));
  const cancel = h('button', { type: 'button' }, t('keys.cancel'));
  cancel.addEventListener('click', cancelled);
  form.append(h('div', { class: 'inline' }, submit, cancel));
  form.addEventListener(
    'submit',
    busySubmit(async () => {
      msg.textContent = '';
      msg.className = 'msg';
      const reason = radios().find((r) => r.checked)?.value as 'superseded' | 'compromised' | undefined;
      if (!reason) {
        setFieldError(fieldset, t('keys.reason.required'));
        return;
      }
      const sinceIso = reason === 'compromised' && since.value ? zonedToRfc3339(since.value, TZ) : undefined;
      const kid = short(key.kid);
      let text: string;
      if (reason === 'superseded') text = t('keys.confirm.superseded', { kid });
      else {
        // Which corridors lose the guarantee: the same rule the server applies once it is revoked.
        const from = sinceIso !== undefined ? new Date(Date.parse(sinceIso)).toISOString() : key.createdAt;
        // A corridor whose last window has ended keeps its record as it is (the server skips
        // it, though its stored state may still say guaranteed until it is swept): not named.
        const now = Date.now();
        const losing = (await api.corridors()).filter((c) => losesGuaranteeIfCompromised(c, key.kid, from) && pictureAt(prepare(c), now).state !== 'closed');
        text = losing.length ? t('keys.confirm.compromised', { kid, corridors: losing.map((c) => `“${c.title}”`).join(', ') }) : t('keys.confirm.compromisedNone', { kid });
      }
      if (!(await confirmAction(text, t(reason === 'superseded' ? 'keys.confirm.okSuperseded' : 'keys.confirm.okCompromised')))) return;
      try {
        const v = await api.revokeKey(ctx.actor.partyId, key.kid, { reason, ...(sinceIso !== undefined ? { since: sinceIso } : {}) });
        const titles = v.voidedCorridorIds.length ? (await api.corridors()).filter((c) => v.voidedCorridorIds.includes(c.id)).map((c) => `“${c.title}”`) : [];
        msg.className = 'msg ok';
        msg.textContent = reason === 'superseded' ? t('keys.done.superseded', { kid }) : titles.length ? t('keys.done.compromised', { kid, corridors: titles.join(', ') }) : t('keys.done.compromisedNone', { kid });
        await reload();
      } catch (err) {
        msg.className = 'msg error';
        showProblem(err, msg, (path) => (path === '/since' ? since : path === '/reason' ? fieldset : null));
      }
    }),
  );
  return form;
}
