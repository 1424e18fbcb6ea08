import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Native SQLite bindings and child processes: separate processes are the safe pool.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
