import { describe, expect, it } from 'vitest';
import { TwelveLabsClient } from '../../src/embed/index.js';
import { resolveClientOptions } from '../../src/embed/options.js';
import { InputError } from '../../src/errors.js';

describe('resolveClientOptions', () => {
  it('takes the key from the option, then TWELVELABS_API_KEY, then TWELVE_LABS_API_KEY', () => {
    expect(resolveClientOptions({ apiKey: 'a', env: { TWELVELABS_API_KEY: 'b' } }).apiKey).toBe('a');
    expect(resolveClientOptions({ env: { TWELVELABS_API_KEY: 'b', TWELVE_LABS_API_KEY: 'c' } }).apiKey).toBe('b');
    expect(resolveClientOptions({ env: { TWELVE_LABS_API_KEY: 'c' } }).apiKey).toBe('c');
  });
  it('a missing key is an InputError that says how to set it', () => {
    expect(() => resolveClientOptions({ env: {} })).toThrow(InputError);
    expect(() => resolveClientOptions({ env: { TWELVELABS_API_KEY: '  ' } })).toThrow(/TWELVELABS_API_KEY/);
  });
  it('base URL: option, then TWELVELABS_BASE_URL, then the default; trailing slash dropped', () => {
    expect(resolveClientOptions({ apiKey: 'k', env: {} }).baseUrl).toBe('https://api.twelvelabs.io/v1.3');
    expect(
      resolveClientOptions({ apiKey: 'k', env: { TWELVELABS_BASE_URL: 'http://127.0.0.1:9/v1.3/' } }).baseUrl,
    ).toBe('http://127.0.0.1:9/v1.3');
    expect(
      resolveClientOptions({ apiKey: 'k', baseUrl: 'http://h/x', env: { TWELVELABS_BASE_URL: 'http://e' } }).baseUrl,
    ).toBe('http://h/x');
    expect(() => resolveClientOptions({ apiKey: 'k', baseUrl: 'ftp://x', env: {} })).toThrow(InputError);
  });
  it('validates numbers', () => {
    expect(() => resolveClientOptions({ apiKey: 'k', env: {}, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => resolveClientOptions({ apiKey: 'k', env: {}, maxRetries: 1.5 })).toThrow(/maxRetries/);
    expect(resolveClientOptions({ apiKey: 'k', env: {}, maxRetries: 0 }).maxRetries).toBe(0);
  });
  it('the client never exposes the key in its enumerable state or JSON', () => {
    const client = new TwelveLabsClient({ apiKey: 'sk-NEVER-SHOWN-42', baseUrl: 'http://127.0.0.1:9/v1.3' });
    expect(JSON.stringify(client)).not.toContain('sk-NEVER-SHOWN-42');
    expect(Object.keys(client)).not.toContain('apiKey');
  });
});
