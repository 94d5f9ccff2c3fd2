// grpcpp_server.cc: gRPC's standard interop server (grpc.testing.TestService)
// on gRPC C++ (Debian's libgrpc++-dev, sync API), following
// grpc/doc/interop-test-descriptions.md ("Server").  A test peer for
// typerpc's interop suite only: typerpc's users never need C++.
//
// Usage: grpcpp_server --port N [--use_tls=false]   (0 picks a free port)
//
// Listens on 127.0.0.1, prints "PORT <n>" once listening, stops on SIGTERM
// or SIGINT (graceful for a second, then calls are cancelled) and exits 0.
//
// Features: EmptyCall, UnaryCall, CacheableUnaryCall (payload of
// response_size zero bytes; COMPRESSABLE only), StreamingOutputCall,
// FullDuplexCall (each request answered as it comes) and HalfDuplexCall
// (all answered after half-close), one response per ResponseParameters
// observing interval_us; StreamingInputCall (aggregated payload size); Echo
// Status (a non-zero response_status ends the call at once, even while the
// client still sends); Echo Metadata; CompressedRequest (expect_compressed:
// INVALID_ARGUMENT at once: gRPC C++'s public API cannot tell whether a
// request came compressed); CompressedResponse (gzip: response_compressed on
// UnaryCall, ResponseParameters.compressed per message with
// WriteOptions::set_no_compression).  UnimplementedCall is not overridden, so the generated base
// answers UNIMPLEMENTED; UnimplementedService is not registered.
#include <grpcpp/grpcpp.h>

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpc/testing/test.grpc.pb.h"

namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
using namespace grpc::testing;

const char kEchoInitial[] = "x-grpc-test-echo-initial";
const char kEchoTrailing[] = "x-grpc-test-echo-trailing-bin";

// Echo Metadata: the two test keys back as a header and as a trailer.
void EchoMetadata(ServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(kEchoInitial);
  if (it != md.end()) {
    ctx->AddInitialMetadata(kEchoInitial, std::string(it->second.data(), it->second.size()));
  }
  it = md.find(kEchoTrailing);
  if (it != md.end()) {
    ctx->AddTrailingMetadata(kEchoTrailing, std::string(it->second.data(), it->second.size()));
  }
}

// Echo Status: true (and *st set) when req asks the call to end with a status.
template <class Req>
bool EchoStatus(const Req& req, Status* st) {
  if (!req.has_response_status() || req.response_status().code() == 0) {
    return false;
  }
  *st = Status(static_cast<StatusCode>(req.response_status().code()),
               req.response_status().message());
  return true;
}

void FillPayload(Payload* p, int32_t size) {
  p->set_type(COMPRESSABLE);
  p->set_body(std::string(static_cast<size_t>(size), '\0'));
}

// Writes the responses req asks for through writer (a ServerWriter or a
// ServerReaderWriter); Status::OK when all went out.
template <class Writer>
Status Respond(ServerContext* ctx, const StreamingOutputCallRequest& req, Writer* writer) {
  Status st;
  if (EchoStatus(req, &st)) {
    return st;
  }
  for (const ResponseParameters& rp : req.response_parameters()) {
    if (rp.compressed().value()) {
      ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
      break;
    }
  }
  for (const ResponseParameters& rp : req.response_parameters()) {
    if (rp.size() < 0) {
      return Status(StatusCode::INVALID_ARGUMENT, "negative size");
    }
    if (rp.interval_us() > 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(rp.interval_us()));
    }
    StreamingOutputCallResponse resp;
    FillPayload(resp.mutable_payload(), rp.size());
    grpc::WriteOptions wo;
    if (!rp.compressed().value()) {
      wo.set_no_compression();
    }
    if (!writer->Write(resp, wo)) {
      return ctx->IsCancelled() ? Status::CANCELLED
                                : Status(StatusCode::UNAVAILABLE, "write failed");
    }
  }
  return Status::OK;
}

class TestServiceImpl final : public TestService::Service {
 public:
  Status EmptyCall(ServerContext* ctx, const Empty*, Empty*) override {
    EchoMetadata(ctx);
    return Status::OK;
  }

  Status UnaryCall(ServerContext* ctx, const SimpleRequest* req,
                   SimpleResponse* resp) override {
    EchoMetadata(ctx);
    Status st;
    if (EchoStatus(*req, &st)) {
      return st;
    }
    if (req->has_expect_compressed() && req->expect_compressed().value()) {
      return Status(StatusCode::INVALID_ARGUMENT, "expected a compressed request");
    }
    if (req->response_compressed().value()) {
      ctx->set_compression_algorithm(GRPC_COMPRESS_GZIP);
    }
    if (req->response_type() != COMPRESSABLE) {
      return Status(StatusCode::INVALID_ARGUMENT, "unsupported response_type");
    }
    if (req->response_size() < 0) {
      return Status(StatusCode::INVALID_ARGUMENT, "negative response_size");
    }
    if (req->response_size() > 0) {
      FillPayload(resp->mutable_payload(), req->response_size());
    }
    return Status::OK;
  }

  Status CacheableUnaryCall(ServerContext* ctx, const SimpleRequest* req,
                            SimpleResponse* resp) override {
    return UnaryCall(ctx, req, resp);
  }

  Status StreamingOutputCall(ServerContext* ctx, const StreamingOutputCallRequest* req,
                             grpc::ServerWriter<StreamingOutputCallResponse>* w) override {
    EchoMetadata(ctx);
    return Respond(ctx, *req, w);
  }

  Status StreamingInputCall(ServerContext* ctx,
                            grpc::ServerReader<StreamingInputCallRequest>* r,
                            StreamingInputCallResponse* resp) override {
    EchoMetadata(ctx);
    StreamingInputCallRequest req;
    int64_t total = 0;
    while (r->Read(&req)) {
      if (req.has_expect_compressed() && req.expect_compressed().value()) {
        // Ends the call now, though the client may still be sending.
        return Status(StatusCode::INVALID_ARGUMENT, "expected a compressed request");
      }
      total += static_cast<int64_t>(req.payload().body().size());
    }
    if (ctx->IsCancelled()) {
      return Status::CANCELLED;
    }
    resp->set_aggregated_payload_size(static_cast<int32_t>(total));
    return Status::OK;
  }

  Status FullDuplexCall(
      ServerContext* ctx,
      grpc::ServerReaderWriter<StreamingOutputCallResponse, StreamingOutputCallRequest>* s)
      override {
    EchoMetadata(ctx);
    StreamingOutputCallRequest req;
    while (s->Read(&req)) {
      Status st = Respond(ctx, req, s);
      if (!st.ok()) {
        return st;  // Echo Status ends the call here, before half-close
      }
    }
    return ctx->IsCancelled() ? Status::CANCELLED : Status::OK;
  }

  Status HalfDuplexCall(
      ServerContext* ctx,
      grpc::ServerReaderWriter<StreamingOutputCallResponse, StreamingOutputCallRequest>* s)
      override {
    EchoMetadata(ctx);
    std::vector<StreamingOutputCallRequest> held;
    StreamingOutputCallRequest req;
    while (s->Read(&req)) {
      held.push_back(req);
    }
    for (const auto& h : held) {
      Status st = Respond(ctx, h, s);
      if (!st.ok()) {
        return st;
      }
    }
    return ctx->IsCancelled() ? Status::CANCELLED : Status::OK;
  }
};

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: grpcpp_server --port N [--use_tls=false]\n");
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
  std::string port = "0";
  for (int i = 1; i < argc; i++) {
    const char* v;
    if ((v = Flag(argc, argv, &i, "--port")) != nullptr) {
      port = v;
    } else if ((v = Flag(argc, argv, &i, "--use_tls")) != nullptr) {
      if (std::strcmp(v, "false") != 0) {
        std::fprintf(stderr, "grpcpp_server: TLS is not supported here\n");
        return 2;
      }
    } else {
      Usage();
    }
  }

  // Block the stop signals before gRPC starts its threads, then wait for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  TestServiceImpl service;
  grpc::ServerBuilder builder;
  int bound = 0;
  builder.AddListeningPort("127.0.0.1:" + port, grpc::InsecureServerCredentials(), &bound);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.SetMaxSendMessageSize(16 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    std::fprintf(stderr, "grpcpp_server: cannot listen on 127.0.0.1:%s\n", port.c_str());
    return 1;
  }
  std::printf("PORT %d\n", bound);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&sigs, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server->Wait();
  return 0;
}
