import pg from 'pg';
import { ConnectionError, InputError, StoreError, VsearchError } from '../errors.js';
import { redactSecret } from './redact.js';
import type { PgTarget } from './target.js';

export type PgClient = pg.Client;

const AUTH_CODES = new Set(['28P01', '28000']);
const MISSING_DATABASE = '3D000';

/** Connects to the target's server; every error names the server without its password. */
export async function connectPg(target: PgTarget): Promise<PgClient> {
  const client = new pg.Client({ connectionString: target.connectionString, connectionTimeoutMillis: 15_000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw pgError(error, target, 'connecting to');
  }
  return client;
}

/** A vsearch error for a pg failure: bad credentials or database are input (exit 2), a refused statement a store error, the rest a connection failure. */
export function pgError(error: unknown, target: PgTarget, doing: string): VsearchError {
  if (error instanceof VsearchError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const detail = redactSecret(error instanceof Error ? error.message : String(error), target.password);
  if (AUTH_CODES.has(code))
    return new InputError(
      `${doing} ${target.shown} failed: the server refused the credentials (${detail}); check the user and password`,
    );
  if (code === MISSING_DATABASE)
    return new InputError(`${doing} ${target.shown} failed: ${detail}; create the database or fix its name`);
  if (/^[0-9A-Z]{5}$/.test(code))
    return new StoreError(
      `${doing} ${target.shown} failed: the server refused a statement (SQLSTATE ${code}: ${detail})`,
    );
  return new ConnectionError(
    `${doing} ${target.shown} failed: ${detail || code}; check that the server runs and the host and port are right`,
  );
}
