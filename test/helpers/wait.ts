// Small waits the socket tests share: poll a condition until it holds, and
// ask the kernel for a free UDP port.
import dgram from 'node:dgram';

/** Polls `cond` every `pollMs` until it holds; throws "timed out waiting for <what>" after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 2000, pollMs = 2): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** A UDP port free on `address` now (the kernel's choice); loopback addresses share the port space per address. */
export async function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => s.bind(0, address, r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
