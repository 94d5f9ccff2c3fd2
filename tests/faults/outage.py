#!/usr/bin/python3
"""A server killed and restarted under an open channel (issue 12's faults).

Usage: outage.py SERVER CLIENT

Starts SERVER (interop_server --port 0, "PORT n"), runs CLIENT
(outage_client: one channel, unary calls back to back, 2 s deadline each),
kills the server with SIGKILL after 2 s, restarts it on the same port
after 2 s more, and lets the client run 4 s after that.  Passes when the
client saw OK before the kill, UNAVAILABLE during the outage (not a hang,
not another status: the client exits 1 on any other), and OK again after
the restart on the same channel, and the restarted server exits 0 at
SIGTERM.
"""
import signal
import subprocess
import sys
import time

SERVER, CLIENT = sys.argv[1:3]


def start(port):
    p = subprocess.Popen([SERVER, "--port", str(port)], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line.startswith("PORT "):
        p.kill()
        sys.exit("outage: the server printed %r" % line)
    return p, int(line.split()[1])


srv, port = start(0)
cli = subprocess.Popen([CLIENT, "--target", "127.0.0.1:%d" % port, "--seconds", "8"],
                       stdout=subprocess.PIPE, text=True)
time.sleep(2)
srv.kill()
srv.wait()
time.sleep(2)
for attempt in range(20):  # the port may linger for a moment
    srv, _ = start(port)
    if srv.poll() is None:
        break
    time.sleep(0.2)
out, _ = cli.communicate(timeout=60)
print(out.strip())
srv.send_signal(signal.SIGTERM)
src = srv.wait(timeout=60)
seq = [l.split()[1].rstrip(":") for l in out.splitlines() if l.startswith("STATUS ")]
ok = True
if cli.returncode != 0:
    print("outage: FAIL: the client saw a status other than OK and UNAVAILABLE")
    ok = False
if not (len(seq) >= 3 and seq[0] == "OK" and "UNAVAILABLE" in seq and seq[-1] == "OK"
        and seq.index("UNAVAILABLE") > 0):
    print("outage: FAIL: want OK, then UNAVAILABLE, then OK again; got %s" % seq)
    ok = False
if src != 0:
    print("outage: FAIL: the restarted server exited %d" % src)
    ok = False
print("outage: %s" % ("passed" if ok else "FAILED"))
sys.exit(0 if ok else 1)
