import { describe, expect, it } from 'vitest';
import { fingerprintWarnings, provenanceMismatches, systemPromptOf, type RunFacts } from '../../server/compare/provenance-diff.js';
import { evalSet } from '../helpers/run.js';
import { DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { SCORER_VERSIONS } from '../../server/scoring/types.js';
import type { Provenance, Run, RunParams } from '../../server/store/types.js';

/** A stored run as the store returns it; only what provenance reads matters. */
function run(id: number, params: Partial<RunParams> = {}, prov: Partial<Provenance> = {}, endpoint: Partial<Provenance['endpoint']> = {}): Run {
  return {
    id, kind: 'eval', checkpointId: id, checkpoint: `c${id}`, step: id, status: 'completed',
    params: { ...DEFAULT_PARAMS, maxTokens: { ...DEFAULT_PARAMS.maxTokens }, ...params },
    provenance: {
      tool: '0.1.0', node: 'v20', endpoint: { baseUrl: 'http://h/v1', model: 'm', api: 'chat', promptTemplate: null, ...endpoint },
      scorers: { ...SCORER_VERSIONS }, evalsets: [], ...prov,
    },
    summary: null, error: null, ownerPid: null, ownerHost: null, createdAt: '', startedAt: null, finishedAt: null, notes: [],
  };
}

const facts = (system: Record<string, string>, rubrics: string[] = []): RunFacts =>
  ({ systemPrompts: new Map(Object.entries(system).map(([k, v]) => [k.replace('/', '\u0000'), v])), rubrics });

describe('provenanceMismatches', () => {
  it('finds nothing between two runs measured alike (different checkpoints and models are the point of comparing)', () => {
    expect(provenanceMismatches(run(1), run(2, {}, {}, { model: 'other', baseUrl: 'http://other/v1' }))).toEqual([]);
  });

  it.each([
    ['temperature', { temperature: 0.7 }, 'temperature', '0', '0.7', 'temperature differs: 0 in baseline run 1, 0.7 in head run 2'],
    ['max tokens (keyword)', { maxTokens: { keyword: 64, blog: 1024 } }, 'maxTokens.keyword', '512', '64', 'max tokens for keyword items differs: 512 in baseline run 1, 64 in head run 2'],
    ['max tokens (blog)', { maxTokens: { keyword: 512, blog: 256 } }, 'maxTokens.blog', '1024', '256', 'max tokens for blog items differs: 1024 in baseline run 1, 256 in head run 2'],
    ['samples', { samples: 4 }, 'samples', '1', '4', 'samples per item differs: 1 in baseline run 1, 4 in head run 2'],
  ] as const)('%s', (_label, params, field, base, head, message) => {
    expect(provenanceMismatches(run(1), run(2, params))).toEqual([{ field, base, head, message }]);
  });

  it('scorer versions: a changed version, and a scorer only one run recorded', () => {
    const head = run(2, {}, { scorers: { ...SCORER_VERSIONS, keyword: '9', judge: '1' } });
    const m = provenanceMismatches(run(1), head);
    const now = `v${SCORER_VERSIONS.keyword}`;
    expect(m.map((x) => [x.field, x.base, x.head])).toEqual([['scorers.judge', 'none', 'v1'], ['scorers.keyword', now, 'v9']]);
    expect(m[1]!.message).toBe(`scorer keyword differs: ${now} in baseline run 1, v9 in head run 2; scores of different scorer versions are not comparable`);
  });

  it('prompt template: what the model was shown, so null and the default template are the same, and chat ignores the template', () => {
    const completions = (t: string | null) => ({ api: 'completions' as const, promptTemplate: t });
    expect(provenanceMismatches(run(1, {}, {}, completions(null)), run(2, {}, {}, completions('{prompt}\n\n')))).toEqual([]);
    expect(provenanceMismatches(run(1, {}, {}, { promptTemplate: 'A {prompt}' }), run(2, {}, {}, { promptTemplate: 'B {prompt}' }))).toEqual([]);
    const m = provenanceMismatches(run(1, {}, {}, completions('Q: {prompt}\nA:')), run(2, {}, {}, completions(null)));
    expect(m).toEqual([{ field: 'promptTemplate', base: '"Q: {prompt}\\nA:"', head: '"{prompt}\\n\\n"', message: expect.stringContaining('prompt template differs') }]);
    expect(provenanceMismatches(run(1), run(2, {}, {}, completions(null)))[0]).toMatchObject({ field: 'promptTemplate', base: expect.stringContaining('chat') });
  });

  it('system prompts: compared on the items both runs have, named by count and first item', () => {
    const base = facts({ 'bio/a': 'Be brief.', 'bio/b': 'Be brief.', 'bio/only-base': 'x' });
    const same = facts({ 'bio/a': 'Be brief.', 'bio/b': 'Be brief.', 'bio/only-head': 'y' });
    expect(provenanceMismatches(run(1), run(2), { base, head: same })).toEqual([]);
    const changed = facts({ 'bio/a': 'Be brief.', 'bio/b': 'You are a pirate.' });
    const [m, ...rest] = provenanceMismatches(run(1), run(2), { base, head: changed });
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ field: 'system', base: expect.stringMatching(/^[0-9a-f]{12}$/), head: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(m!.base).not.toBe(m!.head);
    expect(m!.message).toBe('system prompts differ on 1 of the 2 items both runs have (first: bio/b)');
  });

  it('systemPromptOf: the system field, or the system messages of an SFT line; empty when none', () => {
    const set = evalSet('s',
      { id: 'a', prompt: 'p', keywords: ['k'], system: 'Be brief.' },
      { id: 'b', prompt: 'p', keywords: ['k'] },
      { id: 'c', messages: [{ role: 'system', content: 'You write posts.' }, { role: 'user', content: 'Title' }, { role: 'assistant', content: 'Body' }] });
    expect(set.items.map(systemPromptOf)).toEqual(['Be brief.', '', 'You write posts.']);
  });

  it('judge rubric: only when both runs were judged, with different rubric versions', () => {
    const f = (rubrics: string[]) => facts({}, rubrics);
    expect(provenanceMismatches(run(1), run(2), { base: f([]), head: f(['blog-v2']) })).toEqual([]);
    expect(provenanceMismatches(run(1), run(2), { base: f(['blog-v1']), head: f(['blog-v1']) })).toEqual([]);
    expect(provenanceMismatches(run(1), run(2), { base: f(['blog-v1']), head: f(['blog-v2']) })).toEqual([
      { field: 'judgeRubric', base: 'blog-v1', head: 'blog-v2', message: 'judge rubric differs: blog-v1 in baseline run 1, blog-v2 in head run 2; judge scores of different rubrics are not comparable' },
    ]);
  });

  it('a value a run never recorded is unknown, not a difference, and does not crash', () => {
    const old = run(1);
    delete (old.params as Partial<RunParams>).samples;
    (old.params as { maxTokens?: unknown }).maxTokens = undefined;
    delete (old.provenance as Partial<Provenance>).reported;
    delete (old.provenance as Partial<Provenance>).revision;
    expect(provenanceMismatches(old, run(2, { samples: 3, maxTokens: { keyword: 1, blog: 1 } }))).toEqual([]);
    expect(fingerprintWarnings(old, run(2, {}, { reported: { models: ['m'], systemFingerprints: ['fp_a'] } }))).toEqual([]);
  });

  it('untrusted values are shown as one short printable line', () => {
    const m = provenanceMismatches(run(1, {}, { scorers: { ...SCORER_VERSIONS, keyword: '1\u001b[2J' } }), run(2));
    expect(m[0]!.base).toBe('v1\\u001b[2J');
  });
});

describe('fingerprintWarnings', () => {
  const reported = (systemFingerprints: string[], models = ['m']) => ({ reported: { models, systemFingerprints } });

  it('warns when the fingerprint differs between the runs or changed within one, and when a run saw several models', () => {
    expect(fingerprintWarnings(run(1, {}, reported(['fp_a'])), run(2, {}, reported(['fp_a'])))).toEqual([]);
    expect(fingerprintWarnings(run(1, {}, reported(['fp_a'])), run(2, {}, reported(['fp_b'])))).toEqual([
      expect.stringMatching(/^system_fingerprint differs: fp_a in baseline run 1, fp_b in head run 2; the serving backend/),
    ]);
    const w = fingerprintWarnings(run(1, {}, reported(['fp_a'])), run(2, {}, reported(['fp_a', 'fp_b'], ['m', 'm-other'])));
    expect(w).toEqual([
      "the endpoint's system_fingerprint changed during head run 2 (fp_a, fp_b): its backend or configuration changed mid-run",
      'the endpoint reported more than one model during head run 2 (m, m-other)',
      expect.stringMatching(/^system_fingerprint differs: fp_a in baseline run 1, fp_a, fp_b in head run 2/),
    ]);
  });

  it('warns when the two runs were served by different servers or versions; not when one run did not record it', () => {
    const served = (server: string | null, version: string | null) =>
      ({ serving: [{ baseUrl: 'http://h/v1', server, version, contextLength: null, models: ['m'], modelCheck: 'passed' as const }] });
    expect(fingerprintWarnings(run(1, {}, served('vLLM', '0.11.0')), run(2, {}, served('vLLM', '0.11.0')))).toEqual([]);
    expect(fingerprintWarnings(run(1, {}, served('vLLM', '0.10.2')), run(2, {}, served('SGLang', '0.5.3')))).toEqual([
      "served by vLLM 0.10.2 in baseline run 1, SGLang 0.5.3 in head run 2: part of the difference may be the server's, not the checkpoint's",
    ]);
    expect(fingerprintWarnings(run(1, {}, served(null, null)), run(2, {}, served('vLLM', null)))).toEqual([
      "served by unidentified server in baseline run 1, vLLM in head run 2: part of the difference may be the server's, not the checkpoint's",
    ]);
    expect(fingerprintWarnings(run(1), run(2, {}, served('vLLM', '0.11.0')))).toEqual([]);
  });

  it('says nothing when an endpoint reports no fingerprint', () => {
    expect(fingerprintWarnings(run(1, {}, reported([])), run(2, {}, reported(['fp_b'])))).toEqual([]);
  });
});
