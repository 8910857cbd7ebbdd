"""Bounded resources (RELIABILITY.md promise 4) and limits that are
counted, never silent (promise 2):

* a flood of distinct lines under `set max_memory`: peak RSS stays under
  the cap and every line is accounted for in the report (itemised or
  counted as "not itemised");
* the outbox is capped (`set max_outbox`): while the relay refuses,
  reports wait in their queues and merge, nothing is deleted;
* a 1 GiB file without a newline: one line, cut and marked, in bounded
  memory;
* a glob matching 10,000 files with `set max_files 4000`: 4,000 watched,
  the rest reported in status and the log.

FLOOD_LINES (default 1,000,000) sets the flood size; `make flood` runs it
with 10,000,000."""

import os
import re
import signal
import subprocess
import time

import lib
from lib import wait_for

FLOOD_LINES = int(os.environ.get("FLOOD_LINES", "1000000"))


def rss_kb(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def t_memory_cap_flood(env):
    """FLOOD_LINES distinct lines through one queue with max_memory 64M."""
    log = env.path("flood.log")
    with open(log, "w") as fp:
        for i in range(FLOOD_LINES):
            fp.write("Nov 21 10:00:00 host%d app[%d]: unique event id=%d %s\n"
                     % (i % 5000, i, i, "x" * 60))
    conf = env.path("flood.conf")
    with open(conf, "w") as fp:
        fp.write("set max_entries 100000000\nset max_memory 64M\n"
                 "set queue report a@example.org b@example.org [0 8 * * *]\n"
                 "report .*\n")
    t = time.time()
    r = subprocess.run(["/usr/bin/time", "-v", env.bin, "check", "-c", conf, log],
                       capture_output=True, timeout=600,
                       env=dict(os.environ, LOGWARD_CACHE_DIR=env.path("cache")))
    took = time.time() - t
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    err = r.stderr.decode()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    # AddressSanitizer's redzones and quarantine are not the allocator
    # logward budgets for: the bound is checked on normal builds only
    sanitized = "build-san" in env.bin
    assert sanitized or rss < 64 * 1024, "peak RSS %d KiB over the 64 MiB cap" % rss
    out = r.stdout.decode("utf-8", "replace")
    itemised = sum(int(m) for m in re.findall(r"^    (\d+): ", out, re.M))
    folded = sum(int(m) for m in re.findall(
        r"\*\*\* (\d+) more lines? (?:not itemised|from hosts not named)", out))
    assert "max_memory" in out, "the report does not say why lines were folded"
    assert itemised + folded == FLOOD_LINES, \
        "%d itemised + %d folded != %d lines" % (itemised, folded, FLOOD_LINES)
    print("    memory cap: %d distinct lines, peak RSS %.1f MiB (cap 64%s), %d itemised, "
          "%d folded into counts, %.1f s" % (FLOOD_LINES, rss / 1024,
                                             "; not checked under ASan" if sanitized else "",
                                             itemised, folded, took))


t_memory_cap_flood.with_sink = False


def t_outbox_cap_merges(env):
    port = lib.free_port()                  # nobody listens: the relay is down
    d = env.daemon("set mailserver 127.0.0.1:%d\nset logfile %s\nset sleep 1\n"
                   "set max_outbox 2\nset mailtimeout 2\n"
                   "set queue now logward@example.org root@example.org [now] Now\n"
                   "now ^app: (.*)\n" % (port, env.path("syslog")))
    open(env.path("syslog"), "w").close()
    d.start()
    seq = 0
    for batch in range(5):
        lib.append(env.path("syslog"), ["Mar  2 10:00:%02d h1 app: event seq=%d"
                                        % (i, seq + i) for i in range(1, 4)])
        seq += 3
        d.wait_lines(seq)
        d.advance(2)
        # batches 0 and 1 are mailed (the queue empties); batch 2 finds
        # the outbox full and is deferred (a [now] queue retries after a
        # minute), so batches 3 and 4 join it in the queue
        if batch < 2:
            wait_for(lambda: "queue now [now]: 0 entries" in d.status(), 10,
                     what="batch %d mailed" % batch)
        else:
            wait_for(lambda: "1 report deferred" in d.status(), 10,
                     what="batch %d deferred" % batch)
    st = d.status()
    assert "outbox: 2 waiting" in st and "FULL" in st and "deferred" in st, st
    assert len(os.listdir(env.path("spool", "new"))) == 2
    # the relay comes back
    sink = env.add_sink("late", port=port)
    d.ctl("flush")
    wait_for(lambda: "outbox: 0 waiting" in d.status(), 20, what="the outbox to drain")
    assert d.stop() == 0
    mails = sink.mails()
    counts = lib.report_counts(mails)
    total = sum(counts.values())
    assert total == seq, "%d lines reported, %d written: %s" % (total, seq, counts)
    print("    outbox cap: %d lines in 5 batches, max_outbox 2 -> %d mails, all lines "
          "reported once" % (seq, len(mails)))


def t_one_gib_without_newline(env):
    big = env.path("big.log")
    with open(big, "wb") as fp:
        # a syslog prefix, then (sparse) NUL bytes up to 1 GiB, no newline
        fp.write(b"Nov 21 10:00:00 h1 app: ")
        fp.truncate(1 << 30)
    d = env.daemon("set logfile %s\nset start_at beginning\nset partial_timeout 1\n"
                   "set queue q a@example.org b@example.org [0 8 * * *]\nq .*\n" % big)
    d.start()
    wait_for(lambda: "offset 1073741824 of 1073741824" in d.status(), 60,
             what="the whole file read")
    d.wait_lines(1, timeout=30)
    st = d.status()
    assert "1 lines cut at max_line" in st, st
    wait_for(lambda: "1 line longer than max_line (65536 bytes) cut" in d.log(), 5,
             what="the cut line in the daemon's own log")
    rss = rss_kb(d.proc.pid)
    assert rss < 100 * 1024, "peak RSS %d KiB reading a 1 GiB line" % rss
    assert d.stop() == 0
    body = lib.body_text(env.sink.wait_mails(1)[0])
    assert "line cut at 65536 of 1073741824 bytes" in body, body[:300]
    print("    1 GiB without newline: 1 line, cut at 65536 bytes, peak RSS %.1f MiB"
          % (rss / 1024))


def t_glob_ten_thousand_files(env):
    os.makedirs(env.path("many"))
    for i in range(10000):
        with open(env.path("many", "f%05d.log" % i), "w") as fp:
            fp.write("")
    d = env.daemon("set logfile %s/*.log\nset max_files 4000\nset start_at beginning\n"
                   "set queue q a@example.org b@example.org [0 8 * * *]\nq .*\n"
                   % env.path("many"))
    t = time.time()
    d.start()
    started = time.time() - t
    st = d.status()
    assert "inputs: 4000 watched, 6000 more matching files NOT WATCHED (set max_files 4000)" \
        in st, st[:500]
    assert "NOT watched" in d.log()
    # a watched file still works
    first = sorted(os.listdir(env.path("many")))[0]
    lib.append(env.path("many", first), ["Mar  2 10:00:00 h1 app: hello"])
    d.wait_lines(1)
    assert d.stop() == 0
    print("    10,000 matching files, max_files 4000: 4000 watched, 6000 reported; "
          "start-up %.1f s" % started)
