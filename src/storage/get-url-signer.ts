import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { HttpRequest, extendedEncodeURIComponent } from '@smithy/core/protocols';

interface Signing {
  /** The bucket's URL: `http://host:port/bucket` (path style) or `https://bucket.s3.region.amazonaws.com`. */
  base: URL;
  presigner: S3RequestPresigner;
  region: string | undefined;
}

/**
 * Presigned GETs, the signing a client asks for most (a file manager: one per
 * thumbnail). getSignedUrl resolves the endpoint, builds a signer and clones the
 * client's middleware stack on every call, 0.35 ms of CPU per URL here; none of
 * that changes for one bucket, so it is done once and a URL costs its signature
 * alone (0.03 ms). The endpoint comes from the SDK's own rules, as getSignedUrl's does.
 */
export class GetUrlSigner {
  private signing?: Promise<Signing>;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async sign(key: string, options: { expiresIn: number; query: Record<string, string | undefined> }): Promise<string> {
    this.signing ??= this.prepare().catch((error: unknown) => {
      this.signing = undefined;
      throw error;
    });
    const { base, presigner, region } = await this.signing;
    const query: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.query)) if (value !== undefined) query[name] = value;
    const request = new HttpRequest({
      method: 'GET',
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port ? Number(base.port) : undefined,
      path: `${base.pathname.replace(/\/$/, '')}/${key.split('/').map(extendedEncodeURIComponent).join('/')}`,
      query,
      headers: { host: base.host },
    });
    return formatUrl(await presigner.presign(request, { expiresIn: options.expiresIn, signingRegion: region }));
  }

  private async prepare(): Promise<Signing> {
    const input = { Bucket: this.bucket, Key: 'key' };
    const endpoint = await getEndpointFromInstructions(input, GetObjectCommand, this.client.config);
    const scheme = (endpoint.properties?.authSchemes as { signingRegion?: string; signingName?: string }[] | undefined)?.[0];
    const region = scheme?.signingRegion;
    const presigner = new S3RequestPresigner({ ...this.client.config, signingName: scheme?.signingName, region: async () => region ?? (await this.client.config.region()) });
    return { base: new URL(endpoint.url.href), presigner, region };
  }
}
