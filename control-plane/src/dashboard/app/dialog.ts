import { h } from './dom';

/**
 * Asks to confirm an action with a reason (required or optional). The dialog stays
 * open with the server's answer when the action fails.
 */
export function confirmDialog(
  question: string,
  needsReason: boolean,
  action: (reason: string) => Promise<unknown>,
): void {
  const reason = h('textarea', {
    rows: 3,
    cols: 40,
    'aria-label': 'reason',
    placeholder: needsReason ? 'Reason (required)' : 'Comment (optional)',
  });
  const error = h('p', { role: 'alert', class: 'muted' });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const dialog = h(
    'dialog',
    { 'aria-label': question },
    h(
      'form',
      {
        method: 'dialog',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          if (needsReason && !reason.value.trim()) {
            error.textContent = 'A reason is required.';
            return;
          }
          try {
            await action(reason.value.trim());
            close();
          } catch (err) {
            const { code, message } = err as { code?: string; message: string };
            error.textContent = `${code ?? ''} ${message}`;
          }
        },
      },
      h('h2', {}, question),
      reason,
      error,
      h(
        'div',
        { class: 'toolbar' },
        h('button', { type: 'submit', class: 'primary' }, 'Confirm'),
        h('button', { type: 'button', onclick: close }, 'Cancel'),
      ),
    ),
  );
  document.body.append(dialog);
  dialog.showModal();
  reason.focus();
}
