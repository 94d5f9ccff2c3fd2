'use strict';
/*
 * grpcjs_client.js: gRPC's standard interop client on grpc-js, following
 * grpc/doc/interop-test-descriptions.md ("Client"), plus typerpc's two
 * early-end cases (server_ends_bidi_early, server_ends_client_stream_early;
 * see tests/interop/README.md).
 *
 * Usage: node grpcjs_client.js --server_host HOST --server_port PORT
 *        --test_case NAME [--server_host_override NAME] [--use_tls=false]
 * NAME is one of the cases below, or "all".  Exits 0 when the case passes,
 * else prints why on stderr and exits 1 (2 for bad usage).
 */
const { grpc, loadTesting, parseFlags, ECHO_INITIAL, ECHO_TRAILING, MAX_MESSAGE } =
  require('./grpcjs_common');

const S = grpc.status;
const TIMEOUT_MS = 10000;
const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
const ECHO_TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);
const EARLY_CODE = S.INVALID_ARGUMENT;
const EARLY_MESSAGE = 'server ends the call early';
const CODE_NAMES = Object.fromEntries(Object.entries(S).map(([k, v]) => [v, k]));

class Failed extends Error {}

function check(cond, why) {
  if (!cond) {
    throw new Failed(why);
  }
}

function deadline(ms) {
  return new Date(Date.now() + ms);
}

function zeros(n) {
  return { body: Buffer.alloc(n) };
}

function isZeros(p, n) {
  return !!p && p.body.length === n && p.body.every(b => b === 0);
}

function outReq(sizes, payloadSize, status) {
  const r = { response_parameters: sizes.map(size => ({ size })) };
  if (payloadSize !== undefined) {
    r.payload = zeros(payloadSize);
  }
  if (status) {
    r.response_status = status;
  }
  return r;
}

function codeName(c) {
  return `${CODE_NAMES[c] || c}`;
}

function checkStatus(st, code, details, what) {
  check(st.code === code, `${what}: status ${codeName(st.code)} (${JSON.stringify(st.details)})` +
        `, want ${codeName(code)}`);
  if (details !== undefined) {
    check(st.details === details,
          `${what}: message ${JSON.stringify(st.details)}, want ${JSON.stringify(details)}`);
  }
}

/* A unary call: resolves to { err, resp, headers, status } once both the
 * callback and the 'status' event have come. */
function unary(client, method, req, md, timeoutMs) {
  return new Promise(resolve => {
    const out = { err: null, resp: null, headers: null, status: null };
    let pending = 2;
    const one = () => { if (--pending === 0) { resolve(out); } };
    const call = client[method](req, md || new grpc.Metadata(),
      { deadline: deadline(timeoutMs || TIMEOUT_MS) },
      (err, resp) => { out.err = err; out.resp = resp; one(); });
    call.on('metadata', m => { out.headers = m; });
    call.on('status', s => { out.status = s; one(); });
  });
}

/* A client-side stream (bidi or server streaming) read message by message:
 * recv() resolves to the next message or to null at the end; `status` is a
 * promise of the final status ('error' is handled: the status carries it). */
class Stream {
  constructor(call) {
    this.call = call;
    this.queue = [];
    this.waiters = [];
    this.ended = false;
    this.headers = null;
    call.on('metadata', m => { this.headers = m; });
    call.on('data', m => this.push(m));
    call.on('error', () => {});
    this.status = new Promise(resolve => call.on('status', s => {
      this.ended = true;
      this.flush();
      resolve(s);
    }));
  }

  push(m) {
    this.queue.push(m);
    this.flush();
  }

  flush() {
    while (this.waiters.length && (this.queue.length || this.ended)) {
      this.waiters.shift()(this.queue.length ? this.queue.shift() : null);
    }
  }

  recv() {
    return new Promise(resolve => { this.waiters.push(resolve); this.flush(); });
  }

  async drain() {
    const all = [];
    for (let m = await this.recv(); m; m = await this.recv()) {
      all.push(m);
    }
    return all;
  }

  /* Writes msg; resolves to the error the write reports (null if none)
   * once it completes, or fails the case if the write throws. */
  write(msg) {
    return new Promise((resolve, reject) => {
      try {
        this.call.write(msg, err => resolve(err || null));
      } catch (e) {
        reject(new Failed(`write threw: ${e}`));
      }
    });
  }
}

function opts(timeoutMs) {
  return { deadline: deadline(timeoutMs || TIMEOUT_MS) };
}

/* ---- the cases ---- */

async function empty_unary(c) {
  const r = await unary(c.test, 'EmptyCall', {});
  check(!r.err, `EmptyCall: ${r.err && r.err.message}`);
  check(r.resp, 'no response');
}

async function large_unary(c) {
  const r = await unary(c.test, 'UnaryCall', { response_size: 314159, payload: zeros(271828) });
  check(!r.err, `UnaryCall: ${r.err && r.err.message}`);
  check(isZeros(r.resp.payload, 314159),
        `response payload ${r.resp.payload ? r.resp.payload.body.length : 0} bytes, ` +
        'want 314159 zeros');
}

async function client_streaming(c) {
  const r = await new Promise(resolve => {
    const call = c.test.StreamingInputCall(new grpc.Metadata(), opts(),
      (err, resp) => resolve({ err, resp }));
    for (const n of [27182, 8, 1828, 45904]) {
      call.write({ payload: zeros(n) });
    }
    call.end();
  });
  check(!r.err, `StreamingInputCall: ${r.err && r.err.message}`);
  check(r.resp.aggregated_payload_size === 74922,
        `aggregated_payload_size ${r.resp.aggregated_payload_size}, want 74922`);
}

async function server_streaming(c) {
  const sizes = [31415, 9, 2653, 58979];
  const s = new Stream(c.test.StreamingOutputCall(outReq(sizes), opts()));
  const rs = await s.drain();
  checkStatus(await s.status, S.OK, undefined, 'StreamingOutputCall');
  const got = rs.map(r => (r.payload ? r.payload.body.length : 0));
  check(JSON.stringify(got) === JSON.stringify(sizes), `response sizes ${got}, want ${sizes}`);
  check(rs.every((r, i) => isZeros(r.payload, sizes[i])), 'non-zero payload');
}

async function ping_pong(c) {
  const s = new Stream(c.test.FullDuplexCall(opts()));
  for (const [size, pl] of [[31415, 27182], [9, 8], [2653, 1828], [58979, 45904]]) {
    s.write(outReq([size], pl));
    const r = await s.recv();
    check(r, `no response for ${size}`);
    check(isZeros(r.payload, size),
          `response ${r.payload ? r.payload.body.length : 0} bytes, want ${size}`);
  }
  s.call.end();
  const rest = await s.drain();
  check(!rest.length, `${rest.length} extra responses`);
  checkStatus(await s.status, S.OK, undefined, 'FullDuplexCall');
}

async function empty_stream(c) {
  const s = new Stream(c.test.FullDuplexCall(opts()));
  s.call.end();
  const rs = await s.drain();
  check(!rs.length, `${rs.length} responses, want 0`);
  checkStatus(await s.status, S.OK, undefined, 'FullDuplexCall');
}

async function echoStatusCase(c, text, duplex) {
  const es = { code: 2, message: text };
  const r = await unary(c.test, 'UnaryCall', { response_status: es });
  checkStatus(r.status, 2, text, 'UnaryCall');
  if (duplex) {
    const s = new Stream(c.test.FullDuplexCall(opts()));
    s.write(outReq([], undefined, es));
    s.call.end();
    await s.drain();
    checkStatus(await s.status, 2, text, 'FullDuplexCall');
  }
}

async function status_code_and_message(c) {
  await echoStatusCase(c, 'test status message', true);
}

async function special_status_message(c) {
  await echoStatusCase(c, '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP ' +
                          '\u{1f608}\t\n', false);
}

function checkEchoed(headers, trailers, what) {
  const h = headers ? headers.get(ECHO_INITIAL) : [];
  check(h.length === 1 && h[0] === ECHO_INITIAL_VALUE,
        `${what}: ${ECHO_INITIAL} missing or wrong in the initial metadata`);
  const t = trailers ? trailers.get(ECHO_TRAILING) : [];
  check(t.length === 1 && Buffer.isBuffer(t[0]) && t[0].equals(ECHO_TRAILING_VALUE),
        `${what}: ${ECHO_TRAILING} missing or wrong in the trailing metadata`);
}

async function custom_metadata(c) {
  const md = new grpc.Metadata();
  md.set(ECHO_INITIAL, ECHO_INITIAL_VALUE);
  md.set(ECHO_TRAILING, ECHO_TRAILING_VALUE);
  const r = await unary(c.test, 'UnaryCall',
                        { response_size: 314159, payload: zeros(271828) }, md);
  checkStatus(r.status, S.OK, undefined, 'UnaryCall');
  check(isZeros(r.resp.payload, 314159), 'UnaryCall: wrong response payload');
  checkEchoed(r.headers, r.status.metadata, 'UnaryCall');

  const s = new Stream(c.test.FullDuplexCall(md, opts()));
  s.write(outReq([314159], 271828));
  s.call.end();
  const rs = await s.drain();
  const st = await s.status;
  checkStatus(st, S.OK, undefined, 'FullDuplexCall');
  check(rs.length === 1 && isZeros(rs[0].payload, 314159),
        `FullDuplexCall: ${rs.length} responses (want one of 314159 zeros)`);
  checkEchoed(s.headers, st.metadata, 'FullDuplexCall');
}

async function unimplemented_method(c) {
  const r = await unary(c.test, 'UnimplementedCall', {});
  checkStatus(r.status, S.UNIMPLEMENTED, undefined, 'UnimplementedCall');
}

async function unimplemented_service(c) {
  const r = await unary(c.unimplemented, 'UnimplementedCall', {});
  checkStatus(r.status, S.UNIMPLEMENTED, undefined, 'UnimplementedService');
}

async function cancel_after_begin(c) {
  const r = await new Promise(resolve => {
    let pending = 2;
    const out = {};
    const one = () => { if (--pending === 0) { resolve(out); } };
    const call = c.test.StreamingInputCall(new grpc.Metadata(), opts(),
      err => { out.err = err; one(); });
    call.on('status', s => { out.status = s; one(); });
    call.cancel();
  });
  check(r.err, 'call succeeded');
  checkStatus(r.status, S.CANCELLED, undefined, 'StreamingInputCall');
}

async function cancel_after_first_response(c) {
  const s = new Stream(c.test.FullDuplexCall(opts()));
  s.write(outReq([31415], 27182));
  const r = await s.recv();
  check(r && isZeros(r.payload, 31415), 'no first response of 31415 zero bytes');
  s.call.cancel();
  checkStatus(await s.status, S.CANCELLED, undefined, 'FullDuplexCall');
}

async function timeout_on_sleeping_server(c) {
  const s = new Stream(c.test.FullDuplexCall(opts(1)));
  // The deadline may pass before the request goes out: only the status counts.
  s.write(outReq([], 27182));
  await s.drain();
  checkStatus(await s.status, S.DEADLINE_EXCEEDED, undefined, 'FullDuplexCall');
}

/* The server ends a bidi call (Echo Status) while the client has not
 * half-closed: the client must see that status at once, not at its
 * deadline, and a later write must fail cleanly: grpc-js drops it and
 * completes it without an error, so what is checked is that it neither
 * throws nor hangs. */
async function server_ends_bidi_early(c) {
  const t0 = Date.now();
  const s = new Stream(c.test.FullDuplexCall(opts()));
  s.write(outReq([31415], 27182));
  const r = await s.recv();
  check(r && isZeros(r.payload, 31415), 'no first response of 31415 zero bytes');
  s.write(outReq([], undefined, { code: EARLY_CODE, message: EARLY_MESSAGE }));
  const more = await s.recv();
  check(more === null, 'a response after the request to end the call');
  checkStatus(await s.status, EARLY_CODE, EARLY_MESSAGE,
              `FullDuplexCall (ended after ${Date.now() - t0} ms)`);
  await s.write(outReq([9], 8));
}

/* The same for client streaming: CompressedRequest (expect_compressed on an
 * uncompressed message) makes the server fail StreamingInputCall with
 * INVALID_ARGUMENT before the client half-closes. */
async function server_ends_client_stream_early(c) {
  const t0 = Date.now();
  let call;
  const r = await new Promise(resolve => {
    let pending = 2;
    const out = {};
    const one = () => { if (--pending === 0) { resolve(out); } };
    call = c.test.StreamingInputCall(new grpc.Metadata(), opts(),
      (err, resp) => { out.err = err; out.resp = resp; one(); });
    call.on('status', st => { out.status = st; one(); });
    call.write({ payload: zeros(27182) });
    call.write({ payload: zeros(8), expect_compressed: { value: true } });
  });
  check(r.err, 'StreamingInputCall succeeded');
  checkStatus(r.status, S.INVALID_ARGUMENT, undefined,
              `StreamingInputCall (ended after ${Date.now() - t0} ms)`);
  // As above: the write must complete (grpc-js drops it), not throw or hang.
  await new Promise((resolve, reject) => {
    try {
      call.write({ payload: zeros(1828) }, () => resolve());
    } catch (e) {
      reject(new Failed(`a write after the call ended threw: ${e}`));
    }
  });
}

/* Compression: grpc-js decompresses replies but cannot tell whether one
 * came compressed, so the server_compressed_* cases check the payloads only
 * (and that the client takes compressed and plain messages on one stream). */
async function server_compressed_unary(c) {
  for (const zip of [true, false]) {
    const r = await unary(c.test, 'UnaryCall', {
      response_compressed: { value: zip }, response_size: 314159, payload: zeros(271828) });
    check(!r.err, `UnaryCall: ${r.err && r.err.message}`);
    check(isZeros(r.resp.payload, 314159), 'response payload is not 314159 zeros');
  }
}

async function server_compressed_streaming(c) {
  const req = { response_parameters: [
    { size: 31415, compressed: { value: true } }, { size: 92653, compressed: { value: false } }] };
  const s = new Stream(c.test.StreamingOutputCall(req, opts()));
  const rs = await s.drain();
  checkStatus(await s.status, S.OK, undefined, 'StreamingOutputCall');
  const got = rs.map(r => (r.payload ? r.payload.body.length : 0));
  check(JSON.stringify(got) === '[31415,92653]', `response sizes ${got}, want 31415,92653`);
  check(rs.every((r, i) => isZeros(r.payload, got[i])), 'non-zero payload');
}

const CASES = [
  empty_unary, large_unary, client_streaming, server_streaming, ping_pong, empty_stream,
  status_code_and_message, special_status_message, custom_metadata, unimplemented_method,
  unimplemented_service, cancel_after_begin, cancel_after_first_response,
  timeout_on_sleeping_server, server_ends_bidi_early, server_ends_client_stream_early,
  server_compressed_unary, server_compressed_streaming,
];

async function main() {
  const flags = parseFlags('grpcjs_client', {
    server_host: '127.0.0.1', server_port: '', test_case: '', server_host_override: '',
    use_tls: 'false',
  });
  const byName = Object.fromEntries(CASES.map(f => [f.name, f]));
  if (!flags.server_port || !flags.test_case ||
      (flags.test_case !== 'all' && !byName[flags.test_case])) {
    process.stderr.write('usage: grpcjs_client.js --server_host HOST --server_port PORT ' +
                         `--test_case NAME\ncases: all ${Object.keys(byName).join(' ')}\n`);
    process.exit(2);
  }
  const host = flags.server_host.includes(':') ? `[${flags.server_host}]` : flags.server_host;
  const target = `${host}:${flags.server_port}`;
  const options = { 'grpc.max_receive_message_length': MAX_MESSAGE };
  if (flags.server_host_override) {
    options['grpc.default_authority'] = flags.server_host_override;
  }
  const testing = loadTesting();
  const creds = grpc.credentials.createInsecure();
  const c = {
    test: new testing.TestService(target, creds, options),
  };
  // A second client on the same channel, so both services share one connection.
  c.unimplemented = new testing.UnimplementedService(target, creds,
    Object.assign({ channelOverride: c.test.getChannel() }, options));
  const todo = flags.test_case === 'all' ? CASES : [byName[flags.test_case]];
  let failed = 0;
  for (const f of todo) {
    try {
      await f(c);
      process.stdout.write(`${f.name}: passed\n`);
    } catch (e) {
      failed++;
      const why = e instanceof Failed ? e.message : e.stack;
      process.stderr.write(`grpcjs_client: ${f.name}: FAILED: ${why}\n`);
      process.stdout.write(`${f.name}: FAILED\n`);
    }
  }
  c.test.close();
  process.exit(failed ? 1 : 0);
}

main();
