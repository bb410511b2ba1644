import { deflateSync, crc32 } from 'node:zlib';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutBucketCorsCommand, type CORSRule } from '@aws-sdk/client-s3';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestServer } from './test-server';

/** Debian's chromium (`.ci/run` installs it with apt): no browser is ever downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots go here (git ignores it) for a person to look at. */
export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No browser at ${CHROMIUM}: apt-get install --no-install-recommends chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // As on a machine without internet: only loopback resolves (127.0.0.2 serves as a foreign origin). Requests are still recorded below.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2',
    ],
  });
}

/** Loopback, or no network at all (data:, blob:, about:). */
export function staysOnMachine(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true;
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export interface SeenRequest {
  method: string;
  url: string;
  contentType: string;
}

export interface RecordedPage {
  context: BrowserContext;
  page: Page;
  /** Every request any page of the context made. */
  requests: SeenRequest[];
  /** Uncaught exceptions and console errors (CSP violations are reported there). */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh context (no cookies, no storage) whose every request and error is recorded. */
export async function openPage(browser: Browser): Promise<RecordedPage> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
  const requests: SeenRequest[] = [];
  const errors: string[] = [];
  context.on('request', (request) =>
    requests.push({ method: request.method(), url: request.url(), contentType: request.headers()['content-type'] ?? '' }),
  );
  const page = await context.newPage();
  // Everything here is local and quick: a wait that lasts longer is a failure, reported as such.
  page.setDefaultTimeout(5000);
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return { context, page, requests, errors, close: () => context.close() };
}

/** The requests that went (or tried to go) anywhere but this machine, as "METHOD url". */
export function offMachine(requests: SeenRequest[]): string[] {
  return requests.filter((request) => !staysOnMachine(request.url)).map((request) => `${request.method} ${request.url}`);
}

/** Retries an assertion until it holds (pages update asynchronously), else throws its last failure. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Gives the test bucket (made without CORS) the rule the README gives for a real
 * bucket, for this server's origin: the direct-upload tests then also prove the
 * README's rule is enough.
 */
export async function applyReadmeCorsRule(server: TestServer): Promise<void> {
  const rule = { ...(await readmeCorsRule()), AllowedOrigins: [server.url] };
  await server.s3.send(new PutBucketCorsCommand({ Bucket: server.config.s3.bucket, CORSConfiguration: { CORSRules: [rule] } }));
}

/** Closes the pages a test opened, and fails it if any of them asked a host off this machine. */
export async function closeAndCheck(pages: RecordedPage[]): Promise<void> {
  for (const recorded of pages) {
    await recorded.close();
    expect(offMachine(recorded.requests)).toEqual([]);
  }
}

/** The bucket CORS rule from the README's production set-up, as a reader would copy it. */
export async function readmeCorsRule(): Promise<CORSRule> {
  const readme = await readFile(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('**CORS, for direct uploads from a browser.**');
  const json = start >= 0 ? /```json\n([\s\S]*?)```/.exec(readme.slice(start)) : null;
  if (!json) throw new Error('README.md: no bucket CORS rule under "CORS, for direct uploads from a browser."');
  return JSON.parse(json[1]).CORSRules[0];
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A real RGB PNG of the given size (a colour gradient), so a thumbnail has something to show. */
export function gradientPng(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1); // each row starts with filter type 0
    for (let x = 0; x < width; x++) {
      rows[row + 1 + x * 3] = Math.round((x / width) * 255);
      rows[row + 2 + x * 3] = Math.round((y / height) * 200) + 40;
      rows[row + 3 + x * 3] = 230;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The pages a test file opens, each test's closed and checked (closeAndCheck)
 * after it: `open()` for a new recorded page of the browser `current()` returns.
 */
export function pagesClosedAfterEach(current: () => Browser): () => Promise<RecordedPage> {
  let opened: RecordedPage[] = [];
  afterEach(async () => {
    const pages = opened;
    opened = [];
    await closeAndCheck(pages);
  });
  return async () => {
    const recorded = await openPage(current());
    opened.push(recorded);
    return recorded;
  };
}
