/**
 * `vsearch serve`: a local drop-in for the TwelveLabs search API (POST /v1.3/search and
 * GET /v1.3/search/{page_token}) over one library; point the official SDK at it with
 * TWELVELABS_BASE_URL.
 */
export { startSearchServer, type RunningSearchServer } from './start-search-server.js';
export { DEFAULT_HOST, DEFAULT_MAX_BODY_MB, type SearchServerOptions, type SearchableLibrary, type RequestLogEntry } from './server-options.js';
export { type ApiSearchResults, type ApiClip, type ApiVideo, type ApiPageInfo } from './api-response.js';
export { ReloadingLibrary } from './reloading-library.js';
