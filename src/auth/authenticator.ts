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

export interface TokenRules {
  /** Accept tokens without `exp` (some identity providers omit it). Off by default: such a token would never expire. */
  allowNoExp?: boolean;
}

/** How far the issuer's clock may run ahead of ours: `iat` and `nbf` beyond it are refused. */
const CLOCK_SKEW_SECONDS = 60;

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

  private constructor(
    private readonly verification: Verification,
    private readonly rules: TokenRules,
  ) {}

  static withSecret(secret: string, rules: TokenRules = {}): Authenticator {
    return new Authenticator({ kind: 'secret', secret: new TextEncoder().encode(secret) }, rules);
  }

  static withJwks(url: string, issuer: string, audience: string, rules: TokenRules = {}): Authenticator {
    return new Authenticator({ kind: 'jwks', keys: createRemoteJWKSet(new URL(url)), issuer, audience }, rules);
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
    // The subject becomes owner_id: text PostgreSQL can store and logs can print.
    if (/[\u0000-\u001f\u007f]/.test(payload.sub)) throw Errors.unauthenticated('The token\'s subject holds control characters');
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
      const common = { clockTolerance: CLOCK_SKEW_SECONDS, requiredClaims: this.rules.allowNoExp ? [] : ['exp'] };
      const { payload } =
        v.kind === 'secret'
          ? await jwtVerify(token, v.secret, { ...common, algorithms: ['HS256'] })
          : await jwtVerify(token, v.keys, { ...common, algorithms: ['RS256', 'ES256'], issuer: v.issuer, audience: v.audience });
      // The tolerance is for an issuer's clock running ahead (`nbf`, and `iat`, which jose checks only
      // against a maximum age we do not set); a lifetime ends when `exp` says, to the second.
      const now = Date.now() / 1000;
      if (payload.iat !== undefined && payload.iat > now + CLOCK_SKEW_SECONDS) throw new TokenFromTheFuture();
      if (payload.exp !== undefined && payload.exp <= now) throw Object.assign(new Error('expired'), { code: 'ERR_JWT_EXPIRED' });
      return payload;
    } catch (error) {
      throw Errors.unauthenticated(refusal(error));
    }
  }
}

class TokenFromTheFuture extends Error {}

function refusal(error: unknown): string {
  if (error instanceof TokenFromTheFuture) return 'The token was issued in the future (iat)';
  const { code, claim } = error as { code?: string; claim?: string };
  if (code === 'ERR_JWT_EXPIRED') return 'The token has expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'exp') return 'The token has no expiry (exp)';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'nbf') return 'The token is not valid yet (nbf)';
  return 'The token is not valid';
}
