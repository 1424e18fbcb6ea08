import { TunegateError } from '../errors.js';

/** The variable holding the server's own bearer token: never a key the server may send anywhere. */
export const TOKEN_ENV = 'TUNEGATE_TOKEN';
/** The variable the Anthropic judge reads its key from. */
export const ANTHROPIC_KEY_ENV = 'ANTHROPIC_API_KEY';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `name` can be an environment variable name. */
export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/** Checks that a user-supplied name can be an environment variable name. */
export function validateEnvName(name: string, field: string): string {
  if (!isEnvName(name)) {
    throw new TunegateError(
      'INVALID_INPUT',
      `${field}: "${name}" is not an environment variable name (letters, digits and _, not starting with a digit); pass the variable's name, never the key itself`,
    );
  }
  return name;
}
