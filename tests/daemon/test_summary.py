"""Summaries in the daemon: a summary queue mails on its schedule (text
and HTML parts), counts every line exactly once across kill -9 at any
moment (also between the firing and the mail), a disk threshold crossing
on a real (tmpfs) file system becomes one routed line and one [now] mail,
and clock skew measured on syslog lines with skewed stamps becomes a
Clock section and a routed line."""

import os
import random
import re
import signal
import socket
import subprocess
import time

import lib

ROOT = lib.ROOT
PACK = os.path.join(ROOT, "etc", "summaries.d")


def fail_line(seq, ip="192.0.2.1"):
    return ("Mar  2 09:%02d:%02d web1 sshd[%d]: Failed password for u%d from %s port 1 ssh2"
            % (seq // 60 % 60, seq % 60, 1000 + seq % 500, seq, ip))


def text_part(m):
    part = m.get_body(preferencelist=("plain",))
    return part.get_payload(decode=True).decode("utf-8", "replace")


def user_counts(mails):
    """{seq: count} over the "uSEQ/password: N Time(s)" rows of the mails."""
    out = {}
    for m in mails:
        if m.get("X-logward-queue") != "daily":
            continue
        for s, n in re.findall(r"^ +u(\d+)/password: (\d+) Time\(s\)$", text_part(m), re.M):
            out[int(s)] = out.get(int(s), 0) + int(n)
    return out


def conf(env, extra=""):
    return ("set logfile %s\nset start_at beginning\nset checkpoint 1\n"
            "set summary daily logward@localhost admins@localhost [0 7 * * *] "
            "services=sshd,pam_unix detail=high Daily summary\n"
            "includedir %s\n%s" % (env.path("auth.log"), PACK, extra))


def t_summary_mailed_on_schedule(env):
    open(env.path("auth.log"), "w").close()
    d = env.daemon(conf(env))
    d.start()
    lib.append(env.path("auth.log"), [fail_line(i) for i in range(5)] +
               ["Mar  2 09:10:00 web1 sshd[9]: Accepted publickey for alice from "
                "192.0.2.10 port 5 ssh2"])
    d.wait_lines(6)
    st = d.status()
    assert re.search(r"summary daily \[0 7 \* \* \*\]: 6 lines counted", st), st
    assert env.sink.mails() == []
    d.set_clock(lib.T0 + 22 * 3600)          # next day 08:00: after 07:00
    m = env.sink.wait_mails(1)[0]
    assert m.get_content_type() == "multipart/alternative", m.get_content_type()
    assert m["Subject"] == "Daily summary" and m["To"] == "admins@localhost", m["Subject"]
    txt = text_part(m)
    assert " Failed logins from: 5 Time(s)" in txt and "    192.0.2.1: 5 Time(s)" in txt, txt
    assert "       192.0.2.10: 1 Time(s)" in txt and " Disk Space Begin" in txt, txt
    html = m.get_body(preferencelist=("html",)).get_payload(decode=True).decode()
    assert "<h2 id=\"svc-sshd\"" in html and "u4/password" in html
    # the next day's summary holds only what came after
    lib.append(env.path("auth.log"), [fail_line(100)])
    d.wait_lines(7)
    d.set_clock(lib.T0 + 46 * 3600)
    mails = env.sink.wait_mails(2)
    assert user_counts(mails[1:]) == {100: 1}, text_part(mails[1])
    assert d.stop() == 0
    # a stop does not mail a summary; nothing was lost either
    assert len(env.sink.mails()) == 2


def t_summary_kill9_exactly_once(env):
    """kill -9 at random points, firings among them: every line in
    exactly one summary.  The counts on their worker thread, with
    rounds long enough for several batches of it in flight."""
    kill9_exactly_once(env, "set summary_thread on\nset summary_max_keys 100000\n",
                       (200, 6000))


def t_summary_kill9_exactly_once_inline(env):
    """The same with the counts on the main thread (set summary_thread
    off, the default on a machine with one CPU)."""
    kill9_exactly_once(env, "set summary_thread off\n", (20, 200))


def kill9_exactly_once(env, extra, size):
    rnd = random.Random(99)
    log = env.path("auth.log")
    open(log, "w").close()
    d = env.daemon(conf(env, extra))
    seq = 0
    day = 0
    for rnd_no in range(7):
        d.start()
        n = rnd.randint(*size)
        lib.append(log, [fail_line(seq + i) for i in range(n)])
        seq += n
        if rnd_no % 2 == 1:
            # the firing: kill while the summary is being staged, sent
            # or committed (or just after)
            day += 1
            d.set_clock(lib.T0 + day * 86400)
        time.sleep(rnd.uniform(0, 1.2))
        d.kill9()
        n = rnd.randint(0, 50)             # written while down
        lib.append(log, [fail_line(seq + i) for i in range(n)])
        seq += n
    d.start()
    d.wait_lines(1)
    day += 1
    d.set_clock(lib.T0 + day * 86400)

    def all_counted():
        return sum(user_counts(env.sink.mails()).values()) >= seq
    lib.wait_for(all_counted, 30, what="every line in some summary")
    time.sleep(1)
    counts = user_counts(env.sink.mails())
    missing = [s for s in range(seq) if counts.get(s, 0) == 0]
    twice = [s for s, c in counts.items() if c != 1]
    assert not missing and not twice, "lost %s, counted twice %s" % (missing[:10], twice[:10])
    print("    summary kill9: %d lines, %d mails, each counted once" %
          (seq, len(env.sink.mails())))


def start_in_namespace(d, mnt):
    """The daemon in a private mount namespace where mnt is a 1 MiB tmpfs
    (so the test fills a real file system, and nothing outside sees it)."""
    env = dict(os.environ, TZ="UTC", LOGWARD_TEST_CLOCK=d.clock)
    env.pop("LOGWARD_CACHE_DIR", None)
    d.stderr = open(os.path.join(d.base, "daemon.stderr"), "ab")
    d.proc = subprocess.Popen(
        ["unshare", "-m", "sh", "-c",
         'mount -t tmpfs -o size=1m,nr_inodes=1000 tmpfs "$0" && exec "$@"', mnt,
         d.env.bin, "run", "-c", d.conf],
        stdout=d.stderr, stderr=d.stderr, env=env)
    lib.wait_for(lambda: d.proc.poll() is not None or d.ctl_ok(), 30, what="the daemon")
    assert d.proc.poll() is None, d.log()[-2000:]


def fill(d, mnt, kib):
    """Writes a file of kib KiB on the daemon's tmpfs, inside its mount
    namespace (unshare and sh exec'd, so the pid is the daemon's)."""
    r = subprocess.run(["nsenter", "-t", str(d.proc.pid), "-m", "sh", "-c",
                        'rm -f "$0"/fill; [ "$1" = 0 ] || head -c "$1"K /dev/zero > "$0"/fill',
                        mnt, str(kib)], capture_output=True)
    assert r.returncode == 0, r.stderr


def mails_ticking(env, d, n, timeout=20):
    """Waits for n mails while the test clock moves on (a [now] queue
    waits 'set sleep' seconds of that clock)."""
    def got():
        if len(env.sink.mails()) >= n:
            return True
        d.advance(1)
        return False
    lib.wait_for(got, timeout, step=0.3, what="%d mail(s)" % n)
    return env.sink.mails()


def t_disk_crossing_routed_once(env):
    if os.geteuid() != 0 or subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        raise AssertionError("needs root and unshare -m (a private tmpfs to fill)")
    mnt = env.path("vol")
    os.makedirs(mnt)
    open(env.path("auth.log"), "w").close()
    d = env.daemon(
        "set logfile %s\nset hidepid on\nset disk_interval 1\n"
        "set disk_exclude proc sysfs cgroup cgroup2 devpts mqueue devtmpfs\n"
        "set disk %s warn 50%% crit 90%%\n"
        "set queue critical logward@localhost oncall@localhost [now] DISK\n"
        "set sleep 1\n"
        "critical ^logward: disk (?:WARNING|CRITICAL)\n"
        "includedir %s\n" % (env.path("auth.log"), mnt, PACK))
    start_in_namespace(d, mnt)
    lib.wait_for(lambda: "disk %s:" % mnt in d.status(), 10, what="the first disk check")
    st = d.status()
    assert re.search(r"disk %s: \d+%% used, inodes \d+%%, OK \(warn 50%%, crit 90%%\)" %
                     re.escape(mnt), st), st
    fill(d, mnt, 700)
    d.advance(2)
    m = mails_ticking(env, d, 1)
    body = lib.body_text(m[0])
    assert re.search(r"logward: disk WARNING %s is ([67]\d)%% full \(inodes \d+%%\)" %
                     re.escape(mnt), body), body
    assert body.count("disk WARNING") == 1, body
    lib.wait_for(lambda: "WARNING (warn 50%" in d.status(), 10, what="status")
    # checked again and again: still one line, one mail
    for _ in range(3):
        d.advance(2)
        time.sleep(1.2)
    assert len(env.sink.mails()) == 1, [lib.body_text(x) for x in env.sink.mails()]
    # a restart remembers that it said so
    d.stop()
    start_in_namespace(d, mnt)
    fill(d, mnt, 700)
    for _ in range(3):
        d.advance(2)
        time.sleep(1.2)
    assert len(env.sink.mails()) == 1, [lib.body_text(x) for x in env.sink.mails()]
    # critical: a second crossing, a second mail
    fill(d, mnt, 960)
    d.advance(2)
    m = mails_ticking(env, d, 2)
    assert re.search(r"disk CRITICAL %s is (9\d|100)%% full" % re.escape(mnt),
                     lib.body_text(m[1])), lib.body_text(m[1])
    assert d.stop() == 0


def send_udp(port, lines):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for line in lines:
        s.sendto(line.encode(), ("127.0.0.1", port))
        time.sleep(0.002)
    s.close()


def t_clock_skew_section_and_event(env):
    port = lib.free_port(udp=True)
    d = env.daemon(
        "set listen udp:127.0.0.1:%d\nset hidepid on\nset clock_skew 60s\n"
        "set summary daily logward@localhost admins@localhost [0 7 * * *] detail=med\n"
        "set queue critical logward@localhost oncall@localhost [now] CLOCK\nset sleep 1\n"
        "critical ^logward: clock WARNING\n"
        "includedir %s\n" % (port, PACK))
    d.start()
    now = d.now()

    def rfc3339(t, host, msg):
        return "<13>%s %s app[1]: %s" % (time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                                                        time.gmtime(t)), host, msg)

    def bsd(t, host, msg):
        return "<13>%s %s app[1]: %s" % (time.strftime("%b %e %H:%M:%S", time.gmtime(t)),
                                          host, msg)
    lines = [rfc3339(now + 120 + (i % 3), "ahead", "tick %d" % i) for i in range(9)]
    lines += [bsd(now - 300, "behind", "tock %d" % i) for i in range(5)]
    lines += [rfc3339(now + 2, "fine", "ok %d" % i) for i in range(4)]
    send_udp(port, lines)
    d.wait_lines(len(lines))
    d.advance(61)                          # the once-a-minute clock check
    lib.wait_for(lambda: "2 hosts off" in d.status(), 10, what="the clock check")
    m = mails_ticking(env, d, 1)
    body = lib.body_text(m[0])
    assert re.search(r"logward: clock WARNING host ahead is 121s ahead of this host "
                     r"\(median of 9 lines, worst \+122s\)", body), body
    assert re.search(r"logward: clock WARNING host behind is 300s behind this host "
                     r"\(median of 5 lines, worst -300s; its stamps have no zone\)", body), body
    assert body.count("clock WARNING") == 2 and "host fine" not in body, body
    mails = env.sink.mails()
    # the summary at its firing shows the Clock section
    d.set_clock(now + 22 * 3600)
    summ = [x for x in mails_ticking(env, d, 2) if x.get("X-logward-queue") == "daily"][0]
    txt = text_part(summ)
    assert " Clock Begin" in txt, txt
    assert "    ahead: median +121s, worst +122s (9 lines)" in txt, txt
    assert "    behind: median -300s, worst -300s (5 lines), stamps without a zone" in txt, txt
    assert "    fine:" not in txt, txt
    assert "Stamps without a zone were read as this host's local time" in txt, txt
    assert mails
    assert d.stop() == 0


def t_summary_counts_survive_reload(env):
    """A reload (HUP) keeps the summary's counts by service and fact (the
    old configuration's are carried to the new one), and they are mailed
    once, at the firing."""
    log = env.path("auth.log")
    open(log, "w").close()
    d = env.daemon(conf(env))
    d.start()
    lib.append(log, [fail_line(i) for i in range(3)])
    d.wait_lines(3)
    d.write_conf(conf(env, "set checkpoint 2\n"))
    rc, out = d.ctl("reload")
    assert rc == 0, out
    lib.append(log, [fail_line(3)])
    d.wait_lines(4)
    assert re.search(r"summary daily \[0 7 \* \* \*\]: 4 lines counted", d.status()), d.status()
    d.set_clock(lib.T0 + 22 * 3600)
    mails = env.sink.wait_mails(1)
    assert user_counts(mails) == {0: 1, 1: 1, 2: 1, 3: 1}, text_part(mails[0])
    assert d.stop() == 0
