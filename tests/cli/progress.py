#!/usr/bin/python3
"""tests/cli/progress.py BIN TMPDIR -- the progress line of one-shot runs
(cli/progress.c): on when stderr is a terminal (a pty here), forced by
--progress, off with --no-progress; redrawn in place and erased before the
report; standard output the same either way.  The input comes through a
pipe in two halves with a pause between them, so the line is due at least
once.  Prints "ok NAME" or "bad NAME WHY" per case (tests/cli/run counts
them)."""
import os
import pty
import subprocess
import sys
import time

BIN, TMP = sys.argv[1], sys.argv[2]
CONF = os.path.join(TMP, "progress.conf")
ERASE = b"\r\x1b[K"

with open(CONF, "w") as f:
    f.write("set mailserver localhost\n"
            "set hidepid on\n"
            "set queue report root@example.org admin@example.org [0 9 * * *]\n"
            "report ^sshd: Failed password for (\\S+) from (\\S+)\n"
            "report ^cron\\[\\d+\\]: .*\n")

def lines(first, n):
    return b"".join(b"Nov 21 09:%02d:%02d web%d sshd[%d]: Failed password for "
                    b"user%d from 10.0.%d.%d\n" % ((i // 60) % 60, i % 60, i % 7,
                                                   i, i % 13, i % 200, i % 250)
                    for i in range(first, first + n))

HALF = 6000

def run(opts, tty):
    """Runs check -c CONF OPTS - with the input in two halves; returns
    (rc, stdout, stderr bytes)."""
    out = open(os.path.join(TMP, "progress.out"), "w+b")
    if tty:
        master, slave = pty.openpty()
        err = slave
    else:
        errf = open(os.path.join(TMP, "progress.err"), "w+b")
        err = errf
    p = subprocess.Popen([BIN, "check", "-c", CONF, "--now", "2026-01-02 03:04:05"] +
                         opts + ["-"],
                         stdin=subprocess.PIPE, stdout=out, stderr=err)
    got = b""
    if tty:
        os.close(slave)
    p.stdin.write(lines(0, HALF))
    p.stdin.flush()
    time.sleep(0.8)
    p.stdin.write(lines(HALF, HALF))
    p.stdin.close()
    if tty:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:		# EIO: the child closed the pty
                break
            if not chunk:
                break
            got += chunk
        os.close(master)
    rc = p.wait(timeout=60)
    if not tty:
        errf.seek(0)
        got = errf.read()
        errf.close()
    out.seek(0)
    text = out.read()
    out.close()
    return rc, text, got

def check(name, cond, why):
    print("ok %s" % name if cond else "bad %s %s" % (name, why))

rc0, plain, err0 = run(["--no-progress"], False)
check("progress-baseline", rc0 == 0 and b"Failed password" in plain and
      b"\r" not in err0, "rc %d, stderr %r" % (rc0, err0[:200]))

def drawn_then_erased(err):
    """A drawn line, then the erase, and nothing drawn after it."""
    k = err.rfind(ERASE)
    return (k > 0 and b"lines/s" in err[:k] and b"lines/s" not in err[k:],
            "stderr %r" % err[-300:])

for name, opts, tty in (("progress-tty", [], True),
                        ("progress-forced", ["--progress"], False)):
    rc, text, err = run(opts, tty)
    ok, why = drawn_then_erased(err.replace(b"\r\n", b"\n") if tty else err)
    check(name, rc == 0 and ok, "rc %d, %s" % (rc, why))
    check(name + "-stdout", text == plain, "stdout differs from --no-progress")

rc, text, err = run(["--no-progress"], True)
check("progress-off-on-tty", rc == 0 and b"lines/s" not in err and
      text == plain, "stderr %r" % err[-300:])
