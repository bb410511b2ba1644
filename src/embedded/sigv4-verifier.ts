import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { sendS3Error, type S3ErrorAnswer } from './s3-xml';

type Credentials = { accessKeyId: string; secretAccessKey: string };
type SignableRequest = Parameters<SignatureV4['presign']>[0];

/** What a request claims about its signature, from its Authorization header or its query string. */
interface Claim {
  presigned: boolean;
  accessKeyId: string;
  signingDate: Date;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  expiresIn?: number;
}

const ACCESS_DENIED = { status: 403, code: 'AccessDenied', message: 'Access Denied' };
const SIGNATURE_DOES_NOT_MATCH = {
  status: 403,
  code: 'SignatureDoesNotMatch',
  message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
};
const HEADER_MALFORMED = { status: 400, code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed.' };
const QUERY_MALFORMED = {
  status: 400,
  code: 'AuthorizationQueryParametersError',
  message: 'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
};
/** SigV4 caps a presigned URL's life at a week. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

/**
 * Lets through only requests signed with `credentials` (AWS Signature V4), as S3
 * does: signed in the Authorization header (the SDK's requests) or in the query
 * string (presigned URLs). The signature is made again with the SDK's own signer
 * over what arrived: the method, the path exactly as sent, the query, and the
 * values received for the headers the client says it signed. So a presigned PUT
 * whose signed Content-Type, Content-Length or If-None-Match is not what is sent
 * fails, and so does a URL whose X-Amz-Expires was edited. Bodies are not hashed:
 * x-amz-content-sha256 counts as the client signed it (a hash, UNSIGNED-PAYLOAD or
 * STREAMING-*). CORS preflights need no signature, on S3 as here.
 */
export function withSignatureCheck(next: http.RequestListener, credentials: Credentials): http.RequestListener {
  return (req, res) => {
    if (req.method === 'OPTIONS') return next(req, res);
    refusal(req, credentials).then(
      (refused) => (refused ? sendS3Error(res, refused) : next(req, res)),
      (error: unknown) => sendS3Error(res, { status: 500, code: 'InternalError', message: String(error) }),
    );
  };
}

async function refusal(req: http.IncomingMessage, credentials: Credentials): Promise<S3ErrorAnswer | undefined> {
  const [path, search = ''] = (req.url ?? '/').split(/\?(.*)/s);
  const params = new URLSearchParams(search);
  const claim = params.has('X-Amz-Algorithm') ? fromQuery(params) : req.headers.authorization ? fromHeader(req) : ACCESS_DENIED;
  if (!('signature' in claim)) return claim;
  if (claim.accessKeyId !== credentials.accessKeyId) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  if (claim.expiresIn !== undefined && Date.now() > claim.signingDate.getTime() + claim.expiresIn * 1000) {
    return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
  }
  const expected = await sign(claim, credentials, { path, params, headers: req.headers, method: req.method ?? 'GET', body: req });
  const matches = expected.length === claim.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(claim.signature));
  return matches ? undefined : SIGNATURE_DOES_NOT_MATCH;
}

/** The signature the SDK would have made for this request, had it held our credentials. */
async function sign(
  claim: Claim,
  credentials: Credentials,
  received: { method: string; path: string; params: URLSearchParams; headers: http.IncomingHttpHeaders; body: unknown },
): Promise<string> {
  // S3 signs the path as sent, without encoding it again (the SDK's uriEscapePath: false).
  const signer = new SignatureV4({ service: claim.service, region: claim.region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(received.params.keys())) {
    if (name === 'X-Amz-Signature') continue;
    const values = received.params.getAll(name);
    query[name] = values.length === 1 ? values[0] : values;
  }
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    const value = received.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // A body the signer cannot read counts as UNSIGNED-PAYLOAD, what every presigned URL signs;
  // a header-signed request brings its own x-amz-content-sha256 among its headers.
  const request: SignableRequest = { method: received.method, protocol: 'http:', hostname: '', path: received.path, query, headers, body: received.body };
  const signed = new Set(claim.signedHeaders);
  const options = { signingDate: claim.signingDate, signingRegion: claim.region, signingService: claim.service, signableHeaders: signed };
  if (claim.presigned) {
    // Signed x-amz-* headers travel as headers: moved into the query, they would sign another request.
    const presigned = await signer.presign(request, { ...options, expiresIn: claim.expiresIn, unhoistableHeaders: signed });
    return String(presigned.query?.['X-Amz-Signature']);
  }
  const authorization = (await signer.sign(request, options)).headers.authorization;
  return /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
}

function fromHeader(req: http.IncomingMessage): Claim | S3ErrorAnswer {
  const authorization = req.headers.authorization ?? '';
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) return HEADER_MALFORMED;
  const fields = new Map(
    authorization
      .slice('AWS4-HMAC-SHA256 '.length)
      .split(',')
      .map((field): [string, string] => {
        const [name, value = ''] = field.trim().split(/=(.*)/s);
        return [name, value];
      }),
  );
  const signingDate = parseDate(req.headers['x-amz-date']);
  const scope = parseCredential(fields.get('Credential'));
  const signature = fields.get('Signature');
  const signedHeaders = fields.get('SignedHeaders');
  if (!signingDate || !scope || !signature || !signedHeaders) return HEADER_MALFORMED;
  return { presigned: false, ...scope, signingDate, signedHeaders: signedHeaders.split(';'), signature };
}

function fromQuery(params: URLSearchParams): Claim | S3ErrorAnswer {
  const signingDate = parseDate(params.get('X-Amz-Date'));
  const scope = parseCredential(params.get('X-Amz-Credential'));
  const signature = params.get('X-Amz-Signature');
  const signedHeaders = params.get('X-Amz-SignedHeaders');
  const expires = params.get('X-Amz-Expires') ?? '';
  const wellFormed = params.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' && /^\d{1,7}$/.test(expires);
  if (!wellFormed || !signingDate || !scope || !signature || !signedHeaders) return QUERY_MALFORMED;
  const expiresIn = Number(expires);
  if (expiresIn < 1 || expiresIn > MAX_EXPIRES_SECONDS) {
    return { ...QUERY_MALFORMED, message: 'X-Amz-Expires must be between 1 and 604800 seconds (a week).' };
  }
  return { presigned: true, ...scope, signingDate, signedHeaders: signedHeaders.split(';'), signature, expiresIn };
}

/** <access key>/<yyyymmdd>/<region>/<service>/aws4_request */
function parseCredential(credential: string | null | undefined): Pick<Claim, 'accessKeyId' | 'region' | 'service'> | undefined {
  const [accessKeyId, date, region, service, terminator, ...rest] = (credential ?? '').split('/');
  if (!accessKeyId || !/^\d{8}$/.test(date ?? '') || !region || !service || terminator !== 'aws4_request' || rest.length) return undefined;
  return { accessKeyId, region, service };
}

/** yyyymmddThhmmssZ, the only form SigV4 signs. */
function parseDate(text: string | string[] | null | undefined): Date | undefined {
  const parts = typeof text === 'string' ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (!parts) return undefined;
  const date = new Date(`${parts[1]}-${parts[2]}-${parts[3]}T${parts[4]}:${parts[5]}:${parts[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
