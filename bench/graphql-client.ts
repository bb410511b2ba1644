import { SignJWT } from 'jose';

/** HS256, as the server checks it (the dev secret under DATA_DIR, or JWT_SECRET). */
export function signToken(secret: string, userId: string, admin = false): Promise<string> {
  return new SignJWT({ roles: admin ? ['admin'] : [] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(new TextEncoder().encode(secret));
}

/** For control requests around the measurements (set-up, checks, clean-up), not for load. */
export class GraphQLClient {
  constructor(
    readonly url: string,
    readonly token: string,
  ) {}

  get headers(): Record<string, string> {
    return { 'content-type': 'application/json', authorization: `Bearer ${this.token}` };
  }

  async request<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.url}/graphql`, { method: 'POST', headers: this.headers, body: JSON.stringify({ query, variables }) });
    const answer = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (answer.errors?.length) {
      const [error] = answer.errors;
      throw new Error(`GraphQL ${error.extensions?.code ?? response.status}: ${error.message}`);
    }
    return answer.data!;
  }

  async hardDelete(id: string): Promise<void> {
    await this.request('mutation ($id: ID!) { deleteFile(id: $id, hardDelete: true) }', { id });
  }
}
