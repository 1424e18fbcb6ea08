import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { packagePath, packageRoot } from './paths.js';

let cached: string | undefined;

/** The tool's version from package.json, recorded in every run's provenance. */
export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The git directory of a checkout: `.git` itself, or where a worktree's `.git` file points. */
function gitDirOf(root: string): string | null {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
  } catch {
    return null;
  }
  const m = /^gitdir: (.+)$/m.exec(read(dotGit) ?? '');
  if (m === null) return null;
  const dir = m[1]!.trim();
  return isAbsolute(dir) ? dir : join(root, dir);
}

/** A ref's commit: a loose ref file (in the worktree's git dir or the common one), else packed-refs. */
function resolveRef(gitDir: string, commonDir: string, ref: string, depth = 0): string | null {
  if (depth > 5 || !/^refs\/[^\0]+$/.test(ref) || ref.includes('..')) return null;
  for (const dir of [gitDir, commonDir]) {
    const text = read(join(dir, ref))?.trim();
    if (text === undefined) continue;
    if (SHA.test(text)) return text;
    if (text.startsWith('ref: ')) return resolveRef(gitDir, commonDir, text.slice(5).trim(), depth + 1);
  }
  for (const line of (read(join(commonDir, 'packed-refs')) ?? '').split('\n')) {
    const [sha, name] = line.split(' ');
    if (name?.trim() === ref && sha !== undefined && SHA.test(sha)) return sha;
  }
  return null;
}

/**
 * The commit checked out at `root`, read from the git files themselves (HEAD, loose refs,
 * packed-refs; worktrees included), so no `git` binary is needed. Null when `root` is not a
 * checkout (an npm install) or the files cannot be read. Uncommitted edits are not seen.
 */
export function gitRevisionAt(root: string): string | null {
  const gitDir = gitDirOf(root);
  if (gitDir === null) return null;
  const common = read(join(gitDir, 'commondir'))?.trim();
  const commonDir = common === undefined ? gitDir : isAbsolute(common) ? common : join(gitDir, common);
  const head = read(join(gitDir, 'HEAD'))?.trim();
  if (head === undefined) return null;
  if (SHA.test(head)) return head; // detached
  return head.startsWith('ref: ') ? resolveRef(gitDir, commonDir, head.slice(5).trim()) : null;
}

// Read when this module loads (with the code): the code this process runs does not change when
// the checkout moves on later, so neither does the revision its runs record.
const REVISION: string | null = (() => {
  try {
    return gitRevisionAt(packageRoot());
  } catch {
    return null;
  }
})();

/** The git commit of tunegate's own source checkout, recorded in every run's provenance; null when it runs from a package. */
export function toolRevision(): string | null {
  return REVISION;
}
