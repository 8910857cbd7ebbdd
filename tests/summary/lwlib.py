"""Helpers of tests/summary: the real logwatch run on a directory of logs
and nothing else, Debian-layout log directories built from real logs,
logward summary as JSON, and the facts of both (logwatch-notes section 6)
as {(service, fact): {key tuple: count}}.

logwatch 7.7 reads /etc/logwatch/conf and, whatever --logdir says, also
/var/log: a run is isolated in a private mount namespace (unshare -m)
where /etc/logwatch/conf is a copy that turns the /var/log and /var/adm
directories off.  That needs root; without it the tests fail and say so."""

import json
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data")
LOGWATCH = "/usr/sbin/logwatch"


class Skip(Exception):
    pass


def logwatch(logdir, detail=10, service="All", extra=(), numeric=True):
    """The text of the real logwatch over logdir only (--range All);
    numeric: no reverse DNS look-ups (--numeric)."""
    if not os.path.exists(LOGWATCH):
        raise AssertionError("logwatch is not installed (scripts/deps test)")
    if os.geteuid() != 0:
        raise AssertionError("the logwatch comparison needs root (unshare -m "
                             "to keep logwatch away from /var/log)")
    conf = tempfile.mkdtemp(prefix="lw-conf.")
    try:
        if os.path.isdir("/etc/logwatch/conf"):
            shutil.copytree("/etc/logwatch/conf", conf, dirs_exist_ok=True)
        base = ""
        p = "/etc/logwatch/conf/logwatch.conf"
        if os.path.exists(p):
            base = open(p).read()
        with open(os.path.join(conf, "logwatch.conf"), "w") as fp:
            fp.write(base + "\nAppendVarLogToLogDirs = 0\nAppendVarAdmToLogDirs = 0\n")
        args = [LOGWATCH, "--logdir", os.path.abspath(logdir), "--range", "All",
                "--output", "stdout", "--format", "text", "--hostname", "oracle",
                "--detail", str(detail), "--service", service] + \
            (["--numeric"] if numeric else []) + list(extra)
        env = dict(os.environ, LANG="C", LC_ALL="C", TZ="UTC")
        r = subprocess.run(["unshare", "-m", "sh", "-c",
                            'mount --bind "$0" /etc/logwatch/conf && exec "$@"',
                            conf] + args, capture_output=True, env=env, timeout=7200)
        if r.returncode != 0:
            raise AssertionError("logwatch failed (%d): %s" % (r.returncode,
                                 r.stderr.decode(errors="replace")[-2000:]))
        return r.stdout.decode("utf-8", "replace")
    finally:
        shutil.rmtree(conf, ignore_errors=True)


def logward_json(binary, files, detail=10, extra=()):
    env = dict(os.environ, TZ="UTC")
    r = subprocess.run([binary, "summary", "-c", os.path.join(ROOT, "etc", "summary.conf"),
                        "--format", "json", "--detail", str(detail), "--range", "all",
                        "--no-disk", "--hostname", "oracle",
                        "--now", "2026-12-31 23:59:59"] + list(extra) + list(files),
                       capture_output=True, env=env, timeout=7200)
    if r.returncode != 0:
        raise AssertionError("logward summary failed (%d): %s" %
                             (r.returncode, r.stderr.decode(errors="replace")))
    return json.loads(r.stdout)


# ---- Debian layout ----

AUTH_PROGS = {"sshd", "sshd-session", "sshd-auth", "sudo", "su", "login",
              "passwd", "useradd", "userdel", "usermod", "groupadd", "chage",
              "chpasswd", "systemd-logind", "unix_chkpwd", "polkitd", "pkexec",
              "gdm-password", "lightdm", "doas", "dropbear", "runuser"}
MAIL_PROGS = re.compile(r"^(postfix(/.*)?|postgrey|postfwd|policyd-spf|dovecot|"
                        r"amavis|opendkim|spamd|sendmail|sm-mta|exim4?)$")
HEADER = re.compile(rb"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) "
                    rb"\S+ ([^\s\[:]+)(?:\[\d+\])?: ?(.*)$")


def debian_layout(outdir, *logs, access=()):
    """Writes outdir/{auth.log,syslog,kern.log,mail.log} as Debian 12's
    rsyslog would from the lines of logs (routed by program, since the
    files carry no facility): auth programs and PAM lines to auth.log
    only, everything else to syslog, kernel lines also to kern.log, mail
    programs also to mail.log.  access logs go to apache2/access.log.
    Returns the files that hold every line once (syslog, auth.log and
    the access log), for logward."""
    os.makedirs(outdir, exist_ok=True)
    out = {n: open(os.path.join(outdir, n), "wb")
           for n in ("auth.log", "syslog", "kern.log", "mail.log")}
    for log in logs:
        for line in open(log, "rb").read().split(b"\n"):
            if not line:
                continue
            m = HEADER.match(line)
            prog = m.group(1).decode("latin-1") if m else ""
            msg = m.group(2) if m else b""
            if (prog in AUTH_PROGS or prog.endswith("(pam_unix)") or
                    msg.startswith(b"pam_unix(") or
                    prog == "CRON" and msg.startswith(b"pam_")):
                out["auth.log"].write(line + b"\n")
                continue
            out["syslog"].write(line + b"\n")
            if prog == "kernel":
                out["kern.log"].write(line + b"\n")
            if MAIL_PROGS.match(prog):
                out["mail.log"].write(line + b"\n")
    for f in out.values():
        f.close()
    files = [os.path.join(outdir, "syslog"), os.path.join(outdir, "auth.log")]
    if access:
        os.makedirs(os.path.join(outdir, "apache2"), exist_ok=True)
        with open(os.path.join(outdir, "apache2", "access.log"), "wb") as fp:
            for a in access:
                fp.write(open(a, "rb").read())
        files.append(os.path.join(outdir, "apache2", "access.log"))
    return files
