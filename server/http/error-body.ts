/** What an endpoint's error body says, whatever server sent it. */
export interface EndpointErrorBody {
  message: string;
  /** The error's type or class (`invalid_request_error`, `NotFoundError`, TGI's `error_type`); null when none. */
  type: string | null;
  /** A machine code when the server gives one (`model_not_found`, `context_length_exceeded`, 400); null when none. */
  code: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : null);

/** FastAPI's 422 `detail`: a string, or a list of `{loc, msg}` (vLLM and SGLang validation errors). */
function detailText(detail: unknown): string | null {
  if (typeof detail === 'string') return detail;
  if (!Array.isArray(detail)) return null;
  const parts = detail.map((d) => {
    const o = d as { loc?: unknown; msg?: unknown };
    const loc = Array.isArray(o.loc) ? o.loc.filter((p) => p !== 'body').join('.') : '';
    return `${loc !== '' ? `${loc}: ` : ''}${typeof o.msg === 'string' ? o.msg : JSON.stringify(d)}`;
  });
  return parts.length > 0 ? parts.join('; ') : null;
}

/**
 * Reads an error body in every shape OpenAI-compatible servers send (docs/servers.md):
 * `{"error":{"message","type","code"}}` (OpenAI, vLLM, llama.cpp, Ollama, LM Studio),
 * `{"error":"text","error_type":"validation"}` (TGI), the flat `{"object":"error","message",
 * "type","code"}` (SGLang, older vLLM), FastAPI's `{"detail":…}`, and plain text or HTML from a
 * proxy in front. The openai SDK keeps only a body's `error` object, so the flat shapes would
 * otherwise reach the runner as "(no body)".
 */
export function parseErrorBody(text: string): EndpointErrorBody {
  return capped(readErrorBody(text));
}

function readErrorBody(text: string): EndpointErrorBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: plainText(text), type: null, code: null };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { message: plainText(text), type: null, code: null };
  const b = body as Record<string, unknown>;
  const e = b.error;
  if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
    const o = e as Record<string, unknown>;
    const message = typeof o.message === 'string' ? o.message : o.message !== undefined ? JSON.stringify(o.message) : JSON.stringify(o);
    return { message, type: str(o.type), code: str(o.code) };
  }
  if (typeof e === 'string') return { message: e, type: str(b.error_type) ?? str(b.type), code: str(b.code) };
  const message = str(b.message) ?? detailText(b.detail);
  if (message !== null) return { message, type: str(b.type), code: str(b.code) };
  return { message: JSON.stringify(body).slice(0, MAX_TEXT), type: null, code: null };
}

/** Characters of an error body read as text or kept as a message: the stored error is shorter still. */
const MAX_TEXT = 4000;

/**
 * A proxy's HTML error page as its words, not its markup. Cut first: a body may be megabytes
 * of untrusted text, and only linear patterns run over it.
 */
function plainText(text: string): string {
  return text.slice(0, MAX_TEXT).replace(/<[^<>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}

const capped = (e: EndpointErrorBody): EndpointErrorBody => (e.message.length > MAX_TEXT ? { ...e, message: e.message.slice(0, MAX_TEXT) } : e);

/**
 * The same body in the OpenAI shape (`{"error":{message,type,code}}`), which is the one shape the
 * openai SDK reads: the transport rewrites every error body to it (http/transport.ts).
 */
export function openAIErrorBody(text: string): string {
  const e = parseErrorBody(text);
  return JSON.stringify({ error: { message: e.message, type: e.type, code: e.code } });
}
