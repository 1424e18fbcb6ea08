/*
 * The dashboard's URLs, one per view: the server answers each with the page (so a reload or a
 * link from a CI summary works) and the page's router maps each to its view. A contract: links
 * from CI summaries open them. Imports nothing, so the page's bundle takes it as it is.
 */
export const PAGE_URLS = {
  trend: '/',
  run: '/runs/:id',
  compare: '/compare',
  register: '/checkpoints/new',
} as const;

export type PageName = keyof typeof PAGE_URLS;

/**
 * A page's absolute URL under `base` (where the dashboard is served, without a trailing slash):
 * `pageUrl(base, 'run', { id: 7 })` is `base/runs/7`; `query` becomes the query string.
 */
export function pageUrl(base: string, name: PageName, params: Readonly<Record<string, string | number>> = {}, query: Readonly<Record<string, string | number>> = {}): string {
  const path = PAGE_URLS[name].replace(/:([a-z]+)/g, (_m, k: string) => encodeURIComponent(String(params[k] ?? '')));
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return `${base}${path}${search === '' ? '' : `?${search}`}`;
}
