import { describe, expect, it } from 'vitest';
import { openAIErrorBody, parseErrorBody } from '../../server/http/error-body.js';
import { causeOf, storedCause } from '../../server/http/failure-cause.js';
import { errorNotes, isErrorNote } from '../../server/runner/error-notes.js';

describe('parseErrorBody: every server shape to one short message', () => {
  it.each([
    ['OpenAI / vLLM / llama.cpp / LM Studio', '{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}}',
      { message: 'The model `x` does not exist.', type: 'NotFoundError', code: '404' }],
    ['TGI (flat string and error_type)', '{"error":"Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 512 `max_new_tokens`","error_type":"validation"}',
      { message: 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 512 `max_new_tokens`', type: 'validation', code: null }],
    ['SGLang (flat object)', '{"object":"error","message":"The input (5000 tokens) is longer than the model\'s context length (4096 tokens).","type":"BadRequestError","param":null,"code":400}',
      { message: "The input (5000 tokens) is longer than the model's context length (4096 tokens).", type: 'BadRequestError', code: '400' }],
    ['Ollama (nested, no code)', '{"error":{"message":"model \\"llama9\\" not found, try pulling it first","type":"api_error","param":null,"code":null}}',
      { message: 'model "llama9" not found, try pulling it first', type: 'api_error', code: null }],
    ['FastAPI validation detail', '{"detail":[{"loc":["body","max_tokens"],"msg":"Input should be greater than 0","type":"greater_than"}]}',
      { message: 'max_tokens: Input should be greater than 0', type: null, code: null }],
    ['a proxy\'s HTML page', '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>',
      { message: '502 Bad Gateway 502 Bad Gateway', type: null, code: null }],
    ['plain text', 'upstream connect error', { message: 'upstream connect error', type: null, code: null }],
  ])('%s', (_name, body, want) => {
    expect(parseErrorBody(body)).toEqual(want);
    // The rewrite the transport makes is the OpenAI shape the SDK keeps.
    expect(JSON.parse(openAIErrorBody(body))).toEqual({ error: want });
  });
});

it('reads a hostile body in linear time and keeps a bounded message', () => {
  // 8 MiB of '<' (the largest body read): a quadratic pattern would take hours, far past the test's timeout.
  const e = parseErrorBody('<'.repeat(8 * 1024 * 1024));
  expect(e.message.length).toBeLessThanOrEqual(4000);
  expect(parseErrorBody(JSON.stringify({ error: { message: 'x'.repeat(100_000) } })).message).toHaveLength(4000);
});

describe('causeOf: failures retrying cannot fix, read from each server\'s wording', () => {
  it.each([
    [400, "This model's maximum context length is 4096 tokens. However, you requested 5120 tokens (4608 in the messages, 512 in the completion).", 'context', 4096],
    [400, "'max_tokens' or 'max_completion_tokens' is too large: 1024. This model's maximum context length is 2048 tokens and your request has 1500 input tokens (1024 > 2048 - 1500).", 'context', 2048],
    [422, 'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 512 `max_new_tokens`', 'context', 4096],
    [422, 'Input validation error: `inputs` must have less than 3000 tokens. Given: 3500', 'context', 3000],
    [422, 'Input validation error: `max_new_tokens` must be strictly positive', 'invalid', null],
    [400, "The input (5000 tokens) is longer than the model's context length (4096 tokens).", 'context', 4096],
    [400, 'Requested token count exceeds the model\'s maximum context length of 8192 tokens. You requested a total of 9000 tokens', 'context', 8192],
    [400, 'Trying to keep the first 5000 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough.', 'context', 4096],
    [400, 'the request exceeds the available context size, try increasing it', 'context', null],
    [404, 'The model `qwen-typo` does not exist.', 'model', null],
    [404, 'model "llama9" not found, try pulling it first', 'model', null],
    [400, 'Model not found: qwen-typo (model_not_found)', 'model', null],
    [401, 'Incorrect API key provided', 'auth', null],
    [422, 'temperature: Input should be less than or equal to 2', 'invalid', null],
  ] as const)('HTTP %i: %s', (status, message, kind, contextLength) => {
    expect(causeOf(status, message)).toEqual({ kind, status, contextLength });
    expect(storedCause(`HTTP ${status}: ${message}`)).toEqual({ kind, status, contextLength });
  });

  it('has no cause for what a retry may fix, or for what is not an HTTP error', () => {
    for (const status of [408, 409, 429, 500, 503]) expect(causeOf(status, 'context length exceeded')).toBeNull();
    expect(storedCause('connection failed (ECONNREFUSED)')).toBeNull();
    expect(storedCause('timed out after 60 s')).toBeNull();
  });
});

describe('errorNotes: one line per cause, with its count', () => {
  it('reports 23 identical context overflows as one line naming the context, and other failures by frequency', () => {
    const overflow = "HTTP 400: This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.";
    const errors = [...Array(23).fill(overflow), 'HTTP 500: boom', 'HTTP 500: boom', 'timed out after 60 s'];
    const notes = errorNotes(errors, 'qwen');
    expect(notes).toEqual([
      expect.stringMatching(/^errored: 23 items exceed the context of 4096 tokens \(prompt \+ max tokens\), not retried; lower max tokens \(maxTokens\) or serve a longer context\. the server said \(HTTP 400\): This model's/),
      'errored: 2 items failed: HTTP 500: boom',
      'errored: 1 item failed: timed out after 60 s',
    ]);
    expect(notes.every(isErrorNote)).toBe(true);
    expect(errorNotes([], 'qwen')).toEqual([]);
  });

  it('one line per cause even when the messages differ in their numbers', () => {
    const errors = Array.from({ length: 500 }, (_, i) => `HTTP 400: This model's maximum context length is 4096 tokens. However, you requested ${5000 + i} tokens.`);
    expect(errorNotes(errors, 'm')).toEqual([expect.stringMatching(/^errored: 500 items exceed the context of 4096 tokens/)]);
  });

  it('counts what it does not list, past three distinct messages', () => {
    const notes = errorNotes(['a', 'b', 'c', 'd', 'e', 'e'], 'm');
    expect(notes).toEqual(['errored: 2 items failed: e', 'errored: 1 item failed: a', 'errored: 1 item failed: b', "errored: 2 more items failed with other messages (the run's answers list them)"]);
  });
});
