import { HttpFailure } from '../http/index.js';

export function bodyTooLarge(limit: number): HttpFailure {
  return new HttpFailure(
    413,
    'request_too_large',
    `The request body exceeds this server's limit of ${limit} bytes (vsearch serve --max-body-mb).`,
  );
}
