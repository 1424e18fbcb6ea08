import { describe, expect, it } from 'vitest';
import { SERVER_ACCENTS, type ServerAccent } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { chat, get, ofTokens, post, script, start } from '../helpers/accent-wire.js';
import { endpoint } from '../helpers/endpoint.js';

describe('default accent is the endpoint as it was', () => {
  it('lists models as tunegate-scripted, answers unknown routes and scripted errors as before, ignores echo', async () => {
    const e = await endpoint(() => ({ content: 'x', reasoning: 'r' }), { models: ['m'] });
    expect((await get(e, '/v1/models')).json).toEqual({ object: 'list', data: [{ id: 'm', object: 'model', owned_by: 'tunegate-scripted' }] });
    expect((await get(e, '/nope')).json).toEqual({ error: { message: 'no route GET /nope', type: 'not_found' } });
    const r = await chat(e, { model: 'not-served' });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe('not-served');
    expect(r.json.choices[0].message.reasoning_content).toBe('r');
    const c = await post(e, '/completions', { model: 'm', prompt: 'p', echo: true, logprobs: 1 });
    expect(c.json.choices[0]).toEqual({ index: 0, text: 'x', finish_reason: 'stop', logprobs: null });
  });

  it('the old option name `flavour` is still read; `accent` wins when both are set', async () => {
    const old = await endpoint(() => ({ content: 'x' }), { flavour: 'vllm', models: ['m'] });
    expect((await get(old, '/version')).json).toEqual({ version: '0.11.0' });
    const both = await endpoint(() => ({ content: 'x' }), { flavour: 'vllm', accent: 'sglang', models: ['m'] });
    expect((await get(both, '/version')).status).toBe(404);
    expect((await get(both, '/get_server_info')).json.version).toBe('0.5.3');
  });
});

describe('reasoning goes where each server puts it', () => {
  const cases: Array<[ServerAccent, (m: any) => void]> = [
    ['openai', (m) => expect(m).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'thought' })],
    ['vllm', (m) => expect(m).toEqual({ role: 'assistant', content: 'answer', reasoning: 'thought' })],
    ['llamacpp', (m) => expect(m).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'thought' })],
    ['sglang', (m) => expect(m).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'thought' })],
    ['lmstudio', (m) => expect(m).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'thought' })],
    ['ollama', (m) => expect(m).toEqual({ role: 'assistant', content: 'answer', reasoning: 'thought' })],
    ['tgi', (m) => expect(m).toEqual({ role: 'assistant', content: '<think>thought</think>answer' })],
  ];
  it.each(cases)('%s', async (accent, check) => {
    const e = await start(accent);
    const r = await chat(e);
    expect(r.status).toBe(200);
    check(r.json.choices[0].message);
  });

  it('vLLM before the rename: reasoning_content', async () => {
    const e = await start('vllm', { vllmLegacyReasoning: true });
    expect((await chat(e)).json.choices[0].message).toEqual({ role: 'assistant', content: 'answer', reasoning_content: 'thought' });
  });

  it('without reasoning, vLLM and SGLang still carry the field as null; the others leave it out', async () => {
    for (const accent of SERVER_ACCENTS) {
      const e = await start(accent, { respond: () => ({ content: 'answer' }) });
      const message = (await chat(e)).json.choices[0].message;
      if (accent === 'vllm') expect(message.reasoning).toBeNull();
      else if (accent === 'sglang') expect(message.reasoning_content).toBeNull();
      else expect(Object.keys(message).sort()).toEqual(['content', 'role']);
    }
  });
});

describe('a model the server does not serve', () => {
  it('vLLM: 404 NotFoundError, before the script is asked', async () => {
    const s = script();
    const e = await start('vllm', { respond: s.respond });
    const r = await chat(e, { model: 'other' });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { message: 'The model `other` does not exist.', type: 'NotFoundError', param: 'model', code: 404 } });
    expect(s.calls.n).toBe(0);
    expect(e.requests).toHaveLength(1);
  });

  it("Ollama: 404 not_found_error; a bare name is its :latest tag", async () => {
    const e = await start('ollama', { models: ['llama3:latest'] });
    const r = await chat(e, { model: 'qwen' });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: { message: "model 'qwen' not found", type: 'not_found_error', param: null, code: null } });
    const ok = await chat(e, { model: 'llama3' });
    expect(ok.status).toBe(200);
    expect(ok.json.model).toBe('llama3:latest');
    expect(ok.json.system_fingerprint).toBe('fp_ollama');
  });

  it('LM Studio: 400 model_not_found', async () => {
    const e = await start('lmstudio', { models: ['a', 'b'] });
    const r = await chat(e, { model: 'gpt-4o' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: {
      message: 'Invalid model identifier "gpt-4o". Please specify a valid downloaded model (e.g., a, b).', type: 'invalid_request_error', param: 'model', code: 'model_not_found',
    } });
  });

  it('llama.cpp and SGLang answer with the loaded model and echo the name asked for', async () => {
    for (const accent of ['llamacpp', 'sglang'] as const) {
      const r = await chat(await start(accent), { model: 'other' });
      expect(r.status).toBe(200);
      expect(r.json.model).toBe('other');
    }
  });

  it('TGI answers (the name is an adapter id, unknown ones fall back to the base): chat echoes it, completions report the served model', async () => {
    const e = await start('tgi');
    const c = await chat(e, { model: 'my-lora' });
    expect(c.status).toBe(200);
    expect(c.json.model).toBe('my-lora');
    expect(c.json.id).toBe('');
    expect(c.json.system_fingerprint).toBe('3.3.6-native');
    const t = await post(e, '/completions', { model: 'my-lora', prompt: 'p' });
    expect(t.json.model).toBe('m');
  });
});

describe('a request that does not fit the context', () => {
  const CONTEXT = 100;
  const long = ofTokens(95);

  it('vLLM: 400 from the renderer, counting "at least" max_input + 1 tokens; max_completion_tokens wins over max_tokens', async () => {
    const s = script();
    const e = await start('vllm', { contextLength: CONTEXT, respond: s.respond });
    const r = await chat(e, { messages: [{ role: 'user', content: long }], max_tokens: 2, max_completion_tokens: 20 });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: {
      message: "This model's maximum context length is 100 tokens. However, you requested 20 output tokens and your prompt contains at least 81 input tokens, for a total of at least 101 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=81)",
      type: 'BadRequestError', param: 'input_tokens', code: 400,
    } });
    expect(s.calls.n).toBe(0);
    // Completions without max_tokens ask for 16: 95 + 16 > 100.
    const c = await post(e, '/completions', { model: 'm', prompt: long });
    expect(c.status).toBe(400);
    expect(c.json.error.message).toContain('you requested 16 output tokens');
    // A chat request without a budget only needs its prompt to fit.
    expect((await chat(e, { messages: [{ role: 'user', content: long }] })).status).toBe(200);
  });

  it('SGLang: flat 400, input + max_tokens >= context, or the input alone', async () => {
    const e = await start('sglang', { contextLength: CONTEXT });
    const r = await chat(e, { messages: [{ role: 'user', content: long }], max_tokens: 20 });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      object: 'error',
      message: "Requested token count exceeds the model's maximum context length of 100 tokens. You requested a total of 115 tokens: 95 tokens from the input messages and 20 tokens for the completion. Please reduce the number of tokens in the input messages or the completion to fit within the limit.",
      type: 'BadRequestError', param: null, code: 400,
    });
    const alone = await chat(e, { messages: [{ role: 'user', content: ofTokens(100) }] });
    expect(alone.json.message).toBe("The input (100 tokens) is longer than the model's context length (100 tokens).");
  });

  it('TGI: 422 validation, reading max_completion_tokens as max_tokens', async () => {
    const e = await start('tgi', { contextLength: CONTEXT });
    const r = await chat(e, { messages: [{ role: 'user', content: long }], max_completion_tokens: 20 });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ error: 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 100. Given: 95 `inputs` tokens and 20 `max_new_tokens`', error_type: 'validation' });
  });

  it('llama.cpp: answers, cut at the context with finish_reason length; a prompt that fills the slot is refused', async () => {
    const e = await start('llamacpp', { contextLength: CONTEXT, respond: () => ({ content: 'x'.repeat(200) }) });
    const r = await chat(e, { messages: [{ role: 'user', content: long }], max_tokens: 20 });
    expect(r.status).toBe(200);
    expect(r.json.choices[0].finish_reason).toBe('length');
    expect(r.json.choices[0].message.content).toBe('x'.repeat(16)); // 100 - 95 - 1 = 4 tokens
    expect(r.json.usage).toEqual({ completion_tokens: 4, prompt_tokens: 95, total_tokens: 99 });
    const full = await chat(e, { messages: [{ role: 'user', content: ofTokens(100) }] });
    expect(full.status).toBe(400);
    expect(full.json).toEqual({ error: {
      code: 400, message: 'request (100 tokens) exceeds the available context size (100 tokens), try increasing it', type: 'exceed_context_size_error', n_prompt_tokens: 100, n_ctx: 100,
    } });
  });

  it('Ollama: answers, the prompt silently cut to num_keep + the tail', async () => {
    const e = await start('ollama', { contextLength: CONTEXT, respond: () => ({ content: 'fine' }) });
    const r = await chat(e, { messages: [{ role: 'user', content: ofTokens(120) }], max_tokens: 50 });
    expect(r.status).toBe(200);
    expect(r.json.choices[0].message.content).toBe('fine');
    expect(r.json.usage.prompt_tokens).toBe(53); // 100 - floor((100 - 5) / 2)
    expect(e.requests[0]!.keptPromptTokens).toBe(53);
    // A prompt that fits is not touched, whatever max_tokens asks for.
    expect((await chat(e, { messages: [{ role: 'user', content: long }], max_tokens: 50 })).json.usage.prompt_tokens).toBe(95);
  });

  it('LM Studio: 400 when the prompt alone overflows; a budget past the context is answered', async () => {
    const e = await start('lmstudio', { contextLength: CONTEXT });
    const r = await chat(e, { messages: [{ role: 'user', content: ofTokens(120) }] });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'Trying to keep the first 120 tokens when context the overflows. However, the model is loaded with context length of only 100 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input.' });
    expect((await chat(e, { messages: [{ role: 'user', content: long }], max_tokens: 50 })).status).toBe(200);
  });

  it('OpenAI: 400 context_length_exceeded', async () => {
    const e = await start('openai', { contextLength: CONTEXT });
    const r = await chat(e, { messages: [{ role: 'user', content: long }], max_tokens: 20 });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'context_length_exceeded', type: 'invalid_request_error' });
    expect(r.json.error.message).toMatch(/^This model's maximum context length is 100 tokens\. However, you requested 115 tokens \(95 in the messages, 20 in the completion\)/);
  });

  it('without contextLength nothing is checked', async () => {
    for (const accent of SERVER_ACCENTS) {
      const r = await chat(await start(accent), { messages: [{ role: 'user', content: ofTokens(100_000) }], max_tokens: 100_000 });
      expect(r.status, accent).toBe(200);
    }
  });
});

describe('GET routes, identity and unknown paths', () => {
  it('vLLM: /v1/models cards, /version at the root, FastAPI 404', async () => {
    const e = await start('vllm', { contextLength: 8192, version: '0.10.2' });
    const models = (await get(e, '/v1/models')).json;
    expect(models.object).toBe('list');
    expect(models.data[0]).toMatchObject({ id: 'm', object: 'model', owned_by: 'vllm', root: 'm', parent: null, max_model_len: 8192 });
    expect(models.data[0].permission[0]).toMatchObject({ object: 'model_permission', allow_logprobs: true, organization: '*' });
    expect((await get(e, '/version')).json).toEqual({ version: '0.10.2' });
    const missing = await get(e, '/v1/version');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ detail: 'Not Found' });
  });

  it('llama.cpp: /v1/models with meta, /props with build_info and n_ctx, Server header everywhere, JSON 404', async () => {
    const e = await start('llamacpp', { contextLength: 4096, version: 'b6123-deadbee' });
    const models = await get(e, '/v1/models');
    expect(models.headers.get('server')).toBe('llama.cpp');
    expect(models.json.data[0]).toMatchObject({ id: 'm', object: 'model', owned_by: 'llamacpp' });
    expect(models.json.data[0].meta).toMatchObject({ n_ctx: 4096, n_ctx_train: 4096 });
    expect(models.json.models[0]).toMatchObject({ name: 'm', model: 'm' });
    const props = await get(e, '/props');
    expect(props.json).toMatchObject({ build_info: 'b6123-deadbee', total_slots: 1, default_generation_settings: { n_ctx: 4096 } });
    const missing = await get(e, '/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('server')).toBe('llama.cpp');
    expect(missing.json).toEqual({ error: { message: 'File Not Found', type: 'not_found_error', code: 404 } });
    const r = await chat(e);
    expect(r.headers.get('server')).toBe('llama.cpp');
    expect(r.json.system_fingerprint).toBe('b6123-deadbee');
  });

  it('Ollama: "Ollama is running", /api/version, owned_by the namespace, gin text 404', async () => {
    const e = await start('ollama', { models: ['llama3:latest', 'someone/tuned:v2'], version: '0.12.0' });
    const rootPage = await get(e, '/');
    expect(rootPage.text).toBe('Ollama is running');
    expect((await get(e, '/api/version')).json).toEqual({ version: '0.12.0' });
    const models = (await get(e, '/v1/models')).json;
    expect(models.data.map((m: any) => [m.id, m.owned_by, m.object])).toEqual([['llama3:latest', 'library', 'model'], ['someone/tuned:v2', 'someone', 'model']]);
    const missing = await get(e, '/v1/nope');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('404 page not found');
  });

  it('TGI: /info with version and token limits, one-model /v1/models, empty 404', async () => {
    const e = await start('tgi', { contextLength: 4096, version: '3.2.0' });
    expect((await get(e, '/info')).json).toMatchObject({ model_id: 'm', version: '3.2.0', max_total_tokens: 4096, max_input_tokens: 4095, router: 'text-generation-router' });
    expect((await get(e, '/v1/models')).json).toEqual({ object: 'list', data: [{ id: 'm', object: 'model', created: 0, owned_by: 'm' }] });
    const missing = await get(e, '/version');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
  });

  it('SGLang: owned_by sglang with max_model_len, /get_server_info version, /get_model_info, FastAPI 404', async () => {
    const e = await start('sglang', { contextLength: 32768, version: '0.4.9' });
    expect((await get(e, '/v1/models')).json.data[0]).toMatchObject({ id: 'm', owned_by: 'sglang', max_model_len: 32768, root: 'm' });
    expect((await get(e, '/get_server_info')).json).toMatchObject({ version: '0.4.9', context_length: 32768 });
    expect((await get(e, '/server_info')).json.version).toBe('0.4.9');
    expect((await get(e, '/get_model_info')).json).toMatchObject({ model_path: 'm', is_generation: true });
    const missing = await get(e, '/version');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ detail: 'Not Found' });
  });

  it('LM Studio: owned_by organization_owner, /api/v0/models with max_context_length, 200 for a path it lacks', async () => {
    const e = await start('lmstudio', { contextLength: 8192 });
    expect((await get(e, '/v1/models')).json).toEqual({ data: [{ id: 'm', object: 'model', owned_by: 'organization_owner' }], object: 'list' });
    expect((await get(e, '/api/v0/models')).json.data[0]).toMatchObject({ id: 'm', object: 'model', state: 'loaded', max_context_length: 8192 });
    const missing = await get(e, '/props');
    expect(missing.status).toBe(200);
    expect(missing.json).toEqual({ error: 'Unexpected endpoint or method. (GET /props)' });
  });
});

describe('scripted errors without a body take the server shape', () => {
  const shapes: Record<ServerAccent, unknown> = {
    openai: { error: { message: 'scripted 429', type: 'server_error' } },
    vllm: { error: { message: 'scripted 429', type: 'Too Many Requests', param: null, code: 429 } },
    llamacpp: { error: { code: 429, message: 'scripted 429', type: 'server_error' } },
    ollama: { error: { message: 'scripted 429', type: 'api_error', param: null, code: null } },
    tgi: { error: 'scripted 429', error_type: 'overloaded' },
    sglang: { object: 'error', message: 'scripted 429', type: 'Too Many Requests', param: null, code: 429 },
    lmstudio: { error: 'scripted 429' },
  };
  it.each(SERVER_ACCENTS)('%s', async (accent) => {
    const e = await start(accent, { respond: () => ({ status: 429, headers: { 'retry-after': '1' } }) });
    const r = await chat(e);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.json).toEqual(shapes[accent]);
  });

  it('a scripted body is sent as it is', async () => {
    const e = await start('sglang', { respond: () => ({ status: 400, body: '{"custom":true}' }) });
    expect((await chat(e)).json).toEqual({ custom: true });
  });
});
