import { writeFileSync } from 'node:fs';
import { cliMarkdown } from '../server/cli/help-markdown.js';
import { packagePath } from '../server/paths.js';

/**
 * Writes docs/cli.md from the command docs and option specs (server/cli/specs/); a test fails
 * when the committed file differs from what this would write.
 * Usage: npm run build && npm run docs
 */
writeFileSync(packagePath('docs', 'cli.md'), cliMarkdown());
console.log('wrote docs/cli.md');
