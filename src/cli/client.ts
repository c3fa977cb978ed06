import { CliError, exitCodeFor } from './errors.js';

export interface RemoteOptions {
  url: string;
  token?: string | undefined;
}

/** A small HTTP client for the Passage API: JSON in, JSON (or bytes) out, problems become CliErrors. */
export class ApiClient {
  constructor(private readonly opts: RemoteOptions) {}

  private async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(`/api/v1${path}`, this.opts.url);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new CliError(`cannot reach ${url.origin}${cause?.code ? ` (${cause.code})` : ''}: is \`passage serve\` running, and is --url right?`, 1);
    }
    if (!res.ok) {
      let detail = `${res.status} ${res.statusText}`;
      let code: string | undefined;
      try {
        const p = (await res.json()) as { detail?: string; code?: string };
        detail = p.detail ?? detail;
        code = p.code;
      } catch {
        /* not a problem document */
      }
      // Say where a token comes from: the server's wording speaks of HTTP headers.
      if (code === 'unauthenticated') detail = this.opts.token ? `the server does not accept this token: ${detail}; check --token / PASSAGE_TOKEN` : 'no API token: pass --token or set PASSAGE_TOKEN';
      throw new CliError(`${detail}${code ? ` (${code})` : ''}`, exitCodeFor(code), code);
    }
    return res;
  }

  async get<T>(path: string): Promise<T> {
    return (await (await this.request('GET', path)).json()) as T;
  }

  async getBytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.request('GET', path)).arrayBuffer());
  }

  async post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return (await (await this.request('POST', path, body, headers)).json()) as T;
  }
}
