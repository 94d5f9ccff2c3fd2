// greeter_server.cc: a gRPC C++ helloworld.Greeter server, the reference
// bench/load.sh measures typerpc against.  Same contract as
// examples/helloworld (SayHello -> "Hello " + name), written with grpc++'s
// callback API (its recommended fast path).
//
// Usage: grpcpp_greeter_server [--port N] [--tls-cert FILE --tls-key FILE]
//   (port 0 picks a free port; with the PEM certificate chain and key it
//   serves TLS, as bench/tls.sh compares)
// Prints "PORT <n>" once listening; serves until killed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
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

std::string slurp(const char *path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

int main(int argc, char **argv) {
    int port = 0;
    const char *tls_cert = nullptr, *tls_key = nullptr;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else if (std::strcmp(argv[i], "--tls-cert") == 0 && i + 1 < argc) {
            tls_cert = argv[++i];
        } else if (std::strcmp(argv[i], "--tls-key") == 0 && i + 1 < argc) {
            tls_key = argv[++i];
        } else {
            std::fprintf(stderr,
                         "usage: grpcpp_greeter_server [--port N] [--tls-cert F --tls-key F]\n");
            return 2;
        }
    }
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (tls_cert && tls_key) {
        grpc::SslServerCredentialsOptions ssl;
        ssl.pem_key_cert_pairs.push_back({slurp(tls_key), slurp(tls_cert)});
        creds = grpc::SslServerCredentials(ssl);
    }
    GreeterImpl service;
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                             creds, &bound);
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
