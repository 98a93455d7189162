import { describe, expect, it } from 'vitest';
import { apiErrorFromResponse, parseErrorBody } from '../../src/embed/api-errors.js';
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
} from '../../src/errors.js';
import { fixtureText, HAVE_FIXTURES } from './fixtures.js';

describe.skipIf(!HAVE_FIXTURES)('error mapping from the reference fixtures', () => {
  it('v1 400 {code, message} -> BadRequestError with code and message', () => {
    const err = apiErrorFromResponse(400, fixtureText('error_v1.400.json'), {
      requestId: 'req-1',
      method: 'POST',
      path: '/embed/tasks',
    });
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('parameter_invalid');
    expect(err.requestId).toBe('req-1');
    expect(err.message).toContain('video_clip_length parameter is invalid');
    expect(err.message).toContain('POST /embed/tasks');
  });
  it('v1 401 -> AuthError', () => {
    const err = apiErrorFromResponse(401, fixtureText('error_v1.401.json'));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.code).toBe('api_key_invalid');
  });
  it('v1 429 -> RateLimitError', () => {
    const err = apiErrorFromResponse(429, fixtureText('error_v1.429.json'));
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.code).toBe('too_many_requests');
  });
  it('v2 {error: {code, message, details}} 400 and 404', () => {
    const bad = apiErrorFromResponse(400, fixtureText('error_v2.400.json'));
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.code).toBe('parameter_invalid');
    expect(bad.message).toContain('input_type parameter is invalid');
    expect(parseErrorBody(fixtureText('error_v2.400.json')).details).toEqual({ field: 'input_type' });
    const missing = apiErrorFromResponse(404, fixtureText('error_v2.404.json'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.code).toBe('resource_not_exist');
  });
});

describe('error mapping by status', () => {
  it.each([
    [400, BadRequestError],
    [401, AuthError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [413, PayloadTooLargeError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
  ])('%i -> %o', (status, cls) => {
    const err = apiErrorFromResponse(status, '');
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(status);
  });
  it('other statuses are plain ApiError', () => {
    const err = apiErrorFromResponse(422, '{"code":"x","message":"y"}');
    expect(err.constructor).toBe(ApiError);
    expect(err.code).toBe('x');
  });
  it('an empty 429 body still gives a useful message and no code', () => {
    const err = apiErrorFromResponse(429, '');
    expect(err.code).toBeUndefined();
    expect(err.message).toMatch(/rate limited/);
  });
  it('a non-JSON body is kept (trimmed) as the message', () => {
    const err = apiErrorFromResponse(502, '<html>Bad Gateway</html>');
    expect(err.message).toContain('Bad Gateway');
  });
  it('redacts a secret echoed in the body', () => {
    const err = apiErrorFromResponse(
      401,
      JSON.stringify({ code: 'api_key_invalid', message: 'key sk-SECRET-123 is invalid' }),
      {
        redact: (t) => t.split('sk-SECRET-123').join('[redacted]'),
      },
    );
    expect(err.message).not.toContain('sk-SECRET-123');
  });
});
