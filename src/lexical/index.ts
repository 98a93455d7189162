export { RRF_K } from './fusion.js';
export {
  type AnnotatedHit,
  type ModeSearchRequest,
  type ModeSearchResponse,
  SEARCH_MODES,
  type SearchMode,
} from './mode-search.js';
export { type FusedHit, OPTION_FUSIONS, type OptionFusion } from './option-fusion.js';
