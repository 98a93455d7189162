/**
 * The TwelveLabs API's error answers, in its two dialects: the v1 routes (and most list / asset
 * routes) answer `{code, message}`, the v2 routes `{error: {code, message, details}}`.
 */
export type ErrorFlavor = 'v1' | 'v2';

const DOCS_URL = 'https://docs.twelvelabs.io/v1.3/api-reference/error-codes';

/** Thrown by a route handler to answer with an API error. */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export function errorBody(flavor: ErrorFlavor, failure: HttpFailure): Record<string, unknown> {
  if (flavor === 'v2') {
    const error: Record<string, unknown> = { code: failure.code, message: failure.message };
    if (failure.details !== undefined) error['details'] = failure.details;
    return { error };
  }
  const body: Record<string, unknown> = { code: failure.code, message: failure.message };
  if (failure.status === 400) body['docs_url'] = DOCS_URL;
  return body;
}

export function invalid(field: string, why?: string): HttpFailure {
  return new HttpFailure(
    400,
    'parameter_invalid',
    `The ${field} parameter is invalid.${why === undefined ? '' : ` ${why}`}`,
    { field },
  );
}

export function missing(field: string): HttpFailure {
  return new HttpFailure(400, 'parameter_not_provided', `The ${field} parameter is required but was not provided.`, {
    field,
  });
}

export function notFound(id: string, collection: string): HttpFailure {
  return new HttpFailure(404, 'resource_not_exist', `Resource with id ${id} does not exist in ${collection}.`);
}

export const UNAUTHORIZED = (): HttpFailure =>
  new HttpFailure(
    401,
    'api_key_invalid',
    'API Key is either invalid or expired. Please check your API key or generate a new one from the dashboard and try again.',
  );
