"""Runs the README's "Automatic templates" blocks as written: the honeypot
digest (its figures and the start of the digest shown), the first look
with `logward templates` (the output shown, byte for byte), and the
daemon configuration (it must load without an error or a warning, and the
event lines shown must be the ones the rules it writes take)."""

import os
import re
import subprocess

import lib


def block(readme, name):
    """The ```sh or ``` block after <!-- templates: NAME --> and the plain
    block that follows it (the output shown), if any."""
    m = re.search(r"<!-- templates: %s -->\s*```(?:sh)?\n(.*?)```(?:\s*```\n(.*?)```)?"
                  % re.escape(name), readme, re.S)
    assert m, "README has no templates block %r" % name
    return m.group(1), m.group(2)


def misc_mail(mbox):
    """The misc queue's mail of an mbox stream: its lines, from its From:
    header to its last body line (the separator line and the empty line
    that ends a mail left out)."""
    for m in re.split(r"(?m)^From logward .*\n", mbox):
        if "X-logward-queue: misc\n" in m:
            return m.rstrip("\n").split("\n")
    raise AssertionError("no misc mail")


def run(cmd, env, tmp):
    cmd = cmd.replace("/tmp/digest.conf", os.path.join(tmp, "digest.conf"))
    r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", cmd], cwd=lib.ROOT,
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, LOGWARD_CACHE_DIR=os.path.join(tmp, "cache")))
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr[-2000:])
    return r.stdout


def t_readme_templates(env):
    readme = open(os.path.join(lib.ROOT, "README.md")).read()
    cmd, shown = block(readme, "digest")
    out = run(cmd, env, env.base)
    mail = misc_mail(out)
    entries = [l for l in mail if re.match(r"^    \d+: ", l)]
    m = re.search(r"from \*\*([\d,]+) entries \(([\d,]+) lines of mail\) to ([\d,]+)\s+"
                  r"entries \(([\d,]+) lines\)\*\*", readme)
    assert m, "README states no figures"
    assert int(m.group(3).replace(",", "")) == len(entries), len(entries)
    assert int(m.group(4).replace(",", "")) == len(mail), len(mail)
    # the digest as shown, up to its "..."
    want = [l for l in shown.splitlines() if l != "    ..."]
    body = mail[mail.index("") + 2:]
    assert body[:len(want)] == want, (body[:len(want)], want)
    # ... and without automask, the figures before
    plain = run(cmd.replace("echo 'set automask on misc' >> /tmp/digest.conf\n", ""),
                env, env.base)
    pmail = misc_mail(plain)
    pentries = [l for l in pmail if re.match(r"^    \d+: ", l)]
    assert int(m.group(1).replace(",", "")) == len(pentries), len(pentries)
    assert int(m.group(2).replace(",", "")) == len(pmail), len(pmail)

    cmd, shown = block(readme, "first-look")
    assert run(cmd, env, env.base) == shown

    conf, events = block(readme, "daemon")
    path = env.path("daemon.conf")
    with open(path, "w") as fp:
        fp.write("set queue misc logward@example.org admins@example.org [0 7 * * *]\n")
        fp.write(conf)
        fp.write("misc .*\n")
    r = subprocess.run([env.bin, "lint", "-c", path], capture_output=True, text=True)
    assert r.returncode == 0 and "0 errors, 0 warnings" in r.stdout + r.stderr, \
        r.stdout + r.stderr
    rules = [re.compile(l.split(" ", 1)[1]) for l in conf.splitlines()
             if l.startswith("alerts ")]
    rules.append(re.compile(r"^logward(?:\[\d+\])?: new template"))
    for ev in events.strip().splitlines():
        assert any(r.search(ev) for r in rules), ev
        assert re.match(r"^logward: (new template on \S+: |host \S+ (silent for \S+ "
                        r"\(last line \d\d:\d\d:\d\d\)|sends again after .* of silence)$|"
                        r"burst on \S+: [\d,]+ lines in \d+ min of \".*\" \(usual "
                        r"[\d,]+ in \d+ min\)$)", ev), ev


t_readme_templates.with_sink = False
