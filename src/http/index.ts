/** The http layer shared by `vsearch serve` and the emulator: routing, bodies, multipart, the API's error answers. */
export { type ErrorFlavor, errorBody, HttpFailure, invalid, missing, notFound, UNAUTHORIZED } from './api-error.js';
export { announcedTooLarge, drain, isRecord, limitedBody, readJson } from './body.js';
export { checkUrl } from './check-url.js';
export { type MultipartForm, readMultipart, type UploadedFile } from './multipart.js';
export { type Page, pageSlice, paginate, queryInt } from './query-params.js';
export { type Reply, sendReply } from './reply.js';
export { API_PREFIX, methodNotAllowed, noRoute, type RouteEntry, type RouteMatch, Router } from './router.js';
