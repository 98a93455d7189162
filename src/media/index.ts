export type { MediaFacts } from './media-facts.js';
export { detectMediaType, mediaTypeFromExtension, mediaTypeFromMagic } from './media-type.js';
export { probeDuration, probeMedia, probeMediaData } from './probe-media.js';
