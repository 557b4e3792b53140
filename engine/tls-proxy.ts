/**
 * A mutual-TLS front for a plaintext gRPC server: Temporal's dev server (`temporal server start-dev`) has no
 * TLS of its own, so `gantry tls-proxy` terminates TLS in front of it, asks every client for a certificate
 * signed by the given CA, and passes the HTTP/2 bytes through unchanged. A production Temporal cluster
 * configures TLS in its own server config and needs none of this.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface TlsProxyOptions {
  readonly listen: { readonly host: string; readonly port: number };
  /** A TCP address, or a Unix socket (`path`): Docker's, say. */
  readonly target: { readonly host: string; readonly port: number } | { readonly path: string };
  /** Application protocols to agree on: gRPC needs `h2` (the default); Docker's API is HTTP/1.1 (`[]`). */
  readonly alpn?: readonly string[];
  /** The proxy's own certificate and key (PEM), and the CA its clients' certificates must chain to. */
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  /** Told of every refused handshake (no certificate, an unknown CA, not TLS at all). */
  readonly onRefused?: (reason: string) => void;
}

export interface TlsProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: options.cert,
      key: options.key,
      ca: options.ca,
      requestCert: true,
      rejectUnauthorized: true,
      // gRPC speaks HTTP/2 and its clients insist on negotiating it.
      ...(options.alpn?.length === 0 ? {} : { ALPNProtocols: [...(options.alpn ?? ['h2'])] }),
      minVersion: 'TLSv1.2',
    },
    (client) => {
      const { target } = options;
      const upstream = 'path' in target ? net.connect(target.path) : net.connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        // One side failing ends both: a half-open gRPC connection would only hang its caller.
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', (err) => options.onRefused?.(err.message));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.listen.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `host:port` to its parts; the message names the flag. */
export function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || port < 0 || port > 65535)
    throw new Error(`${flag}: expected HOST:PORT, got "${text}"`);
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}
