import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { REQUEST_WINDOW_MS, type RequestLimits } from './settings/setting-limits.js';
import { TunegateError } from './errors.js';

/**
 * Routes no limit applies to: liveness must answer however busy the server is, and an event
 * stream is one long request per page watching a run (its reconnects are not a flood).
 */
const EXEMPT = new Set(['/api/health', '/api/runs/:id/events']);
/** Seconds a client is told to wait when the server is overloaded (it recovers within a sample or two). */
export const OVERLOAD_RETRY_AFTER_S = 2;

const exempt = (req: FastifyRequest) => EXEMPT.has(req.routeOptions.url ?? '');

/**
 * Limits what one client can ask of the server, with Fastify's own plugins: at most
 * `rateLimit` requests per client address per REQUEST_WINDOW_MS (429 with Retry-After: when the
 * window frees up), and 503 with Retry-After for everyone while the event loop lags more than
 * `maxEventLoopDelay` ms on average. Registered before the routes (the rate limit hooks each
 * route as it is added). 0 turns a limit off.
 */
export async function registerRequestLimits(app: FastifyInstance, limits: RequestLimits): Promise<void> {
  if (limits.rateLimit > 0) {
    await app.register(rateLimit, {
      max: limits.rateLimit,
      timeWindow: REQUEST_WINDOW_MS,
      allowList: (req) => exempt(req),
      errorResponseBuilder: (_req, ctx) => new TunegateError(
        'RATE_LIMITED',
        `too many requests from this client: at most ${ctx.max} per ${REQUEST_WINDOW_MS / 1000} s (tunegate serve --rate-limit); retry in ${ctx.after}`,
      ),
    });
  }
  if (limits.maxEventLoopDelay > 0) {
    await app.register(underPressure, {
      maxEventLoopDelay: limits.maxEventLoopDelay,
      retryAfter: OVERLOAD_RETRY_AFTER_S,
      pressureHandler: (req, reply) => {
        if (exempt(req)) return undefined;
        reply.header('retry-after', OVERLOAD_RETRY_AFTER_S);
        return Promise.reject(new TunegateError(
          'OVERLOADED',
          `the server is overloaded (event loop delay over ${limits.maxEventLoopDelay} ms, tunegate serve --max-event-loop-delay); retry in ${OVERLOAD_RETRY_AFTER_S} s`,
        ));
      },
    });
  }
}
