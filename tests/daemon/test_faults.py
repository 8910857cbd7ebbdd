"""Relay faults (RELIABILITY.md promise 3, "mail gets through or stays
queued"): the SMTP sink (tests/lib/smtp_sink.py --fault) refuses the
connection, stalls, answers 421/451/452/554 at each stage, drops the
connection in the middle of DATA, rejects after DATA or fails STARTTLS.
For each fault a daemon files several reports while the fault lasts;
`logward status` must say FAILING with the relay's reply and count the
outbox; once the relay is healthy and the sender is kicked, every report
must arrive exactly once (each seq line once, distinct Message-IDs, in
order) and the outbox must be empty.

The cases of t_relay_fault_matrix run side by side, each with its own
daemon, state, spool and sinks (a child lib.Env)."""

import concurrent.futures
import os
import re
import signal
import subprocess
import time
import traceback

import lib
from lib import wait_for

SLEEP = 5           # set sleep: a [now] batch goes 5 test-clock seconds after its first line
BATCHES = 3         # reports per case
PER_BATCH = 2       # seq lines per report
WORKERS = 4         # cases at once

CONF = """set logfile {log}
set sleep 5
set mailtimeout {timeout}
set queue mail logward@test.example root@test.example [now] logward mail
set queue misc logward@test.example root@test.example [0 8 * * *] logward misc
mail ^app\\[\\d+\\]: seq
misc .*
"""


def seq_line(case, b, k):
    """Line k of batch b of a case: unique, unmasked in the report."""
    return ("Mar  2 10:00:%02d host1 app[%d]: seq c%02d-b%d-l%d workload line"
            % (b * 10 + k, 4000 + case, case, b, k))


def msg_of(line):
    return re.match(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ (.*)$", line).group(1)


def make_cert(base):
    key, crt = os.path.join(base, "tls.key"), os.path.join(base, "tls.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", crt, "-subj", "/CN=localhost",
                    "-days", "1"], check=True, capture_output=True)
    return crt, key


def outbox_count(st):
    m = re.search(r"^outbox: (\d+) waiting", st, re.M)
    return int(m.group(1)) if m else -1


def last_result(st):
    m = re.search(r"^sender: pid \d+, \d+ delivered, .*last result: (.*)$", st, re.M)
    return m.group(1) if m else None


def sender_pid(st):
    m = re.search(r"^sender: pid (\d+)", st, re.M)
    return int(m.group(1)) if m else 0


def kick_sender(d):
    """SIGUSR1 to the sender process named by `logward status`."""
    pid = sender_pid(d.status())
    assert pid > 0, "no sender pid in status:\n" + d.status()
    os.kill(pid, signal.SIGUSR1)


def spool_files(d):
    p = os.path.join(d.base, "spool", "new")
    return sorted(os.listdir(p)) if os.path.isdir(p) else []


def file_reports(d, case, first_batch=1, nbatch=BATCHES, since=0):
    """Appends nbatch batches of PER_BATCH seq lines, each mailed by the
    [now] queue; returns the lines of each batch.  since: lines of the
    earlier batches this daemon process did not read (status counts the
    lines read since the start)."""
    log = os.path.join(d.base, "syslog")
    batches = []
    for b in range(first_batch, first_batch + nbatch):
        lines = [seq_line(case, b, k) for k in range(1, PER_BATCH + 1)]
        lib.append(log, lines)
        d.wait_lines(b * PER_BATCH - since)
        d.advance(SLEEP)
        batches.append(lines)
    return batches


def check_delivery(d, sink, batches, what):
    """Every report of batches at the sink exactly once, in order, and the
    daemon's outbox empty and not FAILING.  Returns the mails."""
    n = len(batches)
    wait_for(lambda: len(sink.mails()) >= n, 15,
             what="%s: %d mails at the healthy relay (have %d; sink: %s; status:\n%s)"
             % (what, n, len(sink.mails()), sink.events()[-8:], d.status()))
    wait_for(lambda: outbox_count(d.status()) == 0 and not spool_files(d), 5,
             what="%s: the outbox to empty (status:\n%s)" % (what, d.status()))
    wait_for(lambda: "FAILING" not in d.status(), 5,
             what="%s: FAILING to clear (status:\n%s)" % (what, d.status()))
    time.sleep(0.3)     # nothing more may come
    mails = sink.mails()
    ev = "\n".join(sink.events())
    assert len(mails) == n, "%s: %d mails for %d reports:\n%s" % (what, len(mails), n, ev)
    eods = re.findall(r"^\d+ EOD \d+ bytes 250 ", ev, re.M)
    assert len(eods) == n, "%s: %d accepted EODs:\n%s" % (what, len(eods), ev)
    ids = [m["Message-ID"] for m in mails]
    assert all(ids) and len(set(ids)) == n, "%s: Message-IDs %s" % (what, ids)
    bodies = [lib.body_text(m) for m in mails]
    for i, lines in enumerate(batches):
        for l in lines:
            where = [j for j, body in enumerate(bodies) if msg_of(l) in body]
            total = sum(body.count(msg_of(l)) for body in bodies)
            assert total == 1, "%s: %r appears %d times (mails %s)" % (
                what, msg_of(l), total, where)
            assert where == [i], "%s: %r in mail %s, expected mail %d (name order)" % (
                what, msg_of(l), where, i)
            hit = [x for x in bodies[i].splitlines() if msg_of(l) in x]
            assert hit == ["    1: " + msg_of(l)], "%s: report line %r" % (what, hit)
    for m in mails:
        assert m["X-logward-queue"] == "mail", (what, m["X-logward-queue"])
        assert "RCPT TO:<root@test.example>" in m.envelope, (what, m.envelope)
    st = d.sender_status()
    assert st.get("failures") == "0" and st.get("pending") == "0", (what, st)
    return mails


# ---- 1. the fault matrix ----

TEXT = {
    421: "4.3.2 Service shutting down",
    451: "4.3.0 Local error in processing",
    452: "4.3.1 Insufficient system storage",
    554: "5.3.0 Transaction failed",
}
SINKLOG_STAGE = {"mail": "MAIL <[^>]*>", "rcpt": "RCPT <[^>]*>", "data": "DATA",
                 "eod": r"EOD \d+ bytes"}


def _case(name, sink, status, sinklog=None, **kw):
    """sink: the faulty relay's arguments, None = nothing listens.
    status: regex the status's "last result" must match while it fails.
    sinklog: regex the faulty relay's sink.log must match (the fault fired).
    kw: tls (smtp_tls starttls), faulty_tls (the faulty relay has a
    certificate: it offers STARTTLS), timeout (mailtimeout), recover ("restart":
    a healthy sink on the same port; "self": the fault stops by itself,
    times=N), kick ("flush" or "usr1"), never (regex the faulty sink.log
    must not match), rejected (the relay saw and refused whole messages),
    drop_bytes (the mid-DATA drop)."""
    c = dict(name=name, sink=sink, status=status, sinklog=sinklog, tls=False,
             faulty_tls=False, timeout=5, recover="restart", kick=None, never=None,
             rejected=False, drop_bytes=None)
    c.update(kw)
    return c


def build_cases():
    cases = [
        _case("refused", None, r"(?i)connect"),
        _case("stall at greeting", ["--fault", "stage=connect;action=delay;seconds=600"],
              r"(?i)time(d)?[ -]?out", r"(?m)^\d+ CONNECT 127", timeout=2,
              never=r" (EHLO|MAIL|EOD) "),
        _case("421 at greeting",
              ["--fault", "stage=connect;reply=421 4.3.2 Service not available"],
              r"^421 4\.3\.2 Service not available",
              r"(?m)^\d+ CONNECT 421 4\.3\.2 Service not available$",
              never=r" (EHLO|MAIL|EOD) "),
    ]
    for stage in ("mail", "rcpt", "data", "eod"):
        for code in (421, 451, 452, 554):
            reply = "%d %s (%s)" % (code, TEXT[code], stage)
            cases.append(_case(
                "%d at %s" % (code, stage.upper() if stage != "eod" else "end of data"),
                ["--fault", "stage=%s;reply=%s" % (stage, reply)],
                "^" + re.escape(reply),
                r"(?m)^\d+ %s %s%s$" % (SINKLOG_STAGE[stage], re.escape(reply),
                                        r" rejected-\d+" if stage == "eod" else ""),
                rejected=stage == "eod",
                never=None if stage == "eod" else r" EOD "))
    cases += [
        _case("drop in mid-DATA body", ["--fault", "stage=body;action=drop;bytes=200"],
              r"(?i)fail|reset|closed|peer|recv|send|died",
              r"(?m)^\d+ BODY 200 bytes DROP$", drop_bytes=200,
              never=r" EOD "),
        # the relay reads the whole message and says no three times (the
        # first attempt, then back-off retries or kicks), then takes it:
        # the same relay process, the sender kicked with SIGUSR1
        _case("554 after DATA, recovers by itself",
              ["--fault", "stage=eod;reply=554 5.7.1 Rejected after DATA;times=3"],
              r"^554 5\.7\.1 Rejected after DATA",
              r"(?m)^\d+ EOD \d+ bytes 554 5\.7\.1 Rejected after DATA rejected-001$",
              recover="self", kick="usr1", rejected=True),
        _case("STARTTLS answered 454",
              ["--fault", "stage=starttls;reply=454 4.7.0 TLS not available now"],
              r"^454 4\.7\.0 TLS not available now",
              r"(?m)^\d+ STARTTLS 454 4\.7\.0 TLS not available now$",
              tls=True, faulty_tls=True, never=r" (MAIL|RCPT|EOD|AUTH) "),
        _case("STARTTLS not offered", [], r"(?i)starttls", r"(?m)^\d+ EHLO ",
              tls=True, never=r" (MAIL|RCPT|EOD|AUTH|STARTTLS) "),
    ]
    for i, c in enumerate(cases):
        if c["kick"] is None:
            c["kick"] = "flush" if i % 2 == 0 else "usr1"
    return cases


def run_case(parent, idx, c, cert, report):
    """One row of the matrix in its own child Env; report(dict) gets the
    evidence.  Raises AssertionError when the row fails."""
    sub = lib.Env(parent.bin, "fault%02d" % idx, sink=False)
    info = dict(name=c["name"], env=sub, ok=False, t=time.time())
    report(info)
    what = "[%s]" % c["name"]
    faulty = None
    tls_args = ["--tls-cert", cert[0], "--tls-key", cert[1]] if c["tls"] else []
    if c["sink"] is None:
        port = lib.free_port()
    else:
        args = c["sink"] + (tls_args if c["faulty_tls"] else [])
        faulty = sub.add_sink("faulty", *(args + ["--timeout", "30"]))
        port = faulty.port
    info["faulty"] = faulty
    extra = "set mailserver %s:%d\n" % ("localhost" if c["tls"] else "127.0.0.1", port)
    if c["tls"]:
        extra += "set smtp_tls starttls\nset smtp_cafile %s\n" % cert[0]
    open(sub.path("syslog"), "ab").close()
    d = sub.daemon(extra + CONF.format(log=sub.path("syslog"), timeout=c["timeout"]))
    info["daemon"] = d
    d.start()
    # the workload, while the fault lasts: every report stays in the outbox
    batches = []
    for b in range(1, BATCHES + 1):
        batches += file_reports(d, idx, b, 1)
        wait_for(lambda: outbox_count(d.status()) == b, 10,
                 what="%s: report %d in the outbox (status:\n%s)" % (what, b, d.status()))

    def failing():
        st = d.status()
        lr = last_result(st)
        return ("sender: FAILING: " in st and lr is not None
                and re.search(c["status"], lr) and st)
    st = wait_for(failing, 10, what="%s: status FAILING with %r (status:\n%s)"
                  % (what, c["status"], d.status()))
    info["status"] = st
    assert outbox_count(st) == BATCHES, "%s: outbox count:\n%s" % (what, st)
    assert re.search(r"^sender: pid \d+, 0 delivered,", st, re.M), st
    assert len(spool_files(d)) == BATCHES, (what, spool_files(d))
    if faulty is not None:
        ev = "\n".join(faulty.events())
        assert not faulty.mails(), "%s: the faulty relay accepted a mail:\n%s" % (what, ev)
        if c["sinklog"]:
            assert re.search(c["sinklog"], ev), "%s: the fault did not fire:\n%s" % (what, ev)
        if c["never"]:
            assert not re.search(c["never"], ev), \
                "%s: the client went too far (%s):\n%s" % (what, c["never"], ev)
        if c["rejected"]:
            assert faulty.rejected(), "%s: no message was refused at EOD:\n%s" % (what, ev)
        if c["drop_bytes"] is not None:
            assert "whole message" not in ev, "%s: the message was shorter than " \
                "the drop point:\n%s" % (what, ev)
    # recovery
    if c["recover"] == "restart":
        if faulty is not None:
            faulty.stop()
        relay = sub.add_sink("up", *(tls_args + ["--timeout", "30"]), port=port)
        assert relay.port == port
    else:
        relay = faulty
    info["relay"] = relay
    logpos = len(d.log())
    if c["kick"] == "flush":
        rc, out = d.ctl("flush")
        assert rc == 0, "%s: flush: %s" % (what, out)
    else:
        kick_sender(d)
    # the sender retries now, not at its back-off time
    wait_for(lambda: "sender: SIGUSR1, retrying now" in d.log()[logpos:], 3,
             what="%s: the sender to retry at once after %s" % (what, c["kick"]))
    if c["recover"] == "self":
        # each kick is one more attempt: kick until the fault is used up
        def kicked():
            if relay.mails():
                return True
            kick_sender(d)
            return False
        wait_for(kicked, 15, step=0.7, what="%s: the relay to take a mail (sink: %s)"
                 % (what, relay.events()[-6:]))
    mails = check_delivery(d, relay, batches, what)
    ev = "\n".join(relay.events())
    if c["tls"]:
        n = len(re.findall(r"^\d+ STARTTLS 220$", ev, re.M))
        assert n >= BATCHES, "%s: mails without STARTTLS:\n%s" % (what, ev)
    if c["drop_bytes"] is not None:
        sizes = [int(x) for x in re.findall(r"^\d+ EOD (\d+) bytes 250 ", ev, re.M)]
        assert min(sizes) > c["drop_bytes"] + 100, \
            "%s: the drop was not in the middle (sizes %s)" % (what, sizes)
    if c["recover"] == "self":
        rej = relay.rejected()
        assert len(rej) == 3, "%s: %d refused at EOD, expected 3:\n%s" % (what, len(rej), ev)
    assert d.stop() == 0, "%s: daemon exit" % what
    assert len(relay.mails()) == len(mails)
    info["ok"] = True
    info["t"] = time.time() - info["t"]


def t_relay_fault_matrix(env):
    cert = make_cert(env.base)
    cases = build_cases()
    infos = {}
    errors = []

    def one(idx, c):
        try:
            run_case(env, idx, c, cert, lambda i: infos.__setitem__(idx, i))
        except Exception as e:  # noqa: BLE001
            errors.append((idx, c, "".join(traceback.format_exception_only(type(e), e)).strip()))

    t0 = time.time()
    try:
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as ex:
            list(ex.map(lambda a: one(*a), enumerate(cases)))
    finally:
        keep = os.environ.get("KEEP") == "1"
        failed = {idx for idx, _, _ in errors}
        for idx, info in sorted(infos.items()):
            info["env"].close(keep=keep and idx in failed)
    if os.environ.get("VERBOSE") == "1":
        for idx, c in enumerate(cases):
            info = infos.get(idx, {})
            print("    %-4s %-34s kick=%-5s %5s  status: %s" % (
                "ok" if info.get("ok") else "FAIL", c["name"], c["kick"],
                "%.1fs" % info["t"] if info.get("ok") else "",
                (last_result(info.get("status") or "") or "-")[:90]))
        print("    %d cases in %.1fs" % (len(cases), time.time() - t0))
    if errors:
        out = []
        for idx, c, msg in sorted(errors, key=lambda e: e[0]):
            out.append("case %r: %s" % (c["name"], msg))
            info = infos.get(idx, {})
            if "daemon" in info:
                out += ["    daemon: " + l for l in info["daemon"].log().splitlines()[-8:]]
            for k in ("faulty", "relay"):
                s = info.get(k)
                if s is not None:
                    out += ["    %s sink: %s" % (k, l) for l in s.events()[-8:]]
            if keep:
                out.append("    kept %s" % info["env"].base)
        raise AssertionError("%d of %d fault cases failed:\n%s"
                             % (len(errors), len(cases), "\n".join(out)))


t_relay_fault_matrix.with_sink = False


# ---- 2. a restart while reports wait for the relay ----

def t_restart_with_pending_outbox(env):
    port = lib.free_port()
    log = env.path("syslog")
    open(log, "ab").close()
    timeout = 3
    d = env.daemon("set mailserver 127.0.0.1:%d\n" % port
                   + CONF.format(log=log, timeout=timeout)).start()
    batches = []
    for b in range(1, BATCHES + 1):
        batches += file_reports(d, 90, b, 1)
        wait_for(lambda: outbox_count(d.status()) == b, 10,
                 what="report %d in the outbox (status:\n%s)" % (b, d.status()))
    wait_for(lambda: "sender: FAILING" in d.status(), 10, what="status FAILING")
    pending = spool_files(d)
    assert len(pending) == BATCHES, pending
    # the relay now accepts connections but never greets: the daemon's
    # shutdown kicks the sender once more and must give up after mailtimeout
    stall = env.add_sink("stall", "--fault", "stage=connect;action=delay;seconds=600",
                         port=port)

    def quiet():
        # TERM when the last failure is over a second old (the shutdown
        # takes a failure of the same second for the answer to its kick)
        # and no back-off retry is due or running (next_retry is written
        # after an attempt): the final attempt is the shutdown's kick
        st = d.sender_status()
        now = time.time()
        return (now - int(st.get("last_attempt", "0")) >= 1.5
                and int(st.get("next_retry", "0")) - now >= 1.5)
    wait_for(quiet, 40, step=0.1, what="a quiet moment of the sender (%s)" % d.sender_status())
    connects = lambda: sum(" CONNECT " in l for l in stall.events())  # noqa: E731
    n0 = connects()
    t = time.time()
    rc = d.stop(timeout=timeout + 10)
    took = time.time() - t
    assert rc == 0, "daemon exit %d:\n%s" % (rc, d.log()[-1500:])
    assert took < timeout + 3, "TERM took %.1fs (mailtimeout %d)" % (took, timeout)
    assert connects() > n0, \
        "the shutdown did not retry (TERM took %.1fs):\n%s" % (took, d.log()[-1500:])
    assert took >= timeout - 0.5, "TERM took %.1fs: it did not wait for the " \
        "stalled attempt (mailtimeout %d)" % (took, timeout)
    assert spool_files(d) == pending, "outbox after stop: %s, before: %s" % (
        spool_files(d), pending)
    assert not stall.mails()
    if os.environ.get("VERBOSE") == "1":
        print("    TERM with a stalling relay took %.1fs (mailtimeout %d); stalled "
              "connections: %d" % (took, timeout, connects()))
    stall.stop()
    relay = env.add_sink("up", port=port)
    assert relay.port == port
    d.start()
    check_delivery(d, relay, batches, "after restart")
    # a report filed after the restart is a new one (own Message-ID)
    batches += file_reports(d, 90, BATCHES + 1, 1, since=BATCHES * PER_BATCH)
    mails = check_delivery(d, relay, batches, "a report after restart")
    assert len(mails) == BATCHES + 1
    assert d.stop() == 0
    assert len(relay.mails()) == BATCHES + 1, relay.events()


t_restart_with_pending_outbox.with_sink = False
