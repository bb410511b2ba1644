import WebSocket from 'ws';

export interface Subscription {
  query: string;
  variables?: Record<string, unknown>;
}

/** What a socket reports: each `next` as received (text unparsed), and its end. */
export interface SocketHandlers {
  /** `index`: the subscription's place in the list given to openSocket. */
  next(index: number, text: string): void;
  /** An `error` message of a subscription, or the socket closing while the bench still wanted it. */
  failed(reason: string): void;
}

export interface OpenSocket {
  close(): Promise<void>;
}

/**
 * One graphql-ws connection (the graphql-transport-ws protocol, written out by
 * hand): init with the token, then every subscription. Resolves once the server
 * acknowledged the connection and the subscribe messages are sent. A `next` is
 * handed on as text, unparsed: a thousand of these sockets share the bench's two
 * cores with the server, and recognising a message needs its first bytes only.
 */
export function openSocket(url: string, token: string, subscriptions: readonly Subscription[], handlers: SocketHandlers): Promise<OpenSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
  let closing = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    // An error is followed by close, which reports it.
    socket.on('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } })));
    socket.once('close', (code, reason) => {
      reject(new Error(`closed ${code} ${reason.toString()} before the connection was acknowledged`));
      if (!closing) handlers.failed(`closed ${code} ${reason.toString()}`);
    });
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      // The server writes {"id":"<n>","type":"..."} first: the id and the type are in the head.
      const head = /^\{(?:"id":"(\d+)",)?"type":"([a-z_]+)"/.exec(text);
      const type = head?.[2];
      if (type === 'next') return handlers.next(Number(head![1]), text);
      if (type === 'connection_ack') {
        subscriptions.forEach((subscription, index) => socket.send(JSON.stringify({ id: String(index), type: 'subscribe', payload: subscription })));
        return resolve({
          close() {
            closing = true;
            socket.close(1000);
            return closed;
          },
        });
      }
      if (type === 'error' || !head) handlers.failed(text.slice(0, 300));
    });
  });
}
