import type { z } from 'zod';
import { CliError, exitCodeFor } from './errors.js';

export interface RemoteOptions {
  url: string;
  token?: string | undefined;
  /** Seconds to wait for each answer (connect, headers and body) before giving up. */
  timeoutS?: number | undefined;
}

/** How long a remote command waits for an answer unless told otherwise (--timeout / PASSAGE_TIMEOUT). */
export const DEFAULT_TIMEOUT_S = 30;

/** Exit code when the server answers, but not as a Passage server would: a remote failure, not bad input. */
const NOT_PASSAGE_EXIT = 1;

/** Exit code when the server cannot be reached or does not answer in time (errors.ts: 1, anything else). */
const UNREACHABLE_EXIT = 1;

/** A cause that is the transport's, not the server's: it keeps its own exit code and wording. */
export class UnreachableError extends CliError {
  constructor(message: string) {
    super(message, UNREACHABLE_EXIT, 'unreachable');
  }
}

/**
 * A server's base URL as given with `option` (`--url`, `--osmand`): http or https, with the path
 * a reverse proxy may serve it under (https://example.org/passage) kept, and trailing slashes
 * dropped. A query string or a fragment has no place in it (the CLI adds its own paths and
 * queries after it), nor a user name or password (the API takes a token): refused (exit 2), not
 * sent somewhere the user did not mean.
 */
export function baseUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${option} is not a URL: ${value}`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`${option} must be an http:// or https:// URL, not ${url.protocol}`, 2);
  if (url.search !== '' || url.hash !== '') throw new CliError(`${option} must not have a query string or a fragment (${value}): give the server's address, and the path it is served under if any, e.g. https://example.org/passage`, 2);
  if (url.username !== '' || url.password !== '') throw new CliError(`${option} must not hold a user name or password: give the server's address${option === '--url' ? ', and your API token with --token or PASSAGE_TOKEN' : ''}`, 2);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The API's base for `--url`: the server's address (`baseUrl`, so with any path prefix) and
 * /api/v1 after it. A --url that already ends in /api/v1 is refused rather than doubled: it
 * is the server's address the CLI takes, as `passage serve` prints it.
 */
export function apiBase(url: string): string {
  const base = baseUrl(url, '--url');
  if (/\/api\/v1$/i.test(base)) throw new CliError(`--url is the server’s address without /api/v1, which the CLI adds itself: give ${base.slice(0, -'/api/v1'.length)}`, 2);
  return `${base}/api/v1`;
}

/** A problem document as Passage sends one (RFC 9457): only string fields are taken from it. */
function problemOf(json: unknown): { detail: string; code: string | undefined } | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { detail, code } = json as { detail?: unknown; code?: unknown };
  if (typeof detail !== 'string' || (code !== undefined && typeof code !== 'string')) return undefined;
  return { detail, code };
}

/** The first characters of a body, on one line, for a message about an answer that is not Passage's. */
function snippet(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 200)).replace(/\s+/g, ' ').trim();
  if (text === '') return 'an empty body';
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/** The first issue zod found, as "at path: message". */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'not the expected shape';
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the top level';
  return `at ${path}: ${issue.message}`;
}

interface Answer {
  res: Response;
  bytes: Uint8Array;
  where: string;
}

/**
 * A small HTTP client for the Passage API: JSON in, JSON (or bytes) out, problems become CliErrors.
 * Every answer is checked before a command uses it, so that a server that is not Passage's (an HTML
 * page, `{}`, `null`) is reported as such, once, before anything is printed — not as a JavaScript
 * error halfway through the output.
 */
export class ApiClient {
  private readonly timeoutS: number;
  /** Where the API is: `apiBase` of --url, a path prefix included; each request's path goes after it. */
  private readonly base: string;

  constructor(private readonly opts: RemoteOptions) {
    this.timeoutS = opts.timeoutS ?? DEFAULT_TIMEOUT_S;
    this.base = apiBase(opts.url);
  }

  /** The server's address, as --url gives it (without /api/v1): to name it in a message. */
  get server(): string {
    return this.base.slice(0, -'/api/v1'.length);
  }

  /** The URL of `path` (with its query, if any) under the API's base. */
  private urlOf(path: string): URL {
    return new URL(`${this.base}${path}`);
  }

  private notPassage(where: string, what: string): CliError {
    return new CliError(`${where}: not a Passage API (unexpected response: ${what})`, NOT_PASSAGE_EXIT, 'not_passage');
  }

  /** The error for an answer from `path` that parsed, but is not what Passage sends there. */
  notPassageAt(path: string, what: string): CliError {
    const url = this.urlOf(path);
    return this.notPassage(`${url.origin}${url.pathname}`, what);
  }

  private async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const url = this.urlOf(path);
    const where = `${url.origin}${url.pathname}`;
    // One deadline for the whole exchange, body included: a server that sends its headers and
    // then nothing would otherwise hold the command for ever.
    const signal = AbortSignal.timeout(this.timeoutS * 1000);
    let res: Response;
    let bytes: Uint8Array;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      if (signal.aborted) {
        throw new UnreachableError(`${url.origin} did not answer within ${this.timeoutS} s: is it a Passage server, and is --url right? (wait longer with --timeout or PASSAGE_TIMEOUT)`);
      }
      // undici says why in the cause: a code (ECONNREFUSED), or only a message ("bad port").
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message;
      throw new UnreachableError(`cannot reach ${url.origin}${why ? ` (${why})` : ''}: is \`passage serve\` running, and is --url right?`);
    }
    if (!res.ok) {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        json = undefined;
      }
      const problem = problemOf(json);
      if (!problem) {
        // A proxy's error page or another server: say what answered, not only the status line.
        throw this.notPassage(where, `HTTP ${res.status} ${res.statusText}, ${res.headers.get('content-type') ?? 'no content type'}: ${snippet(bytes)}`);
      }
      let detail = problem.detail;
      const code = problem.code;
      // Say where a token comes from: the server's wording speaks of HTTP headers.
      if (code === 'unauthenticated') detail = this.opts.token ? `the server does not accept this token: ${detail}; check --token / PASSAGE_TOKEN` : 'no API token: pass --token or set PASSAGE_TOKEN';
      throw new CliError(`${detail}${code ? ` (${code})` : ''}`, exitCodeFor(code), code);
    }
    return { res, bytes, where };
  }

  /** The answer's JSON, checked against `schema` (the fields the command reads); the value itself is returned whole. */
  private json<S extends z.ZodType>(a: Answer, schema: S): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(a.bytes));
    } catch {
      throw this.notPassage(a.where, `HTTP ${a.res.status}, ${a.res.headers.get('content-type') ?? 'no content type'}, not JSON: ${snippet(a.bytes)}`);
    }
    const checked = schema.safeParse(json);
    if (!checked.success) throw this.notPassage(a.where, `JSON without the expected fields, ${firstIssue(checked.error)}`);
    // The original, not the parsed copy: zod drops fields it was not told of, and --json prints it all.
    return json as z.infer<S>;
  }

  async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.json(await this.request('GET', path), schema);
  }

  /**
   * The body's exact bytes (a signature covers them), refused unless its content type is
   * `contentType`: an HTML page in place of the terms or the checkpoint is not Passage's.
   */
  async getBytes(path: string, contentType: RegExp): Promise<Uint8Array> {
    const a = await this.request('GET', path);
    const type = a.res.headers.get('content-type') ?? '';
    if (!contentType.test(type)) throw this.notPassage(a.where, `HTTP ${a.res.status}, ${type || 'no content type'}: ${snippet(a.bytes)}`);
    return a.bytes;
  }

  /** The body's exact bytes and their JSON, checked against `schema` (for terms and protocol texts that are signed as sent). */
  async getJsonBytes<S extends z.ZodType>(path: string, schema: S): Promise<{ bytes: Uint8Array; value: z.infer<S> }> {
    const a = await this.request('GET', path);
    return { bytes: a.bytes, value: this.json(a, schema) };
  }

  async post<S extends z.ZodType>(path: string, body: unknown, schema: S, headers: Record<string, string> = {}): Promise<z.infer<S>> {
    return this.json(await this.request('POST', path, body, headers), schema);
  }
}
