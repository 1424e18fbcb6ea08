import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES } from './errors.js';

/**
 * What the server checks on every request before any route runs: that it was addressed to
 * this server (Host), that a state-changing request is JSON, and (with a token) that it carries
 * the token. Together they keep web pages the user happens to visit from driving the server.
 */
export interface GuardOptions {
  /** When set, every non-GET request needs `Authorization: Bearer <token>` (scheme in any case). */
  token?: string | undefined;
  /** The address the server listens on (a wildcard 0.0.0.0 / :: accepts any IP address as Host). */
  host?: string | undefined;
  /** Further host names the server answers to (`--allowed-host`). */
  allowedHosts?: readonly string[] | undefined;
  /** With a token: every request under /api/ needs it too, GETs and the event streams included, but /api/health. */
  protectReads?: boolean | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time token check (hashing first makes the lengths equal); the scheme is case-insensitive. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token));
}

/** A host as Host headers carry it: lower case, IPv6 in brackets, no trailing dot. */
function normalHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return isIP(h) === 6 ? `[${h}]` : h;
}

/** The host part of a Host header (without the port), or null when it is not one. */
function hostOf(header: string | undefined): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec((header ?? '').trim());
  return m === null ? null : normalHost(m[1]!);
}

/** Printable and short: a Host header as an error may quote it. */
const quoted = (s: string) => JSON.stringify(s.replace(/[^\x20-\x7e]/g, '?').slice(0, 100));

/**
 * Accepts a Host that is `localhost`, a loopback address, the bound address or an allowed name.
 * A DNS-rebinding page reaches the server under its own name, so its requests are refused. When
 * the server is bound to every address, any IP address is accepted: a browser sends an IP as
 * Host only when the page's own origin is that address, which a rebinding attack cannot have.
 */
export function hostChecker(opts: GuardOptions): (header: string | undefined) => boolean {
  const bound = opts.host === undefined ? '127.0.0.1' : normalHost(opts.host);
  const wildcard = WILDCARDS.has(bound);
  const names = new Set([...LOOPBACK_NAMES, ...(wildcard ? [] : [bound]), ...(opts.allowedHosts ?? []).map(normalHost)]);
  return (header) => {
    const host = hostOf(header);
    if (host === null) return false;
    return names.has(host) || (wildcard && isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0);
  };
}

/**
 * Whether a request reads nothing but the page's own files or /api/health. The route decides
 * (the router has decoded the path, so `/%61pi/runs` is `/api/runs`), and a path under /api/
 * that only the page's file route matched is not open either: it holds no file, only a 404.
 */
function openRead(req: FastifyRequest): boolean {
  const route = req.routeOptions.url;
  if (route === undefined) return false;
  if (route === '/api/health') return true;
  let path = req.url.split('?')[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    return false;
  }
  return !route.startsWith('/api') && !path.replace(/[/\\]+/g, '/').toLowerCase().startsWith('/api');
}

/** The media type of a Content-Type header, lower case without parameters. */
function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function refuse(reply: FastifyReply, status: number, code: string, error: string, headers: Record<string, string> = {}) {
  return reply.code(status).headers(headers).send({ error, code });
}

/**
 * Registers the guards as the first onRequest hook, so they apply to every route: the API, the
 * page, its files, the docs and the event stream. Also makes an empty JSON body read as `{}`
 * (a bodyless `resume` or `cancel` that says it is JSON) and drops the text/plain parser.
 */
export function registerRequestGuards(app: FastifyInstance, opts: GuardOptions): void {
  const hostAllowed = hostChecker(opts);
  const token = opts.token;
  if (opts.protectReads === true && token === undefined) throw new Error('protectReads needs a token');
  const unauthorized = (reply: FastifyReply) =>
    refuse(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer token (Authorization: Bearer $TUNEGATE_TOKEN)', { 'www-authenticate': 'Bearer' });
  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!hostAllowed(req.headers.host)) {
      return refuse(reply, ERROR_CODES.HOST_NOT_ALLOWED.http, 'HOST_NOT_ALLOWED',
        `Host ${quoted(req.headers.host ?? '')} is not a name this server answers to (localhost, a loopback address, the address it listens on, or one given with \`tunegate serve --allowed-host NAME\`)`);
    }
    if (SAFE_METHODS.has(req.method)) {
      if (opts.protectReads === true && !openRead(req) && !tokenMatches(req.headers.authorization, token!)) return unauthorized(reply);
      return;
    }
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) return unauthorized(reply);
    // A cross-site form or fetch can send text/plain (or nothing) without a preflight; JSON it cannot.
    if (mediaType(req.headers['content-type']) !== 'application/json') {
      return refuse(reply, ERROR_CODES.UNSUPPORTED_MEDIA_TYPE.http, 'UNSUPPORTED_MEDIA_TYPE',
        `${req.method} requests need "Content-Type: application/json" (a request without a body too; send {} or nothing)`);
    }
  });

  // A "__proto__" key is kept as an ordinary own key (JSON.parse never sets a prototype) so the
  // schemas refuse it naming its field: every body object is closed and tag keys are checked.
  // 'error' answered "Body is not valid JSON", which names nothing.
  const json = app.getDefaultJsonParser('ignore', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if ((body as string).trim() === '') return done(null, {});
    json(req, body as string, done);
  });
}
