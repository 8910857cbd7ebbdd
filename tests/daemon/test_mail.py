"""Scenario tests of the mail side of `logward run`: TLS and AUTH towards
the relay, strict relays (long lines), a relay that is down or refuses at
each SMTP stage, the rate limit, filters and pager queues, reload of a
broken configuration, `status`, `send-test`, a corrupt state file and the
privilege drop.  Every report travels through the real outbox and sender
process to the aiosmtpd sink (tests/lib/smtp_sink.py)."""

import os
import re
import signal
import subprocess
import time

import lib
from lib import wait_for

SLEEP = 5       # set sleep: a [now] batch goes SLEEP test-clock seconds after its first line

CONF = """set logfile {log}
set sleep 5
set queue mail logward@test.example root@test.example [now] logward mail
set queue misc logward@test.example root@test.example [0 8 * * *] logward misc
mail ^sshd\\[\\d+\\]: Failed password
misc .*
"""


def sshd(i, user="root"):
    """A real sshd log line, unique per i (pid, address and port differ)."""
    return ("Mar  2 10:%02d:%02d host1 sshd[%d]: Failed password for %s from "
            "10.0.%d.%d port %d ssh2" % (i // 60 % 60, i % 60, 1000 + i, user,
                                         i // 250 % 250, i % 250 + 1, 40000 + i))


def msg_of(line):
    """The message part of a BSD syslog line as reports show it."""
    return re.match(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ (.*)$", line).group(1)


def make_log(env, name="syslog"):
    p = env.path(name)
    open(p, "ab").close()
    return p


def conf(env, log, extra="", text=CONF):
    return extra + text.format(log=log)


def batch(d, log, lines, total):
    """Appends lines, waits until the daemon has read `total` lines in all,
    then moves the test clock past the [now] sleep."""
    lib.append(log, lines)
    d.wait_lines(total)
    d.advance(SLEEP)


def outbox_count(d):
    m = re.search(r"^outbox: (\d+) waiting", d.status(), re.M)
    return int(m.group(1)) if m else -1


def sender_pid(d):
    m = re.search(r"^sender: pid (\d+)", d.status(), re.M)
    return int(m.group(1)) if m else 0


def make_cert(env):
    key, crt = env.path("tls.key"), env.path("tls.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", crt, "-subj", "/CN=localhost",
                    "-days", "1"], check=True, capture_output=True)
    return crt, key


def password_file(env, pw):
    p = env.path("smtp.pw")
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (pw + "\n").encode())
    os.close(fd)
    os.chmod(p, 0o600)
    return p


def tls_auth_scenario(env, mode):
    crt, key = make_cert(env)
    args = ["--tls-cert", crt, "--tls-key", key, "--auth", "alice:s3cret pw"]
    args += ["--require-tls"] if mode == "starttls" else ["--implicit-tls"]
    sink = env.add_sink("relay", *args)
    log = make_log(env)
    extra = ("set mailserver localhost:%d\nset smtp_tls %s\nset smtp_user alice\n"
             "set smtp_password_file %s\nset smtp_cafile %s\n"
             % (sink.port, mode, password_file(env, "s3cret pw"), crt))
    d = env.daemon(conf(env, log, extra)).start()
    line = sshd(1)
    batch(d, log, [line], 1)
    mails = sink.wait_mails(1)
    assert len(mails) == 1, "expected 1 mail, got %d" % len(mails)
    m = mails[0]
    env_lines = m.envelope.splitlines()
    assert env_lines[0] == "AUTH alice", "envelope: %r" % m.envelope
    assert "MAIL FROM:<logward@test.example>" in env_lines, m.envelope
    assert "RCPT TO:<root@test.example>" in env_lines, m.envelope
    assert m["X-logward-queue"] == "mail", m["X-logward-queue"]
    assert msg_of(line) in lib.body_text(m), lib.body_text(m)
    ev = "\n".join(sink.events())
    if mode == "starttls":
        assert re.search(r"^\d+ STARTTLS 220$", ev, re.M), ev
        assert " 530 " not in ev, "a command was refused before STARTTLS/AUTH:\n" + ev
    assert re.search(r"^\d+ AUTH \S+ alice 235", ev, re.M), ev
    assert "FAILING" not in d.status()
    assert d.stop() == 0, d.log()[-2000:]


# ---- 1. TLS and AUTH ----

def t_starttls_auth(env):
    tls_auth_scenario(env, "starttls")


t_starttls_auth.with_sink = False


def t_implicit_tls_auth(env):
    tls_auth_scenario(env, "tls")


t_implicit_tls_auth.with_sink = False


# ---- 2. a strict relay and a long line ----

def t_strict_relay_long_line(env):
    log = make_log(env)
    d = env.daemon(conf(env, log)).start()
    head = sshd(7, user="invalid-user-")
    line = head + " " + "".join("%07d|" % i for i in range(1000))
    line = line[:3000]
    assert len(line) == 3000
    batch(d, log, [line], 1)
    m = env.sink.wait_mails(1)[0]
    assert not env.sink.rejected(), "the relay refused: %s" % env.sink.events()
    cte = (m["Content-Transfer-Encoding"] or "").lower()
    assert cte == "quoted-printable", "Content-Transfer-Encoding: %r" % cte
    longest = max(len(l) for l in m.raw.split(b"\n"))
    assert longest <= 998, "a raw line of %d bytes in the .eml" % longest
    body = lib.body_text(m)
    want = msg_of(line)
    hit = [l for l in body.splitlines() if "Failed password" in l]
    assert len(hit) == 1, body[:500]
    assert hit[0] == "    1: " + want, \
        "report line differs: got %d bytes %r..., want %d bytes" % (
            len(hit[0]), hit[0][-60:], len(want) + 7)


t_strict_relay_long_line.sink_args = ("--max-line", "998")


# ---- 3. the relay is down, then up again ----

def t_relay_down_then_up(env):
    port = env.sink.port
    env.sink.stop()
    log = make_log(env)
    d = env.daemon(conf(env, log, "set mailserver 127.0.0.1:%d\n" % port)).start()
    lines = [sshd(10 + i) for i in range(3)]
    for i, l in enumerate(lines):
        batch(d, log, [l], i + 1)
        wait_for(lambda: outbox_count(d) == i + 1, 10,
                 what="report %d in the outbox (status:\n%s)" % (i + 1, d.status()))
    wait_for(lambda: "sender: FAILING" in d.status(), 10,
             what="status to say FAILING")
    st = d.status()
    assert re.search(r"^outbox: 3 waiting", st, re.M), st
    sink = env.add_sink("up", port=port)
    assert sink.port == port
    assert not sink.mails()
    logpos = len(d.log())
    rc, out = d.ctl("flush")
    assert rc == 0, out
    # the flush must make the sender retry now, not at its back-off time
    wait_for(lambda: "retrying now" in d.log()[logpos:], 3,
             what="the sender to retry at once after `logward flush` "
                  "(sender.status: %s)" % d.sender_status())
    mails = sink.wait_mails(3, timeout=5)
    wait_for(lambda: outbox_count(d) == 0, 5, what="the outbox to empty")
    wait_for(lambda: "FAILING" not in d.status(), 5, what="FAILING to clear")
    mails = sink.mails()
    assert len(mails) == 3, "%d mails: %s" % (len(mails), sink.events())
    ids = [m["Message-ID"] for m in mails]
    assert len(set(ids)) == 3 and all(ids), ids
    bodies = [lib.body_text(m) for m in mails]
    for l in lines:
        n = sum(b.count(msg_of(l)) for b in bodies)
        assert n == 1, "%r appears %d times" % (msg_of(l), n)
    assert d.stop() == 0
    assert len(sink.mails()) == 3


# ---- 4. the relay refuses at each stage, once ----

FAULTS = [
    ("421 at connect", "stage=connect;reply=421 4.3.2 Service not available;times=1"),
    ("451 at MAIL", "stage=mail;reply=451 4.3.0 Try again later;times=1"),
    ("452 at RCPT", "stage=rcpt;reply=452 4.2.2 Mailbox full;times=1"),
    ("554 at DATA", "stage=data;reply=554 5.3.0 Transaction failed;times=1"),
    ("drop at eod", "stage=eod;action=drop;times=1"),
    ("451 at eod", "stage=eod;reply=451 4.3.0 Queued later;times=1"),
]


def t_relay_faults(env):
    port = env.sink.port
    env.sink.stop()
    log = make_log(env)
    d = env.daemon(conf(env, log, "set mailserver 127.0.0.1:%d\n" % port)).start()
    for i, (name, spec) in enumerate(FAULTS):
        sink = env.add_sink("fault%d" % i, "--fault", spec, port=port)
        line = sshd(100 + i)
        delivered = int(d.sender_status().get("delivered", "0"))
        failed = d.log().count(" not delivered: ")
        batch(d, log, [line], i + 1)
        # the first attempt fails (the sender logs it) ...
        wait_for(lambda: d.log().count(" not delivered: ") > failed, 10,
                 what="%s: a failed attempt (sink: %s)" % (name, sink.events()))
        # ... then kick the sender instead of waiting out its back-off
        # (it may have retried already: publishing a report kicks it too)
        kicked = []

        def done():
            if sink.mails():
                return True
            if not kicked and int(d.sender_status().get("failures", "0")) > 0:
                os.kill(sender_pid(d), signal.SIGUSR1)
                kicked.append(1)
            return False
        wait_for(done, 8, what="%s: the mail after the fault (sink: %s)"
                 % (name, sink.events()))
        wait_for(lambda: int(d.sender_status().get("delivered", "0")) == delivered + 1
                 and outbox_count(d) == 0, 5,
                 what="%s: the sender to count the delivery" % name)
        mails = sink.mails()
        assert len(mails) == 1, "%s: %d mails accepted" % (name, len(mails))
        body = lib.body_text(mails[0])
        assert msg_of(line) in body and body.count("Failed password") == 1, \
            "%s: body %r" % (name, body)
        ev = "\n".join(sink.events())
        m = re.search(r"reply=([^;]+)", spec)
        sign = m.group(1) if m else "DROP"
        assert ev.count(sign) == 1, "%s: the fault did not fire once:\n%s" % (name, ev)
        eods = len(re.findall(r" EOD \d+ bytes 250 ", ev))
        assert eods == 1, "%s: %d accepted EODs:\n%s" % (name, eods, ev)
        sink.stop()
    assert d.stop() == 0


# ---- 5. reload with a broken configuration ----

RELOAD_OLD = """set logfile {log}
set sleep 5
set queue old logward@test.example root@test.example [now] logward old
set queue misc logward@test.example root@test.example [0 8 * * *] logward misc
old ^sshd\\[\\d+\\]: Failed password
misc .*
"""
RELOAD_BAD = RELOAD_OLD.replace("misc .*", "old ^sshd\\[\\d+\\]: (Accepted\nmisc .*")
RELOAD_NEW = """set logfile {log}
set sleep 5
set queue new logward@test.example admin@test.example [now] logward new
set queue misc logward@test.example root@test.example [0 8 * * *] logward misc
new ^sshd\\[\\d+\\]: Failed password
misc .*
"""


def t_reload_broken_config(env):
    log = make_log(env)
    d = env.daemon(RELOAD_OLD.format(log=log)).start()
    d.write_conf(RELOAD_BAD.format(log=log))
    badline = [i + 1 for i, l in enumerate(open(d.conf)) if "(Accepted" in l][0]
    where = "%s:%d" % (d.conf, badline)
    rc, out = d.ctl("reload")
    assert rc == 1, "reload exit %d: %s" % (rc, out)
    assert where in out, "reload output does not name %s: %s" % (where, out)
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.log().count("keeping the running configuration") >= 2, 5,
             what="the daemon to log the SIGHUP reload failure")
    assert d.proc.poll() is None, "the daemon died on SIGHUP"
    st = d.status()
    assert "reload: FAILED" in st and where in st, st
    # the old rules still classify
    line1 = sshd(200)
    lib.append(log, [line1])
    d.wait_lines(1)
    rc, out = d.ctl("flush", "old")
    assert rc == 0 and "1 report" in out, out
    m = env.sink.wait_mails(1)[0]
    assert m["X-logward-queue"] == "old", m["X-logward-queue"]
    assert msg_of(line1) in lib.body_text(m)
    # fixed: the reload succeeds and the new rule applies
    d.write_conf(RELOAD_NEW.format(log=log))
    rc, out = d.ctl("reload")
    assert rc == 0 and "reloaded" in out, out
    st = d.status()
    assert "reload: FAILED" not in st, st
    assert re.search(r"^queue new \[now\]", st, re.M), st
    line2 = sshd(201)
    lib.append(log, [line2])
    d.wait_lines(2)
    rc, out = d.ctl("flush", "new")
    assert rc == 0 and "1 report" in out, out
    mails = env.sink.wait_mails(2)
    assert len(mails) == 2, [m["X-logward-queue"] for m in mails]
    m = mails[1]
    assert m["X-logward-queue"] == "new" and m["To"] == "admin@test.example", m
    assert msg_of(line2) in lib.body_text(m)
    assert msg_of(line1) not in lib.body_text(m)
    assert d.stop() == 0


# ---- 6. status ----

def t_status_output(env):
    log = make_log(env)
    d = env.daemon(conf(env, log)).start()
    lines = [sshd(300), sshd(301), "Mar  2 10:05:00 host1 cron[5]: (root) CMD (true)"]
    lib.append(log, lines)
    d.wait_lines(3)
    size = os.path.getsize(log)
    st = d.status()
    assert re.search(r"^logward \S+, pid %d, up \d+s, config %s \(test clock\)$"
                     % (d.proc.pid, re.escape(d.conf)), st, re.M), st
    assert re.search(r"^lines: 3 read, ", st, re.M), st
    assert re.search(r"^input %s: reading, offset %d of %d, 3 lines, %d bytes"
                     % (re.escape(log), size, size, size), st, re.M), st
    assert re.search(r"^queue mail \[now\]: 2 entries, 2 lines, mail at "
                     r"2026-03-02 10:00:05$", st, re.M), st
    assert re.search(r"^queue misc \[0 8 \* \* \*\]: 1 entries, 1 lines, next mail "
                     r"2026-03-03 08:00:00$", st, re.M), st
    assert re.search(r"^outbox: 0 waiting in %s/new \(max_outbox 1000\)$" % re.escape(env.path("spool")),
                     st, re.M), st
    assert re.search(r"^sender: pid \d+, 0 delivered, ", st, re.M), st
    assert re.search(r"^checkpoint: %s, written 2026-03-02 10:00:\d\d, report "
                     r"sequence 0$" % re.escape(env.path("state", "state")), st, re.M), st
    d.advance(SLEEP)
    env.sink.wait_mails(1)
    wait_for(lambda: re.search(r"^sender: pid \d+, 1 delivered, .*last result: 250 ",
                               d.status(), re.M), 5, what="status to show the delivery")
    st = d.status()
    assert re.search(r"^queue mail \[now\]: 0 entries, 0 lines$", st, re.M), st
    assert re.search(r"report sequence 1$", st, re.M), st
    assert d.stop() == 0
    rc, out = d.ctl("status")
    assert rc == 2, "status of a stopped daemon: exit %d: %s" % (rc, out)
    assert "cannot reach the daemon" in out and env.path("state", "control") in out, out


# ---- 7. send-test ----

def t_send_test(env):
    log = make_log(env)
    d = env.daemon(conf(env, log))
    r = subprocess.run([env.bin, "send-test", "-c", d.conf], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, "exit %d: %s%s" % (r.returncode, r.stdout, r.stderr)
    assert re.search(r"^accepted: 250 ", r.stdout, re.M), r.stdout
    m = env.sink.wait_mails(1)[0]
    assert m["From"] == "logward@test.example" and m["To"] == "root@test.example", m
    assert m["X-logward-queue"] == "mail", m["X-logward-queue"]
    assert "MAIL FROM:<logward@test.example>" in m.envelope, m.envelope
    assert "RCPT TO:<root@test.example>" in m.envelope, m.envelope
    assert "send-test" in lib.body_text(m), lib.body_text(m)
    dead = lib.free_port()
    d.write_conf(conf(env, log, "set mailserver 127.0.0.1:%d\n" % dead))
    t = time.time()
    r = subprocess.run([env.bin, "send-test", "-c", d.conf], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 1, "dead relay: exit %d: %s%s" % (
        r.returncode, r.stdout, r.stderr)
    assert "FAILED" in r.stdout, r.stdout + r.stderr
    assert time.time() - t < 5, "a refused connection took %.1fs" % (time.time() - t)
    assert len(env.sink.mails()) == 1


# ---- 8. a corrupt state file ----

def t_corrupt_state(env):
    log = make_log(env)
    d = env.daemon(conf(env, log)).start()
    lib.append(log, [sshd(400)])
    d.wait_lines(1)
    assert d.stop() == 0
    env.sink.wait_mails(1)
    state = env.path("state", "state")
    data = bytearray(open(state, "rb").read())
    assert len(data) > 40, len(data)
    for off in (len(data) // 2, len(data) // 2 + 1):
        data[off] ^= 0x5A
    with open(state, "wb") as fp:
        fp.write(data)
    logpos = len(d.log())
    d.start(wait=False)
    try:
        rc = d.proc.wait(15)
    except subprocess.TimeoutExpired:
        raise AssertionError("the daemon started on a corrupt state file: %s"
                             % d.status())
    d.stderr.close()
    d.proc = None
    err = d.log()[logpos:]
    assert rc == 1, "exit %d: %s" % (rc, err)
    assert "corrupt" in err, err
    m = re.search(r"kept as (\S+\.corrupt-[0-9-]+)", err)
    assert m, err
    kept = m.group(1).rstrip(".")
    assert kept.startswith(state + ".corrupt-"), kept
    assert os.path.exists(kept), kept
    assert open(kept, "rb").read() == bytes(data), "the kept copy differs"
    os.unlink(state)
    d.start()
    lib.append(log, [sshd(401)])
    d.wait_lines(1)
    assert d.stop() == 0


# ---- 9. filter and pager ----

FILTER_PAGER = """set logfile {log}
set sleep 5
set queue up logward@test.example root@test.example [now] logward up
set queue pg logward@test.example pager:pager@test.example [now] logward pg
set filter up /usr/bin/tr a-z A-Z
set queue misc logward@test.example root@test.example [0 8 * * *] logward misc
up,pg ^sshd\\[\\d+\\]: Failed password
misc .*
"""


def t_filter_and_pager(env):
    log = make_log(env)
    d = env.daemon(FILTER_PAGER.format(log=log)).start()
    line = sshd(500)
    batch(d, log, [line, line], 2)
    mails = env.sink.wait_mails(2)
    assert len(mails) == 2, len(mails)
    by = {m["X-logward-queue"]: m for m in mails}
    assert set(by) == {"up", "pg"}, list(by)
    up = lib.body_text(by["up"])
    assert ("2: " + msg_of(line).upper()) in up, up
    assert "HOST1" in up and not re.search(r"[a-z]", up), up
    assert by["up"]["Subject"] == "logward up [up]", by["up"]["Subject"]
    pg = by["pg"]
    assert "RCPT TO:<pager@test.example>" in pg.envelope, pg.envelope
    assert "pager:" not in pg.envelope, pg.envelope
    assert pg["To"] == "pager@test.example", pg["To"]
    body = lib.body_text(pg)
    assert body.strip("\n") == "host1,2,%s" % msg_of(line), repr(body)
    assert d.stop() == 0


# ---- 10. mail_rate ----

def t_rate_limit(env):
    log = make_log(env)
    d = env.daemon(conf(env, log, "set mail_rate 2\n")).start()
    total = 0
    # batches 1 and 2 go out; 3, 4 and 5 are held
    plan = [[sshd(600)], [sshd(601)], [sshd(602)], [sshd(603)] * 2, [sshd(604)] * 3]
    for i, lines in enumerate(plan):
        total += len(lines)
        batch(d, log, lines, total)
        if i < 2:
            env.sink.wait_mails(i + 1)
    wait_for(lambda: "(mail_rate reached)" in d.status(), 5,
             what="status to show the rate limit")
    assert outbox_count(d) == 0, d.status()
    assert re.search(r"^sender: pid \d+, 2 delivered", d.status(), re.M), d.status()
    assert len(env.sink.mails()) == 2, len(env.sink.mails())
    m = re.search(r"^queue mail \[now\]: 3 entries, 6 lines, mail at (\S+ \S+) "
                  r"\(mail_rate reached\)$", d.status(), re.M)
    assert m, d.status()
    # an hour after the first mail the held lines go out in one mail
    d.advance(3600)
    mails = env.sink.wait_mails(3)
    wait_for(lambda: outbox_count(d) == 0, 5, what="the outbox to empty")
    mails = env.sink.mails()
    assert len(mails) == 3, len(mails)
    body = lib.body_text(mails[2])
    assert "*** Status: rate limited ***" in body, body
    counts = lib.report_counts([mails[2]])
    want = {msg_of(sshd(602)): 1, msg_of(sshd(603)): 2, msg_of(sshd(604)): 3}
    assert counts == want, counts
    for k in range(2):
        assert "rate limited" not in lib.body_text(mails[k])
    assert d.stop() == 0
    assert len(env.sink.mails()) == 3


# ---- 11. privilege drop ----

def proc_ids(pid):
    out = {}
    for l in open("/proc/%d/status" % pid):
        k, _, v = l.partition(":")
        if k in ("Uid", "Gid", "Groups"):
            out[k] = v.split()
    return out


def t_privilege_drop(env):
    if os.geteuid() != 0:
        print("daemon/privilege_drop: not root, nothing to check")
        return
    import grp
    import pwd
    uid = pwd.getpwnam("nobody").pw_uid
    gid = grp.getgrnam("nogroup").gr_gid
    os.chmod(env.base, 0o755)
    log = make_log(env)
    os.chmod(log, 0o644)
    secret = make_log(env, "secret.log")
    os.chmod(secret, 0o600)
    pidfile = env.path("logward.pid")
    extra = ("set uid nobody\nset gid nogroup\nset pidfile %s\nset logfile %s\n"
             % (pidfile, secret))
    d = env.daemon(conf(env, log, extra)).start()
    ids = proc_ids(d.proc.pid)
    assert ids["Uid"] == [str(uid)] * 4, ids
    assert ids["Gid"] == [str(gid)] * 4, ids
    assert ids["Groups"] == [], ids
    spid = sender_pid(d)
    assert spid > 0, d.status()
    sids = proc_ids(spid)
    assert sids["Uid"] == [str(uid)] * 4 and sids["Gid"] == [str(gid)] * 4, sids
    sb = os.stat(pidfile)
    assert sb.st_uid == 0, "pid file owned by uid %d" % sb.st_uid
    assert open(pidfile).read().strip() == str(d.proc.pid)
    wait_for(lambda: re.search(r"^input %s: ERROR: .*[Pp]ermission denied"
                               % re.escape(secret), d.status(), re.M), 5,
             what="an ERROR for the unreadable log (status:\n%s)" % d.status())
    line = sshd(700)
    batch(d, log, [line], 1)
    m = env.sink.wait_mails(1)[0]
    assert msg_of(line) in lib.body_text(m)
    assert d.proc.poll() is None
    assert re.search(r"^input %s: ERROR" % re.escape(secret), d.status(), re.M)
    assert d.stop() == 0
