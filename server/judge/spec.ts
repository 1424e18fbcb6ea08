import { anthropicBaseUrl, ANTHROPIC_KEY_ENV, validateEnvName, type Env, type KeyUse } from '../config.js';
import { TunegateError } from '../errors.js';
import { redactUrl } from '../runner/create-run.js';

/** Which model judges, and where. */
export type JudgeSpec =
  | { provider: 'anthropic'; model: string; id: string }
  | { provider: 'openai'; model: string; baseUrl: string; apiKeyEnv: string | null; id: string };

/**
 * Parses `anthropic:MODEL` or `openai:MODEL@BASE_URL` (the judge's spec; the eval-set generator's
 * too, with `flag` naming its option in errors). The id is the spec without a key variable
 * and without a user:password in the URL: it names the judge in caches and reports. An
 * OpenAI-compatible judge that needs a key names its variable with `keyEnv` (the value is read
 * at request time, never stored).
 */
export function parseJudgeSpec(spec: string, keyEnv?: string | null, flag = '--judge'): JudgeSpec {
  const colon = spec.indexOf(':');
  const provider = colon < 0 ? '' : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  if (provider === 'anthropic' && rest.trim() !== '') return { provider, model: rest, id: `anthropic:${rest}` };
  if (provider === 'openai') {
    const at = rest.indexOf('@');
    const model = at < 0 ? '' : rest.slice(0, at);
    const baseUrl = at < 0 ? '' : rest.slice(at + 1);
    let ok = model.trim() !== '';
    try {
      ok &&= ['http:', 'https:'].includes(new URL(baseUrl).protocol);
    } catch {
      ok = false;
    }
    if (ok) {
      const apiKeyEnv = keyEnv === undefined || keyEnv === null ? null : validateEnvName(keyEnv, `${flag}-key-env`);
      // The id is stored and printed (caches, reports, a generated item's meta): never a URL's user:password.
      return { provider, model, baseUrl, apiKeyEnv, id: `openai:${model}@${redactUrl(baseUrl)}` };
    }
  }
  throw new TunegateError(
    'USAGE',
    `${flag}: "${spec}" is not a ${flag.replace(/^--/, '')}; use anthropic:MODEL (key in ANTHROPIC_API_KEY) or openai:MODEL@BASE_URL (e.g. openai:qwen2.5-72b@http://127.0.0.1:8001/v1)`,
  );
}

/** Where a judge's spec sends its key: ANTHROPIC_BASE_URL (or api.anthropic.com) for anthropic, the spec's URL for openai. */
export function judgeUrl(spec: JudgeSpec, env: Env): string {
  return spec.provider === 'anthropic' ? anthropicBaseUrl(env) : spec.baseUrl;
}

/**
 * The key variable a judge reads (ANTHROPIC_API_KEY for anthropic, its keyEnv for openai) and
 * where it sends it, as a key use `field` names; no judge, no name.
 */
export function judgeKeyUse(settings: { spec: string; keyEnv?: string | null } | null | undefined, env: Env, field: string): KeyUse {
  if (settings === null || settings === undefined) return [field, null, { field, urls: [] }];
  const spec = parseJudgeSpec(settings.spec, settings.keyEnv ?? null);
  return [field, spec.provider === 'anthropic' ? ANTHROPIC_KEY_ENV : spec.apiKeyEnv, { field, urls: [judgeUrl(spec, env)] }];
}
