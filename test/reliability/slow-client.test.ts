import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server-process.js';

/**
 * Clients that open a request and never finish it: each would hold a socket (and its buffered
 * bytes) for ever. The server must answer 408 or close the socket by itself: the test waits on
 * the socket's own 'close', bounded by the test's timeout, and asserts no clock.
 */
describe('a request that never finishes arriving (real server process)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer({ BODY_TIMEOUT_MS: '500', HEADERS_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.exit;
  });

  /** A raw socket to the server, and everything it receives until it is closed. */
  async function rawSocket(): Promise<{ socket: Socket; closed: Promise<string> }> {
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset is a close too
    const closed = once(socket, 'close').then(() => received);
    await once(socket, 'connect');
    return { socket, closed };
  }

  const answeredTimeoutOrNothing = (received: string) => expect(received === '' || received.startsWith('HTTP/1.1 408')).toBe(true);

  it('headers with Content-Length 1000 and 10 bytes of body: 408 or closed', { timeout: 120_000 }, async () => {
    const { socket, closed } = await rawSocket();
    socket.write('POST /v1/auroc HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"preds":[');
    answeredTimeoutOrNothing(await closed);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('headers dribbled a byte at a time, never ending (slowloris): 408 or closed', { timeout: 120_000 }, async () => {
    const { socket, closed } = await rawSocket();
    const head = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ';
    let sent = 0;
    // The dribble is the behaviour under test: one byte every 20 ms keeps the socket from ever
    // being idle, so only the headers timeout can end it.
    const dribble = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(sent < head.length ? head[sent++] : 'a');
    }, 20);
    try {
      answeredTimeoutOrNothing(await closed);
    } finally {
      clearInterval(dribble);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
