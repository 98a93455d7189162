export { detectMediaType, mediaTypeFromExtension, mediaTypeFromMagic, type MediaType, type MediaTypeVerdict } from './media-type.js';
export { probeDuration } from './probe-duration.js';
