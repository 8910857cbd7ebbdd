"""What `status` says after copytruncate (issue: a copy shorter than what
logward had already read gave "1 POSSIBLE LOSS" although nothing was lost).
First the sequence by hand, so that the writer surely goes on between the
copy and the truncation and logward reads those lines from the live file;
then the real logrotate (copytruncate, private state file).  Every line is
reported once and status shows no loss."""

import os
import re
import shutil
import subprocess

import lib

CONF = """set logfile {log}
set queue all logward@test.example root@test.example [0 0 1 1 *] all
all .*
"""


def t_copytruncate_copy_shorter_than_read_is_no_loss(env):
    log = env.path("app.log")
    open(log, "w").close()
    d = env.daemon(CONF.format(log=log)).start()
    lines = ["Mar  2 10:00:%02d h1 app[1]: line %d" % (i % 60, i) for i in range(1, 41)]
    lib.append(log, lines[:20])
    d.wait_lines(20)
    # logrotate's copy, then the writer goes on and logward reads on ...
    shutil.copyfile(log, log + ".1")
    lib.append(log, lines[20:30])
    d.wait_lines(30)
    # ... then the truncation
    os.truncate(log, 0)
    lib.append(log, lines[30:])
    d.wait_lines(40)
    st = d.status()
    assert "POSSIBLE LOSS" not in st and "LOST" not in st, st
    m = re.search(r"input %s: .*?(\d+) rotations" % re.escape(log), st)
    assert m and int(m.group(1)) == 1, st
    assert d.ctl("flush")[0] == 0
    mails = env.sink.wait_mails(1)
    counts = lib.report_counts(mails)
    for i in range(1, 41):
        assert counts.get("app: line %d" % i, counts.get("app[1]: line %d" % i)) == 1, \
            "line %d: %s" % (i, counts)
    assert "truncated;" in d.log() and "nothing to take from it" in d.log(), d.log()[-1500:]


def t_copytruncate_with_real_logrotate(env):
    lr = shutil.which("logrotate") or "/usr/sbin/logrotate"
    log = env.path("app.log")
    open(log, "w").close()
    d = env.daemon(CONF.format(log=log)).start()
    lines = ["Mar  2 10:01:%02d h1 app[1]: rot %d" % (i % 60, i) for i in range(1, 31)]
    lib.append(log, lines[:15])
    d.wait_lines(15)
    conf = env.path("logrotate.conf")
    with open(conf, "w") as fp:
        fp.write("%s {\n    copytruncate\n    rotate 3\n    missingok\n}\n" % log)
    r = subprocess.run([lr, "-f", "-s", env.path("lr.state"), conf],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    lib.append(log, lines[15:])
    d.wait_lines(30)
    st = d.status()
    assert "POSSIBLE LOSS" not in st and "LOST" not in st, st
    assert d.ctl("flush")[0] == 0
    counts = lib.report_counts(env.sink.wait_mails(1))
    got = sorted(int(k.rsplit(" ", 1)[1]) for k, v in counts.items() if " rot " in k
                 for _ in range(v))
    assert got == list(range(1, 31)), got
