/**
 * Fitting the generator takes a minute or more on a loaded machine, all synchronous: a test
 * worker blocked that long loses vitest's calls. `fittedModelAsync` fits in a child process
 * (fit-marengo-main.ts run by vite-node) and waits for it without blocking.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitMarengo } from '../../src/bench/fit-marengo.js';
import type { MarengoModel } from '../../src/bench/marengo-fit.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

const ARRAYS = ['videoMean', 'components', 'variances', 'textMean'] as const;

export function fittedModelAsync(dataDir: string): Promise<MarengoModel> {
  const viteNode = join(PROJECT_ROOT, 'node_modules', '.bin', 'vite-node');
  return new Promise((resolve, reject) => {
    execFile(
      viteNode,
      [fileURLToPath(new URL('fit-marengo-main.ts', import.meta.url)), dataDir],
      { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => {
        if (error !== null) return reject(error);
        try {
          const parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, number | number[]>;
          const model = { ...parsed } as Record<string, unknown>;
          for (const key of ARRAYS) model[key] = Float64Array.from(parsed[key] as number[]);
          resolve(model as unknown as MarengoModel);
        } catch (failure) {
          reject(
            new Error(
              `the fitting process printed no model: ${String(failure)}; its output began ${JSON.stringify(stdout.slice(0, 200))}`,
            ),
          );
        }
      },
    );
  });
}

/** The child's side: fits and writes the model as JSON (typed arrays as arrays). */
export function printFittedModel(dataDir: string): void {
  const { model } = fitMarengo(dataDir);
  const plain: Record<string, unknown> = { ...model };
  for (const key of ARRAYS) plain[key] = Array.from(model[key]);
  process.stdout.write(JSON.stringify(plain));
}
