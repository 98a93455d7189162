import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_DIR } from '../emulator/helpers.js';
import { type Schema, SchemaWalker } from '../emulator/schema-walker.js';

/** One request a test made to serve and the answer it got, kept to check against the spec. */
export interface Exchange {
  method: string;
  template: string;
  status: number;
  body: unknown;
}

/**
 * What the 2026-07 spec finds wrong with `exchanges`, strictly: an answer whose status the spec does
 * not declare, and any schema error but for the docs_url of errors and the `extensions`, the
 * properties vsearch adds on purpose.
 */
export function strictSpecProblems(exchanges: readonly Exchange[], extensions: readonly string[] = []): string[] {
  const text = readFileSync(join(REFERENCE_DIR, 'twelvelabs-openapi-2026-07.json'), 'utf8');
  const spec = new SchemaWalker(JSON.parse(text) as Schema);
  const document = JSON.parse(text) as {
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  return exchanges.flatMap(({ method, template, status, body }) => {
    const declared = document.paths[template]?.[method.toLowerCase()]?.responses[String(status)];
    if (declared === undefined) return [`${method} ${template} ${status}: not declared`];
    const schema = spec.responseSchema(method, template, status);
    if (schema === undefined) return [];
    return spec
      .validate(body, schema, '$', { strict: true })
      .filter(
        (error) =>
          !extensions.some((name) => error.endsWith(`unexpected property ${name}`)) &&
          error !== '$: unexpected property docs_url',
      )
      .map((error) => `${method} ${template} ${status}: ${error}`);
  });
}
