import type { GraphQLClient } from 'graphql-request';

/**
 * A direct upload as a browser makes it: requestUpload, the PUT to the signed URL,
 * completeUpload. Answers the file as completeUpload does, with `fields` selected.
 */
export async function directUpload(client: GraphQLClient, name: string, bytes: Buffer, contentType: string, fields = 'id status'): Promise<any> {
  const { requestUpload } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestUpload(input: $i) { url headers file { id } } }`, {
    i: { filename: name, contentType, size: bytes.length },
  });
  const put = await fetch(requestUpload.url, { method: 'PUT', headers: requestUpload.headers, body: new Uint8Array(bytes) });
  if (put.status !== 200) throw new Error(`the PUT to storage answered ${put.status}`);
  return (await client.request<any>(`mutation($id: ID!) { completeUpload(id: $id) { ${fields} } }`, { id: requestUpload.file.id })).completeUpload;
}

/** A resumable upload in one part: requestMultipartUpload, signUploadParts, the part's PUT, completeMultipartUpload. */
export async function resumableUpload(client: GraphQLClient, name: string, bytes: Buffer, contentType: string, fields = 'id status'): Promise<any> {
  const { requestMultipartUpload: ticket } = await client.request<any>(`mutation($i: RequestUploadInput!) { requestMultipartUpload(input: $i) { file { id } } }`, {
    i: { filename: name, contentType, size: bytes.length },
  });
  const { signUploadParts } = await client.request<any>(`mutation($id: ID!) { signUploadParts(id: $id, partNumbers: [1]) { url headers } }`, { id: ticket.file.id });
  const put = await fetch(signUploadParts[0].url, { method: 'PUT', headers: signUploadParts[0].headers, body: new Uint8Array(bytes) });
  if (put.status !== 200) throw new Error(`the part's PUT to storage answered ${put.status}`);
  const parts = [{ partNumber: 1, etag: put.headers.get('etag') }];
  return (await client.request<any>(`mutation($id: ID!, $p: [CompletedPartInput!]!) { completeMultipartUpload(id: $id, parts: $p) { ${fields} } }`, { id: ticket.file.id, p: parts }))
    .completeMultipartUpload;
}
