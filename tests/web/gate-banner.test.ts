/*
 * The compare page's gate banner agrees with the gate under Holm's step-down: a metric that
 * failed at a later step is listed as regressed and never warned about as unable to fail.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { describeBrowser, expectClean, openPage, startDashboard, visit } from '../helpers/browser.js';
import { answeredRun, rightAnswer } from '../helpers/synthetic.js';

const SHIPPED = loadEvalSets(['bio.jsonl', 'refusal.jsonl', 'known.jsonl', 'blog.jsonl'], join(import.meta.dirname, '../../evalsets'));

describeBrowser('the gate banner on /compare, in chromium', (browser) => {
  it('lists blog_quality as regressed at Holm\'s second step (p = 2^-6 > alpha/4) and shows no warning that it cannot fail', async () => {
    const d = await startDashboard({});
    const base = answeredRun(d.store, { checkpoint: 'base', step: 1 }, SHIPPED, rightAnswer);
    const head = answeredRun(d.store, { checkpoint: 'head', step: 2 }, SHIPPED, (item) =>
      item.set === 'bio' ? 'I am not sure.' : item.kind === 'blog' ? 'A short post.' : rightAnswer(item));
    const w = await openPage(browser());
    expect(await visit(w, d, `/compare?base=${base}&head=${head}`)).toBe('compare');
    const banner = w.page.locator('[data-testid=gate-verdict]');
    expect(await banner.getAttribute('data-verdict')).toBe('regression');
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/regressed: .*blog_quality/);
    expect(text).not.toMatch(/blog_quality: [^·]*(cannot fail|no drop can be detected)/);
    expect(text).not.toContain('cannot fail');
    // One sensitivity line per tested metric, and the plan as a command to copy (no flag in the words).
    const lines = w.page.locator('[data-testid=gate-sensitivity] li');
    expect(await lines.count()).toBe(4);
    expect(await w.page.locator('[data-testid=gate-sensitivity] li[data-metric=blog_quality]').textContent()).toMatch(/^Sensitivity: blog_quality \(n=6\): the smallest drop it can show is none \(too few items\) at level 0\.013, 0\.020 at level 0\.050/);
    expect(await w.page.locator('[data-testid=gate-sensitivity] code').textContent()).toBe(`GET /api/plan?run=${head}`);
    expect(await w.page.locator('[data-testid=gate-sensitivity]').textContent()).not.toMatch(/--\w/);
    expect((await w.page.locator('[data-testid=gate-sensitivity] li').allTextContents()).join(' ')).not.toMatch(/--\w/);
    // The four lines are folded under the verdict (a long banner otherwise pushes the metrics down), and open on a click.
    const fold = w.page.locator('[data-testid=gate-sensitivity-fold]');
    expect(await fold.evaluate((el) => (el as unknown as { open: boolean }).open)).toBe(false);
    expect(await lines.first().isVisible()).toBe(false);
    await fold.locator('summary').click();
    expect(await lines.first().isVisible()).toBe(true);
    expect(await fold.locator('summary').textContent()).toBe('What each metric can detect (4 metrics)');
    expectClean(w.log, d);
  });
});
