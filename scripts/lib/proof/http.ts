// A minimal JSON client over node:http with keep-alive, so that concurrent clients reuse
// connections and the timings the checker records are those of the requests themselves.
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Reply {
  status: number;
  /** the parsed JSON body, or the raw text when it is not JSON */
  // whatever the app answered, read by each check as the shape it expects of its own endpoint: `unknown`
  // would put a cast before every one of those reads without checking anything more.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
  /** performance.now() when the attempt that got this answer was sent */
  sentAt: number;
  retried: boolean;
}

/** A kept-alive connection the server closed just as it was reused: the request never reached the app. */
const RESET = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Sends one request and resolves with the status and the parsed JSON body (or the raw text).
 * A request whose reused keep-alive connection was reset before any answer is sent again once,
 * on a new connection (as fetch/undici does); `retried` says so and `sentAt` is the second send.
 */
export async function request(
  instance: { url: string },
  method: Method,
  path: string,
  body?: unknown,
  { timeoutMs = 30_000 }: { timeoutMs?: number } = {},
): Promise<Reply> {
  try {
    return await send(instance, method, path, body, timeoutMs, false);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { reused?: boolean };
    if (!e.reused || !RESET.has(e.code ?? '')) throw error;
    return send(instance, method, path, body, timeoutMs, true);
  }
}

function send(instance: { url: string }, method: Method, path: string, body: unknown, timeoutMs: number, retried: boolean): Promise<Reply> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    const req = http.request(
      new URL(path, instance.url),
      {
        method,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': String(payload.length), accept: 'application/json' }
          : { accept: 'application/json' },
        timeout: timeoutMs,
        // A retry gets a connection of its own.
        ...(retried ? { agent: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text, sentAt, retried });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', (error) => reject(Object.assign(error, { reused: req.reusedSocket })));
    req.end(payload);
  });
}

/** Closes idle keep-alive sockets (end of a run, so that nothing keeps the event loop busy). */
export function closeConnections(): void {
  agent.destroy();
}
