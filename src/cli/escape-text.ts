/** C0 controls, DEL and C1 controls: what a terminal may act on instead of showing. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/**
 * Text from the library or the user (video ids, sources, paths, metadata) as it may be
 * printed in human output: control characters become JSON-style escapes (\n, \u001b), so an
 * id cannot start a fake result line or send a terminal escape sequence. Backslashes are left
 * as they are (Windows paths stay readable), so the escaped form is for reading, not parsing:
 * `--json` gives the exact values.
 */
export function escapeText(text: string): string {
  return text.replace(CONTROL, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
