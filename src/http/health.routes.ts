import express, { type Router } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { StorageBackend } from '../storage/storage-backend';

/**
 * /healthz: the process answers. /readyz: it can reach the database and the
 * bucket (while shutting down, Drain answers 503 before this is reached).
 */
export function healthRouter(orm: MikroORM, storage: StorageBackend): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/readyz', async (_req, res) => {
    const [database, bucket] = await Promise.allSettled([orm.em.getConnection().execute('select 1'), storage.ping()]);
    const checks = { database: database.status === 'fulfilled' ? 'ok' : 'unavailable', storage: bucket.status === 'fulfilled' ? 'ok' : 'unavailable' };
    const ready = database.status === 'fulfilled' && bucket.status === 'fulfilled';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
