/**
 * `vsearch serve`: a local drop-in for the TwelveLabs search API (POST /v1.3/search and
 * GET /v1.3/search/{page_token}) over one library; point the official SDK at it with
 * TWELVELABS_BASE_URL.
 */

export type { ApiClip, ApiPageInfo, ApiSearchResults, ApiVideo } from './api-response.js';
export { ReloadingLibrary } from './reloading-library.js';
export {
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_MB,
  type RequestLogEntry,
  type SearchableLibrary,
  type SearchServerOptions,
} from './server-options.js';
export { type RunningSearchServer, startSearchServer } from './start-search-server.js';
