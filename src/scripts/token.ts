import 'dotenv/config';
import { SignJWT } from 'jose';
import { loadOrCreateDevSecret } from '../auth/dev-secret';
import { configOrExit } from '../cli-config';

/**
 * npm run token -- <user> [--admin] [--expires 24h]
 * Prints a token signed with JWT_SECRET, or with the development secret under DATA_DIR.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const user = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--expires');
  if (!user) {
    console.error('usage: npm run token -- <user> [--admin] [--expires 24h]');
    process.exit(2);
  }
  const expiresAt = args.includes('--expires') ? args[args.indexOf('--expires') + 1] : '24h';
  const config = configOrExit(process.env);
  if (config.auth.jwksUrl) {
    console.error('JWT_JWKS_URL is set: tokens come from your identity provider, not from this command');
    process.exit(2);
  }
  const secret = config.auth.jwtSecret ?? (await loadOrCreateDevSecret(config.dataDir));
  const token = await new SignJWT({ roles: args.includes('--admin') ? ['admin'] : [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
  console.log(token);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
