'use strict';
/*
 * grpcjs_server.js: gRPC's standard interop server (grpc.testing.TestService)
 * on grpc-js, following grpc/doc/interop-test-descriptions.md ("Server").
 *
 * Usage: node grpcjs_server.js --port N [--use_tls=false]   (0: a free port)
 *
 * Listens on 127.0.0.1, prints "PORT <n>" once bound, stops on SIGTERM or
 * SIGINT (graceful, then forced after a second) and exits 0.
 *
 * Features: EmptyCall, UnaryCall, CacheableUnaryCall (payload of
 * response_size zero bytes; COMPRESSABLE only), StreamingOutputCall,
 * FullDuplexCall and HalfDuplexCall (one response per ResponseParameters,
 * observing interval_us, in request order), StreamingInputCall (aggregated
 * payload size), Echo Status (a request with a non-zero response_status ends
 * the call with it at once, even while the client is still sending), Echo
 * Metadata, CompressedRequest (expect_compressed: INVALID_ARGUMENT at once,
 * since none of the interop clients here compresses).  UnimplementedCall is
 * not implemented, so grpc-js answers UNIMPLEMENTED; UnimplementedService is
 * not registered at all.
 */
const { grpc, loadTesting, parseFlags, ECHO_INITIAL, ECHO_TRAILING, MAX_MESSAGE } =
  require('./grpcjs_common');

const S = grpc.status;

/* Echo Metadata: sends the initial key back as a header now and returns
 * the trailers to end the call with. */
function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL);
  if (initial.length) {
    const md = new grpc.Metadata();
    md.set(ECHO_INITIAL, initial[0]);
    call.sendMetadata(md);
  }
  const trailers = new grpc.Metadata();
  const trailing = call.metadata.get(ECHO_TRAILING);
  if (trailing.length) {
    trailers.set(ECHO_TRAILING, trailing[0]);
  }
  return trailers;
}

/* Echo Status: the error to end the call with, or null. */
function echoStatus(req, trailers) {
  const es = req.response_status;
  if (!es || !es.code) {
    return null;
  }
  return { code: es.code, details: es.message, metadata: trailers };
}

function payload(size) {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

function sleepUs(us) {
  return us > 0 ? new Promise(resolve => setTimeout(resolve, us / 1000)) : null;
}

function unaryCall(call, callback) {
  const trailers = echoMetadata(call);
  const req = call.request;
  const err = echoStatus(req, trailers);
  if (err) {
    return callback(err);
  }
  if (req.expect_compressed && req.expect_compressed.value) {
    return callback({ code: S.INVALID_ARGUMENT, details: 'expected a compressed request',
                      metadata: trailers });
  }
  if (req.response_type !== 'COMPRESSABLE') {
    return callback({ code: S.INVALID_ARGUMENT,
                      details: `unsupported response_type ${req.response_type}`,
                      metadata: trailers });
  }
  callback(null, { payload: payload(req.response_size) }, trailers);
}

/* Writes the responses req asks for, in order, unless the call has been
 * cancelled or ended meanwhile (state.done). */
async function respond(call, req, state) {
  for (const rp of req.response_parameters) {
    if (rp.compressed && rp.compressed.value) {
      throw { code: S.INVALID_ARGUMENT, details: 'compressed responses are not supported' };
    }
    await sleepUs(rp.interval_us);
    if (state.done || call.cancelled) {
      return;
    }
    call.write({ payload: payload(rp.size) });
  }
}

/* Ends a streaming call once with an error status (trailers included). */
function fail(call, state, err, trailers) {
  if (!state.done) {
    state.done = true;
    call.emit('error', Object.assign({ metadata: trailers }, err));
  }
}

function streamingOutputCall(call) {
  const trailers = echoMetadata(call);
  const state = { done: false };
  const err = echoStatus(call.request, trailers);
  if (err) {
    return fail(call, state, err, trailers);
  }
  respond(call, call.request, state).then(
    () => { if (!state.done) { state.done = true; call.end(trailers); } },
    e => fail(call, state, e, trailers));
}

function streamingInputCall(call, callback) {
  const trailers = echoMetadata(call);
  let total = 0;
  let done = false;
  call.on('data', req => {
    if (done) {
      return;
    }
    if (req.expect_compressed && req.expect_compressed.value) {
      done = true;   // ends the call now, though the client may still send
      callback({ code: S.INVALID_ARGUMENT, details: 'expected a compressed request',
                 metadata: trailers });
      return;
    }
    total += req.payload ? req.payload.body.length : 0;
  });
  call.on('end', () => {
    if (!done) {
      done = true;
      callback(null, { aggregated_payload_size: total }, trailers);
    }
  });
  call.on('error', () => { done = true; });
}

/* FullDuplexCall answers each request as it comes (chained, so responses
 * keep request order); HalfDuplexCall answers them all after half-close. */
function duplexCall(call, half) {
  const trailers = echoMetadata(call);
  const state = { done: false };
  const held = [];
  let chain = Promise.resolve();
  const handle = req => {
    chain = chain.then(() => {
      if (state.done) {
        return;
      }
      const err = echoStatus(req, trailers);
      if (err) {
        return fail(call, state, err, trailers);
      }
      return respond(call, req, state);
    }).catch(e => fail(call, state, e, trailers));
  };
  call.on('data', req => (half ? held.push(req) : handle(req)));
  call.on('end', () => {
    held.forEach(handle);
    chain.then(() => {
      if (!state.done && !call.cancelled) {
        state.done = true;
        call.end(trailers);
      }
    });
  });
  call.on('cancelled', () => { state.done = true; });
  call.on('error', () => { state.done = true; });
}

function main() {
  const flags = parseFlags('grpcjs_server', { port: '0', use_tls: 'false' });
  const testing = loadTesting();
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
  server.addService(testing.TestService.service, {
    EmptyCall: (call, callback) => callback(null, {}, echoMetadata(call)),
    UnaryCall: unaryCall,
    CacheableUnaryCall: unaryCall,
    StreamingOutputCall: streamingOutputCall,
    StreamingInputCall: streamingInputCall,
    FullDuplexCall: call => duplexCall(call, false),
    HalfDuplexCall: call => duplexCall(call, true),
  });
  server.bindAsync(`127.0.0.1:${flags.port}`, grpc.ServerCredentials.createInsecure(),
    (err, port) => {
      if (err) {
        process.stderr.write(`grpcjs_server: ${err.message}\n`);
        process.exit(1);
      }
      process.stdout.write(`PORT ${port}\n`);
    });
  const stop = () => {
    const force = setTimeout(() => { server.forceShutdown(); process.exit(0); }, 1000);
    server.tryShutdown(() => { clearTimeout(force); process.exit(0); });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
