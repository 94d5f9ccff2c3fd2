'use strict';
/*
 * compress_grpcjs.js: message compression against grpc-js, measured on the
 * wire (the grpc-js half of compress_grpcio.py).
 *
 * Usage: node compress_grpcjs.js PATH/TO/trpc_echo_server
 *            PATH/TO/trpc_compress_client PROTO_DIR
 * (NODE_PATH: the node_modules the interop_grpcjs_setup fixture installs.)
 *
 * Each case runs through a TCP proxy that counts the bytes each way on its
 * connection: 1 MiB of text is under 64 KiB compressed, over 1 MiB plain.
 *  - grpc-js client with grpc.default_compression_algorithm gzip, then
 *    deflate, to trpc_echo_server (compression=gzip): its requests arrive
 *    compressed and are inflated; the typerpc server compresses its replies
 *    toward grpc-js (which lists gzip) and grpc-js inflates them; and a
 *    control without compression on either side, measured plain.
 *  - trpc_compress_client with gzip, then deflate, to a grpc-js server:
 *    grpc-js inflates typerpc's requests (its replies stay plain: grpc-js
 *    servers do not compress).
 * Exits 0 when every case passes.
 */
const net = require('net');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [SERVER, CLIENT, PROTO_DIR] = process.argv.slice(2);
const MiB = 1 << 20;
const SMALL = 64 * 1024;
const TEXT = Buffer.from('compressible text, over and over; '.repeat(40000)).subarray(0, MiB);
const OPTS = { 'grpc.max_receive_message_length': 16 * MiB,
               'grpc.max_send_message_length': 16 * MiB };

const def = loader.loadSync(path.join(PROTO_DIR, 'echo.proto'),
                            { keepCase: true, longs: Number, defaults: true });
const Echo = grpc.loadPackageDefinition(def).echo.Echo;

/* Forwards a local port to target, counting bytes: up (client -> server)
 * and down. */
function proxy(targetPort) {
  const p = { up: 0, down: 0 };
  p.server = net.createServer(c => {
    const s = net.connect(targetPort, '127.0.0.1');
    c.on('data', d => { p.up += d.length; s.write(d); });
    s.on('data', d => { p.down += d.length; c.write(d); });
    const end = () => { c.destroy(); s.destroy(); };
    c.on('close', end); s.on('close', end);
    c.on('error', end); s.on('error', end);
  });
  return new Promise(resolve => p.server.listen(0, '127.0.0.1', () => {
    p.port = p.server.address().port;
    resolve(p);
  }));
}

function check(ok, what) {
  if (!ok) {
    throw new Error('FAIL: ' + what);
  }
  console.log('ok: ' + what);
}

function startEchoServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(SERVER, ['127.0.0.1:0', 'compression=3'],
                       { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', d => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        resolve({ proc, port: Number(m[1]) });
      }
    });
    proc.on('error', reject);
  });
}

function unary(client, req) {
  return new Promise((resolve, reject) =>
    client.Unary(req, { deadline: Date.now() + 30000 },
                 (err, rep) => err ? reject(err) : resolve(rep)));
}

/* A grpc-js client (algorithm: undefined, 1 deflate, 2 gzip) calling the
 * typerpc echo server through a fresh proxy; mode picks the reply's
 * compression in the handler. */
async function jsToTyperpc(port, algorithm, mode, expectUp, expectDown) {
  const p = await proxy(port);
  const opts = Object.assign({}, OPTS);
  if (algorithm !== undefined) {
    opts['grpc.default_compression_algorithm'] = algorithm;
  }
  const client = new Echo('127.0.0.1:' + p.port, grpc.credentials.createInsecure(), opts);
  const rep = await unary(client, { text: 'z', payload: TEXT, mode });
  client.close();
  p.server.close();
  const what = `grpc-js (algorithm ${algorithm}, mode "${mode}") -> typerpc: ` +
               `${p.up} bytes up, ${p.down} down`;
  check(Buffer.compare(rep.payload, TEXT) === 0, what + ': echo intact');
  check(expectUp === 'small' ? p.up < SMALL : p.up > MiB, what + ': up ' + expectUp);
  check(expectDown === 'small' ? p.down < SMALL : p.down > MiB, what + ': down ' + expectDown);
}

function startJsServer() {
  const server = new grpc.Server(OPTS);
  server.addService(Echo.service, {
    Unary: (call, cb) => cb(null, { text: call.request.text, payload: call.request.payload }),
    Bidi: call => {
      call.on('data', r => call.write({ text: r.text, payload: r.payload }));
      call.on('end', () => call.end());
    },
  });
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) {
        reject(err);
      } else {
        resolve({ server, port });
      }
    }));
}

/* trpc_compress_client (compression: a trpc_compression number) calling the
 * grpc-js server through a fresh proxy; the client runs as a child
 * process, so this process's loop keeps serving. */
async function typerpcToJs(port, compression, expectUp) {
  const p = await proxy(port);
  const rc = await new Promise(resolve => {
    const c = spawn(CLIENT, ['127.0.0.1:' + p.port, String(compression), String(MiB)],
                    { stdio: 'inherit' });
    c.on('exit', code => resolve(code));
  });
  p.server.close();
  const what = `typerpc (compression ${compression}) -> grpc-js: ${p.up} bytes up, ` +
               `${p.down} down`;
  check(rc === 0, what + ': the client saw every echo intact');
  check(expectUp === 'small' ? p.up < SMALL : p.up > 5 * MiB, what + ': up ' + expectUp);
  check(p.down > 5 * MiB, what + ': down plain (grpc-js servers do not compress)');
}

async function main() {
  const echo = await startEchoServer();
  try {
    await jsToTyperpc(echo.port, 2, '', 'small', 'small');
    await jsToTyperpc(echo.port, 1, '', 'small', 'small');
    await jsToTyperpc(echo.port, undefined, 'identity', 'plain', 'plain');
    await jsToTyperpc(echo.port, undefined, '', 'plain', 'small');
  } finally {
    echo.proc.stdin.end();
  }
  const code = await new Promise(resolve => echo.proc.on('exit', c => resolve(c)));
  check(code === 0, 'trpc_echo_server exits 0');
  const js = await startJsServer();
  try {
    await typerpcToJs(js.port, 3, 'small');
    await typerpcToJs(js.port, 2, 'small');
    await typerpcToJs(js.port, 1, 'plain');
  } finally {
    js.server.forceShutdown();
  }
}

main().then(() => process.exit(0), err => {
  console.error(err.stack || String(err));
  process.exit(1);
});
