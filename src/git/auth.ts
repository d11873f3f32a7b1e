// Pushing with a token (RELEASE_TOKEN) without putting it in argv or .git/config: git reads GIT_CONFIG_* from the environment.
import { registerSecret } from '../secrets.js';

/** `https://host/` for an http(s) remote URL (credentials stripped), or null for ssh, file and local paths. */
export function httpOrigin(remoteUrl: string): string | null {
  if (!/^https?:\/\//i.test(remoteUrl)) return null;
  try {
    const u = new URL(remoteUrl);
    return `${u.protocol}//${u.host}/`;
  } catch {
    return null;
  }
}

/**
 * Environment that makes git send `token` as the HTTP auth header for `remoteUrl`. The header is
 * set under the same key actions/checkout uses (`http.https://host/.extraheader`), first reset to
 * empty, so the checkout's persisted GITHUB_TOKEN header is replaced rather than sent as well.
 * Returns null when the remote is not http(s) (ssh keys and local paths need no token).
 */
export function tokenPushEnv(remoteUrl: string, token: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> | null {
  const origin = httpOrigin(remoteUrl);
  if (!origin) return null;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  registerSecret(token);
  registerSecret(basic);
  const start = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  const key = `http.${origin}.extraheader`;
  return {
    GIT_CONFIG_COUNT: String(start + 2),
    [`GIT_CONFIG_KEY_${start}`]: key,
    [`GIT_CONFIG_VALUE_${start}`]: '',
    [`GIT_CONFIG_KEY_${start + 1}`]: key,
    [`GIT_CONFIG_VALUE_${start + 1}`]: `AUTHORIZATION: basic ${basic}`,
  };
}
