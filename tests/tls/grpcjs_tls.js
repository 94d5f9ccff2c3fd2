'use strict';
/*
 * grpcjs_tls.js: TLS and mutual TLS between typerpc and grpc-js (Node.js),
 * both directions, through the hello-world example programs.
 *
 *   node grpcjs_tls.js GREETER_SERVER GREETER_CLIENT GEN_CERTS PROTO_DIR
 *
 * 1. grpc-js client -> greeter_server over TLS, then mutual TLS (the reply
 *    names the verified client; without a client certificate it fails).
 * 2. greeter_client -> grpc-js server over TLS, then one that requires
 *    client certificates (with and without one).
 * NODE_PATH must hold @grpc/grpc-js and @grpc/proto-loader (the
 * interop_grpcjs_setup fixture of tests/interop installs them).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [SERVER, CLIENT, GEN_CERTS, PROTO_DIR] = process.argv.slice(2);
const def = protoLoader.loadSync('helloworld.proto', { includeDirs: [PROTO_DIR] });
const Greeter = grpc.loadPackageDefinition(def).helloworld.Greeter;
let failures = 0;

function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures++;
}

function startServer(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(SERVER, ['--listen', '127.0.0.1:0', '--workers', '2', ...args]);
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = /listening on [^:]+:(\d+)/.exec(out);
      if (m) resolve({ p, port: Number(m[1]) });
    });
    p.on('exit', (code) => reject(new Error('greeter_server exited ' + code + ': ' + out)));
  });
}

function stopServer(s) {
  return new Promise((resolve) => {
    s.p.removeAllListeners('exit');
    s.p.on('exit', (code) => {
      check(code === 0, 'greeter_server stops cleanly (' + code + ')');
      resolve();
    });
    s.p.kill('SIGTERM');
  });
}

function jsHello(port, creds, name) {
  return new Promise((resolve) => {
    const c = new Greeter('localhost:' + port, creds);
    c.sayHello({ name }, { deadline: Date.now() + 10000 }, (err, rep) => {
      c.close();
      resolve(err ? { code: err.code, msg: err.details } : { code: 0, msg: rep.message });
    });
  });
}

async function main() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'typerpc-tls-grpcjs-'));
  try {
    spawnSync(GEN_CERTS, [d], { stdio: 'inherit' });
    const f = (n) => path.join(d, n);
    const ca = fs.readFileSync(f('ca.pem'));
    const ckey = fs.readFileSync(f('client.key'));
    const ccrt = fs.readFileSync(f('client.pem'));

    // 1. grpc-js client -> typerpc server
    let s = await startServer(['--tls-cert', f('server.pem'), '--tls-key', f('server.key')]);
    let r = await jsHello(s.port, grpc.credentials.createSsl(ca), 'js');
    check(r.code === 0 && r.msg === 'Hello js', 'grpc-js -> typerpc TLS: ' + JSON.stringify(r));
    r = await jsHello(s.port, grpc.credentials.createSsl(fs.readFileSync(f('other-ca.pem'))), 'x');
    check(r.code === grpc.status.UNAVAILABLE, 'grpc-js trusting another CA: ' + JSON.stringify(r));
    await stopServer(s);
    s = await startServer(['--tls-cert', f('server.pem'), '--tls-key', f('server.key'),
                           '--tls-client-ca', f('ca.pem')]);
    r = await jsHello(s.port, grpc.credentials.createSsl(ca, ckey, ccrt), 'alice');
    check(r.code === 0 && r.msg === 'Hello alice (client O=typerpc tests,CN=alice)',
          'grpc-js -> typerpc mutual TLS, identity: ' + JSON.stringify(r));
    r = await jsHello(s.port, grpc.credentials.createSsl(ca), 'anon');
    check(r.code === grpc.status.UNAVAILABLE,
          'grpc-js without a client certificate: ' + JSON.stringify(r));
    await stopServer(s);

    // 2. typerpc client -> grpc-js server
    for (const mutual of [false, true]) {
      const srv = new grpc.Server();
      let cn = null;
      srv.addService(Greeter.service, {
        sayHello: (call, cb) => {
          const peer = call.getAuthContext ? call.getAuthContext() : null;
          cn = peer && peer.sslPeerCertificate ? peer.sslPeerCertificate.subject.CN : null;
          cb(null, { message: 'Hello ' + call.request.name });
        },
      });
      const creds = grpc.ServerCredentials.createSsl(
        mutual ? ca : null,
        [{ private_key: fs.readFileSync(f('server.key')), cert_chain: fs.readFileSync(f('server.pem')) }],
        mutual);
      const port = await new Promise((resolve, reject) =>
        srv.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))));
      const base = ['--target', 'localhost:' + port, '--tls-ca', f('ca.pem')];
      const tag = mutual ? 'mutual TLS' : 'TLS';
      if (mutual) {
        r = await cAsync([...base, '--tls-cert', f('client.pem'), '--tls-key', f('client.key')], 'm');
        check(r.rc === 0 && r.out === 'Hello m' && cn === 'alice',
              'greeter_client -> grpc-js ' + tag + ': ' + JSON.stringify(r) + ' (grpc-js sees CN ' + cn + ')');
        r = await cAsync(base, 'x');
        check(r.rc === 1 && /UNAVAILABLE/.test(r.out),
              'greeter_client without a certificate -> grpc-js ' + tag + ': ' + JSON.stringify(r));
      } else {
        r = await cAsync(base, 'c');
        check(r.rc === 0 && r.out === 'Hello c', 'greeter_client -> grpc-js ' + tag + ': ' + JSON.stringify(r));
        r = await cAsync(['--target', 'localhost:' + port, '--tls-ca', f('other-ca.pem')], 'x');
        check(r.rc === 1 && /certificate verify failed/.test(r.out),
              'greeter_client trusting another CA -> grpc-js: ' + JSON.stringify(r));
      }
      srv.forceShutdown();
    }
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
  if (failures) {
    console.log(failures + ' failure(s)');
    process.exit(1);
  }
  console.log('all grpc-js TLS checks passed');
  process.exit(0);
}

/* The C client as a child process, without blocking this loop (the
 * grpc-js server runs on it). */
function cAsync(args, name) {
  return new Promise((resolve) => {
    const p = spawn(CLIENT, [...args, name]);
    let out = '';
    p.stdout.on('data', (b) => { out += b; });
    p.stderr.on('data', (b) => { out += b; });
    p.on('exit', (code) => resolve({ rc: code, out: out.trim() }));
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
