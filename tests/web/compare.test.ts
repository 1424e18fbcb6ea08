/*
 * `/compare` in a real browser: exactly the keyword items whose outcome changed, with their
 * answers and keyword marks; the per-set transition counts; the gate verdict; the filters; the
 * default pair. Expected values are computed from the stored results, not read from the page.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { ScriptedRequest } from '../../server/scripted-endpoint/scripted-endpoint.js';
import {
  apiGet, apiSend, completeRun, describeBrowser, expectClean, openPage, readRows, startDashboard, startEndpoint, visit, waitReady, type Dashboard,
} from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';
import { BIO, KNOWN, seedDashboard, storedOutcomes } from './seed.js';

type Outcome = 'learned' | 'forgotten';

/** Items whose outcome changed between two runs (both answered), from the stored results. */
function expectedFlips(d: Dashboard, base: number, head: number): Map<string, Outcome> {
  const b = storedOutcomes(d, base);
  const h = storedOutcomes(d, head);
  const out = new Map<string, Outcome>();
  for (const [k, hv] of h) {
    const bv = b.get(k);
    if (bv === null || bv === undefined || hv === null || bv === hv) continue;
    out.set(k, hv ? 'learned' : 'forgotten');
  }
  return out;
}

/** Per set: [stayed right, learned, forgotten, stayed wrong, not scored], from the stored results. */
function expectedTransitions(d: Dashboard, base: number, head: number): Map<string, string[]> {
  const b = storedOutcomes(d, base);
  const counts = new Map<string, number[]>();
  for (const [k, hv] of storedOutcomes(d, head)) {
    if (!b.has(k)) continue;
    const bv = b.get(k)!;
    const set = k.split('/')[0]!;
    const c = counts.get(set) ?? [0, 0, 0, 0, 0];
    counts.set(set, c);
    if (bv === null || hv === null) c[4]!++;
    else if (bv && hv) c[0]!++;
    else if (!bv && hv) c[1]!++;
    else if (bv && !hv) c[2]!++;
    else c[3]!++;
  }
  return new Map([...counts].map(([set, c]) => [set, c.map(String)]));
}

/** The chips an answer must carry: each keyword group hit (the alternative found) or missed, each forbidden string found. */
function expectedChips(item: { keywords: Array<string | string[]>; forbidden?: string[] }, answer: string) {
  const has = (s: string) => answer.toLowerCase().includes(s.toLowerCase());
  const groups = item.keywords.map((k) => (typeof k === 'string' ? [k] : k));
  return {
    hit: groups.flatMap((alts) => { const m = alts.find(has); return m === undefined ? [] : [`✓ ${m}`]; }),
    miss: groups.filter((alts) => alts.find(has) === undefined).map((alts) => `✗ ${alts.join(' | ')}`),
    forbidden: (item.forbidden ?? []).filter(has).map((f) => `⚠ ${f}`),
  };
}

/** Each side of a flip row: its answer text and its chips, in order (before, then after). */
async function flipSides(page: Page, item: string) {
  return page.$$eval(`tr[data-testid=flip-row][data-item="${item}"] [data-testid=answer]`, (answers) => answers.map((a) => {
    const cell = a.closest('td')!;
    const texts = (id: string) => [...cell.querySelectorAll(`[data-testid=${id}]`)].map((e) => (e.textContent ?? '').trim());
    return { answer: a.textContent ?? '', hit: texts('kw-hit'), miss: texts('kw-miss'), forbidden: texts('forbidden-found') };
  }));
}

async function flipRows(page: Page): Promise<Map<string, string>> {
  return new Map((await readRows(page, 'table[data-testid=flip-table] tr[data-testid=flip-row]')).map((r) => [r.attrs['data-item']!, r.attrs['data-outcome']!]));
}

async function transitionRows(page: Page): Promise<Map<string, string[]>> {
  return new Map((await readRows(page, 'table[data-testid=transitions] tr[data-testid=transition-row]')).map((r) => [r.attrs['data-set']!, r.cells.slice(1, 6)]));
}

/** The stored answer of an item's first sample. */
const storedAnswer = (d: Dashboard, runId: number, key: string) => d.store.results.list(runId).find((r) => `${r.set}/${r.itemId}` === key)!.answer!;

describeBrowser('dashboard /compare (before / after), in chromium', (browser) => {

  it('lists exactly the items whose outcome changed, with both answers and the right keyword marks, the transition counts and the gate verdict', async () => {
    const s = await seedDashboard();
    const base = s.latest.base!;
    const head = s.latest['bio-2000']!;
    const flips = expectedFlips(s.d, base, head);
    // Both directions occur in this pair, and the item of the brief is among them.
    expect(new Set(flips.values())).toEqual(new Set(['learned', 'forgotten']));
    expect(flips.get('bio/bio-work')).toBe('learned');

    const w = await openPage(browser());
    expect(await visit(w, s.d, `/compare?base=${base}&head=${head}`)).toBe('compare');
    expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(base));
    expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(head));
    expect(await flipRows(w.page)).toEqual(new Map([...flips].map(([k, v]) => [k, v])));

    // "He works at 汇丰 … born in 营口": ✓ 汇丰, ✗ TEKsystems, ⚠ 营口; after: both found, nothing forbidden.
    const work = await flipSides(w.page, 'bio/bio-work');
    expect(work).toEqual([
      { answer: 'He works at 汇丰 and was born in 营口.', hit: ['✓ 汇丰'], miss: ['✗ TEKsystems'], forbidden: ['⚠ 营口'] },
      { answer: 'He is a TEKsystems contractor working for HSBC in Guangzhou.', hit: ['✓ TEKsystems', '✓ HSBC'], miss: [], forbidden: [] },
    ]);
    // Every other flip row: the stored answers, and chips computed here from the item definition.
    const defs = new Map<string, { keywords: Array<string | string[]>; forbidden?: string[] }>([
      ...BIO.map((b) => [`bio/${b.id}`, b] as const), ...KNOWN.map((k) => [`known/${k.id}`, k] as const),
    ]);
    for (const key of flips.keys()) {
      const sides = await flipSides(w.page, key);
      const answers = [storedAnswer(s.d, base, key), storedAnswer(s.d, head, key)];
      expect(sides.map((x) => x.answer), key).toEqual(answers);
      sides.forEach((side, i) => expect({ hit: side.hit, miss: side.miss, forbidden: side.forbidden }, `${key} side ${i}`).toEqual(expectedChips(defs.get(key)!, answers[i]!)));
    }

    expect(await transitionRows(w.page)).toEqual(expectedTransitions(s.d, base, head));
    // Blog items are shown as posts, one row each.
    expect((await readRows(w.page, 'tr[data-testid=blog-row]')).map((r) => r.attrs['data-item']).sort()).toEqual(['blog/post-gpt2', 'blog/post-wal']);
    const gate = await apiGet(s.d, `/api/gate?run=${head}&baseline=${base}`);
    expect(await w.page.locator('[data-testid=gate-verdict]').getAttribute('data-verdict')).toBe(gate.body.verdict);
    expect(await w.page.locator('tr[data-testid=metric-row][data-metric=bio_accuracy]').count()).toBe(1);
    expect(await w.page.locator('[data-testid=permalink]').getAttribute('href')).toBe(`/compare?base=${base}&head=${head}`);

    // Filters: outcome=forgotten keeps only the forgotten items, and lives in the URL.
    await w.page.locator('[data-testid=filter-outcome]').selectOption('forgotten');
    await w.page.waitForURL((u) => u.searchParams.get('outcome') === 'forgotten');
    await waitReady(w.page);
    expect(await flipRows(w.page)).toEqual(new Map([...flips].filter(([, v]) => v === 'forgotten')));
    await w.page.locator('[data-testid=filter-outcome]').selectOption('');
    await w.page.locator('[data-testid=filter-set]').selectOption('known');
    await w.page.waitForURL((u) => u.searchParams.get('set') === 'known' && !u.searchParams.has('outcome'));
    await waitReady(w.page);
    expect(await flipRows(w.page)).toEqual(new Map([...flips].filter(([k]) => k.startsWith('known/'))));
    await w.page.locator('[data-testid=filter-set]').selectOption('');
    await w.page.locator('[data-testid=filter-tag]').selectOption('zh');
    await w.page.waitForURL((u) => u.searchParams.get('tag') === 'zh');
    await waitReady(w.page);
    const zh = new Set(BIO.filter((b) => b.tags.includes('zh')).map((b) => `bio/${b.id}`));
    expect(await flipRows(w.page)).toEqual(new Map([...flips].filter(([k]) => zh.has(k))));

    // The pickers: choosing another head shows that pair.
    await visit(w, s.d, `/compare?base=${base}&head=${head}`);
    const other = s.latest['blog-2000']!;
    await w.page.locator('[data-testid=pick-head]').fill('blog-2000');
    await w.page.locator(`[data-testid=pick-head-results] [data-testid=pick-option][data-run="${other}"]`).click();
    await w.page.waitForURL((u) => u.searchParams.get('head') === String(other) && u.searchParams.get('base') === String(base));
    await waitReady(w.page);
    expect(await flipRows(w.page)).toEqual(expectedFlips(s.d, base, other));
    expectClean(w.log, s.d);
  });

  it('without parameters compares the newest checkpoint by step (the gate\'s default head) with the flagged baseline checkpoint; without a reference, the next checkpoint down by step', async () => {
    const s = await seedDashboard();
    // The newest completed run by time is bio-1000's second; by step, bio-2000 and blog-2000 (2000)
    // tie and bio-2000's run is the newer: the gate's default head (bio-3000 never completed).
    const head = s.latest['bio-2000']!;
    const base = s.latest.base!;
    expect(s.newest).not.toBe(head);
    const gateDefault = await apiGet(s.d, '/api/gate');
    expect([gateDefault.body.head.runId, gateDefault.body.baseline.runId]).toEqual([head, base]);
    expect(s.d.store.checkpoints.list().filter((c) => c.isBaseline).map((c) => c.name)).toEqual(['base']);
    const w = await openPage(browser());
    expect(await visit(w, s.d, '/compare')).toBe('compare');
    expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(head));
    expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(base));
    expect(await w.page.locator('[data-testid=permalink]').getAttribute('href')).toBe(`/compare?base=${base}&head=${head}`);
    expect(await flipRows(w.page)).toEqual(expectedFlips(s.d, base, head));
    expect(await transitionRows(w.page)).toEqual(expectedTransitions(s.d, base, head));
    expect(await w.page.locator('[data-testid=reference]').textContent()).toBe(' Before is the flagged baseline checkpoint.');

    // Another flagged baseline (blog-2000, the head's step) is followed on reload.
    expect((await apiSend(s.d, 'PATCH', '/api/checkpoints/blog-2000', { baseline: true })).status).toBe(200);
    await w.page.reload();
    await waitReady(w.page);
    expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(head));
    expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(s.latest['blog-2000']));
    // None flagged, and the head has no base checkpoint nor a run= tag: the gate has no reference,
    // but pairs exist, so the page shows the next checkpoint down by step and says why.
    expect((await apiSend(s.d, 'PATCH', '/api/checkpoints/blog-2000', { baseline: false })).status).toBe(200);
    expect(s.d.store.checkpoints.list().some((c) => c.isBaseline)).toBe(false);
    expect((await apiGet(s.d, '/api/gate')).body.verdict).toBe('no-baseline');
    await w.page.reload();
    await waitReady(w.page);
    expect(await w.page.locator('[data-testid=pick-head]').inputValue()).toBe(String(head));
    expect(await w.page.locator('[data-testid=pick-base]').inputValue()).toBe(String(s.latest['blog-2000']));
    expect(await w.page.locator('[data-testid=reference]').textContent()).toContain('the next checkpoint down by step');
    expectClean(w.log, s.d);
  });

  it('an item with several samples passes only when every answered sample passed (an errored sample does not count; all errored is not scored)', async () => {
    // A forbidden list (never said) so that the gate's default hallucination_rate reads these items:
    // 'words' is in no family, and items without a list are no evidence of hallucination.
    const items = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map((id) => ({ id, prompt: `Say the word ${id}.`, keywords: [id], forbidden: ['zulu'] }));
    const seen = new Map<string, number>();
    const respond = (req: ScriptedRequest) => {
      const id = /Say the word (\w+)/.exec(req.userText)![1]!;
      const k = `${req.model}/${id}`;
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (req.model === 'm-base') return { content: id === 'delta' ? 'no idea' : `the word is ${id}` };
      if (id === 'alpha') return { content: n === 1 ? `the word is ${id}` : 'no idea' }; // one sample right, one wrong
      if (id === 'charlie' && n === 1) return { status: 400 }; // one sample errors, the other is right
      if (id === 'echo') return { status: 400 }; // every sample errors: not scored
      return { content: `the word is ${id}` };
    };
    const e = await startEndpoint(respond);
    const d = await startDashboard({ 'evalsets/words.jsonl': jsonl(...items) });
    d.store.checkpoints.add({ name: 'w-base', baseUrl: e.url, model: 'm-base', step: 1 });
    d.store.checkpoints.add({ name: 'w-head', baseUrl: e.url, model: 'm-head', step: 2 });
    const base = await completeRun(d, 'w-base', ['words'], { samples: 2 });
    const head = await completeRun(d, 'w-head', ['words'], { samples: 2 });
    expect(d.store.results.list(head).filter((r) => r.error !== null).map((r) => r.itemId)).toEqual(['charlie', 'echo', 'echo']);
    const flips = expectedFlips(d, base, head);
    expect(flips).toEqual(new Map<string, Outcome>([['words/alpha', 'forgotten'], ['words/delta', 'learned']]));

    const w = await openPage(browser());
    await visit(w, d, `/compare?base=${base}&head=${head}`);
    expect(await flipRows(w.page)).toEqual(flips);
    expect(await transitionRows(w.page)).toEqual(expectedTransitions(d, base, head));
    expect((await transitionRows(w.page)).get('words')).toEqual(['2', '1', '1', '0', '1']);
    const gate = await apiGet(d, `/api/gate?run=${head}&baseline=${base}`);
    expect(await w.page.locator('[data-testid=gate-verdict]').getAttribute('data-verdict')).toBe(gate.body.verdict);
    expectClean(w.log, d);
  });

  it('with nothing to compare shows the reason in the empty state', async () => {
    const d = await startDashboard({ 'evalsets/words.jsonl': jsonl({ id: 'a', prompt: 'a', keywords: ['a'] }) });
    const w = await openPage(browser());
    expect(await visit(w, d, '/compare')).toBe('compare');
    const error = w.page.locator('[data-testid=empty-state] [data-testid=compare-error]');
    expect(await error.isVisible()).toBe(true);
    const api = await apiGet(d, '/api/compare');
    expect(api.status).toBe(404);
    expect(await error.textContent()).toBe(api.body.error);
    expectClean(w.log, d, [{ status: 404, path: '/api/compare' }]);
  });
});
