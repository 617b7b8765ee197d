// A GraphQL client over real HTTP with a real cookie jar (tough-cookie), as a browser keeps one.
import { parseSetCookie, type SetCookie } from 'cookie';
import { CookieJar } from 'tough-cookie';
import type { TypedDocumentString } from './graphql/graphql.ts';

export interface GraphqlError {
  message: string;
  extensions?: { code?: string; retryAfter?: number; [key: string]: unknown };
}

/** What an ad-hoc query (a string, not one of ./operations.ts) answers: no generated type to give it. */
export type UntypedData = Record<string, any>;

export interface GraphqlResponse<Data = UntypedData> {
  status: number;
  headers: Headers;
  data: Data | null | undefined;
  errors: GraphqlError[] | undefined;
  /** The session cookie this response set, parsed, if it set one. */
  setCookie: SetCookie | undefined;
}

export interface TestClientOptions {
  /** The session cookie's name, when the server is configured with another. */
  cookieName?: string;
  /** Headers sent with every request (a client address behind a trusted proxy, an Origin, …). */
  headers?: Record<string, string>;
}

export class TestClient {
  readonly jar = new CookieJar();
  readonly cookieName: string;
  private readonly defaultHeaders: Record<string, string>;

  constructor(
    readonly url: URL,
    options: TestClientOptions = {},
  ) {
    this.cookieName = options.cookieName ?? 'access_token';
    this.defaultHeaders = options.headers ?? {};
  }

  /** One of ./operations.ts: the answer and the variables are typed from the schema. */
  graphql<Result, Variables>(
    query: TypedDocumentString<Result, Variables>,
    variables?: Variables,
    headers?: Record<string, string>,
  ): Promise<GraphqlResponse<Result>>;
  /** An ad-hoc query written in the test (hostile shapes, unknown fields, …). */
  graphql(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphqlResponse>;
  async graphql(query: string | TypedDocumentString<unknown, unknown>, variables?: unknown, headers: Record<string, string> = {}) {
    return this.send(JSON.stringify({ query: query.toString(), variables }), headers);
  }

  /** Sends a raw body (malformed JSON, wrong content types, …) with the jar's cookies. */
  async send(body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}, method = 'POST'): Promise<GraphqlResponse> {
    const cookie = await this.jar.getCookieString(this.url.toString());
    const response = await fetch(this.url, {
      method,
      headers: { 'content-type': 'application/json', ...this.defaultHeaders, ...(cookie ? { cookie } : {}), ...headers },
      body: method === 'GET' ? undefined : body,
    });
    return this.read(response);
  }

  async get(search: Record<string, string>, headers: Record<string, string> = {}): Promise<GraphqlResponse> {
    const url = new URL(this.url);
    for (const [key, value] of Object.entries(search)) url.searchParams.set(key, value);
    const cookie = await this.jar.getCookieString(this.url.toString());
    const response = await fetch(url, {
      headers: { accept: 'application/json', ...this.defaultHeaders, ...(cookie ? { cookie } : {}), ...headers },
    });
    return this.read(response);
  }

  /** The session token the jar holds (what a browser would send), or undefined. */
  async token(): Promise<string | undefined> {
    const cookies = await this.jar.getCookies(this.url.toString());
    return cookies.find((c) => c.key === this.cookieName)?.value;
  }

  /** Puts a token into the jar, as if the server had set it (for copied or forged tokens). */
  async useToken(token: string): Promise<void> {
    await this.jar.setCookie(`${this.cookieName}=${token}; Path=/; HttpOnly`, this.url.toString());
  }

  private async read(response: Response): Promise<GraphqlResponse> {
    for (const header of response.headers.getSetCookie()) await this.jar.setCookie(header, this.url.toString());
    const setCookie = response.headers
      .getSetCookie()
      .map((header) => parseSetCookie(header))
      .find((c) => c.name === this.cookieName);
    const text = await response.text();
    let json: { data?: unknown; errors?: GraphqlError[] } = {};
    try {
      json = JSON.parse(text);
    } catch {
      json = { errors: [{ message: text }] };
    }
    return { status: response.status, headers: response.headers, data: json.data as UntypedData | null | undefined, errors: json.errors, setCookie };
  }
}
