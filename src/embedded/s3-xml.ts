import type http from 'node:http';

/** An S3 error as S3 answers it: a status and an XML body, whose Code is what S3 clients go by. */
export interface S3ErrorAnswer {
  status: number;
  code: string;
  message: string;
}

export function sendS3Error(res: http.ServerResponse, { status, code, message }: S3ErrorAnswer): void {
  const body = xmlError(code, message);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
}

export function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
