// HTTP/2 over TLS test server for tests/unit/test_net_http.c.
//
//   node tests/net/h2_server.js DIR
//
// Serves h2 (and HTTP/1.1 for clients without ALPN h2) on 127.0.0.1, a free
// port, with DIR/cert.pem and DIR/key.pem (see mkcert.sh); prints
// "PORT <n>" once ready; exits when stdin ends or on SIGTERM.
'use strict';
const http2 = require('http2');
const fs = require('fs');

const dir = process.argv[2];
const sessions = new Set();
let connections = 0;

function pattern(offset, n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = ((offset + i) * 31 + 7) % 251;
  return b;
}

const server = http2.createSecureServer({
  key: fs.readFileSync(dir + '/key.pem'),
  cert: fs.readFileSync(dir + '/cert.pem'),
  allowHTTP1: true,
});

server.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
server.on('secureConnection', () => { connections++; });

server.on('request', (req, res) => {
  const url = new URL(req.url, 'https://127.0.0.1');
  if (url.pathname === '/hello') {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('x-proto', req.httpVersion);
    res.end('hello h2');
  } else if (url.pathname === '/slow') {
    setTimeout(() => res.end('slow done'), Number(url.searchParams.get('ms') || 300));
  } else if (url.pathname === '/big') {
    const size = Number(url.searchParams.get('size') || 1048576);
    res.setHeader('content-length', String(size));
    let off = 0;
    const pump = () => {
      while (off < size) {
        const n = Math.min(65536, size - off);
        const ok = res.write(pattern(off, n));
        off += n;
        if (!ok) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
  } else if (url.pathname === '/connections') {
    res.end(String(connections));
  } else {
    res.statusCode = 404;
    res.end('not found');
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write('PORT ' + server.address().port + '\n');
});

function stop() {
  for (const s of sessions) s.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
