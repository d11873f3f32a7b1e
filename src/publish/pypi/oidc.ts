// Trusted publishing (PROTOCOLS.md §2): audience → the CI's OIDC token → PyPI's mint-token → a 15-minute
// API token, minted again when less than 5 minutes remain (as twine does). Every token is a secret.
import { PublishError } from '../../errors.js';
import { registerSecret } from '../../secrets.js';
import { describeUrl, send, type HttpResponse } from './http.js';

export interface MintedToken {
  token: string;
  /** Unix seconds. */
  expires: number;
}

export interface OidcOptions {
  /** The upload URL; the OIDC endpoints live on its host. */
  repositoryUrl: string;
  env: NodeJS.ProcessEnv;
  now: () => number;
  timeoutMs: number;
}

/** On GitHub Actions with `id-token: write` (the two variables), or GitLab's `<AUD>_ID_TOKEN`. */
export function oidcAvailable(env: NodeJS.ProcessEnv): boolean {
  return Boolean((env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) || env.PYPI_ID_TOKEN);
}

const REMINT_MARGIN_S = 5 * 60;
const HINT = 'add a trusted publisher for this repository and workflow on PyPI (project → Settings → Publishing), or set PYPI_TOKEN';

function json(res: HttpResponse): Record<string, unknown> | null {
  try {
    return JSON.parse(res.body) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export class TrustedPublisher {
  private current: MintedToken | null = null;
  private pending: Promise<MintedToken> | null = null;
  /** How many tokens were minted (tests, logs). */
  minted = 0;

  constructor(private readonly opts: OidcOptions) {}

  /** A token with at least 5 minutes left, minting one when needed (one mint at a time). */
  async token(): Promise<string> {
    const nowS = this.opts.now() / 1000;
    if (this.current && this.current.expires - nowS > REMINT_MARGIN_S) return this.current.token;
    this.pending ??= this.mint().finally(() => (this.pending = null));
    this.current = await this.pending;
    return this.current.token;
  }

  /** Forget the current token (PyPI said it expired). */
  invalidate(): void {
    this.current = null;
  }

  private origin(): URL {
    return new URL('/', this.opts.repositoryUrl);
  }

  private async audience(): Promise<string> {
    const url = new URL('/_/oidc/audience', this.origin());
    const res = await send({ method: 'GET', url, timeoutMs: this.opts.timeoutMs });
    const body = json(res);
    if (res.status === 404) throw new PublishError(`${url.origin} does not support trusted publishing (404 from ${url.pathname})`, { hint: 'set PYPI_TOKEN to an API token for this repository' });
    if (res.status !== 200 || typeof body?.audience !== 'string') {
      const msg = typeof body?.message === 'string' ? body.message : `${res.status} ${res.reason}`;
      throw new PublishError(`trusted publishing: ${describeUrl('GET', url)} answered ${msg}`, { hint: HINT });
    }
    return body.audience;
  }

  private async ciToken(audience: string): Promise<string> {
    const env = this.opts.env;
    const gitlab = env[`${audience.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_ID_TOKEN`];
    if (gitlab) {
      registerSecret(gitlab);
      return gitlab;
    }
    const reqUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const reqToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!reqUrl || !reqToken) {
      throw new PublishError('trusted publishing needs an OIDC token, and ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set', {
        hint: 'give the publishing job `permissions: id-token: write` (fork pull requests never get one)',
      });
    }
    registerSecret(reqToken);
    const url = new URL(`${reqUrl}${reqUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`);
    const res = await send({ method: 'GET', url, headers: { authorization: `bearer ${reqToken}`, accept: 'application/json' }, timeoutMs: this.opts.timeoutMs });
    const value = json(res)?.value;
    if (res.status !== 200 || typeof value !== 'string') {
      throw new PublishError(`trusted publishing: the GitHub Actions OIDC endpoint answered ${res.status} ${res.reason}`.trim(), {
        hint: 'check that the job has `permissions: id-token: write`',
      });
    }
    registerSecret(value);
    return value;
  }

  private async mint(): Promise<MintedToken> {
    const audience = await this.audience();
    const oidc = await this.ciToken(audience);
    const url = new URL('/_/oidc/mint-token', this.origin());
    const res = await send({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: Buffer.from(JSON.stringify({ token: oidc })),
      timeoutMs: this.opts.timeoutMs,
    });
    const body = json(res);
    if (res.status === 200 && body?.success === true && typeof body.token === 'string') {
      registerSecret(body.token);
      this.minted++;
      const expires = typeof body.expires === 'number' ? body.expires : this.opts.now() / 1000 + 900;
      return { token: body.token, expires };
    }
    if (res.status === 422 && Array.isArray(body?.errors)) {
      const errors = (body.errors as Array<{ code?: string; description?: string }>).map((e) => `${e.code}: ${e.description}`).join('; ');
      throw new PublishError(`trusted publishing: PyPI refused to mint a token (${errors})`, { hint: HINT });
    }
    throw new PublishError(`trusted publishing: ${describeUrl('POST', url)} answered ${res.status} ${res.reason}${body ? '' : ' (not JSON: a server fault)'}`, {
      hint: 'retry later; PyPI status: https://status.python.org',
    });
  }
}
