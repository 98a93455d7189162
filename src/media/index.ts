export { detectMediaType, mediaTypeFromExtension, mediaTypeFromMagic, mismatchAsQuery, type MediaType, type MediaTypeVerdict } from './media-type.js';
export { ffprobeAvailable } from './ffprobe-facts.js';
export { probeDuration, probeMedia, probeMediaData, type ReadAt } from './probe-media.js';
export type { MediaFacts } from './media-facts.js';
