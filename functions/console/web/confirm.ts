/** A modal confirmation (the platform's `<dialog>`: focus kept inside, Escape cancels). */
import { h } from './dom.js';

export function confirmAction(title: string, items: string[], action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const list = h('ul', { class: 'confirm-list' }, ...items.map((item) => h('li', {}, h('code', {}, item))));
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title),
      list,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', autofocus: true, onclick: () => dialog.close('cancel') }, 'Cancel'),
        h('button', { type: 'button', class: 'danger', onclick: () => dialog.close('confirm') }, action),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}
