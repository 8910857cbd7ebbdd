"""The README's recipes, run as written with the real third-party programs.

t_recipe_central_log_host: a private rsyslogd (its own config, socket, work
directory and pid file; never the system one) forwards with the README's
exact action line to `logward run` with the README's exact logward.conf;
the same rsyslogd writes its own files with RSYSLOG_TraditionalFileFormat,
and logward's archives must equal them byte for byte.  Then logward is
restarted while messages flow (nothing may be lost), the real logrotate
rotates the archives with the README's snippet (postrotate: logward
reopen), and the relay (TLS + AUTH) must have the [now] and daily mails.

The README says which lines the test changes and why (ports, paths, no
`set uid`, the test relay's certificate); each change below asserts that
the text it replaces is in the recipe, so the recipe cannot drift away
from what is tested.

t_recipe_systemd_unit: etc/logward.service through `systemd-analyze
verify`, and its sandbox against what the recipe needs."""

import glob
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import lib
from lib import wait_for
from test_mail import make_cert, password_file

README = os.path.join(lib.ROOT, "README.md")


def recipe(name):
    text = open(README).read()
    m = re.search(r"<!-- recipe: %s -->\s*```\n(.*?)```" % re.escape(name), text, re.S)
    assert m, "README has no recipe block %r" % name
    return m.group(1)


def replace(text, old, new):
    assert old in text, "the recipe no longer contains %r" % old
    return text.replace(old, new)


def tool(name):
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    raise AssertionError("%s is missing (scripts/deps test installs it)" % name)


class Rsyslogd:
    """A private rsyslogd: unix socket input, its own files, the recipe's
    forward action."""

    def __init__(self, env, forward):
        self.base = env.path("rsyslog")
        os.makedirs(os.path.join(self.base, "work"))
        self.sock = os.path.join(self.base, "dev-log")
        self.all = os.path.join(self.base, "all.log")
        self.auth = os.path.join(self.base, "auth.log")
        self.pidfile = os.path.join(self.base, "rsyslogd.pid")
        self.conf = os.path.join(self.base, "rsyslog.conf")
        with open(self.conf, "w") as fp:
            fp.write('global(workDirectory="%s/work")\n' % self.base)
            fp.write('module(load="imuxsock" SysSock.Use="off")\n')
            fp.write('input(type="imuxsock" Socket="%s")\n' % self.sock)
            fp.write('*.* action(type="omfile" file="%s" '
                     'template="RSYSLOG_TraditionalFileFormat")\n' % self.all)
            fp.write('auth,authpriv.* action(type="omfile" file="%s" '
                     'template="RSYSLOG_TraditionalFileFormat")\n' % self.auth)
            fp.write(forward)
        r = subprocess.run([tool("rsyslogd"), "-N1", "-f", self.conf],
                           capture_output=True, text=True)
        assert r.returncode == 0, "rsyslogd -N1: %s" % (r.stdout + r.stderr)
        self.log = open(os.path.join(self.base, "rsyslogd.stderr"), "ab")
        env_ = dict(os.environ, TZ="UTC")
        self.proc = subprocess.Popen([tool("rsyslogd"), "-n", "-f", self.conf,
                                      "-i", self.pidfile],
                                     stdout=self.log, stderr=self.log, env=env_)
        wait_for(lambda: os.path.exists(self.sock), 10, what="rsyslogd's socket")

    def send(self, pri, tag, msg, pid=None):
        """One message through logger(1), as a program on the server would."""
        cmd = ["logger", "-u", self.sock, "-t", tag, "-p", pri]
        if pid is not None:
            cmd.append("--id=%d" % pid)
        data = msg if isinstance(msg, bytes) else msg.encode()
        subprocess.run(cmd, input=data, check=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def lines_of(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as fp:
        return fp.read().splitlines()


MESSAGES = [
    ("auth.info", "sshd", 811, "Failed password for root from 198.51.100.7 port 40022 ssh2"),
    ("auth.info", "sshd", 811, "Failed password for root from 198.51.100.8 port 40023 ssh2"),
    ("auth.info", "sshd", 812, "Failed password for invalid user admin from 203.0.113.9 "
     "port 50022 ssh2"),
    ("auth.info", "sshd", 813, "Accepted publickey for alice from 198.51.100.20 port 40100 ssh2"),
    ("authpriv.notice", "sudo", None, "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
     "COMMAND=/usr/bin/apt update"),
    ("daemon.crit", "smartd", 77, "Device: /dev/sda [SAT], 8 Currently unreadable (pending) "
     "sectors"),
    ("mail.warning", "postfix/smtpd", 4242, "warning: hostname mx.example does not resolve "
     "to address 192.0.2.1"),
    ("user.err", "app", None, b"tab\there, UTF-8 caf\xc3\xa9 \xe2\x98\x95, Latin-1 lat\xe9"),
    ("local0.info", "web", None, "  leading blanks kept"),
    ("cron.info", "CRON", 900, "(root) CMD (test -x /usr/sbin/anacron)"),
]


def t_recipe_central_log_host(env):
    tool("logrotate")
    crt, key = make_cert(env)
    relay = env.add_sink("relay", "--tls-cert", crt, "--tls-key", key,
                         "--auth", "logward:relay pw", "--require-tls")
    tcp, udp = lib.free_port(), lib.free_port(udp=True)
    remote = env.path("remote")

    conf = recipe("loghost-conf")
    # no logward user here; daemon/privilege_drop tests uid/gid
    conf = replace(conf, "set uid logward\n", "")
    conf = replace(conf, "set gid adm\n", "")
    conf = replace(conf, "set listen tcp::514", "set listen tcp:127.0.0.1:%d" % tcp)
    conf = replace(conf, "set listen udp::514", "set listen udp:127.0.0.1:%d" % udp)
    conf = replace(conf, "set mailserver mail.example.org:587",
                   "set mailserver localhost:%d\nset smtp_cafile %s" % (relay.port, crt))
    conf = replace(conf, "/etc/logward/smtp-password", password_file(env, "relay pw"))
    conf = replace(conf, "/var/log/remote", remote)
    d = env.daemon(conf).start()

    fwd = recipe("rsyslog-forward")
    fwd = replace(fwd, 'target="loghost.example.org" port="514"',
                  'target="127.0.0.1" port="%d"' % tcp)
    rs = Rsyslogd(env, fwd)
    try:
        run_central_log_host(env, d, rs, relay, remote)
    finally:
        rs.stop()


t_recipe_central_log_host.with_sink = False


def archive_file(remote):
    files = [f for f in glob.glob(os.path.join(remote, "*", "*.log"))]
    return files


def run_central_log_host(env, d, rs, relay, remote):
    # 1. the messages, through rsyslog, into logward's archives
    for pri, tag, pid, msg in MESSAGES:
        rs.send(pri, tag, msg, pid)
    n = len(MESSAGES)
    wait_for(lambda: len(lines_of(rs.all)) >= n, 15, what="rsyslogd's own file")
    wait_for(lambda: archive_file(remote) and len(lines_of(archive_file(remote)[0])) >= n,
             30, what="%d lines in logward's archive" % n)
    files = archive_file(remote)
    assert len(files) == 1, "one host, one day: %s" % files
    host_file = files[0]
    want, got = lines_of(rs.all), lines_of(host_file)
    assert got == want, "archive differs from rsyslog's own file:\n%s" % "\n".join(
        "  rsyslog: %r\n  logward: %r" % (a, b) for a, b in zip(want, got) if a != b)
    auth_want, auth_got = lines_of(rs.auth), lines_of(os.path.join(remote, "auth.log"))
    assert auth_want and auth_got == auth_want, \
        "auth archive differs:\n%r\n%r" % (auth_want, auth_got)

    # 2. the [now] mail: the critical line, shown as written (no capture)
    d.advance(60)
    mails = relay.wait_mails(1, timeout=30)
    crit = [m for m in mails if m["X-logward-queue"] == "critical"]
    assert len(crit) == 1, [m["X-logward-queue"] for m in mails]
    body = lib.body_text(crit[0])
    assert ("1: smartd: Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors"
            in body), body
    assert "AUTH logward" in crit[0].envelope, crit[0].envelope

    # 3. the daily digest (flushed now instead of at 07:00): hidepid makes
    # the sshd rules match; the catch-all shows the other lines
    rc, out = d.ctl("flush")
    assert rc == 0, out
    mails = relay.wait_mails(2, timeout=30)
    daily = [m for m in mails if m["X-logward-queue"] == "daily"]
    assert len(daily) == 1, [m["X-logward-queue"] for m in mails]
    body = lib.body_text(daily[0])
    counts = lib.report_counts(daily)
    assert counts.get("sshd: Failed password for ______ from ______ port 40022 ssh2") == 1, body
    assert counts.get("sshd: Failed password for invalid user ______ from ______ port 50022 ssh2") == 1, body
    assert counts.get("sshd: Accepted publickey for ______ from ______ port 40100 ssh2") == 1, body
    assert counts.get("CRON: (root) CMD (test -x /usr/sbin/anacron)") == 1, body
    assert not [k for k in counts if re.match(r"^\S+: ______$", k)], body

    # 4. logward restarts while messages flow: rsyslog's queue keeps them
    total = 300
    stop_at = 100

    def feed():
        p = subprocess.Popen(["logger", "-u", rs.sock, "-t", "load", "-p", "local1.info"],
                             stdin=subprocess.PIPE)
        for i in range(total):
            p.stdin.write(b"recipe load %05d\n" % i)
            p.stdin.flush()
            if i == stop_at:
                fed.set()
            time.sleep(0.01)
        p.stdin.close()
        p.wait()

    fed = threading.Event()
    th = threading.Thread(target=feed)
    th.start()
    fed.wait(30)
    assert d.stop() == 0, d.log()[-2000:]
    time.sleep(1)
    d.start()
    th.join()

    def loaded():
        return [l for l in lines_of(host_file) if b"recipe load " in l]

    # rsyslog retries a suspended action after action.resumeInterval (30 s)
    try:
        wait_for(lambda: len(loaded()) >= total, 75, what="load lines")
    except AssertionError:
        pass
    got = [int(l.rsplit(b" ", 1)[1]) for l in loaded()]
    missing = sorted(set(range(total)) - set(got))
    dup = len(got) - len(set(got))
    assert not missing, "lost across the restart: %s" % missing[:20]
    assert dup == 0, "%d duplicated across the restart" % dup
    wait_for(lambda: len(lines_of(rs.all)) >= n + total, 15, what="rsyslogd's own file")
    assert lines_of(host_file) == lines_of(rs.all), "archive differs after the restart"

    # 5. logrotate with the recipe's snippet; logward reopens its archives
    rot = recipe("loghost-logrotate")
    rot = replace(rot, "/var/log/remote", remote)
    rot = replace(rot, "/usr/sbin/logward", env.bin)
    rot = replace(rot, "/etc/logward/logward.conf", d.conf)
    rconf = env.path("logrotate.conf")
    with open(rconf, "w") as fp:
        fp.write(rot)
    r = subprocess.run([tool("logrotate"), "-f", "-s", env.path("logrotate.state"), rconf],
                       capture_output=True, text=True)
    assert r.returncode == 0, "logrotate: %s" % (r.stdout + r.stderr)
    assert os.path.exists(host_file + ".1"), os.listdir(os.path.dirname(host_file))
    before = lines_of(host_file + ".1")
    after = [(pri, tag, pid, "after rotation %d" % i) for i, (pri, tag, pid, _)
             in enumerate(MESSAGES[:5])]
    for pri, tag, pid, msg in after:
        rs.send(pri, tag, msg, pid)
    wait_for(lambda: len(lines_of(host_file)) >= len(after), 30,
             what="lines in the new archive file after the rotation")
    all_lines = lines_of(rs.all)
    assert before + lines_of(host_file) == all_lines, "rotated + new archive differ from rsyslog's"
    assert lines_of(host_file) == all_lines[-len(after):]
    assert d.stop() == 0, d.log()[-2000:]


def t_recipe_systemd_unit(env):
    unit = open(os.path.join(lib.ROOT, "etc", "logward.service")).read()
    # the unit names the packaged binary; verify it against this build
    unit = replace(unit, "ExecStart=/usr/sbin/logward ",
                   "ExecStart=%s " % env.bin)
    udir = env.path("unit")
    os.makedirs(udir)
    path = os.path.join(udir, "logward.service")
    with open(path, "w") as fp:
        fp.write(unit)
    man = env.path("man")
    for sec in ("5", "8"):
        os.makedirs(os.path.join(man, "man" + sec))
    shutil.copy(os.path.join(lib.ROOT, "doc", "logward.8"), os.path.join(man, "man8"))
    shutil.copy(os.path.join(lib.ROOT, "doc", "logward.conf.5"), os.path.join(man, "man5"))
    r = subprocess.run([tool("systemd-analyze"), "verify", path], capture_output=True,
                       text=True, env=dict(os.environ, MANPATH=man))
    out = (r.stdout + r.stderr).strip()
    assert r.returncode == 0 and not out, "systemd-analyze verify: rc %d\n%s" % (
        r.returncode, out)

    # the sandbox lets the recipe do what it needs
    def values(key):
        return " ".join(m.group(1) for m in re.finditer(r"^%s=(.*)$" % key, unit, re.M)).split()

    caps = values("CapabilityBoundingSet")
    conf = recipe("loghost-conf")
    if re.search(r"^set listen \S+:(\d+)$", conf, re.M) and any(
            int(p) < 1024 for p in re.findall(r"^set listen \S*?:(\d+)$", conf, re.M)):
        assert "CAP_NET_BIND_SERVICE" in caps, "the recipe listens on a port < 1024: %s" % caps
    rw = [p.lstrip("-") for p in values("ReadWritePaths")]
    for m in re.finditer(r"^archive \S+ (/\S+)$", conf, re.M):
        top = "/".join(m.group(1).split("/")[:4])     # /var/log/remote
        assert any(top == p or top.startswith(p + "/") for p in rw), \
            "archives under %s, but ReadWritePaths=%s" % (top, rw)
    assert "/var/spool/logward" in rw, rw
    assert values("StateDirectory") == ["logward"], values("StateDirectory")


t_recipe_systemd_unit.with_sink = False
