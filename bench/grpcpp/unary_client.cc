// unary_client.cc: the gRPC C++ side of the client benchmark (bench/client.sh),
// the same load as bench/client/unary_client.c (typerpc):
//
//   grpcpp_unary_client --target HOST:PORT --calls N
//                       (--inflight M [--api cq|callback] | --threads T)
//                       [--warmup W]
//
// N helloworld.Greeter/SayHello calls ("world" -> "Hello world") over one
// channel (one HTTP/2 connection), either
//   --inflight M: async, M calls in flight at all times, with
//                 --api cq (default): a CompletionQueue; the thread draining
//                 it starts the next call as each one completes (gRPC C++'s
//                 classic async API); or
//                 --api callback: the callback API; each call's completion
//                 callback (on gRPC's threads) starts the next, with a new
//                 ClientContext, as gRPC's own qps benchmark client does;
//   --threads T:  blocking, T threads calling one after another.
// W calls (default N/10, at most 10,000) warm up first and are not counted.
// Every reply is checked.  Prints the same key=value line as the typerpc
// client: cpu_s is user + system of this whole process (gRPC's own threads
// included) over the counted calls.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "helloworld.grpc.pb.h"

namespace {

std::atomic<long> failed{0};

bool ReplyOk(const grpc::Status &st, const helloworld::HelloReply &reply) {
    return st.ok() && reply.message() == "Hello world";
}

void Fail(const grpc::Status &st) {
    if (failed.fetch_add(1) == 0) {
        std::fprintf(stderr, "grpcpp_unary_client: call failed: %d %s\n",
                     static_cast<int>(st.error_code()), st.error_message().c_str());
    }
}

// One async call in flight; reused for the next call when it completes.
struct Slot {
    std::unique_ptr<grpc::ClientContext> ctx;
    helloworld::HelloReply reply;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<helloworld::HelloReply>> rpc;
};

void Start(helloworld::Greeter::Stub *stub, const helloworld::HelloRequest &req,
           grpc::CompletionQueue *cq, Slot *s) {
    s->ctx = std::make_unique<grpc::ClientContext>();
    s->reply.Clear();
    s->rpc = stub->AsyncSayHello(s->ctx.get(), req, cq);
    s->rpc->Finish(&s->reply, &s->status, s);
}

void RunAsync(helloworld::Greeter::Stub *stub, const helloworld::HelloRequest &req,
              long total, long inflight) {
    grpc::CompletionQueue cq;
    std::vector<Slot> slots(static_cast<size_t>(inflight < total ? inflight : total));
    long started = 0, done = 0;
    for (Slot &s : slots) {
        Start(stub, req, &cq, &s);
        started++;
    }
    void *tag;
    bool ok;
    while (done < total && cq.Next(&tag, &ok)) {
        Slot *s = static_cast<Slot *>(tag);
        if (!ok || !ReplyOk(s->status, s->reply)) Fail(s->status);
        done++;
        if (started < total) {
            Start(stub, req, &cq, s);
            started++;
        }
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
}

// The callback API: slot i's completion starts its next call.
struct CallbackRun {
    helloworld::Greeter::Stub *stub;
    const helloworld::HelloRequest *req;
    long total;
    std::atomic<long> started{0};
    std::atomic<long> done{0};
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Slot> slots;

    void Start(size_t i) {
        if (started.fetch_add(1) >= total) return;
        Slot *s = &slots[i];
        s->ctx = std::make_unique<grpc::ClientContext>();
        s->reply.Clear();
        stub->async()->SayHello(s->ctx.get(), req, &s->reply, [this, i](grpc::Status st) {
            Slot *sl = &slots[i];
            if (!ReplyOk(st, sl->reply)) Fail(st);
            long t = total;  // read before counting: the last count ends the run
            Start(i);
            if (done.fetch_add(1) + 1 == t) {
                std::lock_guard<std::mutex> lk(mu);
                cv.notify_one();
            }
        });
    }
};

void RunCallback(helloworld::Greeter::Stub *stub, const helloworld::HelloRequest &req,
                 long total, long inflight) {
    CallbackRun r;
    r.stub = stub;
    r.req = &req;
    r.total = total;
    r.slots.resize(static_cast<size_t>(inflight < total ? inflight : total));
    for (size_t i = 0; i < r.slots.size(); i++) r.Start(i);
    std::unique_lock<std::mutex> lk(r.mu);
    r.cv.wait(lk, [&r] { return r.done.load() >= r.total; });
}

void RunThreads(helloworld::Greeter::Stub *stub, const helloworld::HelloRequest &req,
                long total, long threads) {
    std::vector<std::thread> ts;
    for (long i = 0; i < threads; i++) {
        long n = total / threads + (i < total % threads ? 1 : 0);
        ts.emplace_back([stub, &req, n] {
            for (long k = 0; k < n; k++) {
                grpc::ClientContext ctx;
                helloworld::HelloReply reply;
                grpc::Status st = stub->SayHello(&ctx, req, &reply);
                if (!ReplyOk(st, reply)) Fail(st);
            }
        });
    }
    for (std::thread &t : ts) t.join();
}

double CpuSeconds() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Usage() {
    std::fprintf(stderr,
                 "usage: grpcpp_unary_client --target HOST:PORT --calls N "
                 "(--inflight M [--api cq|callback] | --threads T) [--warmup W]\n");
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    std::string target, api = "cq";
    long calls = 0, inflight = 0, threads = 0, warmup = -1;
    if (argc % 2 == 0) return Usage();
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (std::strcmp(a, "--target") == 0) target = v;
        else if (std::strcmp(a, "--calls") == 0) calls = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--inflight") == 0) inflight = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--threads") == 0) threads = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--warmup") == 0) warmup = std::strtol(v, nullptr, 10);
        else if (std::strcmp(a, "--api") == 0) api = v;
        else return Usage();
    }
    if (target.empty() || calls < 1 || (inflight > 0) == (threads > 0) || inflight < 0 ||
        threads < 0 || (api != "cq" && api != "callback"))
        return Usage();
    if (warmup < 0) warmup = calls / 10 < 10000 ? calls / 10 : 10000;

    auto channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    auto stub = helloworld::Greeter::NewStub(channel);
    helloworld::HelloRequest req;
    req.set_name("world");

    auto run = [&](long n) {
        if (n == 0) return;
        if (inflight > 0 && api == "cq") RunAsync(stub.get(), req, n, inflight);
        else if (inflight > 0) RunCallback(stub.get(), req, n, inflight);
        else RunThreads(stub.get(), req, n, threads);
    };
    run(warmup);
    auto t0 = std::chrono::steady_clock::now();
    double c0 = CpuSeconds();
    run(calls);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double cpu = CpuSeconds() - c0;
    if (failed.load() > 0) {
        std::fprintf(stderr, "grpcpp_unary_client: %ld of %ld calls failed\n", failed.load(),
                     calls + warmup);
        return 1;
    }
    std::printf("client=grpcpp%s mode=%s conc=%ld calls=%ld wall_s=%.4f cpu_s=%.4f "
                "calls_per_s=%.0f cpu_us_per_call=%.2f\n",
                inflight > 0 && api == "callback" ? "-callback" : "",
                inflight > 0 ? "inflight" : "threads", inflight > 0 ? inflight : threads, calls,
                wall, cpu, static_cast<double>(calls) / wall,
                cpu * 1e6 / static_cast<double>(calls));
    return 0;
}
