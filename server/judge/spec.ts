import { anthropicBaseUrl, type Env, type KeyUse } from '../config.js';
import { ANTHROPIC_KEY_ENV, validateEnvName } from '../settings/env-names.js';
import { TunegateError } from '../errors.js';
import type { ModelSpec } from '../http/ask-json.js';
import { refuseUrlCredentials, stripUrlCredentials, stripUrlCredentialsInText } from '../http/url-credentials.js';

/** The base URL of an `openai:MODEL@BASE_URL` spec (null for any other), to check before the spec is parsed. */
export function judgeSpecUrl(spec: string | null | undefined): string | null {
  if (spec === null || spec === undefined || !spec.startsWith('openai:')) return null;
  const at = spec.indexOf('@');
  return at < 0 ? null : spec.slice(at + 1);
}

/**
 * Parses `anthropic:MODEL` or `openai:MODEL@BASE_URL` (the judge's spec; the eval-set generator's
 * too, with `flag` naming its option in errors). A URL with a user name or password is refused
 * (it would be stored): the key goes in the variable `keyEnv` names (read at request time, never
 * stored). The id is the spec without a key variable: it names the judge in caches and reports.
 */
export function parseJudgeSpec(spec: string, keyEnv?: string | null, flag = '--judge'): ModelSpec {
  refuseUrlCredentials([[flag, judgeSpecUrl(spec), `${flag}-key-env`]]);
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
      return { provider, model, baseUrl, apiKeyEnv, id: `openai:${model}@${stripUrlCredentials(baseUrl)}` };
    }
  }
  throw new TunegateError(
    'USAGE',
    `${flag}: "${stripUrlCredentialsInText(spec)}" is not a ${flag.replace(/^--/, '')}; use anthropic:MODEL (key in ANTHROPIC_API_KEY) or openai:MODEL@BASE_URL (e.g. openai:qwen2.5-72b@http://127.0.0.1:8001/v1)`,
  );
}

/** Where a judge's spec sends its key: ANTHROPIC_BASE_URL (or api.anthropic.com) for anthropic, the spec's URL for openai. */
export function judgeUrl(spec: ModelSpec, env: Env): string {
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
