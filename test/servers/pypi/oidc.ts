// Trusted publishing for the test PyPI server (PROTOCOLS.md §2): a fake GitHub Actions ID-token endpoint
// and the JWT check behind PyPI's /_/oidc/mint-token. Tokens are HS256-signed with a key both share.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The key the fake Actions endpoint signs with and the test PyPI server verifies with. */
export const DEFAULT_OIDC_KEY = 'wheelwright-test-oidc-key';

export interface TrustedPublisher {
  /** owner/name of the GitHub repository. */
  repository: string;
  /** Workflow file name, e.g. `release.yml`; any when absent. */
  workflow?: string;
  environment?: string;
  /** The PyPI project this publisher may upload to. */
  project: string;
}

export type JwtClaims = Record<string, unknown> & { iss?: string; aud?: string; exp?: number; jti?: string };

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function signJwt(claims: JwtClaims, key = DEFAULT_OIDC_KEY): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** Decode and check the signature; null when malformed or forged. */
export function verifyJwt(token: string, key = DEFAULT_OIDC_KEY): JwtClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const want = createHmac('sha256', key).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2]!, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
  try {
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return null;
  }
}

export interface ActionsOidcOptions {
  /** GitHub repository the job runs in (claim `repository`). */
  repository?: string;
  /** Workflow file (claim `job_workflow_ref`). */
  workflow?: string;
  environment?: string;
  ref?: string;
  /** Lifetime of an ID token, seconds (GitHub: about 5 minutes). */
  ttlSeconds?: number;
  key?: string;
  now?: () => number;
}

export interface ActionsOidcServer {
  /** ACTIONS_ID_TOKEN_REQUEST_URL: already has a query, as on GitHub. */
  url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  requestToken: string;
  /** The environment a job with `id-token: write` sees. */
  env: Record<string, string>;
  /** ID tokens handed out so far. */
  issued(): number;
  close(): Promise<void>;
}

/** A fake GitHub Actions ID-token endpoint: `GET ?api-version=2.0&audience=X` with the request token. */
export async function startActionsOidcServer(opts: ActionsOidcOptions = {}): Promise<ActionsOidcServer> {
  const requestToken = `actions-request-${randomBytes(12).toString('hex')}`;
  const repository = opts.repository ?? 'owner/demo';
  const workflow = opts.workflow ?? 'release.yml';
  const ref = opts.ref ?? 'refs/tags/v0.3.0';
  const now = opts.now ?? Date.now;
  let issued = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `bearer ${requestToken}` && req.headers.authorization !== `Bearer ${requestToken}`)
      return send(401, { message: 'Unauthorized' });
    const aud = url.searchParams.get('audience');
    if (!aud) return send(400, { message: 'audience is required' });
    const iat = Math.floor(now() / 1000);
    issued++;
    const claims: JwtClaims = {
      iss: GITHUB_ISSUER,
      aud,
      sub: `repo:${repository}:ref:${ref}`,
      repository,
      repository_owner: repository.split('/')[0],
      ref,
      workflow_ref: `${repository}/.github/workflows/${workflow}@${ref}`,
      job_workflow_ref: `${repository}/.github/workflows/${workflow}@${ref}`,
      environment: opts.environment,
      jti: randomBytes(16).toString('hex'),
      iat,
      nbf: iat - 5,
      exp: iat + (opts.ttlSeconds ?? 300),
    };
    send(200, { count: 1, value: signJwt(claims, opts.key) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/_apis/pipelines/workflows/1/idtoken?api-version=2.0`;
  return {
    url,
    requestToken,
    env: { GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken },
    issued: () => issued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface MintFailure {
  code: string;
  description: string;
}

/** The publisher a JWT's claims match, or the 422 error PyPI gives. */
export function matchPublisher(claims: JwtClaims, publishers: TrustedPublisher[]): TrustedPublisher | MintFailure {
  const workflowRef = String(claims.job_workflow_ref ?? '');
  const found = publishers.find(
    (p) =>
      p.repository.toLowerCase() === String(claims.repository ?? '').toLowerCase() &&
      (!p.workflow || workflowRef.startsWith(`${p.repository}/.github/workflows/${p.workflow}@`)) &&
      (!p.environment || p.environment === claims.environment),
  );
  return (
    found ?? {
      code: 'invalid-publisher',
      description: 'valid token, but no corresponding publisher (Publisher with matching claims was not found)',
    }
  );
}
