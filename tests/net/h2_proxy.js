// HTTPS (HTTP/2, and HTTP/1.1 with WebSocket upgrades) in front of a plain
// HTTP server on 127.0.0.1, for tests that need TLS in front of the simulator
// (tests/integration/doctor-tls.sh).
//
//   node tests/net/h2_proxy.js DIR TARGET_PORT
//
// Listens on 127.0.0.1, a free port, with DIR/cert.pem and DIR/key.pem (see
// mkcert.sh); forwards every request to http://127.0.0.1:TARGET_PORT over
// HTTP/1.1 and every Upgrade request as raw bytes; prints "PORT <n>" once
// ready; exits when stdin ends or on SIGTERM.
'use strict';
const http = require('http');
const http2 = require('http2');
const net = require('net');
const fs = require('fs');

const dir = process.argv[2];
const target = Number(process.argv[3]);
const sessions = new Set();
const sockets = new Set();
// hop-by-hop headers (RFC 9110 7.6.1) and the HTTP/2 pseudo-headers do not travel
const hop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade',
  'te', 'trailer', 'http2-settings', 'host']);

const server = http2.createSecureServer({
  key: fs.readFileSync(dir + '/key.pem'),
  cert: fs.readFileSync(dir + '/cert.pem'),
  allowHTTP1: true,
});

server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
server.on('secureConnection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
// a client that gives up on the handshake (the certificate-verification case) is expected
server.on('tlsClientError', () => {});

server.on('request', (req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!k.startsWith(':') && !hop.has(k)) headers[k] = v;
  }
  headers.host = '127.0.0.1:' + target;
  headers['x-forwarded-proto'] = 'https';
  const up = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers },
    (r) => {
      const out = {};
      for (const [k, v] of Object.entries(r.headers)) if (!hop.has(k)) out[k] = v;
      res.writeHead(r.statusCode, out);
      r.pipe(res);
    });
  up.on('error', (e) => { if (!res.headersSent) { res.statusCode = 502; res.end(String(e)); } else res.destroy(); });
  req.pipe(up);
});

server.on('upgrade', (req, socket, head) => {
  const up = net.connect(target, '127.0.0.1', () => {
    let text = req.method + ' ' + req.url + ' HTTP/1.1\r\n';
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i];
      text += k + ': ' + (k.toLowerCase() === 'host' ? '127.0.0.1:' + target : req.rawHeaders[i + 1]) + '\r\n';
    }
    up.write(text + '\r\n');
    if (head && head.length) up.write(head);
    socket.pipe(up);
    up.pipe(socket);
  });
  up.on('error', () => socket.destroy());
  socket.on('error', () => up.destroy());
  up.on('close', () => socket.destroy());
  socket.on('close', () => up.destroy());
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write('PORT ' + server.address().port + '\n');
});

function stop() {
  for (const s of sessions) s.destroy();
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
