"""Runs the README's daemon walkthrough block verbatim (real time: the
digest comes at the next full minute, so this takes up to a minute)."""

import os
import re
import subprocess

import lib


def t_readme_walkthrough(env):
    readme = open(os.path.join(lib.ROOT, "README.md")).read()
    m = re.search(r"<!-- walkthrough:[^>]*-->\s*```sh\n(.*?)```", readme, re.S)
    assert m, "README has no walkthrough block"
    block = m.group(1)
    base = "/tmp/logward-walkthrough"
    subprocess.run(["rm", "-rf", base])
    r = subprocess.run(["bash", "-e", "-c", block], cwd=lib.ROOT, capture_output=True,
                       text=True, timeout=150)
    out = r.stdout + r.stderr
    assert r.returncode == 0, "walkthrough exit %d:\n%s" % (r.returncode, out[-3000:])
    assert "Subject: ALERT [critical]" in out, out[-3000:]
    assert "1: sshd: Accepted publickey for root from ______ port 40022 ssh2" in out, out[-3000:]
    assert "2: sshd: Failed password for invalid user ______ from ______ port ______ ssh2" in out, out[-3000:]
    assert "queue digest [* * * * *]" in out, out[-3000:]
    subprocess.run(["rm", "-rf", base])


t_readme_walkthrough.with_sink = False
