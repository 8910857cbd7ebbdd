"""Runs the README's daemon walkthrough block (real time: the digest comes
at the next full minute, so this takes up to a minute).  The block runs as
written except that the test gives it a free port instead of 2525 and a
private directory instead of /tmp/logward-walkthrough (in the block and in
a copy of etc/walkthrough.conf), so parallel runs cannot collide."""

import os
import re
import socket
import subprocess
import tempfile

import lib


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def t_readme_walkthrough(env):
    readme = open(os.path.join(lib.ROOT, "README.md")).read()
    m = re.search(r"<!-- walkthrough:[^>]*-->\s*```sh\n(.*?)```", readme, re.S)
    assert m, "README has no walkthrough block"
    block = m.group(1)
    port = str(free_port())
    base = tempfile.mkdtemp(prefix="logward-walkthrough.")
    conf = open(os.path.join(lib.ROOT, "etc", "walkthrough.conf")).read()
    assert "127.0.0.1:2525" in conf and "--port 2525" in block
    conf = conf.replace("/tmp/logward-walkthrough", base).replace(":2525", ":" + port)
    confpath = os.path.join(env.base, "walkthrough.conf")
    with open(confpath, "w") as fp:
        fp.write(conf)
    block = (block.replace("/tmp/logward-walkthrough", base)
             .replace("--port 2525", "--port " + port)
             .replace("$OLDPWD/etc/walkthrough.conf", confpath))
    try:
        r = subprocess.run(["bash", "-e", "-c", block], cwd=lib.ROOT, capture_output=True,
                           text=True, timeout=150)
    finally:
        subprocess.run(["pkill", "-f", base])
    out = r.stdout + r.stderr
    assert r.returncode == 0, "walkthrough exit %d:\n%s" % (r.returncode, out[-3000:])
    assert "Subject: ALERT [critical]" in out, out[-3000:]
    assert "1: sshd: Accepted publickey for root from ______ port 40022 ssh2" in out, out[-3000:]
    assert "2: sshd: Failed password for invalid user ______ from ______ port ______ ssh2" \
        in out, out[-3000:]
    assert "queue digest [* * * * *]" in out, out[-3000:]
    subprocess.run(["rm", "-rf", base])


t_readme_walkthrough.with_sink = False
