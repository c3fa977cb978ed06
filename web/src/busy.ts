/**
 * One request per action: while an action's request is in flight its buttons are disabled (a
 * double click or a second Enter would otherwise send it twice — two incidents, or a second
 * signature the server refuses with 409), and given back when it ends, whether it succeeded or
 * failed. Every form and action button of the app goes through these two helpers.
 */

/** The buttons that would start `form`'s action again. */
function submitButtons(form: HTMLFormElement): HTMLButtonElement[] {
  return [...form.querySelectorAll<HTMLButtonElement>('button:not([type]), button[type=submit]')];
}

/**
 * Runs `work` with `controls` disabled; a call made while the same `owner` is busy does nothing.
 * Controls disabled before (e.g. no Ed25519 in this browser) stay disabled afterwards. If
 * focus fell to <body> because the focused button was disabled, it goes back to that button.
 */
export async function whileBusy(owner: HTMLElement, controls: readonly HTMLElement[], work: () => Promise<void>): Promise<void> {
  if (owner.dataset.busy === 'true') return;
  owner.dataset.busy = 'true';
  owner.setAttribute('aria-busy', 'true');
  const focused = document.activeElement;
  const changed = controls.filter((c) => !c.hasAttribute('disabled'));
  for (const c of changed) c.setAttribute('disabled', '');
  try {
    await work();
  } finally {
    delete owner.dataset.busy;
    owner.removeAttribute('aria-busy');
    for (const c of changed) c.removeAttribute('disabled');
    if ((document.activeElement === document.body || document.activeElement === null) && focused instanceof HTMLElement && focused.isConnected) focused.focus();
  }
}

/** A form's submit handler that runs once at a time, its submit buttons disabled meanwhile. */
export function busySubmit(handler: (e: SubmitEvent) => Promise<void>): (e: Event) => void {
  return (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    void whileBusy(form, submitButtons(form), () => handler(e as SubmitEvent));
  };
}

/** A button's click handler that runs once at a time; `alsoDisable` (its sibling choices) are disabled with it. */
export function busyClick(button: HTMLElement, work: () => Promise<void>, alsoDisable: () => readonly HTMLElement[] = () => []): void {
  button.addEventListener('click', () => {
    const group = [button, ...alsoDisable()];
    const owner = (button.parentElement ?? button) as HTMLElement;
    void whileBusy(owner, group, work);
  });
}
