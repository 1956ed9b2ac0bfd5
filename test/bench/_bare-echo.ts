// The floor of the echo benchmarks: the least a ws server can do for a typist, in a process of its
// own on the same host: every text frame is sent straight back. No login, no line discipline.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => {}); // a client reset at the end of a run is no reason to stop
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => {
  const a = wss.address();
  if (!a || typeof a === 'string') throw new Error('unexpected address');
  process.send!({ url: `ws://127.0.0.1:${a.port}` });
});
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
