import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, StoreError } from '../errors.js';
import { checkJsonValue } from '../json-limits.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { acquireWriteLock } from '../store/library-lock.js';
import type { ModelName } from '../types.js';

/** What makes a library an API index: its name, models and addons. Lives beside manifest.json. */
const INDEX_INFO_FILE = 'index.json';
const INDEX_INFO_FORMAT = 'vsearch-index/1';

export interface IndexModel {
  /** The API's name (marengo3.0, marengo2.7, pegasus1.2, ...), as given at creation. */
  model_name: string;
  model_options: string[];
}

export interface IndexInfo {
  index_name: string;
  models: IndexModel[];
  addons: string[];
  created_at: string;
  updated_at: string;
}

/** The API's Marengo model names and the vsearch model each one embeds with. */
const API_MODELS: Readonly<Record<string, ModelName>> = {
  'marengo3.0': 'marengo3.0',
  'marengo3.5': 'marengo3.5',
  'marengo2.7': 'Marengo-retrieval-2.7',
  'Marengo-retrieval-2.7': 'Marengo-retrieval-2.7',
};
const GENERATIVE_MODEL = /^pegasus\d+(\.\d+)?$/;
const MODEL_OPTIONS = ['visual', 'audio'];

/** The vsearch model an index's models ask for: its Marengo entry, if any. */
export function embeddingModelOf(models: readonly IndexModel[]): ModelName | undefined {
  for (const model of models) {
    const name = API_MODELS[model.model_name];
    if (name !== undefined) return name;
  }
  return undefined;
}

/** The API's name for a vsearch model (an index created before index.json existed). */
export function apiModelName(model: string): string {
  return model === 'Marengo-retrieval-2.7' ? 'marengo2.7' : model;
}

/**
 * Checks the `models` of an index request: a non-empty array of {model_name, model_options}
 * with one Marengo model (marengo3.0, marengo2.7, marengo3.5) at most, Pegasus entries kept as
 * given, and model_options drawn from visual and audio.
 */
export function checkIndexModels(value: unknown): IndexModel[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InputError('models must be a non-empty array of {model_name, model_options}');
  const models = value.map((entry: unknown, i): IndexModel => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new InputError(`models[${i}] must be an object with model_name and model_options`);
    const { model_name: name, model_options: options } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || (API_MODELS[name] === undefined && !GENERATIVE_MODEL.test(name))) {
      throw new InputError(
        `models[${i}].model_name ${JSON.stringify(name)} is not a model this server has: use ${[...Object.keys(API_MODELS).filter((n) => !n.includes('-')), 'pegasus1.2'].join(', ')}`,
      );
    }
    if (
      !Array.isArray(options) ||
      options.length === 0 ||
      options.some((o) => typeof o !== 'string' || !MODEL_OPTIONS.includes(o))
    ) {
      throw new InputError(`models[${i}].model_options must be a non-empty array of ${MODEL_OPTIONS.join(' and ')}`);
    }
    return { model_name: name, model_options: [...new Set(options as string[])] };
  });
  if (models.filter((model) => API_MODELS[model.model_name] !== undefined).length > 1)
    throw new InputError('models has more than one Marengo model; an index embeds with one');
  return models;
}

export function checkIndexName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InputError('index_name must be a non-empty string');
  if (value.length > 256) throw new InputError(`index_name is ${value.length} characters; the limit is 256`);
  return value;
}

export function checkAddons(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((addon) => typeof addon !== 'string'))
    throw new InputError('addons must be an array of strings (e.g. ["thumbnail"])');
  return value as string[];
}

function parseIndexInfo(text: string, path: string): IndexInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StoreError(
      `${path} is not valid JSON (${(error as Error).message}); restore it, or delete it to serve the library under its folder name`,
    );
  }
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { format, index_name, models, addons, created_at, updated_at } = record;
  const bad = (field: string): never => {
    throw new StoreError(
      `${path}: ${field} is missing or of the wrong type; restore the file, or delete it to serve the library under its folder name`,
    );
  };
  if (format !== INDEX_INFO_FORMAT) bad(`format (expected ${INDEX_INFO_FORMAT})`);
  if (typeof index_name !== 'string') bad('index_name');
  if (typeof created_at !== 'string') bad('created_at');
  if (typeof updated_at !== 'string') bad('updated_at');
  let checked: IndexModel[] = [];
  try {
    checked = checkIndexModels(models);
  } catch {
    bad('models');
  }
  if (!Array.isArray(addons) || addons.some((addon) => typeof addon !== 'string')) bad('addons');
  return {
    index_name: index_name as string,
    models: checked,
    addons: addons as string[],
    created_at: created_at as string,
    updated_at: updated_at as string,
  };
}

/** The index facts of the library at `dir`, or undefined when it has none (a library built by `vsearch build`). */
export async function readIndexInfo(dir: string): Promise<IndexInfo | undefined> {
  const path = join(dir, INDEX_INFO_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseIndexInfo(text, path);
}

export interface IndexInfoWriteOptions {
  lockTimeoutMs?: number | undefined;
  onWarning?: ((message: string) => void) | undefined;
}

/**
 * Replaces the index facts of the library at `dir` with what `change` makes of the current
 * ones (read again under the library's writer lock), atomically: readers see the old file or
 * the new one.
 */
export async function updateIndexInfo(
  dir: string,
  change: (current: IndexInfo | undefined) => IndexInfo,
  options: IndexInfoWriteOptions = {},
): Promise<IndexInfo> {
  const release = await acquireWriteLock(dir, { timeoutMs: options.lockTimeoutMs, onWarning: options.onWarning });
  try {
    const next = change(await readIndexInfo(dir));
    const text = checkJsonValue({ format: INDEX_INFO_FORMAT, ...next }, 'the index facts');
    await writeFileAtomic(join(dir, INDEX_INFO_FILE), `${text}\n`);
    return next;
  } finally {
    await release();
  }
}
