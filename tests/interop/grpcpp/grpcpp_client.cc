// grpcpp_client.cc: gRPC's standard interop client on gRPC C++ (Debian's
// libgrpc++-dev, sync API), following grpc/doc/interop-test-descriptions.md
// ("Client"), plus typerpc's two early-end cases (server_ends_bidi_early,
// server_ends_client_stream_early; see tests/interop/README.md).  A test
// peer for typerpc's interop suite only.
//
// Usage: grpcpp_client --server_host HOST --server_port PORT --test_case NAME
//        [--server_host_override NAME] [--use_tls=false]
// NAME is one of the cases below, or "all".  Exits 0 when the case passes,
// else prints why on stderr and exits 1 (2 for bad usage).
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grpc/testing/test.grpc.pb.h"

namespace {

using grpc::ClientContext;
using grpc::Status;
using grpc::StatusCode;
using namespace grpc::testing;

const char kEchoInitial[] = "x-grpc-test-echo-initial";
const char kEchoInitialValue[] = "test_initial_metadata_value";
const char kEchoTrailing[] = "x-grpc-test-echo-trailing-bin";
const std::string kEchoTrailingValue("\xab\xab\xab", 3);
const StatusCode kEarlyCode = StatusCode::INVALID_ARGUMENT;
const char kEarlyMessage[] = "server ends the call early";
const int kTimeoutMs = 10000;

// A failed check: thrown, caught by main, printed.
struct Failed {
  std::string why;
};

void Check(bool cond, const std::string& why) {
  if (!cond) {
    throw Failed{why};
  }
}

std::string CodeName(StatusCode c) {
  static const char* const names[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  int i = static_cast<int>(c);
  return i >= 0 && i <= 16 ? names[i] : std::to_string(i);
}

void CheckStatus(const Status& st, StatusCode want, const std::string& what) {
  Check(st.error_code() == want, what + ": status " + CodeName(st.error_code()) + " (\"" +
                                     st.error_message() + "\"), want " + CodeName(want));
}

void SetDeadline(ClientContext* ctx, int ms) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
}

bool Zeros(const Payload& p, size_t n) {
  return p.body() == std::string(n, '\0');
}

std::string Zeros(size_t n) {
  return std::string(n, '\0');
}

StreamingOutputCallRequest OutReq(std::vector<int32_t> sizes, int payload) {
  StreamingOutputCallRequest r;
  for (int32_t s : sizes) {
    r.add_response_parameters()->set_size(s);
  }
  if (payload >= 0) {
    r.mutable_payload()->set_body(Zeros(static_cast<size_t>(payload)));
  }
  return r;
}

long MsSince(std::chrono::steady_clock::time_point t0) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - t0)
                               .count());
}

struct Stubs {
  std::unique_ptr<TestService::Stub> test;
  std::unique_ptr<UnimplementedService::Stub> unimplemented;
};

// ---- the cases ----

void EmptyUnary(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  Empty req, resp;
  CheckStatus(s.test->EmptyCall(&ctx, req, &resp), StatusCode::OK, "EmptyCall");
}

void LargeUnary(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  SimpleRequest req;
  SimpleResponse resp;
  req.set_response_size(314159);
  req.mutable_payload()->set_body(Zeros(271828));
  CheckStatus(s.test->UnaryCall(&ctx, req, &resp), StatusCode::OK, "UnaryCall");
  Check(Zeros(resp.payload(), 314159),
        "response payload is " + std::to_string(resp.payload().body().size()) +
            " bytes, want 314159 zeros");
}

void ClientStreaming(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  StreamingInputCallResponse resp;
  auto w = s.test->StreamingInputCall(&ctx, &resp);
  for (size_t n : {27182, 8, 1828, 45904}) {
    StreamingInputCallRequest req;
    req.mutable_payload()->set_body(Zeros(n));
    Check(w->Write(req), "write failed");
  }
  w->WritesDone();
  CheckStatus(w->Finish(), StatusCode::OK, "StreamingInputCall");
  Check(resp.aggregated_payload_size() == 74922,
        "aggregated_payload_size " + std::to_string(resp.aggregated_payload_size()) +
            ", want 74922");
}

void ServerStreaming(Stubs& s) {
  const std::vector<int32_t> sizes = {31415, 9, 2653, 58979};
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  auto r = s.test->StreamingOutputCall(&ctx, OutReq(sizes, -1));
  StreamingOutputCallResponse resp;
  size_t n = 0;
  bool ok = true;
  while (r->Read(&resp)) {
    ok = ok && n < sizes.size() && Zeros(resp.payload(), static_cast<size_t>(sizes[n]));
    n++;
  }
  CheckStatus(r->Finish(), StatusCode::OK, "StreamingOutputCall");
  Check(n == 4, std::to_string(n) + " responses, want 4");
  Check(ok, "response sizes are not 31415, 9, 2653, 58979 zero bytes");
}

void PingPong(Stubs& s) {
  const std::pair<int32_t, int> rounds[] = {{31415, 27182}, {9, 8}, {2653, 1828},
                                            {58979, 45904}};
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  auto st = s.test->FullDuplexCall(&ctx);
  StreamingOutputCallResponse resp;
  for (const auto& r : rounds) {
    Check(st->Write(OutReq({r.first}, r.second)), "write failed");
    Check(st->Read(&resp), "no response for " + std::to_string(r.first));
    Check(Zeros(resp.payload(), static_cast<size_t>(r.first)),
          "response of " + std::to_string(resp.payload().body().size()) + " bytes, want " +
              std::to_string(r.first));
  }
  st->WritesDone();
  Check(!st->Read(&resp), "a fifth response");
  CheckStatus(st->Finish(), StatusCode::OK, "FullDuplexCall");
}

void EmptyStream(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  auto st = s.test->FullDuplexCall(&ctx);
  st->WritesDone();
  StreamingOutputCallResponse resp;
  Check(!st->Read(&resp), "a response, want none");
  CheckStatus(st->Finish(), StatusCode::OK, "FullDuplexCall");
}

void CheckEchoedStatus(const Status& st, const std::string& text, const std::string& what) {
  CheckStatus(st, StatusCode::UNKNOWN, what);
  Check(st.error_message() == text,
        what + ": message \"" + st.error_message() + "\", want \"" + text + "\"");
}

void EchoStatusCase(Stubs& s, const std::string& text, bool duplex) {
  {
    ClientContext ctx;
    SetDeadline(&ctx, kTimeoutMs);
    SimpleRequest req;
    SimpleResponse resp;
    req.mutable_response_status()->set_code(2);
    req.mutable_response_status()->set_message(text);
    CheckEchoedStatus(s.test->UnaryCall(&ctx, req, &resp), text, "UnaryCall");
  }
  if (duplex) {
    ClientContext ctx;
    SetDeadline(&ctx, kTimeoutMs);
    auto st = s.test->FullDuplexCall(&ctx);
    StreamingOutputCallRequest req;
    req.mutable_response_status()->set_code(2);
    req.mutable_response_status()->set_message(text);
    st->Write(req);
    st->WritesDone();
    StreamingOutputCallResponse resp;
    while (st->Read(&resp)) {
    }
    CheckEchoedStatus(st->Finish(), text, "FullDuplexCall");
  }
}

void StatusCodeAndMessage(Stubs& s) {
  EchoStatusCase(s, "test status message", true);
}

void SpecialStatusMessage(Stubs& s) {
  EchoStatusCase(s,
                 "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
                 "\xf0\x9f\x98\x88\t\n",
                 false);
}

void CheckEchoed(const ClientContext& ctx, const std::string& what) {
  const auto& h = ctx.GetServerInitialMetadata();
  auto it = h.find(kEchoInitial);
  Check(it != h.end() && std::string(it->second.data(), it->second.size()) == kEchoInitialValue,
        what + ": " + kEchoInitial + " missing or wrong in the initial metadata");
  const auto& t = ctx.GetServerTrailingMetadata();
  it = t.find(kEchoTrailing);
  Check(it != t.end() && std::string(it->second.data(), it->second.size()) == kEchoTrailingValue,
        what + ": " + kEchoTrailing + " missing or wrong in the trailing metadata");
}

void CustomMetadata(Stubs& s) {
  {
    ClientContext ctx;
    SetDeadline(&ctx, kTimeoutMs);
    ctx.AddMetadata(kEchoInitial, kEchoInitialValue);
    ctx.AddMetadata(kEchoTrailing, kEchoTrailingValue);
    SimpleRequest req;
    SimpleResponse resp;
    req.set_response_size(314159);
    req.mutable_payload()->set_body(Zeros(271828));
    CheckStatus(s.test->UnaryCall(&ctx, req, &resp), StatusCode::OK, "UnaryCall");
    Check(Zeros(resp.payload(), 314159), "UnaryCall: wrong response payload");
    CheckEchoed(ctx, "UnaryCall");
  }
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  ctx.AddMetadata(kEchoInitial, kEchoInitialValue);
  ctx.AddMetadata(kEchoTrailing, kEchoTrailingValue);
  auto st = s.test->FullDuplexCall(&ctx);
  st->Write(OutReq({314159}, 271828));
  st->WritesDone();
  StreamingOutputCallResponse resp;
  size_t n = 0;
  bool ok = true;
  while (st->Read(&resp)) {
    ok = ok && Zeros(resp.payload(), 314159);
    n++;
  }
  CheckStatus(st->Finish(), StatusCode::OK, "FullDuplexCall");
  Check(n == 1 && ok,
        "FullDuplexCall: " + std::to_string(n) + " responses (want one of 314159 zeros)");
  CheckEchoed(ctx, "FullDuplexCall");
}

void UnimplementedMethod(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  Empty req, resp;
  CheckStatus(s.test->UnimplementedCall(&ctx, req, &resp), StatusCode::UNIMPLEMENTED,
              "UnimplementedCall");
}

void UnimplementedServiceCase(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  Empty req, resp;
  CheckStatus(s.unimplemented->UnimplementedCall(&ctx, req, &resp), StatusCode::UNIMPLEMENTED,
              "UnimplementedService");
}

void CancelAfterBegin(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  StreamingInputCallResponse resp;
  auto w = s.test->StreamingInputCall(&ctx, &resp);
  ctx.TryCancel();
  CheckStatus(w->Finish(), StatusCode::CANCELLED, "StreamingInputCall");
}

void CancelAfterFirstResponse(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  auto st = s.test->FullDuplexCall(&ctx);
  Check(st->Write(OutReq({31415}, 27182)), "write failed");
  StreamingOutputCallResponse resp;
  Check(st->Read(&resp) && Zeros(resp.payload(), 31415),
        "no first response of 31415 zero bytes");
  ctx.TryCancel();
  CheckStatus(st->Finish(), StatusCode::CANCELLED, "FullDuplexCall");
}

void TimeoutOnSleepingServer(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, 1);
  auto st = s.test->FullDuplexCall(&ctx);
  // The deadline may pass before the request goes out: only the status counts.
  st->Write(OutReq({}, 27182));
  StreamingOutputCallResponse resp;
  while (st->Read(&resp)) {
  }
  CheckStatus(st->Finish(), StatusCode::DEADLINE_EXCEEDED, "FullDuplexCall");
}

// The server ends a bidi call (Echo Status) while the client has not
// half-closed: the client must see that status at once, not at its
// deadline, and a later Write must fail (return false).
void ServerEndsBidiEarly(Stubs& s) {
  auto t0 = std::chrono::steady_clock::now();
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  auto st = s.test->FullDuplexCall(&ctx);
  Check(st->Write(OutReq({31415}, 27182)), "write failed");
  StreamingOutputCallResponse resp;
  Check(st->Read(&resp) && Zeros(resp.payload(), 31415),
        "no first response of 31415 zero bytes");
  StreamingOutputCallRequest end;
  end.mutable_response_status()->set_code(static_cast<int>(kEarlyCode));
  end.mutable_response_status()->set_message(kEarlyMessage);
  Check(st->Write(end), "write of the request to end the call failed");
  bool more = st->Read(&resp);  // no WritesDone: the server ends the call
  long ms = MsSince(t0);
  bool later = st->Write(OutReq({9}, 8));
  Status status = st->Finish();
  Check(!more, "a response after the request to end the call");
  CheckStatus(status, kEarlyCode, "FullDuplexCall (ended after " + std::to_string(ms) + " ms)");
  Check(status.error_message() == kEarlyMessage,
        "message \"" + status.error_message() + "\", want \"" + kEarlyMessage + "\"");
  Check(!later, "a write after the call ended succeeded");
}

// The same for client streaming: CompressedRequest (expect_compressed on an
// uncompressed message) makes the server fail StreamingInputCall with
// INVALID_ARGUMENT before the client half-closes.  ClientWriter::Finish
// waits for the status without half-closing; the sync API allows no Write
// after it, so no later write is tried here.
void ServerEndsClientStreamEarly(Stubs& s) {
  auto t0 = std::chrono::steady_clock::now();
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  StreamingInputCallResponse resp;
  auto w = s.test->StreamingInputCall(&ctx, &resp);
  StreamingInputCallRequest req;
  req.mutable_payload()->set_body(Zeros(27182));
  Check(w->Write(req), "write failed");
  req.mutable_payload()->set_body(Zeros(8));
  req.mutable_expect_compressed()->set_value(true);
  w->Write(req);  // may fail if the server has already ended the call
  Status status = w->Finish();
  CheckStatus(status, StatusCode::INVALID_ARGUMENT,
              "StreamingInputCall (ended after " + std::to_string(MsSince(t0)) + " ms)");
}

// ---- compression: the response flags are not visible through gRPC C++'s
// public API, so the server_compressed_* cases check the payloads only.

void ClientCompressedUnary(Stubs& s) {
  for (int i = 0; i < 3; i++) {
    // the probe (expect_compressed on a plain message), then compressed, then plain
    bool expect = i < 2, zip = i == 1;
    ClientContext ctx;
    SetDeadline(&ctx, kTimeoutMs);
    if (zip) {
      ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    }
    SimpleRequest req;
    SimpleResponse resp;
    req.mutable_expect_compressed()->set_value(expect);
    req.set_response_size(314159);
    req.mutable_payload()->set_body(Zeros(271828));
    Status st = s.test->UnaryCall(&ctx, req, &resp);
    if (i == 0) {
      CheckStatus(st, StatusCode::INVALID_ARGUMENT, "UnaryCall (the probe)");
      continue;
    }
    CheckStatus(st, StatusCode::OK, "UnaryCall");
    Check(Zeros(resp.payload(), 314159), "response payload is not 314159 zeros");
  }
}

void ServerCompressedUnary(Stubs& s) {
  for (bool zip : {true, false}) {
    ClientContext ctx;
    SetDeadline(&ctx, kTimeoutMs);
    SimpleRequest req;
    SimpleResponse resp;
    req.mutable_response_compressed()->set_value(zip);
    req.set_response_size(314159);
    req.mutable_payload()->set_body(Zeros(271828));
    CheckStatus(s.test->UnaryCall(&ctx, req, &resp), StatusCode::OK, "UnaryCall");
    Check(Zeros(resp.payload(), 314159), "response payload is not 314159 zeros");
  }
}

void ClientCompressedStreaming(Stubs& s) {
  StreamingInputCallRequest first, second;
  first.mutable_expect_compressed()->set_value(true);
  first.mutable_payload()->set_body(Zeros(27182));
  second.mutable_expect_compressed()->set_value(false);
  second.mutable_payload()->set_body(Zeros(45904));
  {
    ClientContext ctx;  // the probe: expect_compressed on a plain message
    SetDeadline(&ctx, kTimeoutMs);
    StreamingInputCallResponse resp;
    auto w = s.test->StreamingInputCall(&ctx, &resp);
    w->Write(first);
    w->WritesDone();
    CheckStatus(w->Finish(), StatusCode::INVALID_ARGUMENT, "StreamingInputCall (the probe)");
  }
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  StreamingInputCallResponse resp;
  auto w = s.test->StreamingInputCall(&ctx, &resp);
  Check(w->Write(first), "write failed");
  Check(w->Write(second, grpc::WriteOptions().set_no_compression()), "write failed");
  w->WritesDone();
  CheckStatus(w->Finish(), StatusCode::OK, "StreamingInputCall");
  Check(resp.aggregated_payload_size() == 73086,
        "aggregated_payload_size " + std::to_string(resp.aggregated_payload_size()) +
            ", want 73086");
}

void ServerCompressedStreaming(Stubs& s) {
  ClientContext ctx;
  SetDeadline(&ctx, kTimeoutMs);
  StreamingOutputCallRequest req = OutReq({31415, 92653}, -1);
  req.mutable_response_parameters(0)->mutable_compressed()->set_value(true);
  req.mutable_response_parameters(1)->mutable_compressed()->set_value(false);
  auto r = s.test->StreamingOutputCall(&ctx, req);
  StreamingOutputCallResponse resp;
  std::vector<size_t> got;
  while (r->Read(&resp)) {
    got.push_back(resp.payload().body() == Zeros(resp.payload().body().size())
                      ? resp.payload().body().size()
                      : 0);
  }
  CheckStatus(r->Finish(), StatusCode::OK, "StreamingOutputCall");
  Check(got == std::vector<size_t>{31415, 92653}, "responses are not 31415, 92653 zeros");
}

const struct {
  const char* name;
  void (*run)(Stubs&);
} kCases[] = {
    {"empty_unary", EmptyUnary},
    {"large_unary", LargeUnary},
    {"client_streaming", ClientStreaming},
    {"server_streaming", ServerStreaming},
    {"ping_pong", PingPong},
    {"empty_stream", EmptyStream},
    {"status_code_and_message", StatusCodeAndMessage},
    {"special_status_message", SpecialStatusMessage},
    {"custom_metadata", CustomMetadata},
    {"unimplemented_method", UnimplementedMethod},
    {"unimplemented_service", UnimplementedServiceCase},
    {"cancel_after_begin", CancelAfterBegin},
    {"cancel_after_first_response", CancelAfterFirstResponse},
    {"timeout_on_sleeping_server", TimeoutOnSleepingServer},
    {"server_ends_bidi_early", ServerEndsBidiEarly},
    {"server_ends_client_stream_early", ServerEndsClientStreamEarly},
    {"client_compressed_unary", ClientCompressedUnary},
    {"server_compressed_unary", ServerCompressedUnary},
    {"client_compressed_streaming", ClientCompressedStreaming},
    {"server_compressed_streaming", ServerCompressedStreaming},
};

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: grpcpp_client --server_host HOST --server_port PORT --test_case NAME\n"
               "cases: all");
  for (const auto& c : kCases) {
    std::fprintf(stderr, " %s", c.name);
  }
  std::fputc('\n', stderr);
  std::exit(2);
}

// "--name=value" or "--name value": the value, or nullptr if arg is not name.
const char* Flag(int argc, char** argv, int* i, const char* name) {
  size_t n = std::strlen(name);
  const char* a = argv[*i];
  if (std::strncmp(a, name, n) != 0) {
    return nullptr;
  }
  if (a[n] == '=') {
    return a + n + 1;
  }
  if (a[n] == '\0') {
    if (*i + 1 >= argc) {
      Usage();
    }
    return argv[++*i];
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", port, test_case, override_host;
  for (int i = 1; i < argc; i++) {
    const char* v;
    if ((v = Flag(argc, argv, &i, "--server_host_override")) != nullptr) {
      override_host = v;
    } else if ((v = Flag(argc, argv, &i, "--server_host")) != nullptr) {
      host = v;
    } else if ((v = Flag(argc, argv, &i, "--server_port")) != nullptr) {
      port = v;
    } else if ((v = Flag(argc, argv, &i, "--test_case")) != nullptr) {
      test_case = v;
    } else if ((v = Flag(argc, argv, &i, "--use_tls")) != nullptr) {
      if (std::strcmp(v, "false") != 0) {
        std::fprintf(stderr, "grpcpp_client: TLS is not supported here\n");
        return 2;
      }
    } else {
      Usage();
    }
  }
  if (port.empty() || test_case.empty()) {
    Usage();
  }
  bool all = test_case == "all";
  bool known = all;
  for (const auto& c : kCases) {
    known = known || test_case == c.name;
  }
  if (!known) {
    std::fprintf(stderr, "grpcpp_client: unknown test case '%s'\n", test_case.c_str());
    Usage();
  }

  std::string target =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);
  if (!override_host.empty()) {
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, override_host);
  }
  auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  Stubs stubs{TestService::NewStub(channel), UnimplementedService::NewStub(channel)};

  int failed = 0;
  for (const auto& c : kCases) {
    if (!all && test_case != c.name) {
      continue;
    }
    try {
      c.run(stubs);
      std::printf("%s: passed\n", c.name);
    } catch (const Failed& f) {
      std::fprintf(stderr, "grpcpp_client: %s: FAILED: %s\n", c.name, f.why.c_str());
      std::printf("%s: FAILED\n", c.name);
      failed++;
    }
    std::fflush(stdout);
  }
  return failed ? 1 : 0;
}
