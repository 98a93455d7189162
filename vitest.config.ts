import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Tests that kill processes at chosen moments run alone (vitest.crash.config.ts), so load from other files cannot shift those moments. */
export const SERIAL_TESTS = ['test/build/crash-resume.test.ts'];

/** With VITEST_JSON_DIR set (CI), each run also writes a JSON report there for the summary line. */
export function reporters(
  name: string,
): NonNullable<NonNullable<Parameters<typeof defineConfig>[0]['test']>['reporters']> {
  const dir = process.env['VITEST_JSON_DIR'];
  return dir === undefined || dir === ''
    ? ['default']
    : ['default', ['json', { outputFile: join(dir, `${name}.json`) }]];
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...SERIAL_TESTS],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one on a 2-core CI machine, whose second
    // core then idles while a test waits on its child CLI process. Two keep both busy; the tests
    // already tolerate a loaded machine, and the crash tests still run alone (vitest.crash.config.ts).
    maxWorkers: 2,
    minWorkers: 1,
    reporters: reporters('main'),
  },
});
