/**
 * Asks before an action with big consequences: a modal <dialog> naming the consequence, with
 * Cancel focused first (Escape cancels too). Resolves true only if the user confirms.
 */
import { h, nextId } from './dom.js';
import { t } from './i18n.js';

export function confirmAction(text: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = nextId('confirm-title');
    const textId = nextId('confirm-text');
    const cancel = h('button', { type: 'button', 'data-confirm': 'cancel' }, t('confirm.cancel'));
    const ok = h('button', { type: 'button', class: 'danger', 'data-confirm': 'ok' }, confirmLabel);
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': titleId, 'aria-describedby': textId }, h('h2', { id: titleId }, t('confirm.title')), h('p', { id: textId }, text), h('div', { class: 'inline' }, cancel, ok));
    let answer = false;
    cancel.addEventListener('click', () => dialog.close());
    ok.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
