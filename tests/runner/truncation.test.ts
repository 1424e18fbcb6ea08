import { describe, expect, it } from 'vitest';
import { executeRun } from '../../server/runner/execute-run.js';
import { currentSummary } from '../../server/runs/summary.js';
import { isTruncationNote, truncationNotes } from '../../server/runner/truncation-notes.js';
import { cli } from '../helpers/cli.js';
import { echo, endpoint } from '../helpers/endpoint.js';
import { C0_CONTROL } from '../helpers/hostile.js';
import { evalSet, FAST_BACKOFF, keywordItems, setupRun } from '../helpers/run.js';

const row = (set: string, finishReason: string | null, error: string | null = null) =>
  ({ set, itemId: 'x', score: 1, hallucinated: null, error, finishReason });

describe('truncationNotes', () => {
  it('notes a set above 5% of its answered results cut off, not at or below it; errors are not answers', () => {
    const at5 = [row('a', 'length'), ...Array(19).fill(row('a', 'stop'))];
    expect(truncationNotes(['a'], at5)).toEqual([]);
    const above = [row('a', 'length'), ...Array(18).fill(row('a', 'stop')), row('a', null, 'HTTP 500')];
    const notes = truncationNotes(['a'], above);
    expect(notes).toEqual([
      'set a: 1 of 19 answers (5%) were cut off at max tokens (finish_reason "length"); raise max tokens (maxTokens), or the model spent its budget reasoning; a cut-off answer scores low without being worse',
    ]);
    expect(isTruncationNote(notes[0]!)).toBe(true);
    expect(isTruncationNote('perplexity skipped: the endpoint returns no prompt logprobs')).toBe(false);
  });
});

describe('answers cut off at max tokens', () => {
  it('are counted per run and per set, noted above 5% of a set, and a resume replaces its note instead of adding one', async () => {
    // bio: 1 of 20 cut off (5%: no note); blog: p0 cut off, p1 fails once with a 400, p2 answers.
    let p1Failed = false;
    const e = await endpoint((req) => {
      // The cut-off answer also carries a terminal escape (retitle window, then red).
      if (req.userText === 'question q0' || req.userText === 'post p0') return { content: 'answer to: half \u001b]0;pwned\u0007\u001b[31ma', finishReason: 'length' };
      if (req.userText === 'post p1' && !p1Failed) {
        p1Failed = true;
        return { status: 400 };
      }
      return echo(req);
    });
    const blog = evalSet('blog', ...['p0', 'p1', 'p2'].map((id) => ({ id, title: `post ${id}`, reference: `answer to: post ${id}` })));
    const { store, runId, dbPath } = setupRun(e.url, [evalSet('bio', ...keywordItems(20)), blog]);
    store.runs.addNote(runId, 'an earlier note that is not about truncation');

    const first = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF });
    expect(first.summary.counts).toEqual({ items: 23, results: 23, errors: 1, missing: 0, truncated: 2 });
    expect(first.summary.sets.bio).toMatchObject({ errors: 0, truncated: 1 });
    expect(first.summary.sets.blog).toMatchObject({ errors: 1, truncated: 1 });
    expect(store.runs.get(runId).notes).toEqual([
      'an earlier note that is not about truncation',
      expect.stringMatching(/^set blog: 1 of 2 answers \(50%\) were cut off at max tokens \(finish_reason "length"\)/),
      // The errored item is reported as its cause; the resume below drops the note with the error.
      'errored: 1 item: the server rejected the request as invalid, not retried. the server said (HTTP 400): scripted 400',
    ]);
    // The stored summary carries the counts too.
    expect(store.runs.get(runId).summary!.counts.truncated).toBe(2);

    const resumed = await executeRun({ store, runId, env: {}, backoff: FAST_BACKOFF, retryErrors: true });
    expect(resumed.summary.counts).toMatchObject({ results: 23, errors: 0, truncated: 2 });
    expect(store.runs.get(runId).notes).toEqual([
      'an earlier note that is not about truncation',
      expect.stringMatching(/^set blog: 1 of 3 answers \(33%\) were cut off/),
    ]);

    const shown = await cli(['show', String(runId), '--json', '--db', dbPath], { cwd: process.cwd() });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json()).toMatchObject({ counts: { truncated: 2 }, sets: { bio: { truncated: 1 }, blog: { truncated: 1 } } });
    expect(shown.json().notes).toHaveLength(2);
    const text = await cli(['show', String(runId), '--db', dbPath], { cwd: process.cwd() });
    expect(text.stdout).toMatch(/23 items, 0 errors, 2 answers cut off at max tokens/);
    expect(text.stdout).toMatch(/set\s+kind\s+items\s+errors\s+cut off/);
    expect(text.stdout).toMatch(/^blog\s+blog\s+3\s+0\s+1\s/m);
    expect(text.stdout).toContain('note: set blog: 1 of 3 answers (33%) were cut off at max tokens');
    const items = await cli(['show', String(runId), '--items', '--db', dbPath], { cwd: process.cwd() });
    expect(items.stdout).toMatch(/\[bio\/q0\] score 0\.000 · \d+ ms · cut off at max tokens\n {2}Q: question q0\n {2}A: answer to: half \\u001b\]0;pwned\\u0007\\u001b\[31ma\n/); // escapes shown, not obeyed
    expect(items.stdout).not.toMatch(/\[bio\/q1\][^\n]*cut off/);
    expect(items.stdout).not.toMatch(C0_CONTROL);
  });

  it('a summary stored before the count existed is summarized again, and stored with it', async () => {
    const e = await endpoint((req) => ({ content: 'answer to: cut', finishReason: 'length' }));
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(2))]);
    await executeRun({ store, runId, env: {} });
    store.db.prepare("UPDATE runs SET summary = json_remove(json_remove(summary, '$.counts.truncated'), '$.sets.bio.truncated') WHERE id = ?").run(runId);
    expect(store.runs.get(runId).summary!.counts.truncated).toBeUndefined();
    expect(currentSummary(store, store.runs.get(runId)).counts.truncated).toBe(2);
    expect(store.runs.get(runId).summary!.sets.bio!.truncated).toBe(2);
  });

  it('leave no note and a zero count when every answer stopped on its own', async () => {
    const e = await endpoint(echo);
    const { store, runId } = setupRun(e.url, [evalSet('bio', ...keywordItems(3))]);
    const r = await executeRun({ store, runId, env: {} });
    expect(r.summary.counts.truncated).toBe(0);
    expect(r.summary.sets.bio!.truncated).toBe(0);
    expect(store.runs.get(runId).notes).toEqual([]);
  });
});
