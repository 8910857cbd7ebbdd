"""logward summary next to the real logwatch 7.7 (Debian package), on the
real logs of tests/data laid out as Debian 12's rsyslog writes them
(auth.log, syslog, kern.log, mail.log) and on the team's logwatch sample
trees (tests/data/logwatch*).  Both run at detail 10 over everything
(--range all); the facts of logwatch-notes section 6 are read from both
(facts.py) and compared.

logward reads the lines once (syslog + auth.log + access log); logwatch
reads its logfile groups.  What logwatch cannot see is taken out of
logward's input first, each by its quirk: Q2 ("message repeated" lines,
which logwatch drops), Q4 (sshd-session lines), Q7 (sudo lines with TSID=
or ENV=).  The other documented quirks are applied to logward's facts in
facts.from_logward (Q1, Q10, Q11, and the "Illegal users" /
"Disconnecting" sums of logwatch's sshd script).  Every difference left
must be pinned below with the quirk that explains it; a pin that no
longer matches a difference fails too.

Quirks beyond logwatch-notes' Q1-Q19, found here, each with the line of
logwatch's own script that makes it (/usr/share/logwatch/scripts/services/):
  LW-pam-services   pam_unix handles each PAM service with its own
                    patterns (pam_unix lines 96-206): dovecot and pop
                    failures are keyed without rhost, gdm/passwd lines and
                    ftp daemons' failures land in "Unknown Entries"
  LW-invalid-name   sshd drops "Failed ... for <invalid username>" (line 177)
  LW-from-greedy    sshd reads "Invalid user (.*) from ([^ ]+)" greedily
                    (line 355): text an attacker puts after the user name
                    ("test from 127.0.0.1 port 1 ssh2: from 10.10.1.2")
                    replaces the address
  LW-undefined      an empty user name is shown as "{undefined}" (line 357)
  LW-port-required  "Failed ... for invalid user X from Y" counts only with
                    " port N" after the address (line 211)
  LW-disconnect-new "Disconnecting authenticating|invalid user X ...: Too
                    many authentication failures" (OpenSSH >= 7.5) is not
                    recognised (line 214 knows "Disconnecting: Too many")
  LW-postfix-vrfy   postfix-logwatch keeps VRFY rejects out of the 5xx
                    table (postfix line 2992, "Reject VRFY")
  LW-cron-reload    cron lists a crontab RELOAD under "Commands Run" as the
                    command "personal crontab reloaded" (cron line 114)
  LW-traps-prefix   kernel keeps the "traps: " prefix of newer kernels in
                    the executable's name (kernel line 51)
  Q9-http           the http service reads only the access-log files;
                    access lines that arrive through syslog (nginx: ...)
                    are never read
"""

import os
import re

import facts
import lwlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = lwlib.DATA

# Lines logwatch cannot see, by quirk: taken out of logward's input.
HIDDEN = [("Q2", re.compile(rb"\bmessage repeated \d+ times?|last message repeated \d+ times?")),
          ("Q4", re.compile(rb" sshd-session\[")),
          ("Q7", re.compile(rb" sudo(?:\[\d+\])?: .* ; (?:TSID|ENV)="))]

PINS = [
    ("combo", "pam_unix", "auth_failure", ("gdm", "unknown ()"), "LW-pam-services"),
    ("combo", "pam_unix", "auth_failure", ("passwd", "test ()"), "LW-pam-services"),
    ("combo", "pam_unix", "invalid_user", ("gdm", "Bad User: "), "LW-pam-services"),
    ("combo", "pam_unix", "invalid_user", ("gdm", "Bad User: ;;"), "LW-pam-services"),
    ("combo", "pam_unix", "invalid_user", ("gdm", "Bad User: \\"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("dovecot", "informix"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure",
     ("dovecot", "lipjigaglgihgoeadcdaa.p.salmon@xxx.xxx.xxx.xxx"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("dovecot", "unknown (80.255.3.104)"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("dovecot", "unknown (91.195.103.44)"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("pop", "mailuser"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("pop", "mailuser (192.168.10.3)"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("proftpd", "mark (66.232.129.62)"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("pure-ftpd", "unknown (192.168.1.1)"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("vsftpd", "unknown (209.67.1.67)"), "LW-pam-services"),
    ("testlines", "pam_unix", "auth_failure", ("wu-ftpd", "root (198.51.100.71)"), "LW-pam-services"),
    ("testlines", "http", "error_request",
     ("404", "//php-my-admin/config/config.inc.php?p=phpinfo();"), "Q9-http"),
    ("testlines", "http", "responses", ("4xx",), "Q9-http"),
    ("testlines", "postfix", "summary", ("Total 5xx Rejects",), "LW-postfix-vrfy"),
    ("testlines", "sshd", "failed_login",
     ("205.186.180.35", "<invalid username>/keyboard-interactive"), "LW-invalid-name"),
    ("testlines", "sshd", "failed_login",
     ("205.186.180.44", "<invalid username>/keyboard-interactive"), "LW-invalid-name"),
    ("testlines", "sshd", "failed_login",
     ("205.186.180.55", "<invalid username>/keyboard-interactive"), "LW-invalid-name"),
    ("testlines", "sshd", "invalid_user", ("10.10.1.2", "test from 127.0.0.1 port 58946 ssh2:"),
     "LW-from-greedy"),
    ("testlines", "sshd", "invalid_user", ("127.0.0.1", "test"), "LW-from-greedy"),
    ("testlines", "sshd", "invalid_user", ("192.0.2.68", ""), "LW-undefined"),
    ("testlines", "sshd", "invalid_user", ("192.0.2.68", "{undefined}"), "LW-undefined"),
    ("testlines", "sshd", "invalid_user", ("aaaa:bbbb:cccc:1234::1:1", "ROOT"), "LW-port-required"),
    ("testlines", "sshd", "too_many_auth_failures", ("xxx",), "LW-disconnect-new"),
    ("pack", "cron", "command", ("*system*", "personal crontab reloaded"), "LW-cron-reload"),
    ("pack", "kernel", "gpf", ("node",), "LW-traps-prefix"),
    ("pack", "kernel", "gpf", ("traps: node",), "LW-traps-prefix"),
    ("pack", "pam_unix", "auth_failure", ("dovecot", "informix"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("dovecot", "lipjigaglgihgoeadcdaa.p.salmon@xxx.xxx.xxx.xxx"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("dovecot", "unknown (80.255.3.104)"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("dovecot", "unknown (91.195.103.44)"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("pop", "mailuser"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("pop", "mailuser (192.168.10.3)"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("proftpd", "mark (66.232.129.62)"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("pure-ftpd", "unknown (192.168.1.1)"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("vsftpd", "unknown (209.67.1.67)"), "LW-pam-services"),
    ("pack", "pam_unix", "auth_failure", ("wu-ftpd", "root (198.51.100.71)"), "LW-pam-services"),
    ("pack", "sshd", "failed_login", ("205.186.180.35", "<invalid username>/keyboard-interactive"),
     "LW-invalid-name"),
    ("pack", "sshd", "failed_login", ("205.186.180.44", "<invalid username>/keyboard-interactive"),
     "LW-invalid-name"),
    ("pack", "sshd", "failed_login", ("205.186.180.55", "<invalid username>/keyboard-interactive"),
     "LW-invalid-name"),
    ("pack", "sshd", "invalid_user", ("aaaa:bbbb:cccc:1234::1:1", "ROOT"), "LW-port-required"),
    ("logwatch", "sshd", "too_many_auth_failures", ("root",), "LW-disconnect-new"),
    ("logwatch-rfc3339", "sshd", "too_many_auth_failures", ("root",), "LW-disconnect-new"),
]


def equivalent(ctx, name, files):
    """Copies of files without the lines logwatch cannot see; returns the
    copies and {quirk: lines taken out}."""
    out, taken = [], {}
    d = ctx.path("eq-" + name)
    os.makedirs(d, exist_ok=True)
    for i, f in enumerate(files):
        p = os.path.join(d, "%d-%s" % (i, os.path.basename(f)))
        with open(p, "wb") as fp:
            for line in open(f, "rb").read().split(b"\n"):
                q = next((q for q, rx in HIDDEN if rx.search(line)), None)
                if q is not None:
                    taken[q] = taken.get(q, 0) + 1
                elif line:
                    fp.write(line + b"\n")
        out.append(p)
    return out, taken


def union(ctx, d):
    """The lines of a sample tree once: syslog, auth.log, the lines of
    kern.log and mail.log that syslog lacks, the access log."""
    seen = {}
    for line in open(os.path.join(d, "syslog"), "rb").read().split(b"\n"):
        seen[line] = seen.get(line, 0) + 1
    extra = []
    for f in ("kern.log", "mail.log"):
        for line in open(os.path.join(d, f), "rb").read().split(b"\n"):
            if seen.get(line, 0) > 0:
                seen[line] -= 1
            elif line:
                extra.append(line)
    p = ctx.path("extra-" + os.path.basename(d))
    open(p, "wb").write(b"\n".join(extra) + b"\n")
    files = [os.path.join(d, "syslog"), os.path.join(d, "auth.log"), p]
    if os.path.exists(os.path.join(d, "apache2", "access.log")):
        files.append(os.path.join(d, "apache2", "access.log"))
    return files


def compare(ctx, name, logdir, files, want_quirks=()):
    eq, taken = equivalent(ctx, name, files)
    lw = facts.from_logwatch(lwlib.logwatch(logdir))
    js = lwlib.logward_json(ctx.bin, eq)
    lg = facts.from_logward(js)
    for q in want_quirks:
        assert taken.get(q), "%s: expected lines of quirk %s in the input" % (name, q)
    # the facts compared are not empty: both sides found something
    assert any(lw.values()) and any(lg.values()), "%s: no facts" % name
    pins = {(s, f, k): q for (sc, s, f, k, q) in PINS if sc == name}
    unexplained, used = [], set()
    for (s, f, k, a, b) in facts.diff(lw, lg):
        if (s, f, k) in pins:
            used.add((s, f, k))
            continue
        unexplained.append("%s %s %r: logwatch %d, logward %d" % (s, f, k, a, b))
    stale = sorted(set(pins) - used)
    assert not unexplained, "%s: differences no quirk explains:\n  %s" % (
        name, "\n  ".join(unexplained))
    assert not stale, "%s: pins that match no difference any more: %s" % (name, stale)
    return lw, lg, js


def layout(ctx, name, *logs):
    d = ctx.path(name)
    files = lwlib.debian_layout(d, *[os.path.join(DATA, x) for x in logs])
    return d, files


def t_logwatch_sample_tree(ctx):
    d = os.path.join(DATA, "logwatch")
    lw, lg, _ = compare(ctx, "logwatch", d, union(ctx, d))
    # the facts the notes list for this tree are there on both sides
    for sf in (("sshd", "failed_login"), ("pam_unix", "session_opened"),
               ("sudo", "command"), ("sudo", "failure"), ("kernel", "oom_kill"),
               ("cron", "command"), ("http", "error_request"), ("postfix", "summary")):
        assert lw.get(sf), sf


def t_logwatch_sample_tree_rfc3339(ctx):
    d = os.path.join(DATA, "logwatch-rfc3339")
    compare(ctx, "logwatch-rfc3339", d, union(ctx, d))


def t_logwatch_labsz(ctx):
    d, files = layout(ctx, "labsz", "loghub-openssh-LabSZ.log")
    lw, lg, js = compare(ctx, "labsz", d, files, want_quirks=("Q2",))
    # Q1: logwatch's "Illegal users" of 5.188.10.180 are about twice the
    # attempts logward counts
    inv = sum(n for k, n in facts.table(js, "sshd", "invalid_user").items()
              if k[0] == "5.188.10.180")
    assert lw[("sshd", "invalid_user")] and inv * 2 < sum(
        n for k, n in lw[("sshd", "invalid_user")].items() if k[0] == "5.188.10.180"), inv


def t_logwatch_labsz_repeats_counted(ctx):
    """Q2 the other way round: logward credits "message repeated 5 times"
    to the line it repeats; logwatch loses them."""
    d, files = layout(ctx, "labsz2", "loghub-openssh-LabSZ.log")
    js = lwlib.logward_json(ctx.bin, files)
    fl = facts.table(js, "sshd", "failed_login")
    assert fl[("106.5.5.195", "root/password")] == 6, fl[("106.5.5.195", "root/password")]
    lw = facts.from_logwatch(lwlib.logwatch(d))
    assert lw[("sshd", "failed_login")][("106.5.5.195", "root/password")] == 1


def t_logwatch_sftp(ctx):
    d, files = layout(ctx, "sftp", "mtail-sftp-upload.log")
    compare(ctx, "sftp", d, files)


def t_logwatch_combo(ctx):
    d, files = layout(ctx, "combo", "loghub-linux-combo.log")
    lw, lg, _ = compare(ctx, "combo", d, files)
    assert lw[("kernel", "oom_kill")][("httpd",)] == 8903


def t_logwatch_testlines(ctx):
    d, files = layout(ctx, "testlines", "fail2ban-tests.log", "ossec-tests.log",
                      "wazuh-tests.log")
    compare(ctx, "testlines", d, files, want_quirks=("Q7",))


def t_logwatch_thunderbird_mac(ctx):
    d, files = layout(ctx, "tbmac", "loghub-thunderbird.log", "loghub-mac.log")
    compare(ctx, "tbmac", d, files)


def t_logwatch_pack_logs(ctx):
    """The service pack's own auth, kernel and cron test logs (hand-written
    OpenSSH 9.8 sshd-session lines among them)."""
    d = ctx.path("pack")
    files = lwlib.debian_layout(d, *[os.path.join(HERE, "services", s + ".log") for s in
                                     ("sshd", "pam_unix", "sudo", "su", "kernel", "cron")])
    compare(ctx, "pack", d, files, want_quirks=("Q2", "Q4", "Q7"))
