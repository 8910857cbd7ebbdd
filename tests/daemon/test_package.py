"""The Debian package: `make deb` builds logward_VERSION_ARCH.deb with
dpkg-buildpackage and debhelper; its file list, conffiles and maintainer
scripts are what the README promises; lintian reports nothing.  As root
it is installed, `logward lint` accepts the shipped configuration,
`logward check --state` runs as the logward user and `logward logcheck`
as the logcheck user (logcheck's cron job), then the package is purged
and nothing of it is left."""

import atexit
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile

import lib

ROOT = lib.ROOT


def version():
    m = re.search(r"^VERSION\s*:=\s*(\S+)", open(os.path.join(ROOT, "Makefile")).read(), re.M)
    return m.group(1)


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=600, **kw)


def installed(pkg):
    r = run("dpkg-query", "-W", "-f=${Status}", pkg)
    return "install ok installed" in r.stdout


_built = {}


def build_deb(env):
    """make deb once per suite run (kept in a temp dir removed at exit)."""
    missing = [p for p in ("dpkg-dev", "debhelper", "fakeroot", "lintian") if not installed(p)]
    assert not missing, "not run: %s missing (scripts/deps test)" % " ".join(missing)
    if "deb" in _built:
        return _built["deb"]
    out = tempfile.mkdtemp(prefix="logward-deb.")
    atexit.register(shutil.rmtree, out, True)
    r = run("make", "--no-print-directory", "deb", "BUILD=" + out, cwd=ROOT)
    assert r.returncode == 0, "make deb: %s" % (r.stdout + r.stderr)[-3000:]
    arch = run("dpkg", "--print-architecture").stdout.strip()
    deb = os.path.join(out, "logward_%s_%s.deb" % (version(), arch))
    assert os.path.exists(deb), "make deb made no %s" % deb
    _built["deb"] = deb
    return deb


WANT_FILES = [
    "./usr/sbin/logward",
    "./etc/logward/logward.conf",
    "./etc/cron.d/logward",
    "./etc/logrotate.d/logward",
    "./lib/systemd/system/logward.service",
    "./lib/systemd/system/logward-check.service",
    "./lib/systemd/system/logward-check.timer",
    "./usr/share/man/man8/logward.8.gz",
    "./usr/share/man/man5/logward.conf.5.gz",
    "./usr/share/logward/rules.d/sshd.conf",
    "./usr/share/doc/logward/copyright",
    "./var/lib/logward/",
    "./var/spool/logward/",
]


def t_package_contents_and_lintian(env):
    deb = build_deb(env)
    files = [l.split()[-1] for l in run("dpkg-deb", "-c", deb).stdout.splitlines()]
    missing = [f for f in WANT_FILES if f not in files]
    assert not missing, "missing from the package: %s" % missing
    x = env.path("x")
    r = run("dpkg-deb", "-R", deb, x)
    assert r.returncode == 0, r.stderr
    conffiles = open(os.path.join(x, "DEBIAN", "conffiles")).read().split()
    assert sorted(conffiles) == ["/etc/cron.d/logward", "/etc/logrotate.d/logward",
                                 "/etc/logward/logward.conf"], conffiles
    post = open(os.path.join(x, "DEBIAN", "postinst")).read()
    assert "adduser --quiet --system --ingroup adm" in post, post
    assert "chown logward:adm" in post
    postrm = open(os.path.join(x, "DEBIAN", "postrm")).read()
    assert "purge)" in postrm and "deluser" in postrm and "/var/lib/logward" in postrm
    unit = open(os.path.join(x, "lib/systemd/system/logward.service")).read()
    assert re.search(r"^ExecStart=/usr/sbin/logward run -c /etc/logward/logward.conf$",
                     unit, re.M), unit
    rot = open(os.path.join(x, "etc/logrotate.d/logward")).read()
    assert "/usr/sbin/logward reopen" in rot and "postrotate" in rot, rot
    conf = open(os.path.join(x, "etc/logward/logward.conf")).read()
    # safe: no queue, so nothing can be mailed before a recipient is set
    assert not re.search(r"^set queue", conf, re.M), "the shipped config defines a queue"
    r = run("lintian", "--no-tag-display-limit", "-EvIL", "+pedantic", deb)
    tags = [l for l in r.stdout.splitlines() if re.match(r"^[EWX]: ", l)]
    assert not tags, "lintian:\n" + "\n".join(tags)
    infos = [l for l in r.stdout.splitlines() if re.match(r"^[IP]: ", l)]
    print("    %d files, lintian: 0 errors, 0 warnings (%d info/pedantic: %s)"
          % (len(files), len(infos), "; ".join(i.split(": ", 2)[-1] for i in infos)))


def t_package_install_use_purge(env):
    if os.getuid() != 0:
        print("    install part not run: it needs root (CI runs as root)")
        return
    assert not installed("logward"), "not run: a logward package is installed already"
    try:
        pwd.getpwnam("logward")
        raise AssertionError("not run: a user logward exists already")
    except KeyError:
        pass
    deb = build_deb(env)
    try:
        r = run("dpkg", "-i", deb)
        assert r.returncode == 0, "dpkg -i: %s" % (r.stdout + r.stderr)
        u = pwd.getpwnam("logward")
        assert u.pw_gid == grp.getgrnam("adm").gr_gid, "logward's group is not adm"
        for d in ("/var/lib/logward", "/var/spool/logward"):
            st = os.stat(d)
            assert st.st_uid == u.pw_uid and oct(st.st_mode & 0o777) == "0o750", \
                "%s: owner %d mode %o" % (d, st.st_uid, st.st_mode & 0o777)
        # the units as installed (systemd-analyze also checks the man
        # pages they name and the program they run)
        sa = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
        if os.access(sa, os.X_OK):
            r = run(sa, "verify", "/lib/systemd/system/logward.service",
                    "/lib/systemd/system/logward-check.service",
                    "/lib/systemd/system/logward-check.timer")
            out = (r.stdout + r.stderr).strip()
            assert r.returncode == 0 and not out, "systemd-analyze verify: %s" % out
        r = run("/usr/sbin/logward", "lint", "-c", "/etc/logward/logward.conf")
        assert r.returncode == 0 and "0 errors" in r.stdout, r.stdout + r.stderr
        # a readable log, checked twice by the logward user
        d = env.path("logs")
        os.makedirs(d)
        os.chmod(env.base, 0o755)
        os.chmod(d, 0o755)
        log = os.path.join(d, "auth.log")
        with open(log, "w") as fp:
            fp.write("Dec  7 00:00:01 web1 sshd[1]: Accepted publickey for root "
                     "from 192.0.2.1 port 1 ssh2\n"
                     "Dec  7 00:00:02 web1 su[2]: FAILED SU (to root) bob on pts/0\n")
        os.chmod(log, 0o644)
        cmd = ["runuser", "-u", "logward", "--", "/usr/sbin/logward", "check", "-c",
               "/etc/logward/logward.conf", "--state", "/var/lib/logward/check", log]
        r = run(*cmd)
        assert r.returncode == 0, r.stderr
        assert "2 lines read" in r.stderr, r.stderr
        st = os.stat("/var/lib/logward/check/check.state")
        assert st.st_uid == u.pw_uid
        r = run(*cmd)
        assert r.returncode == 0 and "lines read" not in r.stderr, r.stderr
        # logcheck's cron job: the logcheck user, the default -S
        if installed("logcheck"):
            r = run("runuser", "-u", "logcheck", "--", "/usr/sbin/logward", "logcheck",
                    "-o", "-l", log)
            assert r.returncode == 0 and "FAILED SU (to root) bob" in r.stdout, \
                r.stdout + r.stderr
            assert os.path.exists("/var/lib/logward/logcheck/logcheck.state")
    finally:
        r = run("dpkg", "--purge", "logward")
    assert r.returncode == 0, "dpkg --purge: %s" % (r.stdout + r.stderr)
    left = [p for p in ("/usr/sbin/logward", "/etc/logward", "/var/lib/logward",
                        "/var/spool/logward", "/etc/cron.d/logward",
                        "/etc/logrotate.d/logward", "/lib/systemd/system/logward.service",
                        "/usr/share/logward") if os.path.lexists(p)]
    assert not left, "left after purge: %s" % left
    try:
        pwd.getpwnam("logward")
        raise AssertionError("the logward user is left after purge")
    except KeyError:
        pass
    assert not installed("logward")
    print("    installed, lint, check --state as logward, logcheck as logcheck, "
          "purged: nothing left")


def t_make_install_prefix_destdir(env):
    """make install for other systems: PREFIX and DESTDIR respected, the
    units and cron example point at the installed program, an existing
    configuration is never overwritten."""
    bdir = os.path.relpath(os.path.dirname(env.bin), ROOT)
    dest = env.path("dest")
    r = run("make", "--no-print-directory", "install", "BUILD=" + bdir,
            "PREFIX=/opt/lw", "DESTDIR=" + dest, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    for p in ("opt/lw/sbin/logward", "opt/lw/share/man/man8/logward.8",
              "opt/lw/share/man/man5/logward.conf.5", "opt/lw/etc/logward/logward.conf",
              "opt/lw/lib/systemd/system/logward.service",
              "opt/lw/lib/systemd/system/logward-check.timer",
              "opt/lw/share/logward/rules.d/sshd.conf", "opt/lw/etc/cron.d/logward"):
        assert os.path.exists(os.path.join(dest, p)), "missing %s" % p
    unit = open(os.path.join(dest, "opt/lw/lib/systemd/system/logward.service")).read()
    assert "ExecStart=/opt/lw/sbin/logward run -c /opt/lw/etc/logward/logward.conf" in unit, unit
    assert os.access(os.path.join(dest, "opt/lw/sbin/logward"), os.X_OK)
    # a second install keeps an edited configuration
    conf = os.path.join(dest, "opt/lw/etc/logward/logward.conf")
    with open(conf, "a") as fp:
        fp.write("# edited\n")
    r = run("make", "--no-print-directory", "install", "BUILD=" + bdir,
            "PREFIX=/opt/lw", "DESTDIR=" + dest, cwd=ROOT)
    assert r.returncode == 0 and open(conf).read().endswith("# edited\n")
    dest2 = env.path("dest2")
    r = run("make", "--no-print-directory", "install", "BUILD=" + bdir,
            "PREFIX=/usr", "DESTDIR=" + dest2, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    for p in ("usr/sbin/logward", "etc/logward/logward.conf",
              "lib/systemd/system/logward.service", "etc/logrotate.d/logward"):
        assert os.path.exists(os.path.join(dest2, p)), "PREFIX=/usr: missing %s" % p


def recipe(name):
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(r"<!-- recipe: %s -->\s*```sh\n(.*?)```" % name, text, re.S)
    assert m, "README.md has no recipe %s" % name
    return [l for l in m.group(1).splitlines() if l.strip()]


def t_readme_coming_from_logcheck(env):
    """The README's three-line migration from logcheck, as root: install
    the package, point logcheck's cron job at `logward logcheck`, name the
    relay; then the cron job's own command, run as the logcheck user,
    mails logcheck's report through the relay, and a second run finds
    nothing new.  Substitutions (the README lists them): the .deb just
    built, a copy of /etc/cron.d/logcheck, the test's SMTP server, and
    /var/log/syslog and /var/log/auth.log created for the run."""
    if os.getuid() != 0:
        print("    not run: it installs the package, which needs root (CI runs as root)")
        return
    for p in ("/etc/cron.d/logcheck", "/etc/logcheck/logcheck.conf"):
        assert os.path.exists(p), "not run: %s missing (scripts/deps test)" % p
    made = [p for p in ("/var/log/syslog", "/var/log/auth.log") if not os.path.exists(p)]
    assert len(made) == 2, "not run: this machine has /var/log/syslog or auth.log " \
        "(the test would read and mail them)"
    assert not installed("logward"), "not run: a logward package is installed already"
    lines = recipe("logcheck-migration")
    assert len(lines) == 3, lines
    deb = build_deb(env)
    cron = env.path("cron.d-logcheck")
    shutil.copyfile("/etc/cron.d/logcheck", cron)
    try:
        cmds = [lines[0].replace("./logward_0.1.0_amd64.deb", deb),
                lines[1].replace("/etc/cron.d/logcheck", cron),
                lines[2].replace("mail.example.org:25", "127.0.0.1:%d" % env.sink.port)]
        for c in cmds:
            r = subprocess.run(["sh", "-c", c], capture_output=True, text=True,
                               timeout=300, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
            assert r.returncode == 0, "%s: %s" % (c, r.stdout + r.stderr)
        # the hourly line of the cron file, as cron runs it
        text = open(cron).read()
        path = re.search(r"^PATH=(.*)$", text, re.M).group(1)
        m = re.search(r"^2 \* \* \* \*\s+logcheck\s+(.*)$", text, re.M)
        assert m and "/usr/sbin/logward logcheck" in m.group(1), text
        for p in made:
            with open(p, "w") as fp:
                fp.write("Dec  7 10:00:01 web1 su[42]: FAILED SU (to root) mallory on pts/3\n"
                         "Dec  7 10:00:02 web1 kernel: [  9.9] something unusual\n")
            shutil.chown(p, "root", "adm")
            os.chmod(p, 0o640)
        job = ["runuser", "-u", "logcheck", "--", "env", "-i", "PATH=" + path,
               "HOME=/var/lib/logcheck", "SHELL=/bin/sh", "LOGNAME=logcheck",
               "/bin/sh", "-c", m.group(1)]
        r = subprocess.run(job, capture_output=True, text=True, timeout=300)
        mails = env.sink.wait_mails(1)
        assert r.returncode == 0, "the cron job exited %d: %s" % (r.returncode, r.stderr)
        subj = mails[0]["Subject"]
        assert subj.endswith(" Security Events"), subj
        body = lib.body_text(mails[0])
        assert "FAILED SU (to root) mallory" in body and "something unusual" in body, body
        assert "RCPT TO:<logcheck@" in mails[0].envelope, mails[0].envelope
        r = subprocess.run(job, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and len(env.sink.mails()) == 1, \
            "second run: exit %d, %d mails" % (r.returncode, len(env.sink.mails()))
        print("    migrated in 3 lines; the cron job mailed '%s'" % subj)
    finally:
        for p in made:
            if os.path.exists(p):
                os.unlink(p)
        run("dpkg", "--purge", "logward")
    assert not installed("logward")
