/** The http layer shared by `vsearch serve` and the emulator: routing, bodies, multipart, the API's error answers. */
export { HttpFailure, errorBody, invalid, missing, notFound, UNAUTHORIZED, DOCS_URL, type ErrorFlavor } from './api-error.js';
export { announcedTooLarge, drain, isRecord, limitedBody, readJson, type RequestBody } from './body.js';
export { checkUrl } from './check-url.js';
export { readMultipart, type MultipartForm, type MultipartLimits, type UploadedFile } from './multipart.js';
export { pageSlice, paginate, queryInt, type Page } from './query-params.js';
export { sendReply, type Reply } from './reply.js';
export { API_PREFIX, methodNotAllowed, noRoute, Router, type RouteEntry, type RouteMatch } from './router.js';
