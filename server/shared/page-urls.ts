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
