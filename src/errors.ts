/**
 * One error hierarchy for the whole library, rooted at VsearchError
 * (after openai-node's src/core/error.ts). Messages say what went wrong,
 * where, and what to do about it.
 */
export class VsearchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input from the user: a file, a flag, a row. The CLI exits 2 on it. */
export class InputError extends VsearchError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where: { file?: string; line?: number; cause?: unknown } = {}) {
    super(
      where.file === undefined
        ? message
        : `${where.file}${where.line === undefined ? '' : `:${where.line}`}: ${message}`,
      { cause: where.cause },
    );
    this.file = where.file;
    this.line = where.line;
  }
}

/** A library root holds no index (library) with the id asked for. */
export class UnknownIndexError extends InputError {}
/** Another index (library) of the root already has the name asked for. */
export class IndexNameTakenError extends InputError {}

/** The library on disk is missing, corrupt, of another format, or locked. */
export class StoreError extends VsearchError {}

/** The library is missing or of an unsupported format: a usage problem, exit 2. */
export class LibraryNotFoundError extends StoreError {}
export class FormatVersionError extends StoreError {}

/** hnswlib-node's compiled addon is missing or does not load here: the install is incomplete (CLI exit 1). */
export class NativeBuildError extends VsearchError {}

/** The ANN index on disk does not match the store it claims to index. */
export class IndexMismatchError extends VsearchError {}

/** An async embedding or analyze task ended in the `failed` state. */
export class TaskFailedError extends VsearchError {
  readonly taskId: string;
  constructor(taskId: string, reason: string) {
    super(`task ${taskId} failed: ${reason}`);
    this.taskId = taskId;
  }
}

/** The operation was aborted through its AbortSignal (Ctrl-C, a caller's cancel). */
export class AbortError extends VsearchError {
  constructor(message = 'the operation was aborted') {
    super(message);
  }
}

/** The network failed before any HTTP response: refused, reset, DNS. */
export class ConnectionError extends VsearchError {}

/** A request or a poll ran past its deadline. */
export class TimeoutError extends VsearchError {}

/** The API answered 2xx with a body that breaks its contract (wrong vector dimension, NaN, missing fields). */
export class InvalidResponseError extends VsearchError {}

/** An HTTP error answer from the TwelveLabs API (or the emulator). */
export class ApiError extends VsearchError {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  constructor(
    status: number,
    message: string,
    details: { code?: string | undefined; requestId?: string | undefined } = {},
  ) {
    super(`TwelveLabs API ${status}${details.code === undefined ? '' : ` ${details.code}`}: ${message}`);
    this.status = status;
    this.code = details.code;
    this.requestId = details.requestId;
  }
}

export class BadRequestError extends ApiError {}
export class AuthError extends ApiError {}
export class PermissionDeniedError extends ApiError {}
export class NotFoundError extends ApiError {}
export class ConflictError extends ApiError {}
export class PayloadTooLargeError extends ApiError {}
export class RateLimitError extends ApiError {}
export class InternalServerError extends ApiError {}

/** True for errors caused by what the user gave us (CLI exit code 2). */
export function isUsageError(error: unknown): boolean {
  return error instanceof InputError || error instanceof LibraryNotFoundError || error instanceof FormatVersionError;
}
