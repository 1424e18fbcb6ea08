import { TunegateError } from '../errors.js';
import type { GateReport } from '../gate/decide.js';
import { GateOptionsSchema } from '../gate/options.js';
import type { Values } from './args.js';
import type { ApiClient } from './remote.js';
import { flagWording, readOptions } from './schema-options.js';

/**
 * GET /api/gate's querystring: run `runId` and the gate options given on the command line, read
 * by the schema the server validates them with; options not given are left to the server's
 * defaults, which are the local gate's.
 */
export function gateQuery(runId: number, v: Values): string {
  const q = new URLSearchParams({ run: String(runId) });
  for (const [option, value] of Object.entries(readOptions(GateOptionsSchema, v))) {
    for (const x of Array.isArray(value) ? value : [value]) q.append(option, String(x));
  }
  return q.toString();
}

/** The server names an option as its field (`querystring.allowMismatch=true`); this command's user typed a flag (`--allow-mismatch`). */
const asFlags = (message: string): string =>
  message.replace(/querystring\.([A-Za-z]+)(?:=([^\s,;)]+))?/g, (_m, option: string, value: string | undefined) => flagWording(option, value));

/** Gates run `runId` on the server (the gate a local `run --gate` runs, over the server's database); a refusal names the flags. */
export async function remoteGate(client: ApiClient, runId: number, v: Values): Promise<GateReport> {
  try {
    return await client.request<GateReport>('GET', `/api/gate?${gateQuery(runId, v)}`);
  } catch (e) {
    if (e instanceof TunegateError) throw new TunegateError(e.code, asFlags(e.message), e.details);
    throw e;
  }
}
