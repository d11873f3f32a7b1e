// The workflow's OIDC identity token for Sigstore (audience `sigstore`): GitHub Actions' ID-token endpoint
// (needs `permissions: id-token: write`), or a token handed in by another CI as SIGSTORE_ID_TOKEN.
import { registerSecret } from '../secrets.js';

export class IdentityTokenError extends Error {}

/** True when this job can get an identity token to sign with. */
export function canSign(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.SIGSTORE_ID_TOKEN || (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN));
}

export async function identityToken(env: NodeJS.ProcessEnv, audience = 'sigstore', timeoutMs = 30_000): Promise<string> {
  if (env.SIGSTORE_ID_TOKEN) {
    registerSecret(env.SIGSTORE_ID_TOKEN);
    return env.SIGSTORE_ID_TOKEN;
  }
  const reqUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const reqToken = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!reqUrl || !reqToken) {
    throw new IdentityTokenError('signing needs an OIDC identity token: ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set (the job lacks `permissions: id-token: write`)');
  }
  registerSecret(reqToken);
  const url = `${reqUrl}${reqUrl.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `bearer ${reqToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new IdentityTokenError(`the GitHub Actions ID-token endpoint is unreachable: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as { value?: unknown } | null;
  if (res.status !== 200 || typeof body?.value !== 'string') {
    throw new IdentityTokenError(`the GitHub Actions ID-token endpoint answered ${res.status} ${res.statusText}`.trim());
  }
  registerSecret(body.value);
  return body.value;
}
