// stream_client.cc: the gRPC C++ client of the server-streaming benchmark
// (bench/stream.sh), the same load as bench/stream/stream_client.c:
//
//   grpcpp_stream_client --target HOST:PORT --count N --size B [--streams S]
//                        [--rounds R]
//
// S threads share one channel; each opens R streams one after another,
// asking each for N messages of B bytes, reads them with the blocking
// ClientReader, checks every size and the final OK.  Each stream has a
// 60-second deadline, so a server that stalls fails the run instead of
// hanging it.  Prints the same
// key=value line as the typerpc client.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "streambench.grpc.pb.h"

namespace {

// Reads rounds streams of count messages; returns the messages read, or -1.
long ReadStreams(streambench::Streamer::Stub *stub, uint32_t count, uint32_t size,
                 long rounds) {
    streambench::StreamRequest req;
    req.set_count(count);
    req.set_size(size);
    long total = 0;
    for (long r = 0; r < rounds; r++) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
        auto reader = stub->Stream(&ctx, req);
        streambench::Chunk chunk;
        uint32_t n = 0;
        bool sizes_ok = true;
        while (reader->Read(&chunk)) {
            if (chunk.data().size() != size) sizes_ok = false;
            n++;
        }
        grpc::Status st = reader->Finish();
        if (!st.ok() || n != count || !sizes_ok) {
            std::fprintf(stderr, "grpcpp_stream_client: status %d (%s) after %u of %u messages\n",
                         static_cast<int>(st.error_code()), st.error_message().c_str(), n, count);
            return -1;
        }
        total += n;
    }
    return total;
}

double CpuSeconds() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char **argv) {
    std::string target;
    long count = -1, size = -1, streams = 1, rounds = 1;
    bool bad = argc % 2 == 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (std::strcmp(a, "--target") == 0) target = v;
        else if (std::strcmp(a, "--count") == 0) count = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--size") == 0) size = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--streams") == 0) streams = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--rounds") == 0) rounds = std::strtol(v, nullptr, 10);
        else bad = true;
    }
    if (bad || target.empty() || count < 0 || count > 0xffffffffL || size < 0 ||
        size > (1 << 20) || streams < 1 || streams > 1024 || rounds < 1) {
        std::fprintf(stderr,
                     "usage: grpcpp_stream_client --target HOST:PORT --count N --size B "
                     "[--streams S] [--rounds R]\n");
        return 2;
    }
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    auto stub = streambench::Streamer::NewStub(channel);
    // Connect first, so the counted time has no connection set-up in it.
    if (ReadStreams(stub.get(), 1, 1, 1) != 1) return 1;

    std::atomic<long> received{0};
    std::atomic<bool> ok{true};
    auto t0 = std::chrono::steady_clock::now();
    double c0 = CpuSeconds();
    std::vector<std::thread> ts;
    for (long i = 0; i < streams; i++) {
        ts.emplace_back([&] {
            long n = ReadStreams(stub.get(), static_cast<uint32_t>(count),
                                 static_cast<uint32_t>(size), rounds);
            if (n < 0) ok = false;
            else received += n;
        });
    }
    for (std::thread &t : ts) t.join();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = CpuSeconds() - c0;
    if (!ok) return 1;
    long msgs = received.load();
    std::printf("client=grpcpp streams=%ld size=%ld messages=%ld wall_s=%.4f cpu_s=%.4f "
                "msgs_per_s=%.0f MiB_per_s=%.1f cpu_us_per_msg=%.3f\n",
                streams, size, msgs, wall, cpu, static_cast<double>(msgs) / wall,
                static_cast<double>(msgs) * static_cast<double>(size) / wall / 1048576.0,
                cpu * 1e6 / static_cast<double>(msgs));
    return 0;
}
