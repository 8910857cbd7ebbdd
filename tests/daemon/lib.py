"""Scenario-test helpers for `logward run`: a private directory per test,
a real SMTP sink (tests/lib/smtp_sink.py, aiosmtpd), the real daemon with
a test clock (LOGWARD_TEST_CLOCK), and readers for the mails it delivers.

Everything binds to 127.0.0.1 on ports the kernel picks.  Run with
/usr/bin/python3 (Debian's, which has aiosmtpd)."""

import email
import email.policy
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SINK = os.path.join(ROOT, "tests", "lib", "smtp_sink.py")
PY = "/usr/bin/python3"

# a fixed local start time for the test clock: 2026-03-02 10:00:00 UTC
T0 = 1772445600


def wait_for(pred, timeout=10.0, step=0.05, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))


class Sink:
    """The SMTP sink as a subprocess; mails land in self.dir."""

    def __init__(self, base, *args, port=0):
        self.dir = os.path.join(base, "mail")
        os.makedirs(self.dir, exist_ok=True)
        pf = os.path.join(base, "sink.port.%d" % time.monotonic_ns())
        cmd = [PY, SINK, "--dir", self.dir, "--port-file", pf]
        if port:
            cmd += ["--port", str(port)]
        cmd += list(args)
        self.log = open(os.path.join(base, "sink.stderr"), "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        self.port = int(wait_for(lambda: os.path.exists(pf) and open(pf).read().strip(),
                                 what="the SMTP sink to listen"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def mails(self):
        """Accepted messages in arrival order, as email.message objects."""
        out = []
        for n in sorted(f for f in os.listdir(self.dir)
                        if f.startswith("mail-") and f.endswith(".eml")):
            if not os.path.exists(os.path.join(self.dir, n[:-4] + ".envelope")):
                continue    # the sink writes the .eml first: not complete yet
            with open(os.path.join(self.dir, n), "rb") as fp:
                raw = fp.read()
            m = email.message_from_bytes(raw, policy=email.policy.default)
            m.raw = raw
            env = open(os.path.join(self.dir, n[:-4] + ".envelope")).read()
            m.envelope = env
            out.append(m)
        return out

    def rejected(self):
        return sorted(f for f in os.listdir(self.dir)
                      if f.startswith("rejected-") and f.endswith(".eml"))

    def wait_mails(self, n, timeout=15):
        wait_for(lambda: len(self.mails()) >= n, timeout,
                 what="%d mail(s) at the sink (have %d)" % (n, len(self.mails())))
        return self.mails()

    def events(self):
        """The lines of DIR/sink.log (one per SMTP event)."""
        p = os.path.join(self.dir, "sink.log")
        return open(p, errors="replace").read().splitlines() if os.path.exists(p) else []


def free_port(udp=False, addr="127.0.0.1"):
    """A port on addr that nothing listens on (just closed): TCP, or UDP
    with udp=True; addr may be an IPv6 address such as "::1"."""
    import socket
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
    s.bind((addr, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def body_text(m):
    """The decoded body (quoted-printable undone) as text."""
    part = m.get_body(preferencelist=("plain",)) if m.is_multipart() else m
    data = part.get_payload(decode=True) or b""
    return data.decode("utf-8", "replace")


class Daemon:
    """`logward run` in the foreground with a private state/spool dir."""

    def __init__(self, env, conf_text, name="logward.conf", clock=T0):
        self.env = env
        self.base = env.base
        self.conf = os.path.join(self.base, name)
        self.clock = os.path.join(self.base, "clock")
        self.proc = None
        if clock is not None and not os.path.exists(self.clock):
            self.set_clock(clock)
        self.write_conf(conf_text)

    def write_conf(self, text):
        b = self.base
        head = ("set statedir %s/state\nset spooldir %s/spool\n"
                "set cachedir %s/cache\n" % (b, b, b))
        if self.env.sink is not None and "set mailserver" not in text:
            head += "set mailserver 127.0.0.1:%d\n" % self.env.sink.port
        with open(self.conf, "w") as fp:
            fp.write(head + text)

    def set_clock(self, t):
        tmp = self.clock + ".tmp"
        with open(tmp, "w") as fp:
            fp.write("%d\n" % t)
        os.rename(tmp, self.clock)

    def now(self):
        return int(open(self.clock).read())

    def advance(self, secs):
        self.set_clock(self.now() + secs)

    def start(self, *args, wait=True, extra_env=None, use_clock=True):
        env = dict(os.environ)
        env["TZ"] = env.get("TZ", "UTC")
        if use_clock:
            env["LOGWARD_TEST_CLOCK"] = self.clock
        env.pop("LOGWARD_CACHE_DIR", None)
        if extra_env:
            env.update(extra_env)
        self.stderr = open(os.path.join(self.base, "daemon.stderr"), "ab")
        self.proc = subprocess.Popen([self.env.bin, "run", "-c", self.conf] + list(args),
                                     stdout=self.stderr, stderr=self.stderr, env=env)
        if wait:
            wait_for(lambda: self.proc.poll() is not None or self.ctl_ok(),
                     30, what="the daemon's control socket")
            if self.proc.poll() is not None:
                raise AssertionError("daemon exited with %d: %s" %
                                     (self.proc.returncode, self.log()[-2000:]))
        return self

    def ctl_ok(self):
        r = subprocess.run([self.env.bin, "status", "-c", self.conf],
                           capture_output=True)
        return r.returncode == 0

    def ctl(self, *cmd):
        r = subprocess.run([self.env.bin] + list(cmd) + ["-c", self.conf],
                           capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    def status(self):
        return self.ctl("status")[1]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=None, timeout=30):
        if sig is None:
            sig = signal.SIGTERM
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("daemon did not stop within %ds" % timeout)
        self.stderr.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.stderr.close()
        self.proc = None

    def log(self):
        p = os.path.join(self.base, "daemon.stderr")
        return open(p, errors="replace").read() if os.path.exists(p) else ""

    def sender_status(self):
        """SPOOL/sender.status as a dict of strings ({} when missing)."""
        p = os.path.join(self.base, "spool", "sender.status")
        out = {}
        try:
            for l in open(p):
                k, _, v = l.rstrip("\n").partition(" ")
                out[k] = v
        except FileNotFoundError:
            pass
        return out

    def wait_checkpoint(self, timeout=10):
        """Waits for the next checkpoint write (the state file changes)."""
        st = os.path.join(self.base, "state", "state")
        before = os.stat(st).st_mtime_ns if os.path.exists(st) else 0
        wait_for(lambda: os.path.exists(st) and os.stat(st).st_mtime_ns != before,
                 timeout, what="a checkpoint")

    def wait_lines(self, n, timeout=15):
        """Waits until status says at least n lines were read."""
        def got():
            m = re.search(r"lines: (\d+) read", self.status())
            return m and int(m.group(1)) >= n
        wait_for(got, timeout, what="%d lines read" % n)


class Env:
    """One test's world: temp dir, sink, daemon binary."""

    def __init__(self, bin, name, sink_args=(), sink=True):
        self.bin = bin
        self.base = tempfile.mkdtemp(prefix="logward-daemon-%s." % name)
        self.sink = Sink(self.base, *sink_args) if sink else None
        self.daemons = []
        self.sinks = []     # more sinks (add_sink), stopped by close()

    def daemon(self, conf_text, **kw):
        d = Daemon(self, conf_text, **kw)
        self.daemons.append(d)
        return d

    def path(self, *p):
        return os.path.join(self.base, *p)

    def add_sink(self, sub, *args, port=0):
        """Another SMTP sink with its own directory base/sub (mails in
        base/sub/mail), e.g. one restarted on the same port; close()
        stops it."""
        d = self.path(sub)
        os.makedirs(d, exist_ok=True)
        s = Sink(d, *args, port=port)
        self.sinks.append(s)
        return s

    def close(self, keep=False):
        for d in self.daemons:
            try:
                if d.proc is not None:
                    d.stop(signal.SIGKILL)
            except Exception:
                pass
        if self.sink is not None:
            self.sink.stop()
        for s in self.sinks:
            s.stop()
        if not keep:
            shutil.rmtree(self.base, ignore_errors=True)


def append(path, lines):
    with open(path, "ab") as fp:
        for l in lines:
            fp.write(l if isinstance(l, bytes) else l.encode())
            fp.write(b"\n")


def report_counts(mails, queue=None):
    """Sums per masked message over the tenshi-layout bodies of mails
    ("  COUNT: MESSAGE" lines under a host line)."""
    counts = {}
    for m in mails:
        if queue is not None and m.get("X-logward-queue") != queue:
            continue
        for line in body_text(m).splitlines():
            mm = re.match(r"^\s+(\d+): (.*)$", line)
            if mm:
                counts[mm.group(2)] = counts.get(mm.group(2), 0) + int(mm.group(1))
    return counts


def report_hosts(mails, queue=None):
    """{host: {masked message: count}} summed over the tenshi-layout
    bodies of mails ("HOST: " lines, then "  COUNT: MESSAGE" lines)."""
    out = {}
    for m in mails:
        if queue is not None and m.get("X-logward-queue") != queue:
            continue
        host = None
        for line in body_text(m).splitlines():
            mm = re.match(r"^\s+(\d+): (.*)$", line)
            if mm and host is not None:
                d = out.setdefault(host, {})
                d[mm.group(2)] = d.get(mm.group(2), 0) + int(mm.group(1))
                continue
            mh = re.match(r"^(\S.*): $", line)
            host = mh.group(1) if mh else None
    return out


def header_fields(raw):
    """[(name, value)] of the header block of a raw message (bytes, LF or
    CRLF line ends), continuation lines unfolded (joined with their
    leading blank), in order; values as bytes."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    out = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + line)
            continue
        name, sep, value = line.partition(b":")
        out.append((name.decode("latin-1"), value.strip() if sep else None))
    return out


def body_bytes(m):
    """The decoded body (quoted-printable undone) as bytes, exactly."""
    part = m.get_body(preferencelist=("plain",)) if m.is_multipart() else m
    return part.get_payload(decode=True) or b""
