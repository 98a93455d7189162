import { InputError } from '../errors.js';
import type { SegmentStore } from '../store/index.js';
import { embeddingOptionsFor, type SearchOption } from './search-request.js';

/**
 * Which labels carry an embedding option the search asks for, as a bitmap over the
 * label space. Built once per library generation and option set, then reused.
 */
export class OptionMasks {
  readonly #store: SegmentStore;
  #generation = -1;
  readonly #masks = new Map<string, Uint8Array>();

  constructor(store: SegmentStore) {
    this.#store = store;
  }

  async allowed(options: readonly SearchOption[]): Promise<(label: number) => boolean> {
    const manifest = this.#store.manifest;
    if (manifest.generation !== this.#generation) {
      this.#masks.clear();
      this.#generation = manifest.generation;
    }
    const key = [...options].sort().join(',');
    let mask = this.#masks.get(key);
    if (mask === undefined) {
      mask = await this.#build(options, manifest.nextLabel);
      this.#masks.set(key, mask);
    }
    const bits = mask;
    return (label) => bits[label] === 1;
  }

  async #build(options: readonly SearchOption[], labelCount: number): Promise<Uint8Array> {
    const wanted = new Set(options.flatMap((option) => embeddingOptionsFor(option)));
    const mask = new Uint8Array(labelCount);
    const present = new Set<string>();
    let allowedCount = 0;
    for (const file of await this.#store.allFiles()) {
      for (let row = 0; row < file.count; row++) {
        const option = file.string('embedding_option', row);
        present.add(option);
        if (wanted.has(option)) {
          mask[file.labels[row] as number] = 1;
          allowedCount++;
        }
      }
    }
    if (allowedCount === 0) {
      throw new InputError(`this library has no ${options.join(' or ')} segments (it holds ${[...present].sort().join(', ') || 'none'}); drop --search-options or pick one of those`);
    }
    return mask;
  }
}
