import { h } from './dom.js';

/** What a view gets: its path parameters, the query string (the view's state), and ways to change them. */
export interface ViewContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Goes to another URL of the page (history entry; `replace` for state changes within a view). */
  navigate(url: string, opts?: { replace?: boolean }): void;
  /** Replaces query parameters (null removes one; arrays repeat it) and re-renders, keeping the scroll position. */
  setQuery(changes: Record<string, string | readonly string[] | null>): void;
  /** Replaces query parameters without re-rendering: state the view already shows itself (a search as you type). */
  noteQuery(changes: Record<string, string | readonly string[] | null>): void;
  /** Aborted when the view is left: stop streams and timers with it. */
  signal: AbortSignal;
  /** Runs when the view is left (destroys charts). */
  onLeave(fn: () => void): void;
}

/**
 * A view renders into `root` from the API's data; it never calls fetch itself (api.ts does). It
 * may return work to do once its DOM is on the page (charts, then long tables), so the first
 * chart is painted before the rest is built.
 */
export type View = (root: HTMLElement, ctx: ViewContext) => Promise<void | AfterAttach>;
export type AfterAttach = () => Promise<void> | void;

/** Resolves after the browser has had a chance to paint. */
export const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

interface Route {
  name: string;
  pattern: RegExp;
  keys: string[];
  view: View;
}

const routes: Route[] = [];
let current: { controller: AbortController; cleanups: Array<() => void> } | undefined;
let root: HTMLElement;
let notFound: View;

/** Registers a path such as /runs/:id. */
export function route(name: string, path: string, view: View): void {
  const keys: string[] = [];
  const pattern = new RegExp(`^${path.replace(/:([a-z]+)/g, (_m, k: string) => {
    keys.push(k);
    return '([^/]+)';
  })}/?$`);
  routes.push({ name, pattern, keys, view });
}

export function navigate(url: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace === true) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  void render(opts.replace !== true);
}

/** This page's URL with query parameters replaced (null removes one; arrays repeat it). */
function withQuery(changes: Record<string, string | readonly string[] | null>): string {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(changes)) {
    q.delete(k);
    if (v === null) continue;
    for (const x of typeof v === 'string' ? [v] : v) q.append(k, x);
  }
  const s = q.toString();
  return `${window.location.pathname}${s === '' ? '' : `?${s}`}`;
}

async function render(fresh: boolean): Promise<void> {
  if (current !== undefined) {
    current.controller.abort();
    for (const fn of current.cleanups) fn();
  }
  const controller = new AbortController();
  const cleanups: Array<() => void> = [];
  current = { controller, cleanups };
  delete root.dataset.ready;
  const { pathname, search } = window.location;
  const match = routes.map((r) => ({ r, m: r.pattern.exec(pathname) })).find((x) => x.m !== null);
  const params: Record<string, string> = {};
  match?.r.keys.forEach((k, i) => (params[k] = decodeURIComponent(match.m![i + 1]!)));
  const ctx: ViewContext = {
    params,
    query: new URLSearchParams(search),
    navigate,
    setQuery: (changes) => navigate(withQuery(changes), { replace: true }),
    noteQuery: (changes) => history.replaceState(null, '', withQuery(changes)),
    signal: controller.signal,
    // A view left while it was still loading cleans up at once (its stream must not outlive it).
    onLeave: (fn) => (controller.signal.aborted ? fn() : void cleanups.push(fn)),
  };
  // Built off-screen and swapped in whole, so a re-render never flashes an empty page.
  const next = h('div', { class: 'view', attrs: { 'data-view': match?.r.name ?? 'not-found' } });
  const fail = (e: unknown) => next.replaceChildren(h('div', { class: 'error', attrs: { role: 'alert', 'data-testid': 'view-error' } }, (e as Error).message));
  let after: void | AfterAttach = undefined;
  try {
    after = await (match?.r.view ?? notFound)(next, ctx);
  } catch (e) {
    if (controller.signal.aborted) return;
    fail(e);
  }
  if (controller.signal.aborted) return;
  root.replaceChildren(next);
  if (after !== undefined) {
    try {
      await after();
    } catch (e) {
      if (controller.signal.aborted) return;
      fail(e);
    }
    if (controller.signal.aborted) return;
  }
  // The view is complete: tests and tools wait for this.
  root.dataset.ready = 'true';
  if (fresh) {
    window.scrollTo(0, 0);
    root.focus({ preventScroll: true });
  }
}

/** Starts the router: internal links and Back/Forward render views without a page load. */
export function startRouter(el: HTMLElement, fallback: View): void {
  root = el;
  notFound = fallback;
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (a === null || a === undefined || a.hasAttribute('data-external') || a.target !== '' || a.hasAttribute('download')) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
    // A link within this page (#view: "skip to content") is the browser's to follow.
    if (url.hash !== '' && url.pathname === window.location.pathname && url.search === window.location.search) return;
    e.preventDefault();
    if (url.pathname + url.search !== window.location.pathname + window.location.search) navigate(url.pathname + url.search);
  });
  window.addEventListener('popstate', () => void render(false));
  void render(true);
}
