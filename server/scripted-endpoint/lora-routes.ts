import type { Accent, WireReply } from './accents/accent.js';

/** A load or unload request the endpoint received, as sent. */
export interface AdapterRequest {
  path: string;
  body: unknown;
}

/**
 * Runtime LoRA loading as vLLM and SGLang answer it (accents' `lora`, docs/servers.md). `adapters`
 * maps each loaded name to its path; loaded names are listed by /v1/models and served as models.
 * Returns undefined for a path that is not one of the accent's adapter routes.
 */
export function adapterRoute(accent: Accent, enabled: boolean, path: string, body: Record<string, unknown>, adapters: Map<string, string>): WireReply | undefined {
  const lora = accent.lora;
  if (lora === undefined || (path !== lora.load && path !== lora.unload)) return undefined;
  if (!enabled) return lora.disabled();
  const name = typeof body.lora_name === 'string' ? body.lora_name : '';
  if (path === lora.load) {
    const at = typeof body.lora_path === 'string' ? body.lora_path : '';
    if (name === '' || at === '') return lora.failed('missing', name);
    if (adapters.has(name)) return lora.failed('already', name);
    if (at.includes('missing')) return lora.failed('no-adapter', name);
    adapters.set(name, at);
    return lora.loaded(name, adapters);
  }
  if (!adapters.has(name)) return lora.failed('unknown', name);
  adapters.delete(name);
  return lora.unloaded(name, adapters);
}
