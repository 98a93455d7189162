import {
  AbortError,
  ApiError,
  ConnectionError,
  InputError,
  InvalidResponseError,
  RateLimitError,
  TimeoutError,
} from '../errors.js';
import { HttpFailure } from '../http/index.js';
import { PAGE_TOKEN_ERROR_CODE, PageTokenError } from '../query/index.js';

/** An error answer, and whether it is one we did not expect (logged with its stack, its details kept from the client). */
export interface ErrorAnswer {
  failure: HttpFailure;
  unexpected: boolean;
}

const INTERNAL = (): HttpFailure =>
  new HttpFailure(500, 'internal_error', 'An internal error occurred; the server log has the details.');

/** Upstream statuses that mean the query itself was refused (a bad or unreadable image). */
const REFUSED_QUERY = new Set([400, 413, 415, 422]);

/**
 * Maps what a search throws to the API's error answers: bad input is 400 with
 * `parameter_invalid` (or `search_page_token_expired` for a stale or unknown page token),
 * trouble with the embedding API is 429 / 502, anything else a bare 500.
 */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (error instanceof HttpFailure) return { failure: error, unexpected: false };
  if (error instanceof PageTokenError) {
    const message = error.message.startsWith(`${PAGE_TOKEN_ERROR_CODE}: `)
      ? error.message.slice(PAGE_TOKEN_ERROR_CODE.length + 2)
      : error.message;
    return { failure: new HttpFailure(400, PAGE_TOKEN_ERROR_CODE, message), unexpected: false };
  }
  if (error instanceof InputError)
    return { failure: new HttpFailure(400, 'parameter_invalid', error.message), unexpected: false };
  if (error instanceof RateLimitError) {
    return {
      failure: new HttpFailure(
        429,
        'too_many_requests',
        "The embedding API is rate limiting this server's queries; try again later.",
      ),
      unexpected: false,
    };
  }
  if (error instanceof ApiError && REFUSED_QUERY.has(error.status)) {
    return {
      failure: new HttpFailure(400, 'parameter_invalid', `The embedding API refused the query: ${error.message}`),
      unexpected: false,
    };
  }
  if (
    error instanceof ApiError ||
    error instanceof ConnectionError ||
    error instanceof TimeoutError ||
    error instanceof InvalidResponseError
  ) {
    return {
      failure: new HttpFailure(502, 'upstream_error', `The embedding API could not embed the query: ${error.message}`),
      unexpected: false,
    };
  }
  if (error instanceof AbortError)
    return {
      failure: new HttpFailure(503, 'service_unavailable', 'The server is shutting down; try again later.'),
      unexpected: false,
    };
  return { failure: INTERNAL(), unexpected: true };
}
