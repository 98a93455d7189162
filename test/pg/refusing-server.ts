import { createServer, type Socket } from 'node:net';

export interface RefusingServer {
  /** A postgres:// URL (user `me`, the given password) without a library parameter. */
  url: string;
  /** The passwords clients sent, in order: the test can check the driver really offered one. */
  passwordsOffered: string[];
  stop(): Promise<void>;
}

/**
 * A server that speaks just enough of PostgreSQL's wire protocol to refuse a login as a real one
 * does: it asks for a cleartext password, then answers FATAL 28P01. PGlite accepts any password, so
 * this is how the tests see `pg`'s real error for wrong credentials. VSEARCH_TEST_DATABASE_URL does
 * not replace it: a real server's refusal has the same shape.
 */
export async function startRefusingServer(password: string): Promise<RefusingServer> {
  const passwordsOffered: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!started) {
        if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
        pending = pending.subarray(pending.readInt32BE(0));
        started = true;
        socket.write(message('R', int32(3)));
      }
      if (pending.length < 5 || pending.length < 1 + pending.readInt32BE(1)) return;
      if (pending[0] === 'p'.charCodeAt(0)) passwordsOffered.push(pending.subarray(5, pending.length - 1).toString());
      socket.end(
        message(
          'E',
          Buffer.concat([
            field('S', 'FATAL'),
            field('V', 'FATAL'),
            field('C', '28P01'),
            field('M', 'password authentication failed for user "me"'),
            Buffer.from([0]),
          ]),
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `postgres://me:${password}@127.0.0.1:${port}/app?sslmode=disable`,
    passwordsOffered,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const int32 = (value: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
};
const field = (code: string, text: string): Buffer => Buffer.from(`${code}${text}\0`);
const message = (type: string, body: Buffer): Buffer =>
  Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
