"""`logward logcheck`, the drop-in for logcheck's cron job, against the
real logcheck 1.4.2: the same Subject, recipients and body as the mail
logcheck hands to its mailer (the real mime-construct, a stub sendmail
on PATH capturing what it gets), inline and as attachments
(MAILASATTACH=1 and 2); offsets kept across runs; a run killed at every
step of its mail commit; and the daemon's layout=logcheck queue, whose
mail body is logcheck's report."""

import email
import email.policy
import gzip
import os
import shutil
import signal
import subprocess
import tempfile

import lib
from lib import wait_for

ROOT = lib.ROOT
DATA = os.path.join(ROOT, "tests", "data")
LOG = os.path.join(DATA, "logcheck", "sample-syslog.log")
HOST = "web1.example.org"
DATE = "2024-05-06 07:08 +0000"


def lcconf(env, name, extra=()):
    """A logcheck.conf like a site's (readable by the logcheck user)."""
    p = env.path(name)
    with open(p, "w") as fp:
        fp.write('REPORTLEVEL="server"\nSENDMAILTO="logward-test@localhost"\n'
                 "FQDN=0\nDATE='%s'\n" % DATE)
        for line in extra:
            fp.write(line + "\n")
    os.chmod(p, 0o644)
    return p


def real_logcheck_mail(env, conf_lines, log):
    """Runs /usr/sbin/logcheck (as the logcheck user when root) on log
    with the real mime-construct and a stub sendmail; returns the message
    sendmail got, as an email.message, and its argv."""
    work = tempfile.mkdtemp(prefix="logward-lcmail.", dir="/tmp")
    try:
        os.chmod(work, 0o755)
        for sub in ("state", "tmp", "lock", "bin", "out", "logs"):
            os.mkdir(os.path.join(work, sub))
        copy = os.path.join(work, "logs", os.path.basename(log))
        shutil.copyfile(log, copy)
        os.chmod(copy, 0o644)
        conf = os.path.join(work, "logcheck.conf")
        with open(conf, "w") as fp:
            fp.write('REPORTLEVEL="server"\nSENDMAILTO="logward-test@localhost"\n'
                     "FQDN=0\nDATE='%s'\nLOCKDIR='%s/lock'\nLOCKFILE='%s/lock/logcheck'\n"
                     "TMP='%s/tmp'\n" % (DATE, work, work, work))
            for line in conf_lines:
                fp.write(line + "\n")
        os.chmod(conf, 0o644)
        stub = os.path.join(work, "bin", "sendmail")
        with open(stub, "w") as fp:
            fp.write('#!/bin/sh\nprintf "%%s\\n" "$@" > %s/out/argv\ncat > %s/out/msg\n'
                     % (work, work))
        os.chmod(stub, 0o755)
        path = os.path.join(work, "bin") + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        cmd = ["/usr/sbin/logcheck", "-c", conf, "-t", "-S", os.path.join(work, "state"),
               "-s", "-l", copy, "-H", HOST]
        envv = {"PATH": path, "HOME": work, "LC_ALL": "C"}
        if os.getuid() == 0:
            for sub in ("state", "tmp", "lock", "out"):
                shutil.chown(os.path.join(work, sub), "logcheck")
            cmd = ["runuser", "-u", "logcheck", "--", "env", "-i"] + \
                ["%s=%s" % kv for kv in envv.items()] + cmd
            envv = None
        r = subprocess.run(cmd, capture_output=True, env=envv, timeout=300)
        assert r.returncode == 0, "logcheck: %s %s" % (r.returncode, r.stderr)
        raw = open(os.path.join(work, "out", "msg"), "rb").read()
        argv = open(os.path.join(work, "out", "argv")).read().split("\n")
        m = email.message_from_bytes(raw, policy=email.policy.default)
        m.raw = raw
        return m, [a for a in argv if a]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def lw_logcheck(env, *args, env_extra=None):
    e = dict(os.environ, TZ="UTC")
    e.pop("LOGWARD_TEST_FAILPOINT", None)
    if env_extra:
        e.update(env_extra)
    r = subprocess.run([env.bin, "logcheck"] + list(args), capture_output=True,
                       env=e, timeout=300)
    return r.returncode, r.stdout.decode("utf-8", "replace"), \
        r.stderr.decode("utf-8", "replace")


def lwconf(env, sink=None):
    p = env.path("logward.conf")
    with open(p, "w") as fp:
        fp.write("set mailserver 127.0.0.1:%d\nset mailtimeout 5\n"
                 % (sink or env.sink).port)
    return p


def parts(m):
    """(text of the body or of the first part, the attachment's bytes or
    None, the attachment's file name)"""
    if not m.is_multipart():
        return m.get_payload(decode=True), None, None
    ps = list(m.iter_parts())
    att = ps[1]
    return ps[0].get_payload(decode=True), att.get_payload(decode=True), \
        att.get_filename()


def compare(env, attach):
    extra = ["MAILASATTACH=%d" % attach] if attach else []
    want, argv = real_logcheck_mail(env, extra, LOG)
    assert argv == ["-oi", "logward-test@localhost"], argv
    rc, out, err = lw_logcheck(env, "-c", lcconf(env, "lc%d.conf" % attach, extra),
                               "-S", env.path("st%d" % attach), "-s", "-l", LOG,
                               "-H", HOST, "--logward-config", lwconf(env),
                               "--from", "logcheck@" + HOST)
    assert rc == 0, "exit %d: %s" % (rc, err)
    got = env.sink.wait_mails(1 + (attach > 0) * 0)[-1]
    assert got["Subject"] == want["Subject"], (got["Subject"], want["Subject"])
    assert got["To"] == want["To"], (got["To"], want["To"])
    assert got["Auto-Submitted"] == want["Auto-Submitted"] == "auto-generated"
    assert "RCPT TO:<logward-test@localhost>" in got.envelope, got.envelope
    wt, wa, wn = parts(want)
    gt, ga, gn = parts(got)
    assert gt == wt, "body differs:\n--- logcheck\n%s\n--- logward\n%s" % (wt, gt)
    if attach == 2:
        assert gzip.decompress(ga) == gzip.decompress(wa)
        assert gn == wn == "logcheck_report.gz", (gn, wn)
    elif attach == 1:
        assert ga == wa, "attachment differs"
        assert gn == wn == "logcheck_report", (gn, wn)
    return want["Subject"]


def t_logcheck_mail_like_logcheck(env):
    subj = compare(env, 0)
    assert subj == "%s %s Security Alerts" % (HOST, DATE), subj
    print("    Subject, To, Auto-Submitted and body as the real logcheck's mail")


def t_logcheck_mail_attached(env):
    compare(env, 1)
    env.sink.mails()  # the first
    compare(env, 2)
    print("    MAILASATTACH=1 and =2: the same parts as mime-construct's")


def t_logcheck_offsets_and_subjects(env):
    """Runs keep their offsets (the first reads the file whole); ADDTAG,
    -R and the subject of the most severe layer as logcheck makes it;
    -t reads without saving."""
    log = env.path("syslog")
    lines = open(LOG).read().splitlines(True)
    with open(log, "w") as fp:
        fp.writelines(lines[:30])
    lc = lcconf(env, "lc.conf", ["ADDTAG=yes", 'EVENTSSUBJECT="Odd Events"'])
    base = ["-c", lc, "-S", env.path("st"), "-l", log, "-H", HOST,
            "--logward-config", lwconf(env), "--from", "logcheck@" + HOST]
    rc, out, err = lw_logcheck(env, *base, "-R")
    assert rc == 0, err
    m = env.sink.wait_mails(1)
    # the first run read the whole file
    body = lib.body_text(m[0])
    assert "FAILED SU (to root) bob" in body, body
    assert m[0]["Subject"].startswith("[logcheck] Reboot: %s %s " % (HOST, DATE)), \
        m[0]["Subject"]
    rc, out, err = lw_logcheck(env, *base)
    assert rc == 0 and len(env.sink.mails()) == 1, "nothing new, nothing sent"
    with open(log, "a") as fp:
        fp.write("Dec  7 00:00:01 web1 kernel: [  1.0] odd thing happened\n")
    rc, out, err = lw_logcheck(env, *base, "-t", "-o")
    assert rc == 0 and "odd thing happened" in out, out
    assert "System" not in out and "Odd Events" in out, out
    rc, out, err = lw_logcheck(env, *base)
    m = env.sink.wait_mails(2)
    assert m[1]["Subject"] == "[logcheck] %s %s Odd Events" % (HOST, DATE), m[1]["Subject"]
    body = lib.body_text(m[1])
    assert "odd thing happened" in body and lines[0].rstrip() not in body, body


FAILPOINTS = ["logcheck-staged", "logcheck-saved"]


def t_logcheck_killed_at_every_step(env):
    log = env.path("syslog")
    lc = lcconf(env, "lc.conf")
    base = ["-c", lc, "-S", env.path("st"), "-l", log, "-H", HOST,
            "--logward-config", lwconf(env), "--from", "logcheck@" + HOST]
    n = 0
    for fp in FAILPOINTS:
        n += 1
        with open(log, "a") as f:
            f.write("Dec  7 00:00:%02d web1 kernel: odd event number %d\n" % (n, n))
        rc, out, err = lw_logcheck(env, *base,
                                   env_extra={"LOGWARD_TEST_FAILPOINT": fp})
        assert rc == -signal.SIGKILL, (fp, rc, err)
    rc, out, err = lw_logcheck(env, *base)
    assert rc == 0, err
    rc, out, err = lw_logcheck(env, *base)
    text = "".join(lib.body_text(m) for m in env.sink.mails())
    for k in range(1, n + 1):
        c = text.count("odd event number %d\n" % k)
        assert c == 1, "event %d reported %d times" % (k, c)
    assert os.listdir(env.path("st", "outbox", "new")) == []
    assert os.listdir(env.path("st", "outbox", "tmp")) == []


def t_logcheck_layout_in_daemon(env):
    """A daemon queue with layout=logcheck fed by the logcheck directive
    mails the same report as logcheck -o -t prints for the same lines.
    (The log's empty line is left out: the daemon files a line without a
    syslog prefix by its noprefix rule, where logcheck would show it.)"""
    src = env.path("sample.log")
    with open(src, "wb") as fp:
        fp.writelines(l for l in open(LOG, "rb") if l.strip())
    r = subprocess.run([os.path.join(ROOT, "tests", "logcheck", "logcheck-ref"),
                        "server", src], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    want = r.stdout.decode("utf-8", "replace")
    log = env.path("syslog")
    open(log, "w").close()
    d = env.daemon(
        "set logfile %s\nset start_at beginning\nset checkpoint 1\n"
        "set queue lc logward@test.example root@test.example [0 0 1 1 *] "
        "layout=logcheck\n"
        "logcheck /etc/logcheck server alerts=lc events=lc system=lc\n" % log)
    d.start()
    with open(log, "ab") as fp:
        fp.write(open(src, "rb").read())
    n = len(open(src, "rb").read().splitlines())
    d.wait_lines(n, timeout=30)
    d.ctl("flush", "lc")
    m = env.sink.wait_mails(1)[0]
    got = m.get_payload(decode=True).decode("utf-8", "replace")
    if got != want:
        open(env.path("want"), "w").write(want)
        open(env.path("got"), "w").write(got)
    assert got == want, "body differs from logcheck -o -t (%s)" % env.base
    assert m["Subject"].endswith(" Security Alerts"), m["Subject"]
    assert d.stop() == 0


def t_logcheck_journal_word(env):
    """The word "journal" in a logfiles list reads the journal that
    logward's config names, after its cursor, as journalctl's short
    lines ("Mon DD hh:mm:ss host ident[pid]: message")."""
    from test_net import REMOTE, jentry, write_journal
    assert REMOTE, "systemd-journal-remote is missing (scripts/deps test)"
    jdir = env.path("journal")
    os.makedirs(jdir)
    write_journal(env, os.path.join(jdir, "one.journal"),
                  [jentry(s, "odd.service", ident="oddd",
                          msg="odd thing number %d" % s) for s in (1, 2)])
    lw = env.path("lw.conf")
    with open(lw, "w") as fp:
        fp.write("set journal_dir %s\nset journal\n" % jdir)
    lists = env.path("lists.d")
    os.makedirs(lists)
    with open(env.path("logfiles"), "w") as fp:
        fp.write("# the journal\njournal\n")
    args = ["-c", lcconf(env, "lc.conf"), "-o", "-S", env.path("st"), "-L",
            env.path("logfiles"), "-D", lists, "--logward-config", lw]
    rc, out, err = lw_logcheck(env, *args)
    assert rc == 0, err
    assert "\nSystem Events\n=-=-=-=-=-=-=\n" \
        "Mar 02 10:00:01 jhost1 oddd[1001]: odd thing number 1\n" \
        "Mar 02 10:00:02 jhost1 oddd[1002]: odd thing number 2\n" in out, out
    rc, out, err = lw_logcheck(env, *args)
    assert rc == 0 and out == "", out
    write_journal(env, os.path.join(jdir, "two.journal"),
                  [jentry(3, "odd.service", ident="oddd", msg="odd thing number 3")])
    rc, out, err = lw_logcheck(env, *args)
    assert "odd thing number 3" in out and "number 2" not in out, out


t_logcheck_journal_word.with_sink = False
