// The baseline for IPC benchmarks: a raw Unix-socket echo server in its own
// process, so a round trip crosses the same process boundary as one to aisexec.
import fs from 'node:fs';
import net from 'node:net';

const socketPath = process.argv[2]!;
try { fs.unlinkSync(socketPath); } catch { /* none */ }
const server = net.createServer((s) => {
  s.setNoDelay?.(true);
  s.on('data', (d) => s.write(d));
  s.on('error', () => {});
});
server.listen(socketPath, () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
