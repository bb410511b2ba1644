import { parseConfig } from '../src/config';

describe('configuration', () => {
  it('has the seed\'s defaults', () => {
    const config = parseConfig({});
    expect(config.port).toBe(4000);
    expect(config.s3).toMatchObject({ bucket: 'my-app-bucket', region: 'us-east-1', endpoint: undefined, forcePathStyle: false });
    expect(config.upload).toMatchObject({
      maxFileSizeBytes: 100 * 1024 * 1024,
      allowedExtensions: ['jpg', 'jpeg', 'png', 'gif', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'txt', 'csv', 'zip'],
      useUuidPrefix: true,
      preserveFilename: true,
      useTimestampPrefix: true,
      folderStructure: '{year}/{month}/{day}',
      presignedUrlExpirySeconds: 3600,
      downloadUrlExpirySeconds: 300,
    });
    expect(config.upload.allowedMimeTypes).toHaveLength(11);
    expect(config.encryption).toEqual({ enabled: true, algorithm: 'AES256', kmsKeyId: undefined });
    expect(config.graphiql).toBe(true);
    expect(Object.isFrozen(config.upload)).toBe(true);
  });

  it('counts MB as binary megabytes', () => {
    expect(parseConfig({ S3_MAX_FILE_SIZE_MB: '2' }).upload.maxFileSizeBytes).toBe(2 * 1048576);
  });

  it('reads lists, booleans and an empty folder structure', () => {
    const config = parseConfig({ S3_ALLOWED_EXTENSIONS: ' PNG, .jpg ', S3_USE_UUID_PREFIX: 'no', S3_FOLDER_STRUCTURE: '', CORS_ORIGINS: 'https://a.example,https://b.example' });
    expect(config.upload.allowedExtensions).toEqual(['png', 'jpg']);
    expect(config.upload.useUuidPrefix).toBe(false);
    expect(config.upload.folderStructure).toBe('');
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('uses path-style addressing by default with a custom endpoint', () => {
    expect(parseConfig({ S3_ENDPOINT_URL: 'http://minio:9000' }).s3.forcePathStyle).toBe(true);
  });

  it.each([
    ['S3_MAX_FILE_SIZE_MB', '-1'],
    ['S3_MAX_FILE_SIZE_MB', 'lots'],
    ['S3_FOLDER_STRUCTURE', '{year}/{week}'],
    ['S3_FOLDER_STRUCTURE', '../{year}'],
    ['S3_FOLDER_STRUCTURE', '.renditions/{year}'],
    ['IMAGE_MAX_DIMENSION', '0'],
    ['IMAGE_RENDER_CONCURRENCY', '65'],
    ['GRAPHQL_MAX_COST', '0'],
    ['JWT_ALLOW_NO_EXP', 'sometimes'],
    ['S3_USE_UUID_PREFIX', 'maybe'],
    ['S3_ENCRYPT_AT_REST', 'yes please'],
    ['S3_PRESIGNED_URL_EXPIRY', '0'],
    ['S3_DOWNLOAD_URL_EXPIRY', '604801'],
    ['PORT', '70000'],
    ['S3_SSE_ALGORITHM', 'rot13'],
    ['S3_ENDPOINT_URL', 'not a url'],
    ['S3_BUCKET_NAME', 'Bad_Bucket'],
    ['LOG_LEVEL', 'loud'],
    ['GRAPHIQL', 'perhaps'],
  ])('stops on a bad %s (%j) with one line naming it', (name, value) => {
    expect(() => parseConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('needs issuer and audience with a JWKS URL', () => {
    expect(() => parseConfig({ JWT_JWKS_URL: 'https://id.example/jwks.json', JWT_AUDIENCE: 'files' })).toThrow(/^JWT_ISSUER: /);
  });
});
