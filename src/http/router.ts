import { HttpFailure } from './api-error.js';

/** The API's version prefix: every TwelveLabs path starts with it. */
export const API_PREFIX = '/v1.3';

export interface RouteEntry<R> {
  method: string;
  /** The whole path, e.g. "/v1.3/indexes/{index_id}/videos"; {name} matches one path segment. */
  path: string;
  route: R;
}

export type RouteMatch<R> =
  | { kind: 'found'; route: R; params: Record<string, string>; template: string }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

interface Compiled<R> {
  entry: RouteEntry<R>;
  pattern: RegExp;
  names: string[];
}

function compile<R>(entry: RouteEntry<R>): Compiled<R> {
  const names: string[] = [];
  const source = entry.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { entry, pattern: new RegExp(`^${source}/?$`), names };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpFailure(
      400,
      'parameter_invalid',
      `The path segment ${JSON.stringify(segment)} is not valid percent-encoding.`,
    );
  }
}

/** Method + path patterns; literal paths win over parameterized ones (GET /assets/multipart-uploads vs GET /assets/{asset_id}). */
export class Router<R> {
  readonly #routes: Compiled<R>[];

  constructor(entries: readonly RouteEntry<R>[]) {
    this.#routes = entries.map(compile).sort((a, b) => a.names.length - b.names.length);
  }

  match(method: string, path: string): RouteMatch<R> {
    const allowed: string[] = [];
    for (const compiled of this.#routes) {
      const m = compiled.pattern.exec(path);
      if (m === null) continue;
      if (compiled.entry.method !== method) {
        allowed.push(compiled.entry.method);
        continue;
      }
      const params: Record<string, string> = {};
      compiled.names.forEach((name, i) => {
        params[name] = decode(m[i + 1] ?? '');
      });
      return { kind: 'found', route: compiled.entry.route, params, template: compiled.entry.path };
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

export function methodNotAllowed(method: string, path: string): HttpFailure {
  return new HttpFailure(405, 'method_not_allowed', `${method} is not allowed on ${path}.`);
}

export function noRoute(method: string, path: string, hint = ''): HttpFailure {
  return new HttpFailure(404, 'not_found', `No route for ${method} ${path}${hint === '' ? '.' : `: ${hint}`}`);
}
