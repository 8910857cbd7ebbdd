"""`set redis`: the checkpoint and the outbox in Redis (one instance),
partitions read from Redis streams, tenshi's Redis lists, and
`logward relay` - each with a private redis-server on 127.0.0.1 (see
tests/lib/redis_server.py)."""

import os
import signal
import subprocess
import sys
import time

import lib
from lib import append, report_counts, wait_for

sys.path.insert(0, os.path.join(lib.ROOT, "tests", "lib"))
from redis_server import RedisServer  # noqa: E402


def with_redis(f):
    """Runs f(env, srv) with a redis-server that is stopped afterwards."""
    def run(env):
        srv = RedisServer(env.base)
        try:
            f(env, srv)
        finally:
            for d in env.daemons:
                if d.proc is not None:
                    d.stop(signal.SIGKILL)
            srv.stop()
    run.__name__ = f.__name__
    return run


CONF = """set sleep 1
set checkpoint 1
set start_at beginning
set redis {url}
set instance solo
set queue alert a@example.org b@example.org [now] Alert
set queue digest a@example.org b@example.org [0 * * * *] Digest
alert ^app: alert (\\d+)$
digest ^app: event (\\d+)$
trash .*
logfile {log}
"""


def conf(env, srv, **kw):
    text = CONF.format(url=srv.url, log=env.path("app.log"))
    return text.replace("logfile ", "set logfile ")


@with_redis
def t_redis_single_instance(env, srv):
    """One instance with set redis: the checkpoint is a Redis key (no
    state file), reports go through the outbox stream, kill -9 repeats
    nothing and loses nothing."""
    log = env.path("app.log")
    append(log, ["Mar  2 10:00:01 web1 app: event %d" % i for i in range(5)])
    d = env.daemon(conf(env, srv))
    d.start()
    d.wait_lines(5)
    append(log, ["Mar  2 10:00:02 web1 app: alert 1"])
    d.wait_lines(6)
    d.advance(2)
    mails = env.sink.wait_mails(1)
    assert mails[0]["X-logward-queue"] == "alert", mails[0]
    ck = srv.cmd("GET", "lw:{i.solo}:ckpt")
    assert ck is not None and ck.startswith(b"LWSTATE\n"), ck
    assert not os.path.exists(env.path("state", "state")), "a state file was written"
    st = d.status()
    assert "checkpoint: in Redis" in st and "instance solo" in st, st
    time.sleep(1.5)             # a commit after the lines
    d.kill9()
    append(log, ["Mar  2 10:00:03 web1 app: event %d" % i for i in range(5, 8)])
    d.start()
    d.wait_lines(3)
    assert d.ctl("flush")[0] == 0
    mails = env.sink.wait_mails(2)
    c = report_counts([m for m in mails if m["X-logward-queue"] == "digest"])
    assert c == {"app: event ______": 8}, c
    assert srv.cmd("XLEN", "lw:out") == 0 or wait_for(
        lambda: srv.cmd("XLEN", "lw:out") == 0, 10, what="outbox stream empty")
    assert d.stop() == 0
    assert len(env.sink.mails()) == 2, [m["Subject"] for m in env.sink.mails()]


def recipe(name):
    import re
    text = open(os.path.join(lib.ROOT, "README.md")).read()
    m = re.search(r"<!-- recipe: %s -->\s*```\n(.*?)```" % re.escape(name), text, re.S)
    assert m, "README has no recipe block %r" % name
    return m.group(1)


def swap(text, old, new):
    assert old in text, "the recipe no longer has %r" % old
    return text.replace(old, new)


def syslog_tcp(port, lines):
    """Sends lines octet-counted (RFC 6587) as rsyslog's omfwd does."""
    import socket
    s = socket.create_connection(("127.0.0.1", port))
    for l in lines:
        b = l.encode()
        s.sendall(b"%d %s" % (len(b), b))
    s.close()


def t_recipe_redis_scale_out(env):
    """README "More than one log host": the redis.conf settings, two
    instances with the instance configuration and a relay with the relay
    configuration, as written (ports, paths and instance names changed);
    every line reported once; a TERM hands the partitions over; the
    syslog-ng recipe's entries are read too."""
    import hashlib
    extra = []
    for l in recipe("redis-conf").splitlines():
        k, _, v = l.strip().partition(" ")
        extra += ["--" + k, v]
    srv = RedisServer(env.base, extra=extra)
    relay = None
    insts = []
    try:
        assert srv.cmd("CONFIG", "GET", "appendfsync")[1] == b"always"
        port = lib.free_port()
        rconf = recipe("redis-relay")
        rconf = swap(rconf, "set listen tcp::514\n", "set listen tcp:127.0.0.1:%d\n" % port)
        rconf = swap(rconf, "set listen udp::514\n", "")
        rconf = swap(rconf, "redis://redis.example.org:6379", srv.url)
        with open(env.path("relay.conf"), "w") as fp:
            fp.write(rconf)
        rlog = open(env.path("relay.stderr"), "ab")
        relay = subprocess.Popen([env.bin, "relay", "-c", env.path("relay.conf")],
                                 stdout=rlog, stderr=rlog)
        iconf = recipe("redis-instance")
        iconf = swap(iconf, "redis://redis.example.org:6379", srv.url)
        iconf = swap(iconf, "set mailserver mail.example.org:587\nset smtp_tls starttls\n",
                     "set mailserver 127.0.0.1:%d\n" % env.sink.port)
        for name in ("a", "b"):
            d = os.path.join(env.base, name)
            head = ("set statedir %s/state\nset spooldir %s/spool\n"
                    "set cachedir %s/cache\nset instance %s\n" % (d, d, env.base, name))
            p = env.path(name + ".conf")
            with open(p, "w") as fp:
                fp.write(head + iconf)
            log = open(env.path(name + ".stderr"), "ab")
            e = dict(os.environ, TZ="UTC")
            e.pop("LOGWARD_CACHE_DIR", None)
            insts.append((name, p, subprocess.Popen([env.bin, "run", "-c", p],
                                                   stdout=log, stderr=log, env=e)))

        def status(p):
            return subprocess.run([env.bin, "status", "-c", p], capture_output=True,
                                  text=True).stdout

        def owned(p):
            import re
            m = re.search(r"redis: (\d+) of 16 partitions owned", status(p))
            return int(m.group(1)) if m else -1
        wait_for(lambda: owned(insts[0][1]) + owned(insts[1][1]) == 16 and
                 owned(insts[0][1]) == 8, 30, 0.2, what="8 partitions each")
        wait_for(lambda: relay.poll() is None and os.path.exists(env.path("relay.stderr"))
                 and b"listening" in open(env.path("relay.stderr"), "rb").read(), 10,
                 what="the relay to listen")
        hosts = ["web%d" % i for i in range(1, 9)]
        lines = []
        for i in range(40):
            h = hosts[i % len(hosts)]
            lines.append("<38>1 2026-03-02T10:00:%02d+00:00 %s sshd 811 - - Failed password "
                         "for invalid user u%d from 203.0.113.%d port 22 ssh2" % (i, h, i, i))
        syslog_tcp(port, lines)
        # what syslog-ng's redis() destination of the recipe writes
        for h in ("db1", "db2"):
            key = "lw:{%s}:in" % hashlib.md5(h.encode()).hexdigest()[:1]
            srv.cmd("XADD", key, "*", "h", h, "p", "sshd[99]", "t", "1772445600",
                    "m", "Failed password for root from 198.51.100.1 port 22 ssh2")
        def read():
            import re
            return sum(int(x) for _, p, _ in insts
                       for x in re.findall(r"lines: (\d+) read", status(p)))
        wait_for(lambda: read() == 42, 20, 0.2, what="42 lines read")
        for _, p, _ in insts:
            assert subprocess.run([env.bin, "flush", "-c", p],
                                  capture_output=True).returncode == 0
        mails = env.sink.wait_mails(2, 20)
        hs = lib.report_hosts(mails, "daily")
        assert sorted(hs) == sorted(hosts + ["db1", "db2"]), sorted(hs)
        total = sum(n for m in hs.values() for n in m.values())
        assert total == 42, hs
        for name, p, proc in insts:
            st = status(p)
            assert "partition " in st and "epoch " in st and "lease lw:{" in st, st
        # a graceful stop hands over at once: b owns all 16
        insts[0][2].send_signal(signal.SIGTERM)
        assert insts[0][2].wait(30) == 0
        wait_for(lambda: owned(insts[1][1]) == 16, 15, 0.2, what="b to own all 16")
    finally:
        for _, _, proc in insts:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if relay is not None and relay.poll() is None:
            relay.terminate()
            relay.wait(10)
        srv.stop()


@with_redis
def t_redisqueue_tenshi_list(env, srv):
    """tenshi's set redisqueue / set redisserver: lines LPOPped from the
    lists are reported; the lists are emptied (at most once)."""
    srv.cmd("RPUSH", "logs1", "Mar  2 10:00:01 web1 app: event 1",
            "Mar  2 10:00:02 web1 app: event 2")
    srv.cmd("RPUSH", "logs2", "Mar  2 10:00:03 web2 app: event 3\n")
    d = env.daemon("""set sleep 1
set redisqueue logs1
set redisqueue logs2
set redisserver 127.0.0.1:%d
set queue digest a@example.org b@example.org [0 * * * *] Digest
digest ^app: event (\\d+)$
""" % srv.port)
    d.start()
    d.wait_lines(3)
    assert srv.cmd("LLEN", "logs1") == 0 and srv.cmd("LLEN", "logs2") == 0
    assert "redisqueue: 2 lists" in d.status(), d.status()
    assert d.ctl("flush")[0] == 0
    mails = env.sink.wait_mails(1)
    assert lib.report_hosts(mails, "digest") == {
        "web1": {"app: event ______": 2}, "web2": {"app: event ______": 1}}, \
        lib.report_hosts(mails)
