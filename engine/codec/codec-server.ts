/**
 * Temporal's remote codec endpoint, so that the Web UI and `temporal` CLI can show encrypted payloads:
 * POST …/encode and POST …/decode take `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }` (the
 * Payloads proto as JSON) and answer the same shape; only the last path segment counts, per the protocol
 * (github.com/temporalio/samples-go codec-server/protocol.md). Bad input and codec errors answer 400.
 *
 * Whoever reaches it reads every payload in clear, so: it binds to 127.0.0.1 unless told otherwise, it
 * refuses a non-loopback bind without a bearer token, on loopback it accepts only loopback Host headers
 * (a DNS-rebinding page cannot pose as the UI), and browsers get CORS headers for the listed origins only.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { InvalidConfigError } from '../errors.js';

export const CODEC_SERVER_TOKEN_VARIABLE = 'GANTRY_CODEC_SERVER_TOKEN';
// The UI batches a page of events; Temporal caps one payload at 2 MiB, so this leaves room for several.
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const ALLOWED_HEADERS = 'X-Namespace, Content-Type, Authorization';

export interface CodecServerOptions {
  readonly codec: PayloadCodec;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Origins whose pages may call the server (the Temporal UI's); others get no CORS headers. */
  readonly corsOrigins: readonly string[];
  /** When set, every request needs `Authorization: Bearer <token>`. */
  readonly token: string | undefined;
}

export interface CodecServer {
  /** e.g. http://127.0.0.1:8081 */
  readonly url: string;
  close(): Promise<void>;
}

const JsonPayloads = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).nullish(),
      data: z.string().nullish(),
    }),
  ),
});
type JsonPayload = z.infer<typeof JsonPayloads>['payloads'][number];

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    ),
    data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
  };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host) || host.startsWith('127.');

/** The host part of a Host header: `[::1]:8081` → `[::1]`, `localhost:8081` → `localhost`. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  return header.split(':')[0] ?? '';
}

function sameToken(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so the comparison's time says nothing about the token.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(413, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function transcode(codec: PayloadCodec, action: 'encode' | 'decode', body: string): Promise<string> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new BadRequest(400, 'body is not JSON');
  }
  const parsed = JsonPayloads.safeParse(json);
  if (!parsed.success)
    throw new BadRequest(400, `body is not a Payloads object: ${z.prettifyError(parsed.error)}`);
  const payloads = parsed.data.payloads.map(fromJson);
  try {
    const result = action === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
    return JSON.stringify({ payloads: result.map(toJson) });
  } catch (err) {
    throw new BadRequest(400, err instanceof Error ? err.message : String(err));
  }
}

function handler(options: CodecServerOptions) {
  const isLoopbackBind = isLoopback(options.host);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (origin !== undefined && options.corsOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      // The UI may send its access token (its "Pass the user access token" setting) and cookies.
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (isLoopbackBind && !isLoopback(hostName(req.headers.host))) return send(403, 'loopback Host only\n');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS,
        'Access-Control-Max-Age': '600',
      });
      return void res.end();
    }
    const action = new URL(req.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean).pop();
    if (action !== 'encode' && action !== 'decode') return send(404, 'POST …/encode or …/decode\n');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS');
      return send(405, 'POST only\n');
    }
    if (options.token !== undefined) {
      const auth = req.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice('Bearer '.length), options.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return send(401, 'a bearer token is required\n');
      }
    }
    try {
      send(200, await transcode(options.codec, action, await readBody(req)), 'application/json');
    } catch (err) {
      if (err instanceof BadRequest) return send(err.status, `${err.message}\n`);
      throw err;
    }
  };
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (!isLoopback(options.host) && options.token === undefined)
    throw new InvalidConfigError(
      `--host ${options.host}: serving decrypted payloads beyond this machine needs ${CODEC_SERVER_TOKEN_VARIABLE}`,
    );
  const handle = handler(options);
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
