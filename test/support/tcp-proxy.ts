import net from 'node:net';

/**
 * A TCP proxy in front of a real server, to make it slow for real: in "stall"
 * mode it accepts connections and forwards nothing, on new connections and on
 * those already open (kept alive by the client), like a server that hangs.
 */
export class TcpProxy {
  mode: 'pass' | 'stall' = 'pass';
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => {
      proxy!.track(client);
      if (proxy!.mode === 'stall') return; // hold the connection open, answer nothing
      const upstream = net.connect(targetPort, '127.0.0.1');
      proxy!.track(upstream);
      // Requests are dropped, not queued, while stalled: what the server never saw, it never answers.
      client.on('data', (chunk) => proxy!.mode === 'pass' && upstream.write(chunk));
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Drops every connection open now (new ones follow the mode). */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }
}
