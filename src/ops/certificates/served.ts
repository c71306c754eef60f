import { connect } from 'node:tls';

const normal = (serial: string) => serial.toUpperCase().replace(/^0+/, '');

/** The serial of the certificate the proxy on 127.0.0.1:`port` serves for `host` (SNI), or undefined. */
function servedSerial(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: host,
      rejectUnauthorized: false,
      timeout: 2000,
    });
    const done = (serial?: string) => {
      socket.destroy();
      resolve(serial);
    };
    socket.once('secureConnect', () => done(socket.getPeerCertificate().serialNumber));
    socket.once('timeout', () => done());
    socket.once('error', () => done());
  });
}

/**
 * Waits until the proxy serves each of these certificates (by serial): nginx's reload is
 * asynchronous, and a check right after `up` must not meet the stand-in. Returns the hosts it did
 * not see served within `timeoutMs`.
 */
export async function waitUntilServed(
  port: number,
  certificates: readonly { host: string; serial: string }[],
  timeoutMs = 10_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let waiting = [...certificates];
  for (;;) {
    const served = await Promise.all(waiting.map((c) => servedSerial(port, c.host)));
    waiting = waiting.filter((c, i) => normal(served[i] ?? '') !== normal(c.serial));
    if (!waiting.length || Date.now() >= deadline) return waiting.map((c) => c.host);
    await new Promise((r) => setTimeout(r, 100));
  }
}
