export { detectMediaType, mediaTypeFromExtension, mediaTypeFromMagic, mismatchAsQuery, type MediaType, type MediaTypeVerdict } from './media-type.js';
export { ffprobeAvailable, probeDuration } from './probe-duration.js';
