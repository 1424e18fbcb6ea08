import type { TokenReason } from '../api.js';
import { h, tid } from '../dom.js';

const WORDS: Record<TokenReason, string> = {
  missing: 'This server shows its runs only to people who have its access token. Enter it once: this tab keeps it until it is closed.',
  wrong: 'The server did not accept that token. Check it (it is the server\'s TUNEGATE_TOKEN) and enter it again.',
};

/**
 * Asks for the server's access token in a modal form above the page, and resolves with what was
 * entered. The page's requests wait for it; the dialog cannot be dismissed without a token, since
 * nothing can be shown without one.
 */
export function askForToken(reason: TokenReason): Promise<string> {
  return new Promise((resolve) => {
    const input = h('input', { type: 'password', name: 'token', id: 'token-input', autocomplete: 'off', spellcheck: false, attrs: { ...tid('token-input'), 'aria-describedby': 'token-message' } });
    const message = h('p', { class: reason === 'wrong' ? 'field-error' : 'help', id: 'token-message', attrs: { ...tid('token-message'), 'aria-live': 'polite', 'data-reason': reason } }, WORDS[reason]);
    const dialog = h('dialog', { class: 'token', attrs: { 'aria-labelledby': 'token-title' } });
    const form = h('form', {
      class: 'token-form', noValidate: true, attrs: tid('token-form'),
      onsubmit: (e: Event) => {
        e.preventDefault();
        const value = input.value.trim();
        if (value === '') {
          message.className = 'field-error';
          message.textContent = 'Enter the token to continue.';
          input.focus();
          return;
        }
        dialog.close();
        dialog.remove();
        resolve(value);
      },
    },
    h('h2', { id: 'token-title' }, 'Access token'),
    message,
    h('label', { attrs: { for: 'token-input' } }, 'Token'),
    input,
    h('button', { type: 'submit', attrs: tid('token-submit') }, 'Continue'));
    dialog.append(form);
    // Escape would close the dialog and leave the page waiting with nothing to show.
    dialog.addEventListener('cancel', (e) => e.preventDefault());
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
