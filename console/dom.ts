// A tiny element builder: the console has few enough views that plain DOM calls stay readable.
export type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document) => root.querySelector(sel) as T;

/** Replaces a container's content. */
export function show(root: Element, ...children: (Child | Child[])[]): void {
  root.replaceChildren(...children.flat().filter((c): c is Node | string => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)));
}

/** A polite announcement for screen readers (the live region in index.html), also shown on screen. */
export function announce(text: string): void {
  const region = $('#announce');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

/** A message box in a view: role=alert for errors, status for notes. */
export const note = (text: string, kind: 'error' | 'info' = 'error') =>
  h('p', { class: `note ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);

let ids = 0;
export const uid = (prefix: string) => `${prefix}-${++ids}`;
