// greeter_server.cc: a gRPC C++ helloworld.Greeter server, the reference
// bench/load.sh measures typerpc against.  Same contract as
// examples/helloworld (SayHello -> "Hello " + name), written with grpc++'s
// callback API (its recommended fast path).
//
// Usage: grpcpp_greeter_server [--port N]   (0 picks a free port)
// Prints "PORT <n>" once listening; serves until killed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "helloworld.grpc.pb.h"

namespace {

class GreeterImpl final : public helloworld::Greeter::CallbackService {
    grpc::ServerUnaryReactor *SayHello(grpc::CallbackServerContext *ctx,
                                       const helloworld::HelloRequest *req,
                                       helloworld::HelloReply *reply) override {
        reply->set_message("Hello " + req->name());
        grpc::ServerUnaryReactor *r = ctx->DefaultReactor();
        r->Finish(grpc::Status::OK);
        return r;
    }
};

}  // namespace

int main(int argc, char **argv) {
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: grpcpp_greeter_server [--port N]\n");
            return 2;
        }
    }
    GreeterImpl service;
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureServerCredentials(), &bound);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server || bound == 0) {
        std::fprintf(stderr, "grpcpp_greeter_server: cannot listen on port %d\n", port);
        return 1;
    }
    std::printf("PORT %d\n", bound);
    std::fflush(stdout);
    server->Wait();
    return 0;
}
