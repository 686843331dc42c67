import net from 'node:net';
import { Writable } from 'node:stream';
import { HindsightDebugAdapter, type AdapterOptions } from './adapter.js';
import { DapError } from './errors.js';

/**
 * Serves DAP on this process's stdin and stdout. Stdout belongs to the protocol from here on: what
 * anything else writes there (workflow code logging during replay, a worker thread's output) goes
 * to stderr instead, so that it cannot corrupt a message.
 */
export function serveStdio(options: Omit<AdapterOptions, 'onEnd'> = {}): HindsightDebugAdapter {
  const write = process.stdout.write.bind(process.stdout);
  const protocolOut = new Writable({
    write(chunk, _encoding, done) {
      write(chunk, done);
    },
  });
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  const exit = () => protocolOut.end(() => process.exit(0));
  const adapter = new HindsightDebugAdapter({ ...options, onEnd: exit });
  process.stdin.on('end', () => void adapter.close().finally(exit));
  process.on('SIGTERM', () => void adapter.close().finally(exit));
  adapter.start(process.stdin, protocolOut);
  return adapter;
}

/** Serves DAP on 127.0.0.1:port, one adapter per connection; resolves with the port once listening (port 0 picks one). */
export function serveTcp(port: number, options: Omit<AdapterOptions, 'onEnd'> = {}): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => {
    const adapter = new HindsightDebugAdapter({ ...options, onEnd: () => socket.end() });
    adapter.setRunAsServer(true);
    socket.on('close', () => void adapter.close());
    adapter.start(socket, socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new DapError('HS_E_DAP_LISTEN', `cannot listen on 127.0.0.1:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use; pick another with --port, or --port 0 for a free one' : err.message}`)),
    );
    server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
  });
}
