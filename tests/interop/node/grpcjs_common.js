'use strict';
/*
 * grpcjs_common.js: what the grpc-js interop server and client share: the
 * grpc.testing package loaded at run time by @grpc/proto-loader from
 * Debian's grpc-proto files (no generated code), the interop flags
 * ("--flag=value" or "--flag value") and the test metadata keys.
 *
 * The .proto folder is $TRPC_GRPC_PROTO_DIR, else /usr/share/grpc-proto.
 * Fields keep their .proto names (keepCase), so the programs read like the
 * interop test descriptions: response_size, response_status, ...
 */
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ECHO_INITIAL = 'x-grpc-test-echo-initial';
const ECHO_TRAILING = 'x-grpc-test-echo-trailing-bin';
const MAX_MESSAGE = 16 << 20;

/* The grpc.testing package object (TestService, UnimplementedService). */
function loadTesting() {
  const dir = process.env.TRPC_GRPC_PROTO_DIR || '/usr/share/grpc-proto';
  const def = protoLoader.loadSync(['grpc/testing/test.proto'], {
    includeDirs: [dir],
    keepCase: true,
    enums: String,
    longs: Number,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(def).grpc.testing;
}

/* Parses argv into an object of the names in `known` (their defaults);
 * exits 2 on anything else. */
function parseFlags(prog, known) {
  const flags = Object.assign({}, known);
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z_]+)(?:=(.*))?$/s.exec(argv[i]);
    if (!m || !(m[1] in known)) {
      process.stderr.write(`${prog}: unknown argument '${argv[i]}'\n`);
      process.exit(2);
    }
    let v = m[2];
    if (v === undefined) {
      if (i + 1 >= argv.length) {
        process.stderr.write(`${prog}: --${m[1]} needs a value\n`);
        process.exit(2);
      }
      v = argv[++i];
    }
    flags[m[1]] = v;
  }
  if (flags.use_tls !== undefined && flags.use_tls !== 'false') {
    process.stderr.write(`${prog}: TLS is not supported here\n`);
    process.exit(2);
  }
  return flags;
}

module.exports = { grpc, loadTesting, parseFlags, ECHO_INITIAL, ECHO_TRAILING, MAX_MESSAGE };
