"""Scenario tests of automatic templates and logward's own watch events
in the daemon: new-template events mailed once (also across kill -9 and
a restart), NEW marks in a digest, silent hosts and their return on the
test clock, bursts said once per window, and a flood of distinct lines
that the caps hold (templates retire, announcements are rate-limited
with the excess counted and said once)."""

import os
import random
import re
import signal
import time

import lib
from lib import wait_for

BASE = """set logfile {log}
set start_at beginning
set sleep 1
set checkpoint 1
set hidepid on
set mask ___
set queue alerts logward@test.example root@test.example [now] Alerts
set queue misc logward@test.example root@test.example [0 * * * *] Misc
"""


def setup(env, extra, rules="misc .*\n"):
    log = env.path("syslog")
    open(log, "w").close()
    d = env.daemon(BASE.format(log=log) + extra + rules)
    return log, d


def bodies(env, queue):
    return [lib.body_text(m) for m in env.sink.mails()
            if m.get("X-logward-queue") == queue]


def event_lines(env, what):
    """Every '    N: logward: WHAT...' report line of the alerts mails,
    with its count."""
    out = []
    for b in bodies(env, "alerts"):
        for line in b.splitlines():
            m = re.match(r"^\s+(\d+): logward: (%s.*)$" % re.escape(what), line)
            if m:
                out.append((int(m.group(1)), m.group(2)))
    return out


def digest(env, queue):
    """{host: {message: (count, new)}} of a queue's tenshi-layout mails;
    new is True for a "NEW n: " line."""
    out = {}
    for b in bodies(env, queue):
        host = None
        for line in b.splitlines():
            m = re.match(r"^\s+(NEW )?(\d+): (.*)$", line)
            if m and host is not None:
                c, _ = out.setdefault(host, {}).get(m.group(3), (0, False))
                out[host][m.group(3)] = (c + int(m.group(2)), bool(m.group(1)))
                continue
            mh = re.match(r"^(\S.*): $", line)
            host = mh.group(1) if mh else None
    return out


def flush_now(d, env, n):
    """Moves the test clock past 'set sleep' and waits for mail n."""
    d.advance(2)
    return env.sink.wait_mails(n)


def stamp(sec):
    return "Mar  2 10:%02d:%02d" % (sec // 60 % 60, sec % 60)


# ---- new templates, once, across kill -9 ----

def t_new_template_once_across_kill9(env):
    log, d = setup(env, "set automask on misc\nset new_templates alerts\n")
    d.start()
    lib.append(log, [
        stamp(1) + " web1 sshd[10]: Connection closed by 10.0.0.1 port 4001 [preauth]",
        stamp(2) + " web1 sshd[11]: Connection closed by 10.0.0.2 port 4002 [preauth]",
        stamp(3) + " web1 app[12]: disk quota of /home/alice at 91%",
        stamp(4) + " web2 cron[13]: (root) CMD (run-parts /etc/cron.hourly)",
    ])
    d.wait_lines(4)
    flush_now(d, env, 1)
    got = sorted(t for _, t in event_lines(env, "new template"))
    assert got == [
        "new template on web1: app: disk quota of /home/alice at 91%",
        "new template on web1: sshd: Connection closed by 10.0.0.1 port 4001 [preauth]",
        "new template on web2: cron: (root) CMD (run-parts /etc/cron.hourly)",
    ], got
    # killed right after the mail: the store went out with that report's
    # checkpoint, nothing is said again
    d.kill9()
    d.start()
    lib.append(log, [
        stamp(5) + " web3 sshd[20]: Connection closed by 10.0.0.9 port 4100 [preauth]",
        stamp(6) + " web1 app[21]: disk quota of /home/bob at 97%",
        stamp(7) + " web1 kernel: Out of Memory: Killed process 2887 (httpd).",
    ])
    d.wait_lines(3)
    # killed as soon as the lines are read, before the event's mail: the
    # restarted daemon mails it once (from the checkpoint or by reading
    # the lines again)
    d.kill9()
    d.start()
    d.wait_lines(0)
    flush_now(d, env, 2)
    time.sleep(1.5)
    d.advance(2)
    time.sleep(1.5)
    got = [t for _, t in event_lines(env, "new template")]
    assert sorted(got) == sorted([
        "new template on web1: app: disk quota of /home/alice at 91%",
        "new template on web1: sshd: Connection closed by 10.0.0.1 port 4001 [preauth]",
        "new template on web2: cron: (root) CMD (run-parts /etc/cron.hourly)",
        "new template on web1: kernel: Out of Memory: Killed process 2887 (httpd).",
    ]), got
    assert all(n == 1 for n, _ in event_lines(env, "new template"))
    st = d.status()
    assert re.search(r"^templates: 4 in the store", st, re.M), st
    assert d.stop() == 0
    # the digest folds by template, the same lines once each; every
    # template is new in this first period
    misc = digest(env, "misc")
    assert misc == {
        "web1": {"sshd: Connection closed by ___ port ___ [preauth]": (2, True),
                 "app: disk quota of ___ at ___": (2, True),
                 "kernel: Out of Memory: Killed process ___ (httpd).": (1, True)},
        "web2": {"cron: (root) CMD (run-parts ___)": (1, True)},
        "web3": {"sshd: Connection closed by ___ port ___ [preauth]": (1, True)},
    }, misc


# ---- NEW in the digest, and the learning period ----

def t_new_marks_in_digest(env):
    log, d = setup(env, "set automask on\nset learn 1h\n")
    d.start()
    lib.append(log, [stamp(1) + " web1 app: cache flushed after 12ms",
                     stamp(2) + " web1 app: cache flushed after 7ms"])
    d.wait_lines(2)
    # learning: the first digest marks nothing
    d.advance(3600)
    mails = env.sink.wait_mails(1)
    assert "NEW" not in lib.body_text(mails[0]), lib.body_text(mails[0])
    assert "    2: app: cache flushed after ___" in lib.body_text(mails[0])
    # after the hour of learning a new template is NEW in its digest,
    # a known one is not
    lib.append(log, [stamp(3) + " web1 app: cache flushed after 3ms",
                     stamp(4) + " web1 app: queue full, dropping 17 jobs"])
    d.wait_lines(4)
    d.advance(3600)
    mails = env.sink.wait_mails(2)
    body = lib.body_text(mails[1])
    assert "    NEW 1: app: queue full, dropping ___ jobs" in body, body
    assert "    1: app: cache flushed after ___" in body, body
    # the next digest: the template is known now
    lib.append(log, [stamp(5) + " web1 app: queue full, dropping 4 jobs"])
    d.wait_lines(5)
    d.advance(3600)
    mails = env.sink.wait_mails(3)
    body = lib.body_text(mails[2])
    assert "    1: app: queue full, dropping ___ jobs" in body, body
    assert "NEW" not in body, body
    assert d.stop() == 0


# ---- silent hosts ----

def t_silence_and_back(env):
    rules = "alerts ^logward: (?:host|input) \\S+ (?:silent|sends again)\nmisc .*\n"
    log, d = setup(env, "set silence web1 2m\nset silence db* 5m\n", rules)
    d.start()
    lib.append(log, [stamp(1) + " web1 app: tick", stamp(2) + " db1 app: tick"])
    d.wait_lines(2)
    d.advance(150)
    wait_for(lambda: "silent: host web1" in d.status(), 10, what="web1 silent")
    mails = flush_now(d, env, 1)
    assert event_lines(env, "host") == [
        (1, "host web1 silent for 2m (last line 10:00:00)")], event_lines(env, "host")
    assert "silent: host web1 for 2m" in d.status(), d.status()
    # a restart says nothing again, and the silence goes on
    d.kill9()
    d.start()
    d.advance(30)
    time.sleep(2)
    assert len(env.sink.mails()) == 1, len(env.sink.mails())
    assert "silent: host web1" in d.status(), d.status()
    # web1 is back
    lib.append(log, [stamp(200) + " web1 app: tick"])
    d.wait_lines(1)
    flush_now(d, env, 2)
    assert event_lines(env, "host")[1] == (
        1, "host web1 sends again after 3m of silence"), event_lines(env, "host")
    d.advance(300)
    wait_for(lambda: "silent: host db1" in d.status(), 10, what="db1 silent")
    flush_now(d, env, 3)
    # db1's clock started again at the restart (downtime does not count),
    # web1 is silent again two minutes after its line
    ev = event_lines(env, "host")
    assert sorted(ev[2:]) == [(1, "host db1 silent for 5m (last line 10:00:00)"),
                              (1, "host web1 silent for 2m (last line 10:03:02)")], ev
    assert d.stop() == 0


# ---- bursts ----

def t_burst_once_per_window(env):
    rules = "alerts ^logward: burst on\nmisc .*\n"
    log, d = setup(env, "set automask on misc\nset burst 5 20 5m\n", rules)
    d.start()
    n = 0

    def lines(k):
        nonlocal n
        out = []
        for _ in range(k):
            n += 1
            out.append(stamp(n % 3600) + " web1 app: request from 10.0.%d.%d failed"
                       % (n // 250, n % 250))
        lib.append(log, out)
        d.wait_lines(n)

    # seven quiet windows of 3 lines: the usual rate
    for _ in range(7):
        lines(3)
        d.advance(300)
    time.sleep(1)
    assert not event_lines(env, "burst"), event_lines(env, "burst")
    # a burst: said once, however long it goes on in its window
    lines(50)
    flush_now(d, env, 1)
    lines(50)
    d.advance(2)
    time.sleep(2)
    ev = event_lines(env, "burst")
    assert ev == [(1, 'burst on web1: 20 lines in 1 min of "app: request from ___ '
                   'failed" (usual 3 in 5 min)')], ev
    # the next window: history now includes the burst; a larger one is
    # said again, once
    d.advance(300)
    lines(200)
    flush_now(d, env, 2)
    ev = event_lines(env, "burst")
    assert len(ev) == 2, ev
    assert re.match(r'^burst on web1: \d+ lines in 1 min of "app: request from '
                    r'___ failed" \(usual 2\d in 5 min\)$', ev[1][1]), ev
    assert re.search(r"^bursts: 1 keys followed .* 2 bursts said", d.status(), re.M), \
        d.status()
    assert d.stop() == 0


# ---- a flood of distinct lines ----

TEMPLATE_FLOOD_LINES = int(os.environ.get("TEMPLATE_FLOOD_LINES", "20000"))


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def t_template_flood_bounded(env):
    """A scanner's junk: TEMPLATE_FLOOD_LINES lines of random words, each
    its own template (`make flood`: 10,000,000).  The store stays under
    set max_templates (the rest retire, counted), the process under set
    max_memory, and the new-template events under their hourly budget,
    the excess said once as a count."""
    n = TEMPLATE_FLOOD_LINES
    log, d = setup(env, "set automask on misc\nset new_templates alerts 10\n"
                   "set max_templates 500\nset max_memory 64M\n")
    rnd = random.Random(5)
    letters = "ghijklmnopqrstuvwxyz"
    with open(log, "w") as fp:
        for i in range(n):
            words = " ".join("".join(rnd.choice(letters) for _ in range(rnd.randint(3, 9)))
                             for _ in range(rnd.randint(2, 6)))
            fp.write("%s scan1 probe: %s\n" % (stamp(i % 3600), words))
    d.start()
    d.wait_lines(n, timeout=max(60, n // 5000))
    flush_now(d, env, 1)
    st = d.status()
    m = re.search(r"^templates: (\d+) in the store \(set max_templates 500\), "
                  r"(\d+) created, \d+ joined, (\d+) RETIRED", st, re.M)
    assert m and int(m.group(1)) <= 500 and int(m.group(3)) > 0, st
    m = re.search(r"^new templates: 10 announced, (\d+) over the rate of 10 per hour",
                  st, re.M)
    assert m and int(m.group(1)) > n // 20, st
    held = int(m.group(1))
    peak = rss_kb(d.proc.pid)
    assert peak < 64 * 1024, "peak RSS %d KB over set max_memory 64M" % peak
    if os.environ.get("VERBOSE"):
        print("template flood: %d lines, peak RSS %d KB, %d held back" % (n, peak, held))
    # an hour later: one line says how many were not announced
    d.advance(3600)
    time.sleep(1.5)
    d.advance(2)
    wait_for(lambda: event_lines(env, "new templates"), 15,
             what="the count of templates not announced")
    assert len(event_lines(env, "new template on")) == 10
    assert event_lines(env, "new templates") == [
        (1, "new templates: %d more in the hour were not announced (set "
            "new_templates allows 10 per hour)" % held)], event_lines(env, "new templates")
    assert d.stop() == 0
