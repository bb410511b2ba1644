import type { RequestHandler } from 'express';
import type { Actor, Authenticator } from '../auth/authenticator';

/**
 * Reads the bearer token once per request, before any body is parsed, so that a
 * bad token is refused before a single uploaded byte is read. The actor (or null
 * for no token) is left in res.locals.actor.
 */
export function authenticate(authenticator: Authenticator): RequestHandler {
  return (req, res, next) => {
    authenticator.authenticate(req.headers.authorization).then((actor) => {
      res.locals.actor = actor;
      next();
    }, next);
  };
}

export function actorOf(locals: Record<string, unknown>): Actor | null {
  return (locals.actor as Actor | null | undefined) ?? null;
}
