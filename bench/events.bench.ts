import { statSync } from 'node:fs';
import path from 'node:path';
import type { BenchContext } from './bench-context';
import { epochNow, Subscribers, type Arrivals } from './event-subscribers';
import type { GraphQLClient } from './graphql-client';
import { openSocket } from './graphql-ws-socket';
import { cpuMsOf, memoryOf, peakRssDuring } from './process-usage';
import { startServerChild, type ServerChild } from './server-child';
import { median, MB, round } from './stats';
import { storageEnv } from './storage-env';
import { pngFile } from './test-files';
import { interleave } from './transfer-speed.bench';
import { uploadThroughServer } from './transfers';

const UPLOAD_GOAL = 0.9;
const OWNER = 'bench-events';
const SUBSCRIBERS = 1000;
const FANOUT_EVENTS = 100;
const LATENCY_WARM_UP = 50;
const UPLOAD_BYTES = 256 * 1024;
const UPLOADS_IN_FLIGHT = 4;
const DELIVERY_TIMEOUT_MS = 120_000;

/** What a file list's live view would select: no presigned URL, no image rendition. */
const FILE_EVENTS = `subscription ($ownerId: ID) { fileEvents(ownerId: $ownerId) {
  id type occurredAt file { id originalName folder size contentType status description updatedAt } } }`;
const UPDATE = 'mutation ($id: ID!, $d: String) { updateFile(id: $id, input: { description: $d }) { id } }';
const DELETE_ALL = 'mutation ($ids: [ID!]!) { deleteFiles(ids: $ids, hardDelete: true) { succeeded } }';

/**
 * Live events (issue 16):
 * - events_latency_p50_ms / _p99_ms: a subscriber on a second instance (same
 *   database and bucket); updateFile on the first, one at a time; per event, the
 *   time from just before the mutation is sent to the event's arrival at the
 *   subscriber (commit, NOTIFY, the second instance's outbox read, GraphQL
 *   execution, the WebSocket);
 * - events_fanout_1000x100_ms: 1 000 WebSocket connections of one subscription
 *   each, all matching; 100 updateFile one at a time; from the first mutation
 *   sent to the last of the 100 000 events received;
 * - events_fanout_rss_mb: the server's peak RSS over that (connecting included)
 *   minus its RSS before the subscribers connected;
 * - events_upload_with_1000_subscribers: streamed uploads of 256 KB, 4 in flight,
 *   MB/s with 1 000 subscribers of the uploader's events connected over none,
 *   rounds interleaved, median ratio.
 * The 1 000 subscribers are administrators following the uploader (ownerId), one
 * per connection, which keeps SUBSCRIPTIONS_PER_USER at its default; they live
 * in a process of their own, on the same two cores as the server.
 */
export async function measureEvents(bench: BenchContext): Promise<void> {
  const owner = await bench.clientFor(OWNER);
  const watchers = await Promise.all(Array.from({ length: SUBSCRIBERS }, async (_, i) => (await bench.clientFor(`bench-events-watcher-${i}`, true)).token));
  const small = await pngFile(bench.scratch, 4096);
  const files: string[] = [];
  for (let i = 0; i < 4; i++) files.push((await uploadThroughServer(bench.server.url, owner.token, small, { size: statSync(small).size, folder: 'bench-events' })).value.id);

  await measureLatency(bench, owner, files);
  const subscribers = await Subscribers.start(path.join(bench.scratch, 'event-subscribers.log'));
  try {
    const connections = watchers.map((token) => ({ token, subscriptions: [{ query: FILE_EVENTS, variables: { ownerId: OWNER } }] }));
    const connect = async () => {
      await subscribers.open(bench.server.url, connections);
      await subscriptionsOpen(bench.server, SUBSCRIBERS);
    };
    const disconnect = async () => {
      await subscribers.close();
      await subscriptionsOpen(bench.server, 0);
    };
    await measureFanout(bench, owner, files, subscribers, connect, disconnect);
    await measureUploads(bench, owner, subscribers, connect, disconnect);
  } finally {
    await subscribers.stop();
  }
  await owner.request(DELETE_ALL, { ids: files });
}

async function measureLatency(bench: BenchContext, owner: GraphQLClient, files: string[]): Promise<void> {
  const count = bench.quick ? 200 : 1000;
  const second = await startServerChild({ ...storageEnv(bench), DATABASE_URL: bench.server.databaseUrl }, path.join(bench.scratch, 'events-second-server.log'));
  try {
    const arrivals = new Map<string, number>();
    const failures: string[] = [];
    const socket = await openSocket(second.url, owner.token, [{ query: FILE_EVENTS }], {
      next: (_, text) => {
        const at = performance.now();
        const description = (JSON.parse(text) as { payload: { data: { fileEvents: { file: { description: string | null } } } } }).payload.data.fileEvents.file.description;
        if (description && !arrivals.has(description)) arrivals.set(description, at);
      },
      failed: (reason) => failures.push(reason),
    });
    await subscriptionsOpen(second, 1);
    const sent: { description: string; sentAt: number; answeredAt: number }[] = [];
    for (let i = 0; i < LATENCY_WARM_UP + count; i++) {
      const description = `latency ${i}`;
      const sentAt = performance.now();
      await owner.request(UPDATE, { id: files[i % files.length], d: description });
      if (i >= LATENCY_WARM_UP) sent.push({ description, sentAt, answeredAt: performance.now() });
    }
    const deadline = Date.now() + 10_000;
    while (sent.some(({ description }) => !arrivals.has(description)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await socket.close();

    const arrived = sent.filter(({ description }) => arrivals.has(description));
    const fromSend = arrived.map(({ description, sentAt }) => arrivals.get(description)! - sentAt);
    const fromAnswer = arrived.map(({ description, answeredAt }) => arrivals.get(description)! - answeredAt);
    const roundTrip = sent.map(({ sentAt, answeredAt }) => answeredAt - sentAt);
    const detail = {
      events: count,
      received: arrived.length,
      failures: failures.slice(0, 3),
      measures: 'from just before updateFile is sent to instance A, to the event arriving from instance B (one at a time)',
      'p50 / p90 / p99 / max ms': [0.5, 0.9, 0.99, 1].map((q) => round(quantile(fromSend, q), 2)),
      'from the answer, p50 / p99 ms (negative: the event came first)': [0.5, 0.99].map((q) => round(quantile(fromAnswer, q), 2)),
      'updateFile round trip p50 / p99 ms': [0.5, 0.99].map((q) => round(quantile(roundTrip, q), 2)),
    };
    const complete = arrived.length === count && !failures.length;
    bench.results.events_latency_p50_ms = { value: round(quantile(fromSend, 0.5), 2), unit: 'ms', goal: 'recorded', met: complete, detail };
    bench.results.events_latency_p99_ms = { value: round(quantile(fromSend, 0.99), 2), unit: 'ms', goal: 'recorded', met: complete, detail: { events: count, received: arrived.length } };
    bench.note(`latency to another instance: p50 ${quantile(fromSend, 0.5).toFixed(1)} ms, p99 ${quantile(fromSend, 0.99).toFixed(1)} ms (${arrived.length}/${count} received)`);
  } finally {
    await second.stop();
  }
}

async function measureFanout(
  bench: BenchContext,
  owner: GraphQLClient,
  files: string[],
  subscribers: Subscribers,
  connect: () => Promise<void>,
  disconnect: () => Promise<void>,
): Promise<void> {
  const { pid } = bench.server;
  let connectedRss = NaN;
  let connectMs = NaN;
  let arrivals!: Arrivals;
  let started = NaN;
  let mutationsMs = NaN;
  const cpu = { server: 0, subscribers: 0, bench: 0 };
  const { peak, before, hwmReset } = await peakRssDuring(pid, async () => {
    const connecting = performance.now();
    await connect();
    connectMs = performance.now() - connecting;
    connectedRss = memoryOf(pid).rss;
    await subscribers.expect(FANOUT_EVENTS, '"description":"fanout ');
    const cpuBefore = { server: cpuMsOf(pid), subscribers: cpuMsOf(subscribers.pid), bench: process.cpuUsage() };
    started = epochNow();
    for (let i = 0; i < FANOUT_EVENTS; i++) await owner.request(UPDATE, { id: files[i % files.length], d: `fanout ${i}` });
    mutationsMs = epochNow() - started;
    arrivals = await subscribers.wait(DELIVERY_TIMEOUT_MS);
    cpu.server = cpuMsOf(pid) - cpuBefore.server;
    cpu.subscribers = cpuMsOf(subscribers.pid) - cpuBefore.subscribers;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    cpu.bench = (benchCpu.user + benchCpu.system) / 1000;
  });
  await disconnect();

  const done = arrivals.reachedAt.filter(Number.isFinite).map((at) => at - started);
  const complete = done.length === SUBSCRIBERS && !arrivals.failures;
  const ms = complete ? Math.max(...done) : NaN;
  const deliveries = SUBSCRIBERS * FANOUT_EVENTS;
  bench.results.events_fanout_1000x100_ms = {
    value: round(ms, 0),
    unit: 'ms',
    goal: 'recorded',
    met: complete,
    detail: {
      measures: 'from the first of 100 updateFile (sent one at a time) to the last subscriber receiving its 100th event',
      subscribers: `${SUBSCRIBERS} WebSocket connections, one subscription each`,
      'connecting and subscribing ms': round(connectMs, 0),
      'subscribers done': done.length,
      failures: arrivals.failures,
      firstFailures: arrivals.firstFailures,
      'mutations took ms': round(mutationsMs, 0),
      'a subscriber done, p50 / p99 ms': [0.5, 0.99].map((q) => round(quantile(done, q), 0)),
      'server CPU ms': cpu.server,
      'server CPU µs per delivery': round((cpu.server * 1000) / deliveries, 1),
      "subscribers' process CPU ms": cpu.subscribers,
      'bench process CPU ms': round(cpu.bench, 0),
    },
  };
  bench.results.events_fanout_rss_mb = {
    value: round((peak - before) / MB, 1),
    unit: 'MB',
    goal: 'recorded',
    met: Number.isFinite(peak) && complete,
    detail: {
      measures: "the server's peak RSS while 1 000 subscribers connect and receive 100 events each, minus its RSS before they connected",
      'RSS before MB': round(before / MB, 1),
      'RSS connected MB': round(connectedRss / MB, 1),
      'peak RSS MB': round(peak / MB, 1),
      hwmReset,
    },
  };
  bench.note(`fan-out ${SUBSCRIBERS}×${FANOUT_EVENTS}: ${Math.round(ms)} ms (mutations ${Math.round(mutationsMs)} ms), server CPU ${cpu.server} ms, subscribers' CPU ${cpu.subscribers} ms; RSS ${round(before / MB, 0)} → ${round(peak / MB, 0)} MB`);
}

async function measureUploads(bench: BenchContext, owner: GraphQLClient, subscribers: Subscribers, connect: () => Promise<void>, disconnect: () => Promise<void>): Promise<void> {
  const uploads = bench.quick ? 40 : 100;
  const file = await pngFile(bench.scratch, UPLOAD_BYTES);
  const size = statSync(file).size;
  // The first run of each side is interleave's warm-up: its figures are left out.
  const runs = { subscribed: 0, none: 0 };
  const drains: number[] = [];
  const cpuPerUpload = { subscribed: [] as number[], none: [] as number[] };
  const deliveryFailures: string[] = [];
  const run = (withSubscribers: boolean) => async () => {
    const side = withSubscribers ? 'subscribed' : 'none';
    const counted = runs[side]++ > 0;
    if (withSubscribers) {
      await connect();
      await subscribers.expect(uploads, '"type":"CREATED"');
    }
    const ids: string[] = [];
    const cpuBefore = cpuMsOf(bench.server.pid);
    const started = performance.now();
    let next = 0;
    const uploader = async () => {
      while (next++ < uploads) ids.push((await uploadThroughServer(bench.server.url, owner.token, file, { size, folder: 'bench-events-uploads' })).value.id);
    };
    await Promise.all(Array.from({ length: UPLOADS_IN_FLIGHT }, uploader));
    const seconds = (performance.now() - started) / 1000;
    if (withSubscribers) {
      const ended = epochNow();
      const arrivals = await subscribers.wait(DELIVERY_TIMEOUT_MS);
      const done = arrivals.reachedAt.filter(Number.isFinite);
      if (done.length < SUBSCRIBERS || arrivals.failures) deliveryFailures.push(`${done.length}/${SUBSCRIBERS} subscribers got all ${uploads} CREATED; ${arrivals.firstFailures.join('; ')}`);
      if (counted) drains.push(Math.max(...done) - ended);
    }
    // With subscribers, until the last CREATED was delivered: the fan-out's CPU time belongs to the uploads.
    if (counted) cpuPerUpload[side].push((cpuMsOf(bench.server.pid) - cpuBefore) / uploads);
    if (withSubscribers) await disconnect();
    await owner.request(DELETE_ALL, { ids });
    return seconds;
  };
  const { speed } = await interleave(bench, 'events upload', uploads * size, { subscribed: run(true), none: run(false) });
  const ratios = speed.subscribed.map((mbs, r) => mbs / speed.none[r]);
  const value = round(median(ratios));
  bench.results.events_upload_with_1000_subscribers = {
    value,
    unit: 'ratio',
    goal: `>= ${UPLOAD_GOAL}`,
    met: value >= UPLOAD_GOAL && !deliveryFailures.length,
    detail: {
      uploads: `${uploads} streamed uploads of ${size / 1024} KB per round, ${UPLOADS_IN_FLIGHT} in flight`,
      subscribers: `${SUBSCRIBERS} connections following the uploader (each CREATED delivered ${SUBSCRIBERS} times)`,
      'with subscribers MB/s': speed.subscribed.map((v) => round(v, 1)),
      'no subscribers MB/s': speed.none.map((v) => round(v, 1)),
      ratios: ratios.map((v) => round(v, 3)),
      'last CREATED delivered, ms after the last upload answered': drains.map((ms) => round(ms, 0)),
      'server CPU ms per upload (with subscribers: until the last delivery)': { subscribed: round(median(cpuPerUpload.subscribed), 1), none: round(median(cpuPerUpload.none), 1) },
      deliveryFailures,
    },
  };
}

/** Waits until the instance's graphql_subscriptions_open gauge reads `count`: the subscribe messages are registered. */
async function subscriptionsOpen(server: ServerChild, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const open = Number(/^graphql_subscriptions_open (\d+)/m.exec(text)?.[1] ?? NaN);
    if (open === count) return;
    if (Date.now() > deadline) throw new Error(`${open} subscriptions open on ${server.url}, not ${count}, after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Nearest rank. */
function quantile(values: readonly number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
