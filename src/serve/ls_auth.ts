// Label Studio's access tokens as its API takes them. A legacy token is sent as `Token KEY`. A
// personal access token (a JWT refresh token; Label Studio's default for new organisations) is
// exchanged at /api/token/refresh for a short-lived access token, sent as `Bearer ACCESS` and
// exchanged again shortly before it expires.

/** The claims of a JWT, or null when the token is not one. */
function jwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => /^[\w-]+$/.test(p))) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return header && typeof header === 'object' && 'alg' in header && claims && typeof claims === 'object' ? claims as Record<string, unknown> : null;
  } catch { return null; }
}

export class LabelStudioAuth {
  private readonly access = new Map<string, { header: string; until: number }>();

  constructor(private readonly timeoutMs: number) {}

  /** The Authorization header for `token` on Label Studio at `host` (none without a token). */
  async headers(host: string, token: string | undefined): Promise<Record<string, string>> {
    if (!token) return {};
    if (!jwtClaims(token)) return { authorization: `Token ${token}` };
    const key = `${new URL(host).origin} ${token}`;
    const known = this.access.get(key);
    if (known && known.until > Date.now()) return { authorization: known.header };
    const url = new URL('/api/token/refresh', host);
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh: token }), signal: AbortSignal.timeout(this.timeoutMs) })
      .catch((e: Error) => { throw new Error(`${url.href}: ${e.name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : e.message}`); });
    if (r.status === 401 || r.status === 403) throw new Error(`${url.href}: Label Studio refused the personal access token (${r.status}: revoked or expired); create a new one in its Account & Settings`);
    const body = r.ok ? await r.json().catch(() => null) as { access?: unknown } | null : null;
    if (!r.ok || typeof body?.access !== 'string') throw new Error(`${url.href}: Label Studio answered ${r.status}${r.ok ? ' without an access token' : ''} for the personal access token`);
    // Renewed 30 s before its expiry (or after a minute when it states none).
    const exp = jwtClaims(body.access)?.exp;
    const until = typeof exp === 'number' ? exp * 1000 - 30_000 : Date.now() + 60_000;
    this.access.set(key, { header: `Bearer ${body.access}`, until });
    return { authorization: `Bearer ${body.access}` };
  }
}
