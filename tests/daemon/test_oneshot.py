"""One-shot runs that remember where they stopped (`logward check --state
DIR`, `--test`) and mail through the relay (`--mail`): every rotation
style while no run was going, a file rotated twice between runs, a
compressed file, the journal cursor, twenty runs with appends, a relay
that refuses, stalls or drops the connection, and a run killed at every
step of its commit.  Every line carries a unique sequence number
(seq=N) and no mask, so a lost line is a missing seq and a line reported
twice a count of 2."""

import gzip
import os
import random
import re
import shutil
import signal
import subprocess
import time

import lib
from lib import wait_for
from test_core import Counter, Writer, check_once, gzfile, ranges
from test_net import REMOTE, jentry, write_journal

CONF = """set hidepid on
set spooldir {base}/spool
set cachedir {base}/cache
set mailtimeout 5
set queue digest logward@test.example root@test.example [0 0 1 1 *] Digest
digest ^app: event
trash .*
"""


def conf(env, extra="", sink=None):
    """The check config, mailing to sink (default: the test's sink)."""
    p = env.path("check.conf")
    sink = sink or env.sink
    head = ""
    if sink is not None:
        head = "set mailserver 127.0.0.1:%d\n" % sink.port
    with open(p, "w") as fp:
        fp.write(head + CONF.format(base=env.base) + extra)
    return p


def check(env, *args, env_extra=None, timeout=120):
    """Runs logward check; returns (rc, stdout, stderr)."""
    e = dict(os.environ, TZ="UTC")
    e.pop("LOGWARD_TEST_FAILPOINT", None)
    if env_extra:
        e.update(env_extra)
    r = subprocess.run([env.bin, "check"] + list(args), capture_output=True,
                       env=e, timeout=timeout)
    return r.returncode, r.stdout.decode("utf-8", "replace"), \
        r.stderr.decode("utf-8", "replace")


def stdout_counts(text, counts):
    """Adds the seq=N counts of a check's mbox output to counts."""
    for line in text.splitlines():
        m = re.match(r"^\s+(\d+): app: event seq=(\d+)$", line)
        if m:
            s = int(m.group(2))
            counts[s] = counts.get(s, 0) + int(m.group(1))
    return counts


def assert_once(counts, total, what):
    lost = [s for s in range(1, total + 1) if s not in counts]
    dup = sorted(s for s, c in counts.items() if c != 1)
    extra = sorted(s for s in counts if s < 1 or s > total)
    assert not lost and not dup and not extra, \
        "%s: %d written: %d lost %s, %d duplicated %s, %d unknown" % (
            what, total, len(lost), ranges(lost), len(dup), ranges(dup),
            len(extra))


STYLES = ["rename", "copytruncate", "dateext", "delaycompress", "compress"]


def t_oneshot_state_every_rotation_style(env):
    """Each style rotates while no run is going (once, then twice between
    two runs); each run resumes; every line is reported once."""
    os.makedirs(env.path("logs"))
    c = Counter()
    ws = [(st, Writer(env.path("logs", st + ".log"), c)) for st in STYLES]
    cf = conf(env)
    counts = {}
    paths = [w.path for _, w in ws]
    day = 1
    for rnd in range(4):
        for style, w in ws:
            w.write(7)
            if rnd >= 1:
                w.rotate(style, date="202603%02d" % day)
                w.write(3)
            if rnd == 3:
                # rotated twice between two runs
                w.rotate(style, date="202603%02d" % (day + 1))
                w.write(2)
        day += 2
        rc, out, err = check(env, "-c", cf, "--state", env.path("st"), *paths)
        assert rc == 0, "run %d: exit %d: %s" % (rnd, rc, err)
        assert "may be lost" not in err, err
        stdout_counts(out, counts)
    # a last run with nothing new prints nothing
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), *paths)
    assert rc == 0 and out == "", (rc, out, err)
    assert_once(counts, c.n, "rotation styles")
    print("    %d lines in %d styles, 4 runs, rotated once and twice between "
          "runs: each once" % (c.n, len(STYLES)))


def t_oneshot_state_twenty_runs(env):
    """Twenty runs with appends (partial last lines included) and random
    rotations in between, --test runs mixed in: every line once."""
    rnd = random.Random(15)
    w = Writer(env.path("syslog"))
    cf = conf(env)
    counts = {}
    partial = False
    for i in range(20):
        if partial:
            # the writer finishes the line the last run left
            with open(w.path, "ab") as fp:
                fp.write(b"\n")
            w.counter.n += 1
            partial = False
        n = rnd.randint(0, 40)
        w.write(n)
        # (no rotation before the first run: a first run reads the file,
        # not what was rotated away before logward ever looked)
        if i > 0 and rnd.random() < 0.3:
            w.rotate(rnd.choice(["rename", "copytruncate", "delaycompress"]))
            w.write(rnd.randint(1, 5))
        if rnd.random() < 0.3:
            # a --test run reads from the saved positions, saves nothing
            rc, out, err = check(env, "-c", cf, "--state", env.path("st"),
                                 "--test", w.path)
            assert rc == 0, err
        if i == 7:
            # a line still being written: left for the next run
            with open(w.path, "ab") as fp:
                fp.write(b"Mar  2 11:00:00 host1 app: event seq=%d" % (w.seq + 1))
            partial = True
        rc, out, err = check(env, "-c", cf, "--state", env.path("st"), w.path)
        assert rc == 0, "run %d: %s" % (i, err)
        stdout_counts(out, counts)
    assert_once(counts, w.seq, "twenty runs")
    print("    20 runs, %d lines: each once" % w.seq)


def t_oneshot_test_saves_nothing(env):
    w = Writer(env.path("syslog"))
    cf = conf(env)
    w.write(5)
    for _ in range(2):
        rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--test",
                             w.path)
        assert rc == 0 and len(stdout_counts(out, {})) == 5, (rc, out, err)
    assert not os.path.exists(env.path("st", "check.state"))
    rc, out, _ = check(env, "-c", cf, "--state", env.path("st"), w.path)
    assert len(stdout_counts(out, {})) == 5
    rc, out, _ = check(env, "-c", cf, "--state", env.path("st"), w.path)
    assert out == "", out
    rc, out, err = check(env, "-c", cf, "--test", w.path)
    assert rc == 2 and "--state" in err, (rc, err)


def t_oneshot_compressed_file_once(env):
    """A compressed file named on the command line is read (by its magic
    bytes, whatever its name) once; a new file at the name again."""
    w = Writer(env.path("old.log"))
    cf = conf(env)
    w.write(6)
    gzfile(w.path, env.path("week.2"))     # gzip data, no .gz in the name
    counts = {}
    for _ in range(3):
        rc, out, err = check(env, "-c", cf, "--state", env.path("st"),
                             env.path("week.2"))
        assert rc == 0, err
        stdout_counts(out, counts)
    assert_once(counts, 6, "compressed file")
    w2 = Writer(env.path("old.log"), w.counter)
    w2.write(4)
    gzfile(w2.path, env.path("week.2"))
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"),
                         env.path("week.2"))
    stdout_counts(out, counts)
    assert_once(counts, 10, "a new compressed file at the name")


def t_oneshot_journal_cursor(env):
    assert REMOTE, "systemd-journal-remote is missing (scripts/deps test)"
    jdir = env.path("journal")
    os.makedirs(jdir)
    write_journal(env, os.path.join(jdir, "one.journal"),
                  [jentry(s, "ssh.service") for s in range(1, 6)])
    cf = conf(env, "set journal_dir %s\nset journal\n"
              "set queue jq logward@test.example root@test.example [0 0 1 1 *]\n"
              "jq ^sshd: Accepted password for (\\S+) from (\\S+) seq=\\d+\n" % jdir)
    # the journal rule must come before "trash .*": rewrite the order
    text = open(cf).read().replace("trash .*\n", "") + "trash .*\n"
    open(cf, "w").write(text)
    seqs = {}

    def take(out):
        for m in re.finditer(r"^\s+(\d+): sshd: Accepted password for \S+ from "
                             r"\S+ seq=(\d+)$", out, re.M):
            seqs[int(m.group(2))] = seqs.get(int(m.group(2)), 0) + int(m.group(1))

    rc, out, err = check(env, "-c", cf, "--state", env.path("st"))
    assert rc == 0, err
    take(out)
    assert sorted(seqs) == [1, 2, 3, 4, 5], (seqs, out, err)
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"))
    assert out == "", out
    write_journal(env, os.path.join(jdir, "two.journal"),
                  [jentry(s, "ssh.service") for s in range(6, 9)])
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"))
    take(out)
    assert seqs == {s: 1 for s in range(1, 9)}, seqs
    assert b"s=" in open(env.path("st", "check.state"), "rb").read()


# ---- mail ----

def sink_counts(mails):
    counts = {}
    for m in mails:
        for line in lib.body_text(m).splitlines():
            mm = re.match(r"^\s+(\d+): app: event seq=(\d+)$", line)
            if mm:
                s = int(mm.group(2))
                counts[s] = counts.get(s, 0) + int(mm.group(1))
    return counts


def pending(env):
    d = env.path("spool", "new")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def t_oneshot_mail_relay_faults(env):
    """A relay that refuses (421 at the greeting, 451 and 554 after DATA),
    stalls past the wait, or drops the connection in the middle of DATA:
    the run exits 3 with the relay's answer, the report stays in the
    outbox, and a later run delivers it; nothing lost, nothing twice."""
    w = Writer(env.path("syslog"))
    faults = [
        ("stage=connect;reply=421 4.3.2 Service not available", "421"),
        ("stage=eod;reply=451 4.3.0 Injected temporary failure", "451"),
        ("stage=eod;reply=554 5.7.1 Rejected by policy", "554"),
        ("stage=eod;action=delay;seconds=4", "not answered"),
        ("stage=body;action=drop;bytes=200", ""),
    ]
    bads = []
    for i, (fault, answer) in enumerate(faults):
        bad = env.add_sink("bad%d" % i, "--fault", fault)
        bads.append(bad)
        cf = conf(env, sink=bad)
        w.write(5)
        t = time.time()
        rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail",
                             "--mail-wait", "2", w.path)
        took = time.time() - t
        assert rc == 3, "fault %s: exit %d: %s" % (fault, rc, err)
        assert answer in err and "not delivered" in err, (fault, err)
        assert len(pending(env)) >= 1, (fault, pending(env))
        assert took < 15, "fault %s: the run took %.1f s" % (fault, took)
        assert out == "", out
    cf = conf(env)
    w.write(5)
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail", w.path)
    assert rc == 0, err
    assert pending(env) == [], pending(env)
    # the stalled relay took one report after the run stopped waiting (a
    # transfer in progress is never abandoned): it counts, once
    mails = env.sink.mails() + [m for b in bads for m in b.mails()]
    assert_once(sink_counts(mails), w.seq, "relay faults")
    print("    %d faults, %d mails in all, every line once"
          % (len(faults), len(mails)))


FAILPOINTS = ["check-read", "check-staged", "check-saved", "check-published",
              "check-delivered"]


def t_oneshot_kill_at_every_step(env):
    """A `check --state --mail` run is killed (SIGKILL) at every step of
    its commit: after reading, after staging in the outbox, after saving
    the state, after publishing, while the relay is receiving, after
    delivery.  The next run repairs it: every line is delivered once."""
    w = Writer(env.path("syslog"))
    cf = conf(env)
    steps = 0
    for fp in FAILPOINTS * 2:
        w.write(4)
        rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail",
                             w.path, env_extra={"LOGWARD_TEST_FAILPOINT": fp})
        assert rc == -signal.SIGKILL, "failpoint %s: exit %d: %s" % (fp, rc, err)
        steps += 1
        if fp == "check-published":
            assert len(pending(env)) >= 1, pending(env)
    # killed while the relay holds the message (the sink delays its
    # answer after the final "."): the sender finishes that transfer
    slow = env.add_sink("slow", "--fault", "stage=eod;action=delay;seconds=2")
    cf = conf(env, sink=slow)
    for k in range(2):
        w.write(4)
        before = len([l for l in slow.events() if " RCPT " in l])
        p = subprocess.Popen([env.bin, "check", "-c", cf, "--state",
                              env.path("st"), "--mail", w.path],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: len([l for l in slow.events() if " RCPT " in l]) > before
                 or p.poll() is not None, 20, what="the run at the relay")
        time.sleep(0.3)
        p.kill()
        p.wait()
        steps += 1
        wait_for(lambda: pending(env) == [], 20,
                 what="the sender to finish the transfer it started")
    cf = conf(env)
    w.write(4)
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail", w.path)
    assert rc == 0, err
    assert pending(env) == []
    mails = env.sink.mails() + slow.mails()
    assert_once(sink_counts(mails), w.seq, "killed at every step")
    tmp = os.listdir(env.path("spool", "tmp"))
    assert tmp == [], "left in SPOOL/tmp: %s" % tmp
    print("    %d kills at %d steps, %d lines, %d mails: each line delivered once"
          % (steps, len(FAILPOINTS) + 1, w.seq, len(mails)))


def readme_block(name):
    """The shell block of the README between <!-- NAME: ... --> and
    <!-- end NAME -->."""
    text = open(os.path.join(lib.ROOT, "README.md")).read()
    m = re.search(r"<!-- %s:[^>]*-->\s*```sh\n(.*?)```\s*<!-- end %s -->"
                  % (name, name), text, re.S)
    assert m, "README.md has no %s block" % name
    return m.group(1)


def t_readme_oneshot(env):
    """The README's one-shot block, with this test's config, state
    directory and binary: the first run mails, the next finds nothing."""
    w = Writer(env.path("syslog"))
    w.write(3)
    cf = conf(env, "set logfile %s\n" % w.path)
    block = readme_block("oneshot")
    script = block.replace("/etc/logward/logward.conf", cf) \
        .replace("/var/lib/logward/check", env.path("check")) \
        .replace("logward check", env.bin + " check")
    for _ in range(2):      # the second run finds nothing new
        r = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                           timeout=120)
        assert "exit 0" in r.stdout, r.stdout + r.stderr
        assert len(env.sink.mails()) == 1, len(env.sink.mails())
    w.write(2)
    r = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert "exit 0" in r.stdout, r.stdout + r.stderr
    mails = env.sink.wait_mails(2)
    assert_once(sink_counts(mails), 5, "README one-shot block")


def t_oneshot_mail_bad_address(env):
    """A report no relay can ever take (a recipient with '<' in it) is
    moved to SPOOL/bad by the sender: the run says so and exits 1, at
    once, instead of waiting; the report is kept there."""
    w = Writer(env.path("syslog"))
    cf = conf(env)
    text = open(cf).read().replace("root@test.example", "bad<x>@test.example")
    open(cf, "w").write(text)
    w.write(2)
    t = time.time()
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail", w.path)
    assert rc == 1, (rc, err)
    assert "can never be delivered" in err and "/bad" in err, err
    assert time.time() - t < 20
    bad = os.listdir(env.path("spool", "bad"))
    assert len(bad) == 1 and bad[0].startswith("check_"), bad
    assert pending(env) == []


def t_oneshot_mail_starttls_auth(env):
    """--mail uses the relay settings as the daemon does: STARTTLS
    required, AUTH with the password file, the CA file."""
    from test_mail import make_cert, password_file
    crt, key = make_cert(env)
    relay = env.add_sink("relay", "--tls-cert", crt, "--tls-key", key,
                         "--auth", "alice:s3cret pw", "--require-tls")
    w = Writer(env.path("syslog"))
    cf = conf(env, "set smtp_tls starttls\nset smtp_user alice\n"
              "set smtp_password_file %s\nset smtp_cafile %s\n"
              % (password_file(env, "s3cret pw"), crt), sink=relay)
    text = open(cf).read().replace("127.0.0.1:%d" % relay.port,
                                   "localhost:%d" % relay.port)
    open(cf, "w").write(text)
    w.write(3)
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail", w.path)
    assert rc == 0, err
    m = relay.wait_mails(1)
    assert m[0].envelope.splitlines()[0] == "AUTH alice", m[0].envelope
    assert any("STARTTLS 220" in l for l in relay.events()), relay.events()
    assert_once(sink_counts(m), 3, "STARTTLS and AUTH")


def t_oneshot_mail_beside_the_daemon(env):
    """check --mail and a daemon on the same outbox: the daemon's sender
    (which holds the spool) delivers the run's report; the daemon's
    start-up recovery leaves the run's unfinished files alone, and the
    run's next start deals with them; every line once."""
    other = env.path("other.log")
    open(other, "w").close()
    d = env.daemon("set logfile %s\nset queue q logward@test.example "
                   "root@test.example [now]\nq .*\n" % other)
    d.start()
    w = Writer(env.path("syslog"))
    cf = conf(env)
    w.write(3)
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail", w.path)
    assert rc == 0, err
    assert len(env.sink.wait_mails(1)) == 1
    # a run killed with its report staged, then the daemon restarts
    w.write(2)
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail",
                         w.path, env_extra={"LOGWARD_TEST_FAILPOINT": "check-staged"})
    assert rc == -signal.SIGKILL
    staged = os.listdir(env.path("spool", "tmp"))
    assert len(staged) == 1 and staged[0].startswith("check_"), staged
    d.stop()
    d.start()
    assert os.listdir(env.path("spool", "tmp")) == staged, "the daemon touched it"
    assert "stray" not in d.log(), d.log()
    rc, out, err = check(env, "-c", cf, "--state", env.path("st"), "--mail", w.path)
    assert rc == 0, err
    assert os.listdir(env.path("spool", "tmp")) == []
    mails = [m for m in env.sink.wait_mails(2) if m["X-logward-queue"] == "digest"]
    assert_once(sink_counts(mails), 5, "beside the daemon")
    assert d.stop() == 0
