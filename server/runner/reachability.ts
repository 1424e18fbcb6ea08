import { OptionError } from '../errors.js';
import { probeServing, type ProbeResult } from './serving-probe.js';

export interface EndpointCheck {
  apiKey?: string | undefined;
  /** Check the model name against GET /v1/models (false: --no-model-check). */
  check: boolean;
  /** Whether a checkpoint that answers on no base URL is an error (the CLI) or a warning (a queued run). */
  requireReachable: boolean;
}

/**
 * What `run`, `resume` and the API ask of an endpoint before a run is created or resumed: does
 * it answer, and does it serve the model (serving-probe.ts)? Without the first check a mistyped
 * --base-url would spend every item's retries with backoff (minutes) before saying anything; the
 * second stops a typo'd model name before SGLang or TGI answer it with another model. A replica
 * that does not answer while others do is a warning: its requests go to the others.
 */
export async function checkEndpoint(baseUrls: readonly string[], model: string, opts: EndpointCheck): Promise<ProbeResult> {
  const probed = await probeServing(baseUrls, model, { apiKey: opts.apiKey, check: opts.check });
  if (probed.unreachable.length === baseUrls.length && opts.requireReachable) {
    // Worded by each edge: the CLI's --base-url, the API's body/baseUrl.
    throw new OptionError(
      'UNREACHABLE', 'baseUrl',
      (name) => `cannot connect to ${probed.unreachable.join(', ')}; is the model server running and is ${name('baseUrl')} right?`,
    );
  }
  const down = probed.unreachable.map((u) =>
    baseUrls.length > 1 ? `replica ${u} does not answer: its requests go to the other replicas` : `${u} does not answer; the run will stop if it stays down`);
  return { ...probed, warnings: [...probed.warnings, ...down] };
}
