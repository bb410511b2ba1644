import express, { type Router } from 'express';
import type { Config } from '../config';

/**
 * The pages a person opens in a browser: the file manager at `/` and GraphiQL at
 * `GET /graphql` (when the request accepts HTML). Every asset is served from
 * installed packages: the pages work with no internet access.
 */
export function webRouter(_config: Config): Router {
  return express.Router();
}
