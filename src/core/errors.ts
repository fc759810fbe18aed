// Errors as values with a kind, the endpoint URL and the setting that fixes them.
export type ErrorKind =
  | 'config' // a setting is invalid
  | 'connection' // host unreachable, refused, DNS
  | 'http' // the server answered with an error status
  | 'timeout'
  | 'protocol' // the server's answer does not have the documented shape
  | 'capability' // the server lacks something the decoder needs
  | 'reward' // a reward source returned a missing or non-finite score
  | 'budget' // a run exceeded maxModelTokens or maxRequests
  | 'aborted'
  | 'internal';

export class TqError extends Error {
  readonly kind: ErrorKind;
  readonly url?: string;
  readonly setting?: string;
  readonly status?: number;
  constructor(kind: ErrorKind, message: string, extra: { url?: string; setting?: string; status?: number; cause?: unknown } = {}) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'TqError';
    this.kind = kind;
    this.url = extra.url;
    this.setting = extra.setting;
    this.status = extra.status;
  }
  toInfo() {
    return { kind: this.kind, message: this.message, ...(this.url ? { url: this.url } : {}), ...(this.setting ? { setting: this.setting } : {}) };
  }
}

export function isAbort(e: unknown): boolean {
  return (e instanceof TqError && e.kind === 'aborted') || (e instanceof Error && (e.name === 'AbortError' || e.name === 'APIUserAbortError'));
}
