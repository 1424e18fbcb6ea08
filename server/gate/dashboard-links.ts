import { TunegateError } from '../errors.js';
import { hasUrlCredentials } from '../http/url-credentials.js';
import { pageUrl } from '../shared/page-urls.js';
import { oneLine } from '../untrusted-text.js';
import type { GateReport } from './decide.js';

/** A gate report's links into the dashboard: the pair in the compare view and each run's page (none for a missing baseline). */
export interface GateLinks {
  compare: string | null;
  head: string;
  baseline: string | null;
}

/**
 * A dashboard URL as the reports link under it: http or https, with neither a user name nor a
 * password (every report would show them) nor a query or fragment (the pages' own go after it),
 * without its trailing slash. Errors name `from`, the flag or variable that gave it.
 */
export function dashboardBase(url: string, from: string): string {
  // Checked first, so no message below quotes a secret.
  if (hasUrlCredentials(url)) throw new TunegateError('USAGE', `${from}: the URL carries a user name or password (user:pass@host), which every report would show; remove it`);
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
    throw new TunegateError('USAGE', `${from} must be an http:// or https:// URL (where tunegate serve is reached), got "${oneLine(url, 200)}"`);
  }
  if (u.search !== '' || u.hash !== '') throw new TunegateError('USAGE', `${from} must have no query or fragment (the dashboard's pages add their own), got "${oneLine(url, 200)}"`);
  return u.href.replace(/\/+$/, '');
}

/** The links of `report` under a dashboard `base` (from dashboardBase), built from the page URLs' one definition. */
export function gateLinks(base: string, r: GateReport): GateLinks {
  return {
    compare: r.baseline === null ? null : pageUrl(base, 'compare', {}, { base: r.baseline.runId, head: r.head.runId }),
    head: pageUrl(base, 'run', { id: r.head.runId }),
    baseline: r.baseline === null ? null : pageUrl(base, 'run', { id: r.baseline.runId }),
  };
}
