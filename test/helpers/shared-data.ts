import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHARED_DATA = join(PROJECT_ROOT, '..', 'shared', 'data');
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);

/** Explains a skip: tests on ../shared/data skip with a message when it is absent. */
export function sharedDataNote(suite: string): void {
  if (!HAS_SHARED_DATA) console.warn(`skipping ${suite}: ${SHARED_DATA} is absent`);
}
