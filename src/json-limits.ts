import { InputError } from './errors.js';

/**
 * Limits on JSON a user hands in (a search filter, segment metadata): deep nesting would
 * overflow the stack of every recursive reader after JSON.parse (JSON.stringify among them),
 * and a filter or a segment's metadata has no use for more than a few levels or kilobytes.
 */
export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_BYTES = 64 * 1024;

type Fail = (reason: string) => never;

const throwInput: Fail = (reason) => {
  throw new InputError(reason);
};

function tooLarge(what: string, size: string): string {
  return `${what} is ${size}; the limit for JSON input is ${MAX_JSON_BYTES} bytes (64 KiB)`;
}

function tooDeep(what: string): string {
  return `${what} nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays, the limit for JSON input`;
}

/**
 * Refuses JSON text over MAX_JSON_BYTES or nested deeper than MAX_JSON_DEPTH, before it is
 * parsed (a scan of brackets outside strings; the text need not be valid JSON yet).
 */
export function checkJsonText(text: string, what: string, fail: Fail = throwInput): void {
  // Characters bound bytes from below, so the exact count is needed only near the limit.
  if (
    text.length > MAX_JSON_BYTES ||
    (text.length * 3 > MAX_JSON_BYTES && Buffer.byteLength(text, 'utf8') > MAX_JSON_BYTES)
  ) {
    fail(tooLarge(what, `${Buffer.byteLength(text, 'utf8')} bytes`));
  }
  if (nestsTooDeep(text)) fail(tooDeep(what));
}

/** True when JSON text nests objects and arrays deeper than MAX_JSON_DEPTH (a scan of brackets outside strings). */
export function nestsTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Checks a JSON value given as an object (through the library API) against the same limits,
 * without recursion, and returns its JSON text. A cycle reads as nesting past the limit.
 */
export function checkJsonValue(value: unknown, what: string, fail: Fail = throwInput): string {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    // Each value takes at least one byte of JSON text.
    if (++nodes > MAX_JSON_BYTES) fail(tooLarge(what, `more than ${MAX_JSON_BYTES} values`));
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > MAX_JSON_DEPTH) fail(tooDeep(what));
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  const text = JSON.stringify(value) ?? 'null';
  if (text.length > MAX_JSON_BYTES || Buffer.byteLength(text, 'utf8') > MAX_JSON_BYTES)
    fail(tooLarge(what, `${Buffer.byteLength(text, 'utf8')} bytes as JSON`));
  return text;
}
