#!/usr/bin/python3
"""The soak run: one typerpc server under many calls at a fixed concurrency.

Usage: soak.py SERVER CLIENT [--warmup W] [--unary N] [--streams S]
               [--stream-replies R] [--concurrency C] [--channels K]
               [--rss-tolerance PCT]

Starts SERVER (the interop server: `SERVER --port 0` prints "PORT n"), runs
CLIENT (soak_client) against it, and samples the server's resident memory
(VmRSS) at every 10% of each phase: a warm-up (W unary calls and W/100
streams, not measured), then N unary calls, then S streams.  Passes when
the client saw 0 failed calls and the server, stopped with SIGTERM, exits
0 (under ASan that includes LeakSanitizer finding no leak).  With
--rss-tolerance PCT, also when the RSS at the middle and end of each
measured phase is within PCT percent of the phase's start (after the
warm-up: the server's call pools, arenas and malloc's per-thread heaps have
grown to their working size by then).  Measured: 3,000,000 unary calls
keep the RSS constant to the KiB and 100,000 streams within 1%, but
switching between the two workloads grows malloc's heap by a few hundred
KiB once (more size classes in use), so the drift across phases is printed,
not checked.  Prints the samples either way.
"""
import argparse
import signal
import subprocess
import sys
import time


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("client")
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--unary", type=int, default=100000)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--stream-replies", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=10)
    ap.add_argument("--rss-tolerance", type=float, default=None)
    a = ap.parse_args()

    srv = subprocess.Popen([a.server, "--port", "0"], stdout=subprocess.PIPE, text=True)
    ok = True
    try:
        line = srv.stdout.readline()
        if not line.startswith("PORT "):
            sys.exit("soak: the server printed %r" % line)
        port = int(line.split()[1])
        rss = {"warmup-unary": {}, "warmup-streams": {}, "unary": {}, "streams": {}}
        print("soak: server rss at start: %d KiB" % rss_kib(srv.pid), flush=True)
        t0 = time.monotonic()
        cli = subprocess.Popen([a.client, "--target", "127.0.0.1:%d" % port,
                                "--warmup", str(a.warmup), "--unary", str(a.unary), "--streams", str(a.streams),
                                "--stream-replies", str(a.stream_replies),
                                "--concurrency", str(a.concurrency),
                                "--channels", str(a.channels), "--sync"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        summary = ""
        for line in cli.stdout:
            parts = line.split()
            if len(parts) == 3 and parts[0] == "PHASE":
                rss[parts[1]][int(parts[2])] = rss_kib(srv.pid)
                if parts[2] == "100":  # sampled: the client may go on
                    cli.stdin.write("\n")
                    cli.stdin.flush()
            else:
                summary += line
        rc = cli.wait()
        secs = time.monotonic() - t0
        print(summary.strip())
        print("soak: %.1f s (%.0f unary calls/s over the whole run)"
              % (secs, a.unary / secs if secs else 0))
        if rc != 0:
            print("soak: FAIL: the client saw failed calls (exit %d)" % rc)
            ok = False
        for phase, samples in rss.items():
            if samples:
                print("soak: server rss during %s (KiB, at %%): %s" % (
                    phase, ", ".join("%d%%=%d" % (k, v) for k, v in sorted(samples.items()))))
        if a.rss_tolerance is not None:
            for phase in ("unary", "streams"):
                start = rss[phase].get(0)
                for at in (50, 100):
                    if not start or at not in rss[phase]:
                        continue
                    drift = (rss[phase][at] - start) * 100.0 / start
                    verdict = "ok" if abs(drift) <= a.rss_tolerance else "FAIL"
                    print("soak: %s: rss at %d%% of %s is %+.1f%% of its start (limit %.0f%%)"
                          % (verdict, at, phase, drift, a.rss_tolerance))
                    ok = ok and abs(drift) <= a.rss_tolerance
            if rss["unary"].get(0) and rss["streams"].get(100):
                print("soak: from the start of the unary calls to the end of the streams: %+.1f%% "
                      "(a change of workload costs malloc a few hundred KiB of heap once)"
                      % ((rss["streams"][100] - rss["unary"][0]) * 100.0 / rss["unary"][0]))
    finally:
        if srv.poll() is None:
            srv.send_signal(signal.SIGTERM)
        try:
            src = srv.wait(timeout=120)
        except subprocess.TimeoutExpired:
            srv.kill()
            src = srv.wait()
    if src != 0:
        print("soak: FAIL: the server exited %d (a sanitizer report?)" % src)
        ok = False
    print("soak: %s" % ("passed" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
