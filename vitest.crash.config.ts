import { defineConfig } from 'vitest/config';
import { reporters, SERIAL_TESTS } from './vitest.config.js';

export default defineConfig({
  test: {
    include: SERIAL_TESTS,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: reporters('serial'),
  },
});
