/** A tiny element builder: the page renders with text nodes only, so directory data can never inject markup. */

type Child = Node | string | null | undefined | false;

/**
 * Creates an element with attributes (`on*` functions become listeners) and children.
 *
 * @example
 * ```ts
 * el('button', { type: 'button', onclick: () => save() }, 'Save');
 * ```
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | ((event: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

/** Looks up an element of the page skeleton, which must be there. */
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the page has no #${id}`);
  return node as T;
}
