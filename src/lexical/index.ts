export { SEARCH_MODES, type AnnotatedHit, type ModeSearchRequest, type ModeSearchResponse, type SearchMode } from './mode-search.js';
export { OPTION_FUSIONS, type FusedHit, type OptionFusion } from './option-fusion.js';
export { RRF_K } from './fusion.js';
