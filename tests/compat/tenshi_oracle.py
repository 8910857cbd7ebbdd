"""Run the real tenshi 0.13 as a test oracle (stdlib only; run with
/usr/bin/python3 so that tests/lib/smtp_sink.py finds aiosmtpd).

run_tenshi(config, input_file, workdir) does this:
  1. flatten CONFIG the way tenshi reads it (include / includedir inlined,
     relative paths resolved against the including file's directory),
     comment out the directives that would read other inputs, bind, mail
     elsewhere or change user, and put our own settings first:
         set mailserver 127.0.0.1:PORT   (the sink)
         set uid/gid <current user/group>
         set pidfile WORKDIR/tenshi.pid
         set logfile WORKDIR/tenshi-input.log  (empty at start)
         set sleep 3600     (no periodic queue check after the first one:
                             every queue is mailed exactly once, at TERM)
  2. start tests/lib/smtp_sink.py on a free 127.0.0.1 port;
  3. start  perl -e '<autoflush STDOUT>; do /usr/sbin/tenshi' -- -c EFFECTIVE -d 1
     in its own process group (debug mode stays in the foreground and prints
     "[MAIN]  got message: ..." for every line it reads);
  4. wait until its tail child has the input file open and an inotify watch
     set, append INPUT, wait until tenshi has read every newline-terminated
     line, send SIGTERM: tenshi mails every non-empty queue (status
     "terminating") and exits; stop the sink;
  5. return the mails, in arrival order, as (eml bytes, envelope text).
Every process started here is stopped by its id / process group on the way
out, also on errors and timeouts.
"""

import grp
import os
import pwd
import re
import signal
import subprocess
import sys
import time

TENSHI = os.environ.get("COMPAT_TENSHI", "/usr/sbin/tenshi")
PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
SINK = os.path.join(os.path.dirname(HERE), "lib", "smtp_sink.py")

# Perl's \s (ASCII): space \t \n \v \f \r
_LTRIM = re.compile(rb"^[ \t\n\x0b\x0c\r]+")
_INCLUDE = re.compile(rb"^include\s+(\S+)")
_INCLUDEDIR = re.compile(rb"^includedir\s+(\S+)")
# tenshi's own patterns for the directives we take over (checked on the
# left-trimmed, chomped line, like tenshi does).
_NEUTRALISE = [re.compile(p) for p in (
    rb"^set\s+logfile\s+\S",
    rb"^set\s+fifo\s+\S",
    rb"^set\s+pidfile\s+\S",
    rb"^set\s+tail\s+\S",
    rb"^set\s+tail_multiple\s+(?:off|on)",
    rb"^set\s+uid\s+.",
    rb"^set\s+gid\s+.",
    rb"^set\s+listen\s+\d+\.\d+\.\d+\.\d+:\d+",
    rb"^set\s+mailserver\s+.",
    rb"^set\s+resolve\s+(?:off|on)",
    rb"^set\s+sleep\s+\d",
)]

GOT_MESSAGE = b"[MAIN]  got message: "


class OracleError(Exception):
    """tenshi could not be run to completion; str() says why."""


def flatten_config(path, _depth=0):
    """Return the config as one byte string with include/includedir inlined.

    Lines are copied byte for byte (trailing blanks and CRs kept); only a
    missing final newline is added.  Included content replaces the include
    line, which is kept as a comment for orientation."""
    if _depth > 40:
        raise OracleError("include nesting too deep at %s" % path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise OracleError("could not open configuration file %s: %s" % (path, e))
    base = os.path.dirname(os.path.abspath(path))
    out = []
    for raw in data.splitlines(keepends=True):
        line = raw if raw.endswith(b"\n") else raw + b"\n"
        body = _LTRIM.sub(b"", line)
        if body.startswith(b"#") or body == b"":
            out.append(line)
            continue
        m = _INCLUDE.match(body)
        if m:
            target = os.path.join(base, os.fsdecode(m.group(1)))
            out.append(b"#compat-oracle# " + line)
            out.append(flatten_config(target, _depth + 1))
            continue
        m = _INCLUDEDIR.match(body)
        if m:
            d = os.path.join(base, os.fsdecode(m.group(1)))
            out.append(b"#compat-oracle# " + line)
            try:
                names = sorted(os.listdir(os.fsencode(d)))
            except OSError as e:
                raise OracleError("could not open directory %s: %s" % (d, e))
            for name in names:
                if name.startswith(b"."):
                    continue
                full = os.path.join(os.fsencode(d), name)
                if not os.path.isfile(full):
                    continue
                out.append(flatten_config(os.fsdecode(full), _depth + 1))
            continue
        out.append(line)
    return b"".join(out)


def effective_config(config, port, logfile, pidfile, sleep=3600):
    """Flattened config with the oracle's own settings first."""
    flat = flatten_config(config)
    out = []
    for line in flat.splitlines(keepends=True):
        body = _LTRIM.sub(b"", line).rstrip(b"\n")
        if any(p.match(body) for p in _NEUTRALISE):
            out.append(b"#compat-oracle# " + line)
        else:
            out.append(line)
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    head = ("# effective config written by tests/compat/tenshi_oracle.py\n"
            "set mailserver 127.0.0.1:%d\n"
            "set uid %s\nset gid %s\n"
            "set pidfile %s\nset logfile %s\nset sleep %d\n"
            % (port, user, group, pidfile, logfile, sleep)).encode()
    return head + b"".join(out)


def _children(pid):
    """Pids whose parent is pid (scan of /proc)."""
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ..." -- comm may contain blanks/parens
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1 and int(rest[1]) == pid:
            kids.append(int(name))
    return kids


def _tail_state(pid, path):
    """(has the file open, has an inotify watch) for process pid."""
    has_file = has_watch = False
    fddir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fddir)
    except OSError:
        return False, False
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fddir, fd))
        except OSError:
            continue
        if target == path:
            has_file = True
        elif target == "anon_inode:inotify":
            try:
                with open("/proc/%d/fdinfo/%s" % (pid, fd)) as fh:
                    if "inotify wd:" in fh.read():
                        has_watch = True
            except OSError:
                pass
    return has_file, has_watch


class _Proc:
    """A started child in its own process group; stop() is idempotent."""

    def __init__(self, argv, **kw):
        self.p = subprocess.Popen(argv, start_new_session=True, **kw)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def wait(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def group_alive(self):
        try:
            os.killpg(self.pid, 0)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def stop(self, grace=3.0):
        """TERM the process, KILL it after grace, then KILL anything left
        in its process group (e.g. tenshi's tail child)."""
        if self.alive():
            self.signal(signal.SIGTERM)
            if self.wait(grace) is None:
                self.signal(signal.SIGKILL)
                self.wait(5)
        for _ in range(20):
            if not self.group_alive():
                return
            time.sleep(0.05)
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _wait_for(cond, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


def _tail_text(path, limit=2000):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    return data[-limit:].decode("utf-8", "replace")


def run_tenshi(config, input_file, workdir, timeout=120, tenshi=TENSHI,
               registry=None):
    """Run tenshi over input_file; return [(eml_bytes, envelope_text)].

    workdir must exist and be empty; it receives effective.conf,
    tenshi.out (debug output), tenshi.err, sink/ (mails + sink.log).
    registry: optional set to which live _Proc objects are added while they
    run (so a caller's signal handler can stop them)."""
    workdir = os.path.abspath(workdir)
    maildir = os.path.join(workdir, "sink")
    portfile = os.path.join(workdir, "sink.port")
    logfile = os.path.join(workdir, "tenshi-input.log")
    pidfile = os.path.join(workdir, "tenshi.pid")
    effective = os.path.join(workdir, "effective.conf")
    out_path = os.path.join(workdir, "tenshi.out")
    err_path = os.path.join(workdir, "tenshi.err")
    registry = registry if registry is not None else set()

    with open(input_file, "rb") as fh:
        data = fh.read()
    expected = data.count(b"\n")
    if data and not data.endswith(b"\n"):
        sys.stderr.write("tenshi_oracle: %s: final line has no newline; "
                         "tenshi never reads it\n" % input_file)
    open(logfile, "wb").close()

    sink = tenshi_p = None
    try:
        with open(os.path.join(workdir, "sink.err"), "wb") as serr:
            sink = _Proc([PYTHON, SINK, "--dir", maildir, "--port-file", portfile],
                         stdin=subprocess.DEVNULL, stdout=serr, stderr=serr)
        registry.add(sink)
        if not _wait_for(lambda: os.path.exists(portfile) or not sink.alive(), 10):
            raise OracleError("SMTP sink did not start")
        if not os.path.exists(portfile):
            raise OracleError("SMTP sink died: " +
                              _tail_text(os.path.join(workdir, "sink.err")))
        with open(portfile) as fh:
            port = int(fh.read())

        with open(effective, "wb") as fh:
            fh.write(effective_config(config, port, logfile, pidfile))

        # a fixed hash seed makes tenshi's own output repeatable from run to
        # run; COMPAT_TENSHI_HASH_SEED=random checks that the normalisation
        # really hides every hash-order effect
        seed = os.environ.get("COMPAT_TENSHI_HASH_SEED", "0")
        env = dict(os.environ, PERL_HASH_SEED=seed, PERL_PERTURB_KEYS="0",
                   ANSI_COLORS_DISABLED="1", LC_ALL="C")
        if seed == "random":
            del env["PERL_HASH_SEED"], env["PERL_PERTURB_KEYS"]
        env.pop("PERL5OPT", None)
        starter = ("use IO::Handle; STDOUT->autoflush(1); STDERR->autoflush(1);"
                   " my $t = shift @ARGV; my $r = do $t; die $@ if $@;"
                   " die \"cannot run $t: $!\\n\" unless defined $r; exit 0;")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            tenshi_p = _Proc(["perl", "-e", starter, "--", tenshi,
                              "-c", effective, "-d", "1"],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             cwd=workdir, env=env)
        registry.add(tenshi_p)

        # 1. wait for tail to follow the (empty) log file
        state = {"tail": None, "since": None}

        def tail_ready():
            if not tenshi_p.alive():
                return True
            if state["tail"] is None:
                kids = _children(tenshi_p.pid)
                if not kids:
                    return False
                state["tail"] = kids[0]
            has_file, has_watch = _tail_state(state["tail"], logfile)
            if not has_file:
                return False
            if has_watch:
                return True
            # no inotify (polling tail): give it time for its first poll
            if state["since"] is None:
                state["since"] = time.monotonic()
            return time.monotonic() - state["since"] > 2.5
        if not _wait_for(tail_ready, 30):
            raise OracleError("tenshi's tail did not start following %s" % logfile)
        if not tenshi_p.alive():
            raise OracleError("tenshi exited at start-up (status %s): %s" % (
                tenshi_p.p.returncode, _tail_text(err_path) or _tail_text(out_path)))
        time.sleep(0.2)

        # 2. feed the input and wait until every line has been read
        with open(logfile, "ab") as fh:
            fh.write(data)
        count = [0, 0, b""]     # lines seen, bytes read, partial line

        def all_read():
            with open(out_path, "rb") as fh:
                fh.seek(count[1])
                chunk = fh.read()
            count[1] += len(chunk)
            buf = count[2] + chunk
            lines = buf.split(b"\n")
            count[2] = lines.pop()
            count[0] += sum(1 for l in lines if l.startswith(GOT_MESSAGE))
            return count[0] >= expected or not tenshi_p.alive()
        if not _wait_for(all_read, timeout, 0.1):
            raise OracleError("tenshi read only %d of %d lines within %d s"
                              % (count[0], expected, timeout))
        if not tenshi_p.alive():
            raise OracleError("tenshi died after %d of %d lines (status %s): %s" % (
                count[0], expected, tenshi_p.p.returncode,
                _tail_text(err_path) or _tail_text(out_path)))
        if count[0] != expected:
            raise OracleError("tenshi read %d lines, expected %d" % (count[0], expected))

        # 3. TERM: tenshi flushes every queue over SMTP and exits
        tenshi_p.signal(signal.SIGTERM)
        rc = tenshi_p.wait(60)
        if rc is None:
            raise OracleError("tenshi did not exit within 60 s after SIGTERM")
        if rc != 0:
            raise OracleError("tenshi exited with status %d: %s"
                              % (rc, _tail_text(err_path)))
    finally:
        for proc in (tenshi_p, sink):
            if proc is not None:
                proc.stop()
                registry.discard(proc)

    mails = []
    names = sorted(n for n in os.listdir(maildir) if re.match(r"mail-\d+\.eml$", n)) \
        if os.path.isdir(maildir) else []
    for name in names:
        with open(os.path.join(maildir, name), "rb") as fh:
            eml = fh.read()
        with open(os.path.join(maildir, name[:-4] + ".envelope"), "rb") as fh:
            env_text = fh.read().decode("utf-8", "surrogateescape")
        mails.append((eml, env_text))
    with open(out_path, "rb") as fh:
        errors = [l.decode("utf-8", "replace") for l in fh
                  if l.startswith(b"[ERROR]")]
    if errors:
        raise OracleError("tenshi reported errors: " +
                          "; ".join(e.strip() for e in errors[:5]))
    return mails
