import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Errors } from '../errors';

/** Who is asking. Null where the caller sent no token. */
export interface Actor {
  userId: string;
  isAdmin: boolean;
}

type Verification =
  | { kind: 'secret'; secret: Uint8Array }
  | { kind: 'jwks'; keys: JWTVerifyGetKey; issuer: string; audience: string };

// A verified token is trusted again for at most this long, and never past its expiry.
const REMEMBER_MS = 60_000;
const REMEMBERED_TOKENS = 10_000;

/**
 * Bearer tokens: HS256 with a shared secret, or RS256/ES256 from an identity
 * provider's key set. Anything wrong with a token that was sent is UNAUTHENTICATED;
 * sending none is allowed (public files), and services decide what needs a user.
 */
export class Authenticator {
  /**
   * Clients send the same token with every request, and jose verifies through
   * WebCrypto: about a fifth of a small query's CPU here (BENCHMARKS.md). Only
   * successes are kept, so a bad token is checked (and refused) every time.
   */
  private readonly verified = new Map<string, { actor: Actor; until: number }>();

  private constructor(private readonly verification: Verification) {}

  static withSecret(secret: string): Authenticator {
    return new Authenticator({ kind: 'secret', secret: new TextEncoder().encode(secret) });
  }

  static withJwks(url: string, issuer: string, audience: string): Authenticator {
    return new Authenticator({ kind: 'jwks', keys: createRemoteJWKSet(new URL(url)), issuer, audience });
  }

  async authenticate(authorization: string | undefined): Promise<Actor | null> {
    if (!authorization) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw Errors.unauthenticated('The Authorization header must be "Bearer <token>"');
    const token = match[1];
    const known = this.verified.get(token);
    if (known && Date.now() < known.until) return known.actor;
    this.verified.delete(token);

    const payload = await this.verify(token);
    if (typeof payload.sub !== 'string' || payload.sub === '') throw Errors.unauthenticated('The token has no subject');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const actor = Object.freeze({ userId: payload.sub, isAdmin: roles.includes('admin') });
    this.remember(token, actor, payload.exp);
    return actor;
  }

  private remember(token: string, actor: Actor, exp: number | undefined): void {
    // The oldest first: a Map iterates in insertion order.
    if (this.verified.size >= REMEMBERED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    const until = Math.min(Date.now() + REMEMBER_MS, exp === undefined ? Infinity : exp * 1000);
    this.verified.set(token, { actor, until });
  }

  private async verify(token: string) {
    try {
      const v = this.verification;
      // Algorithms are pinned: "none", or an HS256 token signed with a public key, never passes.
      const { payload } =
        v.kind === 'secret'
          ? await jwtVerify(token, v.secret, { algorithms: ['HS256'] })
          : await jwtVerify(token, v.keys, { algorithms: ['RS256', 'ES256'], issuer: v.issuer, audience: v.audience });
      return payload;
    } catch (error) {
      const reason = (error as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'The token has expired' : 'The token is not valid';
      throw Errors.unauthenticated(reason);
    }
  }
}
