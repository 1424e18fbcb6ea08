import { wordOptions, type OptionWording } from '../errors.js';

/**
 * Options as a request names them: the part of the request and the field,
 * `querystring.allowMismatch=true` (the form the gate's and plan's checks have always answered with).
 */
export const fieldWording = (where: 'querystring' | 'body'): OptionWording => (option, value) =>
  `${where}.${option}${value === undefined ? '' : `=${value}`}`;

/** Runs `fn` with its option errors worded as the request's fields (errors.ts: OptionError). */
export const inFields = <T>(where: 'querystring' | 'body', fn: () => T): T => wordOptions(fieldWording(where), fn);

/** Body fields as the checkpoint routes and Fastify's validation name them: `body/baseUrl` (the page's form reads this). */
export const bodyPathWording: OptionWording = (option, value) => `body/${option}${value === undefined ? '' : `=${value}`}`;

/** A query parameter as a URL spells it: `force=true`. */
export const queryParamWording: OptionWording = (option, value) => (value === undefined ? option : `${option}=${value}`);
