import { PageTokenError } from './page-token-error.js';

export interface PageTokenParts {
  recordId: string;
  /** 1-based. */
  page: number;
}

const TOKEN_TEXT = /^([0-9a-f]{24})-([1-9][0-9]{0,6})$/;

/** An opaque page token: base64url of "<record id>-<page>". */
export function encodePageToken(parts: PageTokenParts): string {
  return Buffer.from(`${parts.recordId}-${parts.page}`, 'latin1').toString('base64url');
}

export function decodePageToken(token: string): PageTokenParts {
  const match = /^[A-Za-z0-9_-]{1,64}$/.test(token)
    ? TOKEN_TEXT.exec(Buffer.from(token, 'base64url').toString('utf8'))
    : null;
  if (match === null) throw new PageTokenError(`${JSON.stringify(token)} is not a page token vsearch issued (invalid)`);
  return { recordId: match[1] as string, page: Number(match[2]) };
}
