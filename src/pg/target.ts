import { InputError } from '../errors.js';
import { redactUrl } from './redact.js';

export interface PgTarget {
  /** The connection string without the library parameter, for `pg`. */
  connectionString: string;
  library: string;
  password: string | undefined;
  /** The URL as it may be shown: no password. */
  shown: string;
}

const LIBRARY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function isPgUrl(text: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(text);
}

/** Parses postgres://user:pw@host:port/db?library=NAME. */
export function parsePgTarget(text: string): PgTarget {
  const shown = redactUrl(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(
      `${shown} is not a valid PostgreSQL connection string (postgres://user:password@host:port/database?library=NAME)`,
    );
  }
  const library = url.searchParams.get('library');
  if (library === null || !LIBRARY_NAME.test(library)) {
    throw new InputError(
      `${shown} needs a library parameter (?library=NAME; letters, digits, _ . -, at most 64 characters)`,
    );
  }
  url.searchParams.delete('library');
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  return { connectionString: url.toString(), library, password, shown };
}
