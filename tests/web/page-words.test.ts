/*
 * The page's words never name a CLI flag: every view of a seeded dashboard (with a failed run, a
 * run whose answers were cut off at max tokens, and the register form's errors), every <details>
 * opened, shows no "--name" text. Stored notes and errors reach the page through the API, so this
 * also checks they are worded in plain words or API fields.
 */
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { executeRun } from '../../server/runner/execute-run.js';
import { startScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { completeRun, describeBrowser, openPage, SCREENS, screenName, startDashboard, startEndpoint, visit, waitReady } from '../helpers/browser.js';
import { seedDashboard, SETS } from './seed.js';

/** Every flag-like word the page shows, all <details> opened. */
async function flagsShown(page: Page): Promise<string[]> {
  await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
  const text = (await page.evaluate('document.body.innerText')) as string;
  return [...text.matchAll(/.{0,40}--[a-z][^\n]{0,40}/g)].map((m) => m[0]);
}

describeBrowser('the page names no CLI flag, in chromium', (browser) => {
  for (const screen of [SCREENS[1]!, SCREENS[2]!]) {
    it(`on every view, a failed and a cut-off run and the register form's errors (${screenName(screen)})`, async () => {
      const s = await seedDashboard();
      const d = s.d;
      // A run whose every item errored (failed, with its error and notes).
      const refusing = await startEndpoint(() => ({ status: 400, body: JSON.stringify({ error: { message: 'bad request' } }) }));
      const wrong = d.store.checkpoints.add({ name: 'sft-wrong', baseUrl: refusing.url, model: 'm', step: 100 });
      const failed = createRun(d.store, wrong, loadEvalSets(['bio.jsonl'], d.evalsetsDir), { ...DEFAULT_PARAMS, retries: 0 });
      await executeRun({ store: d.store, runId: failed, env: {}, backoff: { baseMs: 5, maxMs: 20, maxRetryAfterMs: 100 } });
      expect(d.store.runs.get(failed).status).toBe('failed');
      // A run whose answers were all cut off at max tokens (its truncation notes).
      const cutting = await startEndpoint(() => ({ content: 'He is a', finishReason: 'length' }));
      d.store.checkpoints.add({ name: 'sft-cut', baseUrl: cutting.url, model: 'm', step: 4000 });
      const cut = await completeRun(d, 'sft-cut', SETS);
      expect(d.store.runs.get(cut).notes.join(' ')).toMatch(/cut off at max tokens/);

      const w = await openPage(browser(), screen);
      const seen: Record<string, string[]> = {};
      const look = async (path: string) => {
        await visit(w, d, path);
        await w.page.waitForTimeout(300);
        seen[path] = await flagsShown(w.page);
      };
      await look('/');
      await look('/compare');
      await look(`/compare?base=${s.latest.base}&head=${s.latest['bio-2000']}`);
      await look(`/compare?base=${s.latest.base}&head=${cut}`);
      for (const id of [...Object.values(s.runs).flat(), failed, cut]) await look(`/runs/${id}`);
      await look('/runs/9999');

      // The register form's errors: a bad URL, a taken name, a model the server does not serve.
      const listing = await startScriptedEndpoint({ models: ['served'], respond: () => ({ content: 'x' }) });
      try {
        await look('/checkpoints/new');
        const submit = async (name: string, url: string, model: string) => {
          await w.page.locator('#f-name').fill(name);
          await w.page.locator('#f-baseUrl').fill(url);
          await w.page.locator('#f-model').fill(model);
          await w.page.locator('[data-testid=register-submit]').click();
          await w.page.locator('.field-error:not([hidden]), [data-testid=form-error]:not([hidden])').first().waitFor();
          seen[`register ${name} ${model}`] = await flagsShown(w.page);
        };
        await submit('new', 'not a url', 'm');
        await submit('base', listing.url, 'served');
        await submit('other', listing.url, 'typo');
        expect(await w.page.locator('[data-testid=error-model]').textContent()).toContain('does not serve model "typo"');
      } finally {
        await listing.close();
      }
      expect(await waitReady(w.page)).toBe('register');
      // The empty states of a dashboard with nothing yet.
      const empty = await startDashboard({});
      for (const path of ['/', '/compare']) {
        await visit(w, empty, path);
        await w.page.waitForTimeout(300);
        seen[`empty ${path}`] = await flagsShown(w.page);
      }
      expect(Object.fromEntries(Object.entries(seen).filter(([, v]) => v.length > 0)), 'flag-like words on the page').toEqual({});
    }, 180_000);
  }
});
