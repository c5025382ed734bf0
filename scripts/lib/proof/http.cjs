'use strict';
// A minimal JSON client over node:http with keep-alive, so that concurrent clients reuse
// connections and the timings the checker records are those of the requests themselves.
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * @typedef {{ status: number, body: any, text: string, sentAt: number, retried: boolean }} Reply
 * sentAt: performance.now() when the attempt that got this answer was sent
 */

/** A kept-alive connection the server closed just as it was reused: the request never reached the app. */
const RESET = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Sends one request and resolves with the status and the parsed JSON body (or the raw text).
 * A request whose reused keep-alive connection was reset before any answer is sent again once,
 * on a new connection (as fetch/undici does); `retried` says so and `sentAt` is the second send.
 * @param {{ url: string }} instance
 * @param {'GET'|'POST'|'PATCH'|'PUT'|'DELETE'} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<Reply>}
 */
async function request(instance, method, path, body, { timeoutMs = 30_000 } = {}) {
  try {
    return await send(instance, method, path, body, timeoutMs, false);
  } catch (error) {
    const e = /** @type {NodeJS.ErrnoException & { reused?: boolean }} */ (error);
    if (!e.reused || !RESET.has(e.code ?? '')) throw error;
    return send(instance, method, path, body, timeoutMs, true);
  }
}

function send(instance, method, path, body, timeoutMs, retried) {
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
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed = text;
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
function closeConnections() {
  agent.destroy();
}

module.exports = { request, closeConnections };
