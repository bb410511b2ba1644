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

/**
 * Bearer tokens: HS256 with a shared secret, or RS256/ES256 from an identity
 * provider's key set. Anything wrong with a token that was sent is UNAUTHENTICATED;
 * sending none is allowed (public files), and services decide what needs a user.
 */
export class Authenticator {
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
    const payload = await this.verify(match[1]);
    if (typeof payload.sub !== 'string' || payload.sub === '') throw Errors.unauthenticated('The token has no subject');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    return { userId: payload.sub, isAdmin: roles.includes('admin') };
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
