#!/usr/bin/python3
"""greeter_server under systemd socket activation, with sd_notify readiness.

Usage: systemd_activation.py GREETER_SERVER GREETER_CLIENT UNITS_DIR [SYSTEMD_SOCKET_ACTIVATE]

First, the example units in UNITS_DIR (examples/helloworld/systemd:
greeter.socket, greeter.service, with ExecStart pointed at GREETER_SERVER)
must pass `systemd-analyze verify` without a word (it checks them offline).

systemd-socket-activate (Debian's systemd package) binds 127.0.0.1:PORT and
waits; the first connection, a greeter_client call, makes it exec
greeter_server with the socket as fd 3 (LISTEN_FDS=1, LISTEN_PID), which
must serve it: the call succeeds although no server ran when the client
connected (the kernel queued the connection).  greeter_server's --listen
points at a path that cannot be bound, so only the passed socket can serve.
NOTIFY_SOCKET names a datagram socket this test owns: nothing arrives
before the first connection, READY=1 once the server serves, STOPPING=1
at SIGTERM; the server exits 0.  Prints how long the first call took
(start of the process included); no assertion on it.

Then the same with TLS (greeter_server --tls-cert/--tls-key under
activation, trpc_server_listen_systemd_tls()): certificates made by
tests/tls/gen-certs.sh; a greeter_client with --tls-ca is answered on the
passed socket, a plaintext client is not.

Exits 77 (skipped) when systemd-socket-activate is not installed.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

SERVER, CLIENT, UNITS = sys.argv[1:4]
ACTIVATE = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else "/usr/bin/systemd-socket-activate"
if not os.access(ACTIVATE, os.X_OK):
    print("skip: %s not found (Debian package systemd)" % ACTIVATE)
    sys.exit(77)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


tmp = tempfile.mkdtemp(prefix="trpc-sd-")

analyze = os.path.join(os.path.dirname(ACTIVATE), "systemd-analyze")
if os.access(analyze, os.X_OK):
    units = []
    for name in ("greeter.socket", "greeter.service"):
        text = open(os.path.join(UNITS, name)).read()
        text = text.replace("/usr/local/bin/greeter_server", os.path.abspath(SERVER))
        units.append(os.path.join(tmp, name))
        with open(units[-1], "w") as f:
            f.write(text)
    out = subprocess.run([analyze, "verify"] + units, capture_output=True, text=True,
                         timeout=60)
    if out.returncode != 0 or out.stdout.strip() or out.stderr.strip():
        fail("systemd-analyze verify: rc %d\n%s%s" % (out.returncode, out.stdout, out.stderr))
    for u in units:
        os.unlink(u)
    print("ok: systemd-analyze verify passes greeter.socket and greeter.service")
notify_path = os.path.join(tmp, "notify")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)


def datagram(timeout):
    notify.settimeout(timeout)
    try:
        return notify.recv(4096).decode()
    except socket.timeout:
        return None


# A port nobody uses (systemd-socket-activate needs one named).
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()

cmd = [ACTIVATE, "-l", "127.0.0.1:%d" % port, "-E", "NOTIFY_SOCKET=" + notify_path]
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"):
    if var in os.environ:
        cmd += ["-E", var]
cmd += [SERVER, "--listen", "unix:" + os.path.join(tmp, "no", "such", "dir", "sock")]
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    # systemd-socket-activate says "Listening on 127.0.0.1:PORT as 3." once bound.
    line = proc.stderr.readline()
    if "Listening on" not in line:
        fail("systemd-socket-activate: %r" % line)
    got = datagram(0.2)
    if got is not None:
        fail("a notification before any connection: %r" % got)

    t0 = time.monotonic()
    out = subprocess.run([CLIENT, "--target", "127.0.0.1:%d" % port, "activated"],
                         capture_output=True, text=True, timeout=60)
    first_ms = (time.monotonic() - t0) * 1000
    if out.returncode != 0 or out.stdout.strip() != "Hello activated":
        fail("first call: rc %d, %r %r" % (out.returncode, out.stdout, out.stderr))
    print("ok: the first connection started greeter_server and its call was answered "
          "(%.0f ms, process start included)" % first_ms)
    got = datagram(30)
    if got != "READY=1":
        fail("want READY=1 on NOTIFY_SOCKET, got %r" % got)
    print("ok: READY=1 on NOTIFY_SOCKET")
    line = proc.stdout.readline()
    if line.strip() != "greeter_server: listening on 1 socket(s) from systemd":
        fail("greeter_server printed %r" % line)
    out = subprocess.run([CLIENT, "--target", "127.0.0.1:%d" % port, "again"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0 or out.stdout.strip() != "Hello again":
        fail("second call: rc %d, %r %r" % (out.returncode, out.stdout, out.stderr))
    print("ok: served on the passed socket (LISTEN_FDS), --listen ignored")

    proc.send_signal(signal.SIGTERM)
    got = datagram(30)
    if got != "STOPPING=1":
        fail("want STOPPING=1 on NOTIFY_SOCKET, got %r" % got)
    rc = proc.wait(timeout=60)
    if rc != 0:
        fail("greeter_server exited %d: %s" % (rc, proc.stderr.read()))
    print("ok: STOPPING=1 at SIGTERM, exit 0")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    notify.close()
    os.unlink(notify_path)

# ---- TLS on the passed socket ----
import shutil
certs = os.path.join(tmp, "certs")
gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tls", "gen-certs.sh")
subprocess.run(["bash", gen, certs], check=True, timeout=120)
cmd = [ACTIVATE, "-l", "127.0.0.1:%d" % port]
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"):
    if var in os.environ:
        cmd += ["-E", var]
cmd += [SERVER, "--listen", "unix:" + os.path.join(tmp, "no", "such", "dir", "sock"),
        "--tls-cert", os.path.join(certs, "server.pem"),
        "--tls-key", os.path.join(certs, "server.key")]
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    line = proc.stderr.readline()
    if "Listening on" not in line:
        fail("systemd-socket-activate: %r" % line)
    out = subprocess.run([CLIENT, "--target", "127.0.0.1:%d" % port,
                          "--tls-ca", os.path.join(certs, "ca.pem"), "tls"],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0 or out.stdout.strip() != "Hello tls":
        fail("TLS call on the passed socket: rc %d, %r %r"
             % (out.returncode, out.stdout, out.stderr))
    for want in ("greeter_server: serving TLS",
                 "greeter_server: listening on 1 socket(s) from systemd"):
        line = proc.stdout.readline()
        if line.strip() != want:
            fail("greeter_server printed %r, want %r" % (line, want))
    print("ok: TLS on the socket from systemd (trpc_server_listen_systemd_tls)")
    out = subprocess.run([CLIENT, "--target", "127.0.0.1:%d" % port,
                          "plain"], capture_output=True, text=True, timeout=60)
    if out.returncode == 0:
        fail("a plaintext call on the TLS socket succeeded: %r" % out.stdout)
    print("ok: a plaintext client on it fails (%s)" % out.stderr.strip().splitlines()[-1:])
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=60)
    if rc != 0:
        fail("greeter_server (TLS) exited %d: %s" % (rc, proc.stderr.read()))
    print("ok: exit 0")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    shutil.rmtree(tmp)
