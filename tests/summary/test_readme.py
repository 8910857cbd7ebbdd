"""The README's Summaries section is a promise: its command prints the
output shown (lines in order, "..." where the README leaves some out),
and its configuration loads, lints clean, and routes the disk line it
describes to the critical queue."""

import os
import re
import shlex
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def block(name):
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(r"<!-- %s:.*?-->\n(.*?)<!-- end %s -->" % (name, name), text, re.S)
    assert m, "README has no %s block" % name
    return re.findall(r"```[a-z]*\n(.*?)```", m.group(1), re.S)


def t_readme_summary_example(ctx):
    cmd, shown = block("summary-example")
    argv = shlex.split(cmd.replace("\\\n", " "))
    assert argv[0] == "build/logward", argv
    r = subprocess.run([ctx.bin] + argv[1:], cwd=ROOT, capture_output=True, env=ENV,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    out = [l.rstrip() for l in r.stdout.decode().split("\n")]
    want = [l.rstrip() for l in shown.rstrip("\n").split("\n")]
    # the shown lines appear in order; "..." skips any number of lines,
    # elsewhere they follow each other
    i = 0
    while out and not out[0]:
        out.pop(0)
    skip = False
    for w in want:
        if w == "...":
            skip = True
            continue
        if skip:
            while i < len(out) and out[i] != w:
                i += 1
        assert i < len(out) and out[i] == w, "README line %r: output has %r" % (
            w, out[i] if i < len(out) else "(end)")
        i += 1
        skip = False


def t_readme_summary_conf(ctx):
    conf, = block("summary-conf")
    conf = conf.replace("includedir /etc/logward/summaries.d",
                        "includedir %s/etc/summaries.d" % ROOT)
    path = ctx.path("logward.conf")
    open(path, "w").write(conf)
    r = subprocess.run([ctx.bin, "lint", "-c", path], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and ": 0 errors, 0 warnings;" in r.stdout, r.stdout
    line = ("<26>2026-11-21T09:14:03+00:00 loghost logward[812]: disk CRITICAL "
            "/var/log is 86% full (inodes 4%)")
    r = subprocess.run([ctx.bin, "explain", "-c", path, line], capture_output=True,
                       text=True, env=ENV)
    assert re.search(r"queues:\s+critical", r.stdout), r.stdout
