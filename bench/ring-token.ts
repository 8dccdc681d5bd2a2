// The baseline for bench/ring: a bare token ring. Node i of n binds a UDP
// socket to 127.0.0.i:port and forwards every datagram it receives to node
// i+1 (n wraps to 1), nothing else: the fastest a token can go round three
// Node processes on this machine. Node 1 injects a token of `bytes` on "go",
// counts its returns for `ms` and reports { rotations, ms } to its parent.
import dgram from 'node:dgram';

const [me, n, port, bytes, ms] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const next = `127.0.0.${(me % n) + 1}`;
const socket = dgram.createSocket('udp4');
let rotations = 0;
socket.on('message', (m) => {
  rotations++;
  socket.send(m, port, next);
});
socket.bind(port, `127.0.0.${me}`, () => process.send?.('ready'));
process.on('message', (msg) => {
  if (msg !== 'go') return;
  const t0 = performance.now();
  const r0 = rotations;
  socket.send(Buffer.alloc(bytes), port, next);
  setTimeout(() => process.send?.({ rotations: rotations - r0, ms: performance.now() - t0 }), ms);
});
process.on('SIGTERM', () => socket.close(() => process.exit(0)));
