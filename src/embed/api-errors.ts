import {
  ApiError,
  AuthError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
} from '../errors.js';

export interface ParsedErrorBody {
  code: string | undefined;
  message: string | undefined;
  details: Record<string, unknown> | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Read v2 `{error: {code, message, details}}` or v1 `{code, message}`; anything else gives no code. */
export function parseErrorBody(text: string): ParsedErrorBody {
  const empty: ParsedErrorBody = { code: undefined, message: undefined, details: undefined };
  if (text.trim() === '') return empty;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ...empty, message: text.trim().slice(0, 300) };
  }
  if (!isRecord(body)) return empty;
  const inner = isRecord(body['error']) ? body['error'] : undefined;
  if (inner !== undefined) {
    return {
      code: str(inner['code']),
      message: str(inner['message']),
      details: isRecord(inner['details']) ? inner['details'] : undefined,
    };
  }
  return {
    code: str(body['code']),
    message: str(body['message']) ?? str(body['error']),
    details: undefined,
  };
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'the request was rejected as invalid',
  401: 'the API key was not accepted; check TWELVELABS_API_KEY',
  403: 'the API key may not use this resource',
  404: 'the resource does not exist',
  408: 'the server timed out waiting for the request',
  409: 'the resource is busy or in a conflicting state',
  413: 'the request body is too large',
  429: 'rate limited; slow down or wait for the limit to reset',
};

/** Map an HTTP error answer to the matching ApiError subclass. */
export function apiErrorFromResponse(
  status: number,
  bodyText: string,
  context: { method?: string; path?: string; requestId?: string | undefined; redact?: (text: string) => string } = {},
): ApiError {
  const parsed = parseErrorBody(bodyText);
  const redact = context.redact ?? ((text: string): string => text);
  const base = parsed.message ?? DEFAULT_MESSAGES[status] ?? (status >= 500 ? 'the server failed' : 'request failed');
  const where =
    context.method !== undefined && context.path !== undefined ? ` (${context.method} ${context.path})` : '';
  const message = redact(`${base}${where}`);
  const details = { code: parsed.code === undefined ? undefined : redact(parsed.code), requestId: context.requestId };
  switch (status) {
    case 400:
      return new BadRequestError(status, message, details);
    case 401:
      return new AuthError(status, message, details);
    case 403:
      return new PermissionDeniedError(status, message, details);
    case 404:
      return new NotFoundError(status, message, details);
    case 409:
      return new ConflictError(status, message, details);
    case 413:
      return new PayloadTooLargeError(status, message, details);
    case 429:
      return new RateLimitError(status, message, details);
    default:
      return status >= 500 ? new InternalServerError(status, message, details) : new ApiError(status, message, details);
  }
}
