export { Library, openLibrary, type OpenLibraryOptions, type ImportOptions, type ImportSummary, type CallOptions } from './library.js';
export type { LibraryStats } from './stats.js';
