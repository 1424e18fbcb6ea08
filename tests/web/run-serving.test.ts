/*
 * `/runs/:id` shows who served the run: each replica's server, version, context length and the
 * model check's outcome, read by the runner before its first request.
 */
import { afterEach, expect, it } from 'vitest';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { completeRun, describeBrowser, expectClean, openPage, startDashboard, visit } from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';

const replicas: ScriptedEndpoint[] = [];
afterEach(async () => {
  while (replicas.length > 0) await replicas.pop()!.close();
});

describeBrowser('dashboard /runs/:id: served by, in chromium', (browser) => {
  it('lists every replica with its server, version, context and model check, as text', async () => {
    const d = await startDashboard({ 'evalsets/bio.jsonl': jsonl({ id: 'q1', prompt: 'who?', keywords: ['who'] }, { id: 'q2', prompt: 'what?', keywords: ['what'] }) });
    for (let i = 0; i < 2; i++) {
      replicas.push(await startScriptedEndpoint({
        accent: 'vllm', models: ['sft-2000'], version: '0.11.0', contextLength: 8192,
        respond: (req) => ({ content: `answer: ${req.userText}` }),
      }));
    }
    const urls = replicas.map((r) => r.url);
    d.store.checkpoints.add({ name: 'sft-2000', baseUrl: urls[0]!, baseUrls: urls, model: 'sft-2000', step: 2000 });
    const runId = await completeRun(d, 'sft-2000', ['bio']);
    const w = await openPage(browser());
    expect(await visit(w, d, `/runs/${runId}`)).toBe('run');
    const served = await w.page.locator('[data-testid=serving]').textContent();
    expect(served).toBe(urls.map((u) => `vLLM 0.11.0 at ${u} · context 8192 tokens · model listed`).join('; '));
    const provenance = (await w.page.locator('[data-testid=provenance]').textContent()) ?? '';
    expect(provenance).toContain(`endpoint${urls.join(', ')} (chat)`);
    if (process.env.TUNEGATE_SCREENSHOT_DIR) await w.page.screenshot({ path: `${process.env.TUNEGATE_SCREENSHOT_DIR}/run-serving.png`, fullPage: true });
    expectClean(w.log, d);
  });

  it('the register form takes replicas, and a model the servers do not serve is an error at the model field, before any completion', async () => {
    const d = await startDashboard({ 'evalsets/bio.jsonl': jsonl({ id: 'q1', prompt: 'who?', keywords: ['who'] }) });
    for (let i = 0; i < 2; i++) {
      replicas.push(await startScriptedEndpoint({ accent: 'sglang', models: ['sft-2000'], respond: (req) => ({ content: `answer: ${req.userText}` }) }));
    }
    const urls = replicas.map((r) => r.url);
    const w = await openPage(browser());
    expect(await visit(w, d, '/checkpoints/new')).toBe('register');
    await w.page.locator('#f-name').fill('two-gpus');
    await w.page.locator('#f-baseUrl').fill(urls.join(' '));
    await w.page.locator('#f-model').fill('sft-200');
    await w.page.locator('[data-testid=register-submit]').click();
    const modelError = w.page.locator('[data-testid=error-model]');
    await modelError.waitFor({ state: 'visible' });
    expect(await modelError.textContent()).toContain('does not serve model "sft-200": it serves "sft-2000"');
    // In the form's words: its Model field and its own box, not the API's field names or the CLI's flags.
    expect(await modelError.textContent()).toContain('fix the Model field, or skip this check with the "Skip the model check" box');
    expect(await modelError.textContent()).not.toMatch(/--[a-z]|body\//);
    expect(replicas.every((r) => r.requests.length === 0)).toBe(true);
    expect(d.store.checkpoints.find('two-gpus')).toBeUndefined();
    // The box sends modelCheck: false: the name is stored unchecked (no run: nothing is sent to a name not served).
    await w.page.locator('[data-testid=run-now]').uncheck();
    await w.page.locator('#f-name').fill('unchecked');
    await w.page.locator('[data-testid=skip-model-check]').check();
    await w.page.locator('[data-testid=register-submit]').click();
    await w.page.locator('[data-testid=registered]').waitFor();
    expect(d.store.checkpoints.get('unchecked').model).toBe('sft-200');
    await visit(w, d, '/checkpoints/new');
    await w.page.locator('#f-name').fill('two-gpus');
    await w.page.locator('#f-baseUrl').fill(urls.join(' '));

    await w.page.locator('#f-model').fill('sft-2000');
    await w.page.locator('[data-testid=register-submit]').click();
    await w.page.waitForURL((u) => /^\/runs\/\d+$/.test(u.pathname));
    expect(d.store.checkpoints.get('two-gpus').baseUrls).toEqual(urls);
    await w.page.locator('[data-testid=serving]').waitFor();
    expect(await w.page.locator('[data-testid=serving]').textContent()).toBe(urls.map((u) => `SGLang 0.5.3 at ${u} · context 4096 tokens · model listed`).join('; '));
    expectClean(w.log, d, [{ status: 400, path: '/api/checkpoints' }]);
  });
});
