import { InputError } from '../errors.js';

/**
 * The search API answers an expired or unknown page token with HTTP 400 and this code
 * (reference fixture error_search_page_retrieve.400.json); one code covers both.
 */
export const PAGE_TOKEN_ERROR_CODE = 'search_page_token_expired';

/** A page token that is expired (the library changed, or it is over 24 h old), malformed or unknown. */
export class PageTokenError extends InputError {
  readonly code = PAGE_TOKEN_ERROR_CODE;
  constructor(message: string) {
    super(`${PAGE_TOKEN_ERROR_CODE}: ${message}; search again (the same query without the page token) for fresh pages`);
  }
}
