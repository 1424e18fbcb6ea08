/**
 * How a client of a tunegate server (the page, the CLI's --server) treats "busy, ask again
 * later": a 429 or 503 with Retry-After (the server's request limits). One definition for both.
 */

/** Times a request is sent again after such an answer before the client gives up and reports it. */
export const MAX_BUSY_RETRIES = 3;
/** The longest wait before sending again, whatever Retry-After says. */
export const MAX_BUSY_WAIT_MS = 15_000;
const MIN_BUSY_WAIT_MS = 250;

/**
 * The wait (ms) before sending a request again that was answered `status` with Retry-After
 * `retryAfter` (seconds or an HTTP date) on attempt `attempt` (0 for the first send); undefined
 * when it is not to be sent again: another status, no Retry-After, or no retries left.
 */
export function busyRetryDelay(status: number, retryAfter: string | null, attempt: number, now = Date.now()): number | undefined {
  if ((status !== 429 && status !== 503) || retryAfter === null || attempt >= MAX_BUSY_RETRIES) return undefined;
  const text = retryAfter.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_BUSY_WAIT_MS, Math.max(MIN_BUSY_WAIT_MS, ms));
}
