import { readFileSync } from 'node:fs';
import { packagePath } from './paths.js';

let cached: string | undefined;

/** The tool's version from package.json, recorded in every run's provenance. */
export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}
