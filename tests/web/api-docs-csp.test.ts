/*
 * /api/docs (swagger-ui) in a real browser: it renders the API's routes with no Content-Security-
 * Policy violation and no console error, under its own policy that allows no inline script.
 */
import { expect, it } from 'vitest';
import { describeBrowser, openPage, SCREENS, screenName, startDashboard } from '../helpers/browser.js';

describeBrowser('/api/docs in chromium', (browser) => {
  for (const screen of [SCREENS[1]!, SCREENS[2]!]) {
    it(`renders every route with no CSP violation and no console error (${screenName(screen)})`, async () => {
      const d = await startDashboard({});
      const w = await openPage(browser(), screen);
      const res = await w.page.goto(`${d.url}/api/docs/static/index.html`);
      expect(res?.status()).toBe(200);
      const csp = res!.headers()['content-security-policy'] ?? '';
      expect(csp).not.toMatch(/'unsafe-inline'|https:|validator/);
      expect(csp).toContain("script-src 'self';");
      await w.page.locator('.opblock-summary-path', { hasText: '/api/runs/{id}/results.jsonl' }).first().waitFor();
      await w.page.waitForTimeout(300);
      expect(w.log.cspViolations, 'CSP violations').toEqual([]);
      expect(w.log.consoleErrors, 'console errors').toEqual([]);
      expect(w.log.pageErrors).toEqual([]);
      // Nothing asked of another origin (swagger-ui's validator badge is off).
      expect(w.log.requests.filter((u) => !u.startsWith(d.url) && !u.startsWith('data:'))).toEqual([]);
    }, 60_000);
  }
});
