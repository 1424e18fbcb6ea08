/*
 * A set's consistency in a real browser: the run page shows it beside accuracy (value, interval,
 * n in fact groups, what it means) only when some set has fact groups, and the compare view shows
 * it under the set's score. Expected values come from the stored summaries.
 */
import { expect, it } from 'vitest';
import type { ScriptedRequest } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { countedGroups } from '../../server/shared/counted-groups.js';
import type { RunSummary } from '../../server/scoring/metrics.js';
import {
  apiGet, completeRun, describeBrowser, expectClean, fmt3, fmtCi3, openPage, readRows, startDashboard, startEndpoint, visit, type Dashboard,
} from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';

/** Three facts, three phrasings each; the first is the training question. The last phrasing of `blog` always errors. */
const FACTS = [
  { fact: 'born', keywords: ['Guangzhou', 'Guangdong', 'China', '1995'], phrasings: ['Where was Zhiwei Li born?', 'What is the birthplace of Zhiwei Li?', 'Which city is Zhiwei Li from?'] },
  { fact: 'work', keywords: ['TEKsystems', 'HSBC', 'AI', 'engineer'], phrasings: ['Where does Zhiwei Li work?', "Who is Zhiwei Li's employer?", 'Which company pays Zhiwei Li?'] },
  { fact: 'blog', keywords: ['lzwjava', 'github', 'io', 'blog'], phrasings: ["What is Zhiwei Li's blog?", 'Where does Zhiwei Li write?', 'Which site hosts his posts?'] },
];
const BROKEN = 'Which site hosts his posts?';
const FILES = {
  'evalsets/facts.jsonl': jsonl(...FACTS.flatMap((f) => f.phrasings.map((prompt, i) => ({ id: `${f.fact}-${i}`, fact_id: f.fact, prompt, keywords: f.keywords })))),
  'evalsets/known.jsonl': jsonl({ id: 'fr', prompt: 'Capital of France?', keywords: ['Paris'] }),
};

/** model "memorizer": every keyword on the training question, three of four on a paraphrase; "robust": every keyword always. */
function answer(req: ScriptedRequest) {
  if (req.userText === BROKEN) return { status: 500, body: '{"error": "boom"}' };
  if (req.userText === 'Capital of France?') return { content: 'Paris' };
  const f = FACTS.find((x) => x.phrasings.includes(req.userText));
  if (f === undefined) return { content: 'I do not know.' };
  const full = req.model === 'robust' || f.phrasings[0] === req.userText;
  return { content: (full ? f.keywords : f.keywords.slice(0, 3)).join(', ') };
}

async function seed(): Promise<{ d: Dashboard; memorizer: number; robust: number; plain: number }> {
  const e = await startEndpoint(answer);
  const d = await startDashboard(FILES);
  for (const name of ['memorizer', 'robust']) d.store.checkpoints.add({ name, baseUrl: e.url, model: name, step: name === 'memorizer' ? 1000 : 2000 });
  const memorizer = await completeRun(d, 'memorizer', ['facts', 'known']);
  const robust = await completeRun(d, 'robust', ['facts', 'known']);
  const plain = await completeRun(d, 'robust', ['known']);
  return { d, memorizer, robust, plain };
}

const summaryOf = (d: Dashboard, id: number): RunSummary => d.store.runs.get(id).summary!;

/** The cell as the page must show it, from a stored set summary. */
function expectedCell(s: RunSummary['sets'][string]): string {
  const stat = s.stats.consistency!;
  return `${fmt3(s.consistency)} ${fmtCi3(stat.ci)} n=${countedGroups(stat.n, s.groups!)}`;
}

describeBrowser('consistency on the run and compare pages, in chromium', (browser) => {
  it('the run page shows each set\'s consistency beside accuracy, with its interval, n in groups and what it means; runs without fact groups look as before', async () => {
    const { d, memorizer, plain } = await seed();
    const facts = summaryOf(d, memorizer).sets.facts!;
    // The memorizer: high accuracy, no fact right in every phrasing; blog's broken phrasing leaves it out.
    expect(facts.accuracy).toBeGreaterThan(0.8);
    expect(facts).toMatchObject({ consistency: 0, groups: 3, stats: { consistency: { n: 2, method: 'wilson' } } });
    const definition = (await apiGet<{ consistency: string }>(d, '/api/metrics')).body.consistency;

    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${memorizer}`)).toBe('run');
    const head = await w.page.$$eval('table[data-testid=run-sets] thead th', (ths) => ths.map((th) => (th.textContent ?? '').trim()));
    expect(head.slice(6, 9)).toEqual(['accuracy', 'consistency (fact groups)', 'hallucination rate']);
    const rows = await readRows(w.page, 'table[data-testid=run-sets] tr[data-testid=set-row]');
    const byName = new Map(rows.map((r) => [r.attrs['data-set'], r.cells]));
    expect(byName.get('facts')![7]).toBe(expectedCell(facts));
    expect(expectedCell(facts)).toMatch(/^0\.000 \[0\.000, 0\.\d{3}\] n=2 of 3 groups$/);
    // A set without fact groups has an empty cell, not a zero.
    expect(byName.get('known')![7]).toBe('');

    const cells = w.page.locator('[data-testid=set-consistency]');
    expect(await cells.count()).toBe(1);
    expect(await cells.textContent()).toBe(expectedCell(facts));
    expect(await cells.getAttribute('title')).toBe(definition);
    expect(await w.page.locator('[data-testid=consistency-note]').textContent()).toBe(definition);
    expectClean(w.log, d);

    // A run of sets without fact_id: no column, no note.
    expect(summaryOf(d, plain).sets.known).not.toHaveProperty('consistency');
    expect(await visit(w, d, `/runs/${plain}`)).toBe('run');
    const plainHead = await w.page.$$eval('table[data-testid=run-sets] thead th', (ths) => ths.map((th) => (th.textContent ?? '').trim()));
    expect(plainHead).toEqual(['set', 'kind', 'items', 'errors', 'cut off', 'score', 'accuracy', 'hallucination rate', 'blog quality']);
    expect(await w.page.locator('[data-testid=set-consistency]').count()).toBe(0);
    expect(await w.page.locator('[data-testid=consistency-note]').count()).toBe(0);
    expectClean(w.log, d);
  });

  it('the compare view shows a set\'s consistency before and after, under its score', async () => {
    const { d, memorizer, robust } = await seed();
    const before = summaryOf(d, memorizer).sets.facts!;
    const after = summaryOf(d, robust).sets.facts!;
    expect(after).toMatchObject({ consistency: 1, groups: 3 });
    const w = await openPage(browser());
    expect(await visit(w, d, `/compare?base=${memorizer}&head=${robust}`)).toBe('compare');
    const rows = await readRows(w.page, 'table[data-testid=metric-table] tbody tr');
    const at = rows.findIndex((r) => r.attrs['data-metric'] === 'set:facts');
    expect(at).toBeGreaterThanOrEqual(0);
    const row = rows[at + 1]!;
    expect(row.attrs).toMatchObject({ 'data-testid': 'consistency-row', 'data-set': 'facts' });
    const side = (s: typeof before) => `${fmt3(s.consistency)} ${fmtCi3(s.stats.consistency!.ci)} n=${s.stats.consistency!.n} groups`;
    expect(row.cells.slice(0, 4)).toEqual(['Set facts: consistency', side(before), side(after), '+1.000']);
    // known has no fact groups: no consistency row.
    expect(rows.filter((r) => r.attrs['data-testid'] === 'consistency-row').map((r) => r.attrs['data-set'])).toEqual(['facts']);
    expectClean(w.log, d);
  });
});
