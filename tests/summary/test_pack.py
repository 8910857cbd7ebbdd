"""The shipped service pack (etc/summaries.d): each service's test log
(tests/summary/services/NAME.log) gives its expected text
(NAME.expected) at detail high, its JSON is valid (python3 -m json.tool)
and carries every row; plus the command's own promises: --range and
rotated siblings, file:line config errors, invalid UTF-8, the key cap,
the memory cap (set max_memory).

UPDATE=1 rewrites the .expected files (look at the diff before
committing it)."""

import gzip
import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONF = os.path.join(ROOT, "etc", "summary.conf")
SVC = os.path.join(HERE, "services")
NOW = "2025-12-31 00:00:00"
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def run(ctx, *args, check=True, conf=CONF, input=None):
    r = subprocess.run([ctx.bin, "summary", "-c", conf, "--now", NOW,
                        "--hostname", "test"] + list(args),
                       capture_output=True, env=ENV, timeout=300, input=input)
    if check and r.returncode != 0:
        raise AssertionError("logward summary %s: exit %d: %s" %
                             (" ".join(args), r.returncode, r.stderr.decode(errors="replace")))
    return r


def services():
    return sorted(f[:-4] for f in os.listdir(SVC) if f.endswith(".log"))


def t_pack_expected(ctx):
    bad = []
    for s in services():
        out = run(ctx, "--no-disk", "--detail", "high", "--service", s,
                  os.path.join(SVC, s + ".log")).stdout.decode()
        exp = os.path.join(SVC, s + ".expected")
        if os.environ.get("UPDATE") == "1":
            open(exp, "w").write(out)
        if not os.path.exists(exp) or open(exp).read() != out:
            bad.append(s)
    assert not bad, "text differs from the .expected of: %s" % ", ".join(bad)


def t_pack_every_service_has_a_log(ctx):
    ids = set()
    for f in os.listdir(os.path.join(ROOT, "etc", "summaries.d")):
        for line in open(os.path.join(ROOT, "etc", "summaries.d", f)):
            m = re.match(r"^service (\S+)", line)
            if m:
                ids.add(m.group(1))
    missing = sorted(ids - set(services()))
    assert not missing, "services without a test log: %s" % missing
    need = {"sshd", "pam_unix", "sudo", "su", "kernel", "firewall", "cron",
            "postfix", "dovecot", "http", "systemd"}
    assert need <= ids, "the issue's services missing: %s" % sorted(need - ids)


def t_json_valid_and_complete(ctx):
    for s in services():
        r = run(ctx, "--format", "json", "--detail", "low", "--service", s,
                os.path.join(SVC, s + ".log"))
        v = subprocess.run(["python3", "-m", "json.tool"], input=r.stdout,
                           capture_output=True)
        assert v.returncode == 0, "%s: not valid JSON: %s" % (s, v.stderr.decode())
        js = json.loads(r.stdout)
        for sv in js["services"]:
            for fa in sv["facts"]:
                # every row, whatever the detail: rows sum to the total
                tot = sum(x["count"] for x in fa["rows"]) + fa["folded"]["lines"]
                assert tot == fa["total"], "%s/%s: rows %d != total %d" % (
                    sv["id"], fa["id"], tot, fa["total"])
                for x in fa["rows"]:
                    assert len(x["key"]) == len(fa["keys"]), (sv["id"], fa["id"], x)
        # the text at low detail hides rows the JSON has
    js = json.loads(run(ctx, "--format", "json", "--detail", "low", "--service", "sshd",
                        os.path.join(SVC, "sshd.log")).stdout)
    fl = [f for f in js["services"][0]["facts"] if f["id"] == "failed_login"][0]
    assert any(len(r["key"]) == 2 for r in fl["rows"]), fl
    txt = run(ctx, "--detail", "low", "--service", "sshd", "--no-disk",
              os.path.join(SVC, "sshd.log")).stdout.decode()
    assert "root/password" not in txt, "detail low shows the second level"


def t_detail_changes_view_not_counts(ctx):
    tot = {}
    for d in ("low", "med", "high", "7"):
        js = json.loads(run(ctx, "--format", "json", "--detail", d,
                            os.path.join(SVC, "sshd.log"),
                            os.path.join(SVC, "sudo.log")).stdout)
        tot[d] = [(s["id"], f["id"], f["total"], len(f["rows"]))
                  for s in js["services"] for f in s["facts"]]
    assert len(set(map(tuple, tot.values()))) == 1, tot


def t_top_n_keeps_every_count(ctx):
    txt = run(ctx, "--no-disk", "--detail", "med", "--service", "sshd",
              os.path.join(ROOT, "tests", "data", "loghub-openssh-LabSZ.log")).stdout.decode()
    blk = txt.split(" Invalid users from: ")[1].split("\n \n")[0]
    total = int(blk.split(" Time(s)")[0].replace(",", ""))
    shown = sum(int(m.replace(",", "")) for m in
                re.findall(r"^    \S+: ([\d,]+) Time\(s\)$", blk, re.M))
    others = re.search(r"^    \+(\d+) others \(([\d,]+)\)$", blk, re.M)
    assert others, blk
    assert shown + int(others.group(2).replace(",", "")) == total, blk


def t_invalid_utf8_escaped(ctx):
    log = ctx.path("bad.log")
    with open(log, "wb") as fp:
        fp.write(b"Mar  3 10:00:00 h1 sshd[1]: Failed password for r\xffo\xc3t from "
                 b"192.0.2.1 port 1 ssh2\n")
        fp.write(b"Mar  3 10:00:01 h1 sshd[1]: Failed password for <b>&\"x' from "
                 b"192.0.2.2 port 1 ssh2\n")
        fp.write(b"Mar  3 10:00:02 h1 sshd[1]: Failed password for caf\xc3\xa9 from "
                 b"192.0.2.3 port 1 ssh2\n")
        fp.write(b"Mar  3 10:00:03 h1 sshd[1]: weird \x1b[31m\x00line\n")
    txt = run(ctx, "--no-disk", "--detail", "high", log).stdout
    assert b"r\\xFFo\\xC3t/password" in txt, txt
    assert "café/password".encode() in txt
    assert b"\\x1B[31m\\x00line" in txt
    txt.decode("utf-8")     # the text is valid UTF-8
    js = run(ctx, "--format", "json", log).stdout
    v = json.loads(js)
    keys = [r["key"][1] for s in v["services"] for f in s["facts"]
            if f["id"] == "failed_login" for r in f["rows"]]
    assert "r\\xFFo\\xC3t/password" in keys and "café/password" in keys, keys
    html = run(ctx, "--format", "html", "--detail", "high", log).stdout.decode()
    assert "&lt;b&gt;&amp;&quot;x&#39;/password" in html
    assert "<b>" not in html.split("<body", 1)[1]
    assert "r\\xFFo\\xC3t/password" in html


def t_config_errors_name_file_and_line(ctx):
    conf = ctx.path("bad.conf")
    open(conf, "w").write("\n".join([
        "service t Test",
        "programs t",
        "fact f user>ip Things",
        "count f ^x (?<user>\\S+) from (?<addr>\\S+)",     # no ip capture
        "count f ^y (?<user>[a-z+",                          # broken regex
        "count g ^z",                                        # no such fact
        "fact h user>{ip Bad key",                           # bad template
        "service_end",
        "programs x",                                        # outside
        "service u",
        ""]))
    r = run(ctx, conf=conf, check=False)
    err = r.stderr.decode()
    assert r.returncode == 1, (r.returncode, err)
    for line, what in ((4, "groups by 'ip', which this regex does not capture"),
                       (5, "bad regex"), (6, "has no fact 'g'"),
                       (7, "'{' must enclose"), (9, "outside a service block"),
                       (10, "has no service_end")):
        assert "%s:%d: error: " % (conf, line) in err and what in err, (line, what, err)
    lint = subprocess.run([ctx.bin, "lint", "-c", conf], capture_output=True, env=ENV)
    assert lint.returncode == 1 and b"%s:5: error: count: bad regex" % conf.encode() in lint.stdout, \
        lint.stdout


def t_range_and_rotated_siblings(ctx):
    d = ctx.path("log")
    os.makedirs(d)
    auth = os.path.join(d, "auth.log")

    def line(day, ip):
        return "Mar %2d 10:00:00 h1 sshd[1]: Failed password for root from %s port 1 ssh2\n" % (day, ip)
    open(auth, "w").write(line(3, "192.0.2.3") + line(4, "192.0.2.4"))
    open(auth + ".1", "w").write(line(2, "192.0.2.2"))
    with gzip.open(auth + ".2.gz", "wt") as fp:
        fp.write(line(1, "192.0.2.1"))
    open(auth + "-20250301", "w").write(line(1, "192.0.2.9"))
    conf = ctx.path("r.conf")
    open(conf, "w").write("set logfile %s\nincludedir %s/etc/summaries.d\n" % (auth, ROOT))

    def ips(*args):
        js = json.loads(run(ctx, "--format", "json", "--no-disk", *args, conf=conf).stdout)
        fa = [f for s in js["services"] if s["id"] == "sshd" for f in s["facts"]
              if f["id"] == "failed_login"][0]
        return sorted(r["key"][0] for r in fa["rows"]), js
    got, js = ips("--range", "all")
    assert got == ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.9"], got
    got, js = ips("--range", "2025-03-02..2025-03-04")
    assert got == ["192.0.2.2", "192.0.2.3"], got
    assert js["left_out"]["outside_range"] == 3, js["left_out"]
    got, js = ips("--range", "2025-03-04..")
    assert got == ["192.0.2.4"], got
    r = run(ctx, "--range", "2025-13-40..", conf=conf, check=False)
    assert r.returncode == 2 and b"--range" in r.stderr


def sshd_flood(ctx, name, n, conf_text):
    """n "Failed password" lines from n distinct addresses, summarised as
    JSON through a pipe (the pages of a mapped file would count as
    resident) with conf_text: (the failed_login fact, peak RSS in KiB by
    /usr/bin/time, the config's path)."""
    log = ctx.path(name + ".log")
    with open(log, "w") as fp:
        for i in range(n):
            fp.write("Mar  3 10:00:00 h1 sshd[1]: Failed password for root from "
                     "10.%d.%d.%d port 1 ssh2\n" % (i >> 16 & 255, i >> 8 & 255, i & 255))
    conf = ctx.path(name + ".conf")
    open(conf, "w").write(conf_text + "includedir %s/etc/summaries.d\n" % ROOT)
    with open(log, "rb") as fp:
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", ctx.path(name + ".rss"),
                            ctx.bin, "summary", "-c", conf, "--format", "json",
                            "--no-disk", "--service", "sshd", "-"],
                           input=fp.read(), capture_output=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    rss = int(open(ctx.path(name + ".rss")).read().split()[-1])
    fa = [f for f in json.loads(r.stdout)["services"][0]["facts"]
          if f["id"] == "failed_login"][0]
    assert fa["total"] == n, fa["total"]
    text = run(ctx, "--no-disk", "--service", "sshd", log, conf=conf).stdout.decode()
    return fa, rss, text


def t_key_cap_bounds_memory(ctx):
    """A million distinct addresses: the fact keeps summary_max_keys rows,
    folds the rest with an estimate, and memory stays small."""
    n = int(os.environ.get("SUMMARY_FLOOD", "1000000"))
    fa, rss, txt = sshd_flood(ctx, "flood", n, "set summary_max_keys 1000\n")
    assert len(fa["rows"]) == 1000, len(fa["rows"])
    assert fa["folded"]["lines"] == n - 1000, fa["folded"]
    est = fa["folded"]["keys_estimate"]
    assert abs(est - (n - 1000)) < 0.06 * n, est
    assert rss < 40 * 1024, "peak RSS %d KiB" % rss
    assert "not kept: more than 1000 keys (set summary_max_keys)" in txt, txt[-800:]


def t_memory_cap_bounds_summary(ctx):
    """With a key cap too high to matter, set max_memory still bounds the
    store and its rendering (half of it in a one-shot run): rows beyond
    it fold, every line is still counted, and the text says that memory
    held them back."""
    n = 400000
    fa, rss, txt = sshd_flood(ctx, "memflood", n, "set max_memory 16M\n"
                              "set summary_max_keys 10000000\n")
    rows = len(fa["rows"])
    assert 10000 < rows < n, rows
    assert fa["folded"]["lines"] == n - rows, fa["folded"]
    # half of 16M for the summary (the store and its rendering), about
    # 12 MB of logward without any row beside it (ASan's shadow memory
    # and quarantine make RSS meaningless in the sanitizer build)
    assert "build-san" in ctx.bin or rss < 22 * 1024, \
        "peak RSS %d KiB with set max_memory 16M" % rss
    assert "not kept: the summary reached its share of set max_memory" in txt, txt[-800:]


def t_journal_read_without_files(ctx):
    """Without FILE, the configuration's journal is read (an export made
    into a journal file by systemd-journal-remote), with --range."""
    remote = next((p for p in ("/lib/systemd/systemd-journal-remote",
                               "/usr/lib/systemd/systemd-journal-remote") if os.path.exists(p)),
                  None)
    assert remote, "systemd-journal-remote is missing (scripts/deps test)"
    exp = ctx.path("j.export")
    base = 1741000000          # 2025-03-03 11:06:40 UTC
    with open(exp, "w") as fp:
        for i, (ident, msg) in enumerate([
                ("sshd-session", "Failed password for root from 192.0.2.7 port 1 ssh2"),
                ("sshd-session", "Failed password for root from 192.0.2.7 port 2 ssh2"),
                ("sshd", "Accepted publickey for alice from 192.0.2.10 port 3 ssh2"),
                ("sudo", "  alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/true")]):
            fp.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n"
                     "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=jhost\n"
                     "SYSLOG_IDENTIFIER=%s\n_PID=%d\nPRIORITY=6\nSYSLOG_FACILITY=4\n"
                     "MESSAGE=%s\n\n" % ((base + i * 3600) * 1000000, (i + 1) * 1000000,
                                         ident, 100 + i, msg))
    jf = ctx.path("x.journal")
    r = subprocess.run([remote, "--output=" + jf, exp], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    conf = ctx.path("j.conf")
    open(conf, "w").write("set journal\nset journal_file %s\nincludedir %s/etc/summaries.d\n"
                          % (jf, ROOT))
    js = json.loads(run(ctx, "--format", "json", "--no-disk", "--range", "all",
                        conf=conf).stdout)
    svc = {s["id"]: s for s in js["services"]}
    fl = [f for f in svc["sshd"]["facts"] if f["id"] == "failed_login"][0]
    assert fl["rows"] == [{"key": ["192.0.2.7", "root/password"], "count": 2}], fl["rows"]
    assert svc["sudo"]["lines"] == 1
    # a dated range takes the entries by their time
    js = json.loads(run(ctx, "--format", "json", "--no-disk", "--range",
                        "2025-03-03 13:00..", conf=conf).stdout)
    svc = {s["id"]: s for s in js["services"]}
    assert svc["sshd"]["lines"] == 1 and svc["sudo"]["lines"] == 1, svc["sshd"]["lines"]
    assert js["left_out"]["outside_range"] == 2, js["left_out"]


def t_every_test_log(ctx):
    """logward summary over every log of tests/data (the hostile ones
    too): the sections are there, the JSON is valid."""
    import glob
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "*.log")) +
                   glob.glob(os.path.join(ROOT, "tests", "data", "logwatch", "*.log")) +
                   [os.path.join(ROOT, "tests", "data", "logwatch", "apache2", "access.log"),
                    os.path.join(ROOT, "tests", "data", "hostile", "lines.log")])
    txt = run(ctx, "--detail", "med", *files).stdout.decode("utf-8")
    for title in ("SSHD", "pam_unix", "Sudo (secure-log)", "su", "Kernel", "Firewall",
                  "Cron", "Postfix", "Dovecot", "httpd", "Systemd", "Disk Space"):
        assert " --------------------- %s Begin " % title in txt, title
    assert txt.index(" Disk Space Begin") > txt.index(" Systemd Begin")
    js = run(ctx, "--format", "json", *files).stdout
    v = subprocess.run(["python3", "-m", "json.tool"], input=js, capture_output=True)
    assert v.returncode == 0, v.stderr


def t_threads_same_summary(ctx):
    """--threads 2 (lines parsed and classified on a second thread, the
    counts kept in input order) gives the summary of --threads 1, byte for
    byte: every service log and the real logs of tests/data, repeats
    ("last message repeated") across the 512-line blocks, a --range that
    leaves lines out, text at detail high and JSON."""
    logs = [os.path.join(SVC, s + ".log") for s in services()]
    data = os.path.join(ROOT, "tests", "data")
    logs += sorted(os.path.join(data, f) for f in os.listdir(data)
                   if f.endswith(".log"))
    big = ctx.path("all.log")
    with open(big, "wb") as out:
        for _ in range(3):
            for f in logs:
                out.write(open(f, "rb").read())
        # a host's repeats right after a block boundary
        for i in range(2000):
            out.write(b"Mar  1 10:00:%02d rep sshd[1]: Failed password for "
                      b"root from 192.0.2.%d port 1 ssh2\n" % (i % 60, i % 7))
            out.write(b"Mar  1 10:00:%02d rep last message repeated %d times\n"
                      % (i % 60, i % 5 + 1))
    for args in (["--format", "text", "--detail", "high"],
                 ["--format", "json"],
                 ["--format", "text", "--range", "2025-03-01..2025-03-02"]):
        one = run(ctx, "--no-disk", "--threads", "1", *args, big)
        two = run(ctx, "--no-disk", "--threads", "2", *args, big)
        assert one.stdout == two.stdout, "--threads 2 differs: %s" % args
        assert len(one.stdout) > 1000, one.stdout[:200]
    r = run(ctx, "--threads", "3", big, check=False)
    assert r.returncode == 2 and b"--threads" in r.stderr
