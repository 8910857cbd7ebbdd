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
