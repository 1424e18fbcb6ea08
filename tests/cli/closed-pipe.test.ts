import { describe, expect, it } from 'vitest';
import { spawnTunegate } from '../helpers/bin.js';
import { tempDir } from '../helpers/tmp.js';

describe('a reader that goes away (tunegate … | head)', () => {
  it('ends the command quietly: no unhandled EPIPE, no stack trace, exit 0', async () => {
    const dir = tempDir();
    for (let trial = 0; trial < 3; trial++) {
      const child = spawnTunegate(['--help'], dir);
      // Close our end before the child writes: every write of its meets a closed pipe.
      child.proc.stdout!.destroy();
      const { code } = await child.exit;
      expect(child.stderr()).not.toMatch(/EPIPE|Unhandled|at /);
      expect(code).toBe(0);
    }
  });
});
