"""Disk Space: the statvfs table against `df -P` taken at the same moment
(use % within 1), pseudo file systems left out as logwatch's df -x does,
an unreadable mount shown as such, a mount table that cannot be read
said so."""

import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def summary_json(ctx, conf):
    empty = ctx.path("empty.log")
    open(empty, "w").close()
    r = subprocess.run([ctx.bin, "summary", "-c", conf, "--format", "json", empty],
                       capture_output=True, env=ENV, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["disk"]


def df():
    r = subprocess.run(["df", "-P"], capture_output=True, text=True, env=ENV)
    out = {}
    for line in r.stdout.splitlines()[1:]:
        w = line.split()
        if len(w) >= 6 and w[4].endswith("%"):
            out[" ".join(w[5:])] = (w[0], int(w[4][:-1]))
    return out


def t_disk_matches_df(ctx):
    conf = ctx.path("d.conf")
    open(conf, "w").write("includedir %s/etc/summaries.d\n" % ROOT)
    before = df()
    disk = summary_json(ctx, conf)
    after = df()
    assert disk["error"] is None, disk
    compared = 0
    for row in disk["rows"]:
        m = row["mount"]
        if m not in before or m not in after or row["error"] is not None:
            continue
        lo = min(before[m][1], after[m][1]) - 1
        hi = max(before[m][1], after[m][1]) + 1
        assert lo <= row["use_pct"] <= hi, (m, row["use_pct"], before[m], after[m])
        compared += 1
    assert compared >= 1 and any(r["mount"] == "/" for r in disk["rows"]), disk
    assert all(r["fstype"] not in ("tmpfs", "devtmpfs", "proc", "sysfs") for r in disk["rows"])


def t_disk_unreadable_and_fake_table(ctx):
    table = ctx.path("mounts")
    gone = ctx.path("no-such-dir")
    open(table, "w").write("/dev/root / ext4 rw 0 0\n"
                           "/dev/gone %s ext4 rw 0 0\n"
                           "tmpfs /run tmpfs rw 0 0\n"
                           "/dev/sp\\040ace %s xfs rw 0 0\n" % (gone, ctx.tmp))
    conf = ctx.path("d.conf")
    open(conf, "w").write("set disk_mounts %s\nset disk warn 1%%\nincludedir %s/etc/summaries.d\n"
                          % (table, ROOT))
    disk = summary_json(ctx, conf)
    rows = {r["mount"]: r for r in disk["rows"]}
    assert set(rows) == {"/", gone, ctx.tmp}, rows
    assert rows[gone]["level"] == "UNREADABLE" and "No such file" in rows[gone]["error"]
    assert rows[ctx.tmp]["device"] == "/dev/sp ace"
    assert rows["/"]["level"] in ("WARNING", "CRITICAL"), rows["/"]
    assert disk["excluded"] == 1
    txt = subprocess.run([ctx.bin, "summary", "-c", conf, ctx.path("d.conf")],
                         capture_output=True, text=True, env=ENV).stdout
    assert "unreadable: No such file or directory" in txt, txt
    assert "/ (/dev/root) => " in txt and "WARNING, the limit is 1%" in txt, txt
    open(conf, "w").write("set disk_mounts %s\nincludedir %s/etc/summaries.d\n"
                          % (ctx.path("nothing"), ROOT))
    disk = summary_json(ctx, conf)
    assert disk["error"] == "No such file or directory", disk
