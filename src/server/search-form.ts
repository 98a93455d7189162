import { InputError } from '../errors.js';
import { checkUrl, HttpFailure, invalid, type MultipartForm, missing } from '../http/index.js';
import {
  type GroupBy,
  MAX_PAGE_LIMIT,
  type Operator,
  parseSearchFilter,
  SEARCH_OPTIONS,
  type SearchRequest,
  THRESHOLDS,
  type Threshold,
} from '../query/index.js';

/** The API takes up to 10 query images. */
const MAX_QUERY_MEDIA = 10;

const MEDIA_TYPES = ['image'] as const;
const TRANSCRIPTION_OPTIONS = ['lexical', 'semantic'] as const;

/** A `POST /search` form, checked: the library's request plus what only the server uses. */
export interface SearchForm {
  indexId: string;
  request: SearchRequest;
  includeUserMetadata: boolean;
}

export interface SearchFormRules {
  allowRemoteMedia: boolean;
}

function oneOf<T extends string>(form: MultipartForm, field: string, allowed: readonly T[]): T | undefined {
  const value = form.get(field);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw invalid(field, `Use one of ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
  return value as T;
}

function allOf<T extends string>(form: MultipartForm, field: string, allowed: readonly T[]): T[] {
  const values = form.all(field);
  const unknown = values.filter((value) => !(allowed as readonly string[]).includes(value));
  if (unknown.length > 0)
    throw invalid(
      field,
      `Use ${allowed.join(', ')}; got ${unknown.map((value) => JSON.stringify(value)).join(', ')}. Repeat the field for several values.`,
    );
  return values as T[];
}

function booleanField(form: MultipartForm, field: string): boolean | undefined {
  const value = form.get(field);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw invalid(field, `Use true or false; got ${JSON.stringify(value)}.`);
  return value === 'true';
}

function pageLimitOf(form: MultipartForm): number | undefined {
  const raw = form.get('page_limit');
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT)
    throw invalid('page_limit', `It must be an integer from 1 to ${MAX_PAGE_LIMIT}; got ${JSON.stringify(raw)}.`);
  return value;
}

function minScoreOf(form: MultipartForm): number | undefined {
  const raw = form.get('min_score');
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < -1 || value > 1)
    throw invalid('min_score', `It is a cosine similarity from -1 to 1; got ${JSON.stringify(raw)}.`);
  return value;
}

function filterOf(form: MultipartForm): SearchRequest['filter'] {
  const raw = form.get('filter');
  if (raw === undefined) return undefined;
  try {
    return parseSearchFilter(raw);
  } catch (error) {
    if (error instanceof InputError) throw invalid('filter', `${error.message}.`);
    throw error;
  }
}

function remoteMediaUrls(form: MultipartForm, rules: SearchFormRules): string[] {
  const urls = form.all('query_media_url').map((url) => checkUrl(url, 'query_media_url'));
  if (urls.length > 0 && !rules.allowRemoteMedia) {
    throw new HttpFailure(
      400,
      'parameter_invalid',
      'This vsearch server does not fetch query_media_url: send the image as query_media_file, or start the server with --allow-remote-media to pass URLs on to the embedding API.',
      { field: 'query_media_url' },
    );
  }
  return urls;
}

/** The query: text, media (URLs and uploaded files), or both, as the search API takes them. */
function queryOf(form: MultipartForm, rules: SearchFormRules): Pick<SearchRequest, 'text' | 'image'> {
  const text = form.get('query_text');
  if (text !== undefined && text.trim() === '') throw invalid('query_text', 'It is empty.');
  const mediaType = oneOf(form, 'query_media_type', MEDIA_TYPES);
  const urls = remoteMediaUrls(form, rules);
  const uploads = form.files.filter((file) => file.field === 'query_media_file');
  const empty = uploads.find((file) => file.size === 0);
  if (empty !== undefined) throw invalid('query_media_file', `The file ${JSON.stringify(empty.filename)} is empty.`);
  const media = [...urls, ...uploads.map((file) => file.path ?? '')];
  if (media.length > MAX_QUERY_MEDIA)
    throw invalid('query_media_file', `A search takes up to ${MAX_QUERY_MEDIA} query images; got ${media.length}.`);
  if (media.length > 0 && mediaType === undefined) throw missing('query_media_type');
  if (media.length === 0 && mediaType !== undefined) throw missing('query_media_url');
  if (text === undefined && media.length === 0) {
    throw new HttpFailure(
      400,
      'parameter_not_provided',
      'No query was given: provide query_text, or query_media_type with query_media_url or query_media_file.',
      { field: 'query_text' },
    );
  }
  return { text, image: media.length === 0 ? undefined : media };
}

/** Reads and checks the fields of `POST /search` (the API's names; unknown fields are ignored). */
export function parseSearchForm(form: MultipartForm, rules: SearchFormRules): SearchForm {
  const indexId = form.get('index_id');
  if (indexId === undefined || indexId.trim() === '') throw missing('index_id');
  const searchOptions = allOf(form, 'search_options', SEARCH_OPTIONS);
  if (searchOptions.length === 0) throw missing('search_options');
  allOf(form, 'transcription_options', TRANSCRIPTION_OPTIONS);
  const query = queryOf(form, rules);
  const request: SearchRequest = {
    ...query,
    searchOptions,
    groupBy: oneOf<GroupBy>(form, 'group_by', ['clip', 'video']),
    operator: oneOf<Operator>(form, 'operator', ['or', 'and']),
    pageLimit: pageLimitOf(form),
    filter: filterOf(form),
    threshold: oneOf<Threshold>(form, 'threshold', THRESHOLDS),
    minScore: minScoreOf(form),
    mergeAdjacent: booleanField(form, 'merge_adjacent'),
  };
  return { indexId, request, includeUserMetadata: booleanField(form, 'include_user_metadata') ?? false };
}
