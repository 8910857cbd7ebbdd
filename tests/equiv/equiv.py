#!/usr/bin/env python3
"""equiv.py BUILD_DIR [--jobs N] [PATTERN...] — engine equivalence.

Runs `logward check` and `logward explain` with `--engine pcre2` and with
`--engine hyperscan` on the same configurations and inputs and requires
byte-identical stdout and the same exit status (0).  See README.md in this
directory.  Appends "PASS|FAIL equiv/NAME" to BUILD_DIR/results, prints one
line per test (on a failure also the first 40 lines of the diff and the
first input line that differs, with the commands that show it), and ends
with "equiv: N passed, N failed".

PATTERN... runs only the tests whose name contains one of the patterns.
Only the Python standard library is used.
"""
import argparse
import concurrent.futures
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import gen_fuzz  # noqa: E402

NOW = "2026-11-21 12:00:00"
HOSTNAME = "equiv-host"
ENGINES = ("pcre2", "hyperscan")
LOGCHECK = "/etc/logcheck"
CORPUS_LINES = 50000
CORPUS_SEED = 20261121
FUZZ_LINES = 3000
FUZZ_SEED = 7
STAMP_BODIES = 200     # x 31 stamps x 4 hosts
SMALL_LOG = 1000       # slow configs check the logs under this size in one run
TIMEOUT = 120          # seconds per logward run (a hang is a failure)
DIFF_LINES = 40
SHRINK_BUDGET = 90.0   # seconds of shrinking in all, so failures stay quick
KINDS = ("logs", "corpus", "explain", "stamps", "fuzz")

BIN = OUT = CACHE = ENV = None
shrink_lock = threading.Lock()
shrink_left = [SHRINK_BUDGET]


def rel(p):
    """p relative to the repository root if it is inside it."""
    r = os.path.relpath(p, ROOT)
    return p if r.startswith("..") else r


class Cfg:
    """One configuration: how to point logward at it, where its rules are."""

    def __init__(self, name, cwd, args, confs=(), logcheck=None, needs=(),
                 explain_cost=0.0, explain_max=None, max_lines=None):
        self.name = name
        self.cwd = cwd                    # logward runs here
        self.args = list(args)            # after the sub-command and --engine
        self.confs = list(confs)          # tenshi-style files (fuzz rules)
        self.logcheck = logcheck          # a logcheck tree (fuzz rules)
        self.needs = list(needs)          # paths that must exist
        self.explain_cost = explain_cost  # seconds per explained line, roughly
        self.explain_max = explain_max    # lines per explain input (None: all)
        self.max_lines = max_lines        # check reads at most this many
                                          # lines of each input (None: all)
        self.kinds = KINDS                # which tests run on it
        self.inputs = {}                  # kind -> generated input file
        self.cold = None                  # hyperscan check, cold cache, of
                                          # the input of the last kind

    def argv(self, sub, engine, files=()):
        a = [BIN, sub, "--engine", engine, "--cache-dir", CACHE] + self.args
        a += ["--now", NOW, "--hostname", HOSTNAME] if sub == "check" else ["--now", NOW]
        return a + list(files)

    def shell(self, sub, engine, files=()):
        """The command line, for a person to paste."""
        return "(cd %s && %s)" % (shlex.quote(self.cwd),
                                  " ".join(shlex.quote(a) for a in self.argv(sub, engine, files)))


def configs():
    out = []

    def tenshi(name, path):
        path = os.path.join(ROOT, path)
        out.append(Cfg(name, os.path.dirname(path), ["-c", os.path.basename(path)],
                       confs=[path], needs=[path]))

    tenshi("debian", "tests/compat/debian/tenshi.conf")
    tenshi("logward-conf", "etc/logward.conf")
    cases = os.path.join(ROOT, "tests/compat/cases")
    for name in sorted(os.listdir(cases)):
        if os.path.isfile(os.path.join(cases, name, "tenshi.conf")):
            tenshi("case-" + name, os.path.join("tests/compat/cases", name, "tenshi.conf"))
    # explain in logcheck mode lists every matching rule of the tree: it
    # compiles each rule with PCRE2 for each line, with either engine
    # (about 45 ms a line at server level, 2.5 ms at paranoid).  Only its
    # "logcheck:" verdict comes from the engine, and check shows that
    # verdict for every line, so these configs explain a small sample.
    # The logcheck directive with --engine pcre2 classifies about 3,000
    # lines a second, so it reads only the first 5,000 lines of each input.
    lcd = os.path.join(HERE, "logcheck-directive.conf")
    out.append(Cfg("logcheck-directive", HERE, ["-c", os.path.basename(lcd)], confs=[lcd],
                   needs=[lcd, LOGCHECK], explain_cost=0.05, explain_max=12, max_lines=5000))
    for level in ("paranoid", "server", "workstation"):
        for ci in (False, True):
            cost = 0.003 if level == "paranoid" else 0.05
            most = (300 if level == "paranoid" else 12) // (2 if ci else 1)
            out.append(Cfg("logcheck-%s%s" % (level, "-cracking-ignore" if ci else ""), ROOT,
                           ["--logcheck", LOGCHECK, "--level", level] + (["--cracking-ignore"] if ci else []),
                           logcheck=LOGCHECK, needs=[LOGCHECK], explain_cost=cost, explain_max=most))
    # every byte behind character-class constructs, PCRE and ERE
    b = Cfg("bytes-pcre", HERE, ["-c", "bytes.conf"], needs=[os.path.join(HERE, "bytes.conf")])
    b.kinds = ("bytes",)
    out.append(b)
    tree = os.path.join(HERE, "bytes-tree")
    b = Cfg("bytes-ere", HERE, ["--logcheck", "bytes-tree", "--level", "server"], needs=[tree],
            explain_cost=0.0004, explain_max=1000)
    b.kinds = ("bytes",)
    out.append(b)
    return out


def input_logs():
    logs = []
    for d in ("tests/data", "tests/data/logcheck"):
        full = os.path.join(ROOT, d)
        logs += [os.path.join(full, f) for f in sorted(os.listdir(full)) if f.endswith(".log")]
    cases = os.path.join(ROOT, "tests/compat/cases")
    for name in sorted(os.listdir(cases)):
        d = os.path.join(cases, name)
        logs += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".log")]
    return logs


# ---------------------------------------------------------------- running

def run(argv, cwd, stdin=None):
    """(rc, stdout, stderr) of one run; stdin is a path or None."""
    fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
    try:
        p = subprocess.run(argv, cwd=cwd, stdin=fin, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=ENV, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return "timeout after %d s" % TIMEOUT, e.stdout or b"", e.stderr or b""
    finally:
        if stdin:
            fin.close()


def both(cfg, sub, files=(), stdin=None):
    r = {e: run(cfg.argv(sub, e, files), cfg.cwd, stdin) for e in ENGINES}
    if sub == "check":
        # one thread vs two (check --threads 2: logcheck blocks in two
        # classifiers; a configuration's lines walked by a second thread,
        # applied in order): the same report; a difference is shown as
        # the hyperscan side
        argv = cfg.argv(sub, "hyperscan", files)
        t = run(argv[:2] + ["--threads", "2"] + argv[2:], cfg.cwd, stdin)
        # stderr too: the account line (read, reported, trashed, cut,
        # regex limits) is counted on the applying thread
        if t[0] != r["hyperscan"][0] or t[1] != r["hyperscan"][1] or \
                t[2] != r["hyperscan"][2]:
            r["hyperscan"] = (t[0], t[1] if t[2] == r["hyperscan"][2] else
                              t[1] + b"\n[stderr differs]",
                              b"[--threads 2 differs from --threads 1] " + t[2])
    return r


def differs(r):
    a, b = r["pcre2"], r["hyperscan"]
    return a[0] != b[0] or a[1] != b[1]


def bad_rc(r):
    """Text if a run did not exit 0, else None."""
    for e in ENGINES:
        if r[e][0] != 0:
            return "--engine %s: exit %s: %s" % (e, r[e][0], first_lines(r[e][2], 3))
    return None


def first_lines(b, n):
    t = b.decode("latin-1").rstrip("\n").split("\n")
    return " | ".join(t[:n]) if t != [""] else "(no stderr)"


def udiff(a, b, na="pcre2", nb="hyperscan"):
    # split at newlines only (str.splitlines also splits at \x1c, \x85...)
    al = [l + "\n" for l in a.decode("latin-1").split("\n")]
    bl = [l + "\n" for l in b.decode("latin-1").split("\n")]
    return "".join(difflib.unified_diff(al, bl, na, nb, n=2))


def blocks(out):
    """explain output split into one block per input line."""
    res, cur = [], []
    for l in out.split(b"\n"):
        if l.startswith(b"  line:") and cur:
            res.append(b"\n".join(cur))
            cur = []
        cur.append(l)
    if cur and any(cur):
        res.append(b"\n".join(cur))
    return res


def read_lines(path):
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def write_lines(path, lines):
    with open(path, "wb") as f:
        for l in lines:
            f.write(l + b"\n")


def printf_line(line):
    """A shell printf command that prints exactly this line."""
    out = []
    for c in line:
        ch = chr(c)
        out.append(ch if 32 <= c < 127 and ch not in "'\\%" else "\\%03o" % c)
    return "printf '%s\\n'" % "".join(out)


def thin(lines, most):
    """At most `most` lines, evenly spread, in order."""
    if most is None or len(lines) <= most:
        return lines
    step = len(lines) / most
    return [lines[int(i * step)] for i in range(most)]


# ---------------------------------------------------------------- results

class Result:
    def __init__(self, name):
        self.name = name
        self.ok = True
        self.summary = ""
        self.notes = []      # shown after the summary, pass or fail
        self.detail = []     # lines printed under a failure

    def fail(self, summary, *detail):
        self.ok = False
        self.summary = self.summary + ("; " if self.summary else "") + summary
        for d in detail:
            self.detail += d.rstrip("\n").split("\n") if d else []


def add_diff(res, a, b, na="pcre2", nb="hyperscan"):
    d = udiff(a, b, na, nb).rstrip("\n").split("\n")
    res.detail += d[:DIFF_LINES]
    if len(d) > DIFF_LINES:
        res.detail.append("... (%d more diff lines)" % (len(d) - DIFF_LINES))


def note_stderr(res, r, what):
    """stderr is not compared (a Hyperscan fallback warning is allowed),
    but a difference is mentioned."""
    if r["pcre2"][2] != r["hyperscan"][2]:
        res.notes.append("stderr differs on %s (not compared): pcre2: %s / hyperscan: %s"
                         % (what, first_lines(r["pcre2"][2], 2), first_lines(r["hyperscan"][2], 2)))


def save(res, r, sub):
    """Keeps both outputs of a failed comparison in equiv-out/fail/."""
    d = os.path.join(OUT, "fail", res.name.replace("/", "_"))
    os.makedirs(d, exist_ok=True)
    for e in ENGINES:
        for ext, data in (("out", r[e][1]), ("err", r[e][2])):
            with open(os.path.join(d, "%s.%s.%s" % (sub, e, ext)), "wb") as f:
                f.write(data)
    res.detail.append("outputs: %s/%s.{pcre2,hyperscan}.{out,err}" % (d, sub))


def explain_mismatch(res, cfg, r, lines, what):
    """Compares two explain outputs block by block; False if identical,
    else says which input line differs first."""
    if not differs(r):
        return False
    ba, bb = blocks(r["pcre2"][1]), blocks(r["hyperscan"][1])
    i = next((k for k in range(min(len(ba), len(bb))) if ba[k] != bb[k]), min(len(ba), len(bb)))
    if r["pcre2"][0] != r["hyperscan"][0]:
        res.fail("explain exit status %s (pcre2) vs %s (hyperscan) on %s"
                 % (r["pcre2"][0], r["hyperscan"][0], what))
    if len(ba) == len(lines) == len(bb) and i < len(lines):
        line = lines[i]
        res.fail("explain differs on %s, first on its line %d" % (what, i + 1))
        res.detail.append("first differing line: %r" % line.decode("latin-1"))
        for e in ENGINES:
            res.detail.append("  %s | %s" % (printf_line(line), cfg.shell("explain", e)))
        add_diff(res, ba[i] + b"\n", bb[i] + b"\n")
    else:
        res.fail("explain differs on %s (%d vs %d blocks for %d lines)" % (what, len(ba), len(bb), len(lines)))
        add_diff(res, r["pcre2"][1], r["hyperscan"][1])
    return True


def shrink(res, cfg, lines, tag, what):
    """check differs on lines: name the first line that makes it differ.
    explain first (if affordable), else bisection over prefixes with
    check; all shrinking shares SHRINK_BUDGET seconds."""
    with shrink_lock:
        if shrink_left[0] <= 0:
            res.detail.append("not shrunk: the shrink time budget of this run is used up")
            return
    t0 = time.time()
    try:
        tmp = os.path.join(OUT, "tmp")
        os.makedirs(tmp, exist_ok=True)
        base = os.path.join(tmp, "%s-%s" % (cfg.name, tag))
        write_lines(base + ".all", lines)
        if len(lines) * cfg.explain_cost < 5:
            r = both(cfg, "explain", stdin=base + ".all")
            if explain_mismatch(res, cfg, r, lines, what):
                return
            res.detail.append("explain agrees on every line; bisecting with check")

        def probe(k):
            write_lines(base + ".part", lines[:k])
            return differs(both(cfg, "check", files=[base + ".part"]))

        lo, hi = 0, len(lines)
        if probe(lo):
            res.detail.append("check differs even on an empty input")
            return
        while hi - lo > 1:
            if time.time() - t0 > shrink_left[0]:
                res.detail.append("not shrunk: time budget used up (first difference within lines %d..%d)"
                                  % (lo + 1, hi))
                return
            mid = (lo + hi) // 2
            if probe(mid):
                hi = mid
            else:
                lo = mid
        line = lines[hi - 1]
        write_lines(base + ".one", [line])
        alone = differs(both(cfg, "check", files=[base + ".one"]))
        res.detail.append("check first differs with line %d of %s%s: %r"
                          % (hi, what, " (also alone)" if alone else " (only after the lines before it)",
                             line.decode("latin-1")))
        res.detail.append("  %s | %s" % (printf_line(line), cfg.shell("explain", "pcre2")))
        res.detail.append("  %s | %s" % (printf_line(line), cfg.shell("explain", "hyperscan")))
    finally:
        with shrink_lock:
            shrink_left[0] -= time.time() - t0


# ---------------------------------------------------------------- tests

def t_explain(cfg, res, sample, kind):
    """explain on a sample of real lines (kind explain) or of the fuzz
    lines (fuzz, for configs whose explain is slow)."""
    lines = thin(read_lines(sample), cfg.explain_max)
    path = os.path.join(OUT, "explain", "%s-%s.log" % (cfg.name, kind))
    write_lines(path, lines)
    r = both(cfg, "explain", stdin=path)
    why = bad_rc(r)
    if why:
        res.fail("explain: " + why)
    note_stderr(res, r, "explain")
    if explain_mismatch(res, cfg, r, lines, rel(path)):
        save(res, r, "explain")
        return False
    return len(lines)


def t_check(cfg, res, files, what):
    """check on each file separately (for the slow configs, the files
    under SMALL_LOG lines together in one run); the first difference is
    shrunk."""
    cut, n = 0, 0
    runs, small = [], []
    for f in files:
        lines = read_lines(f)
        if cfg.max_lines and len(lines) > cfg.max_lines:
            f = os.path.join(OUT, "tmp", "%s-head-%s" % (cfg.name, os.path.basename(f)))
            lines = lines[:cfg.max_lines]
            write_lines(f, lines)
            cut += 1
        n += len(lines)
        if cfg.explain_cost >= 0.01 and len(lines) < SMALL_LOG:
            small.append(f)
        else:
            runs.append([f])
    if small:
        runs.append(small)
    bad, first = [], None
    for fs in runs:
        r = both(cfg, "check", files=fs)
        label = " + ".join(rel(f) for f in fs)
        why = bad_rc(r)
        if why:
            res.fail("%s: %s" % (label, why))
        note_stderr(res, r, label)
        if differs(r):
            bad.append(label)
            if first is None:
                first = (fs, r)
    if first:
        fs, r = first
        res.fail("check output differs on %d of %d runs: %s" % (len(bad), len(runs), "; ".join(bad)))
        res.detail.append("check diff for %s:" % " ".join(rel(f) for f in fs))
        add_diff(res, r["pcre2"][1], r["hyperscan"][1])
        for e in ENGINES:
            res.detail.append("  " + cfg.shell("check", e, fs))
        save(res, r, "check")
        lines = [l for f in fs for l in read_lines(f)]
        shrink(res, cfg, lines, res.name.split("/")[-1], " + ".join(rel(f) for f in fs))
    if res.ok:
        res.summary = "%d %s, %d lines%s%s: check identical" % (
            len(files), what, n, " (%d cut to %d lines)" % (cut, cfg.max_lines) if cut else "",
            " (the %d under %d lines in one run)" % (len(small), SMALL_LOG) if len(small) > 1 else "")


def t_lines(cfg, res, kind, what):
    """check (and explain, where affordable) on the generated lines of
    this kind; the first difference is shrunk."""
    path = cfg.inputs[kind]
    lines = read_lines(path)
    if not lines:
        res.fail("no %s were generated (%s is empty)" % (what, rel(path)))
        return
    if cfg.max_lines and len(lines) > cfg.max_lines:
        lines = thin(lines, cfg.max_lines)
        path = os.path.join(OUT, "tmp", "%s-%s.log" % (cfg.name, kind))
        write_lines(path, lines)
    n_exp = 0
    if kind != "stamps" or cfg.explain_cost == 0:
        n_exp = t_explain(cfg, res, path, kind)
    r = both(cfg, "check", files=[path])
    why = bad_rc(r)
    if why:
        res.fail("check: " + why)
    note_stderr(res, r, "check")
    if differs(r):
        res.fail("check output differs on %s" % rel(path))
        res.detail.append("check diff for %s:" % rel(path))
        add_diff(res, r["pcre2"][1], r["hyperscan"][1])
        for e in ENGINES:
            res.detail.append("  " + cfg.shell("check", e, [path]))
        save(res, r, "check")
        if n_exp is not False:
            shrink(res, cfg, lines, kind, rel(path))
    # the same run with the database compiled afresh (the first run of
    # this config, in the warm-up) and loaded from the cache (above)
    c = cfg.cold if kind == cfg.kinds[-1] else None
    if c is not None and (c[0], c[1]) != (r["hyperscan"][0], r["hyperscan"][1]):
        res.fail("hyperscan with a cold cache differs from hyperscan with the cached database")
        add_diff(res, c[1], r["hyperscan"][1], "hyperscan-cold", "hyperscan-cached")
    if res.ok:
        res.summary = "%d %s: check identical%s, %s" % (
            len(lines), what, " (also to the warm-up run)" if c is not None else "",
            "explain identical on all" if n_exp == len(lines) else
            "explain not compared (slow in logcheck mode, see README)" if not n_exp else
            "explain identical on %d" % n_exp)


def t_golden(res):
    """Every golden case's check/explain command under both engines: the
    same stdout and exit status (config-error cases included)."""
    cases = os.path.join(ROOT, "tests/golden/cases")
    bad, n = [], 0
    for name in sorted(os.listdir(cases)):
        d = os.path.join(cases, name)
        cmd = ["check"]
        if os.path.isfile(os.path.join(d, "cmd")):
            with open(os.path.join(d, "cmd")) as f:
                cmd = shlex.split(f.read())
        if not cmd or cmd[0] not in ("check", "explain"):
            continue
        inp = os.path.join(d, "input.log")
        has_inp = os.path.exists(inp)
        r = {}
        for e in ENGINES:
            argv = [BIN, cmd[0], "--engine", e, "--cache-dir", CACHE, "-c", "logward.conf"] + cmd[1:]
            if cmd[0] == "check":
                argv += ["--now", NOW, "--hostname", "testhost"] + (["input.log"] if has_inp else [])
            r[e] = run(argv, d, inp if cmd[0] == "explain" and has_inp else None)
        n += 1
        if differs(r):
            bad.append(name)
            if len(bad) == 1:
                res.detail.append("case %s (%s): exit %s (pcre2) vs %s (hyperscan)"
                                  % (name, " ".join(cmd), r["pcre2"][0], r["hyperscan"][0]))
                add_diff(res, r["pcre2"][1], r["hyperscan"][1])
                res.detail.append("  cd %s && %s" % (rel(d), " ".join(shlex.quote(a) for a in argv)))
    if bad:
        res.fail("%d of %d golden cases differ: %s" % (len(bad), n, " ".join(bad)))
    else:
        res.summary = "%d golden cases (check and explain): identical" % n


def t_flag(res):
    """--engine is really read: both names work, an unknown one is refused."""
    for sub, extra in (("check", ["/dev/null"]), ("explain", ["x"])):
        p = subprocess.run([BIN, sub, "--engine", "no-such-engine", "-c", "/dev/null"] + extra,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=60)
        if p.returncode == 0:
            res.fail("'%s --engine no-such-engine' exits 0: the option looks ignored" % sub)
        for e in ENGINES:
            p = subprocess.run([BIN, sub, "--engine", e, "--cache-dir", CACHE, "-c", "/dev/null"] + extra,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, timeout=60)
            if p.returncode != 0:
                res.fail("'%s --engine %s' with an empty config exits %d: %s"
                         % (sub, e, p.returncode, first_lines(p.stderr, 3)))
    if res.ok:
        res.summary = "check/explain take --engine pcre2|hyperscan and refuse an unknown engine"


# ---------------------------------------------------------------- main

def main():
    global BIN, OUT, CACHE, ENV
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("patterns", nargs="*")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("EQUIV_JOBS", 0)) or os.cpu_count() or 2)
    a = ap.parse_args()

    build = a.build if os.path.isabs(a.build) else os.path.join(os.getcwd(), a.build)
    BIN = os.path.join(build, "logward")
    OUT = os.path.join(build, "equiv-out")
    CACHE = os.path.join(OUT, "cache")
    results = os.path.join(build, "results")
    t0 = time.time()

    cfgs = configs()
    tests = [("engine-flag", None, "flag")]
    for c in cfgs:
        for kind in c.kinds:
            tests.append(("%s/%s" % (c.name, kind), c, kind))
    tests.append(("golden-cases", None, "golden"))
    if a.patterns:
        tests = [t for t in tests if any(p in t[0] for p in a.patterns)]
    used = {id(t[1]) for t in tests}
    cfgs = [c for c in cfgs if id(c) in used]

    def finish(res_list):
        os.makedirs(build, exist_ok=True)
        with open(results, "a") as f:
            for r in res_list:
                f.write("%s equiv/%s\n" % ("PASS" if r.ok else "FAIL", r.name))
        npass = sum(r.ok for r in res_list)
        print("equiv: %d passed, %d failed" % (npass, len(res_list) - npass))
        return 0 if npass == len(res_list) else 1

    # The binary must exist and know --engine; otherwise every test fails.
    why = None
    if not os.access(BIN, os.X_OK):
        why = "%s is missing (run make)" % BIN
    else:
        p = subprocess.run([BIN, "check", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if b"--engine" not in p.stdout:
            why = "'%s check --help' lists no --engine option (no Hyperscan engine to compare)" % BIN
    if why:
        res_list = []
        for name, _, _ in tests:
            r = Result(name)
            r.fail("not run: " + why)
            res_list.append(r)
            print("FAIL equiv/%s: %s" % (name, r.summary))
        return finish(res_list)

    shutil.rmtree(OUT, ignore_errors=True)
    for d in ("cache", "xdg-cache", "fuzz", "explain", "tmp"):
        os.makedirs(os.path.join(OUT, d), exist_ok=True)
    ENV = dict(os.environ, LC_ALL="C", TZ="UTC", LOGWARD_CACHE_DIR=CACHE,
               XDG_CACHE_HOME=os.path.join(OUT, "xdg-cache"))

    # Inputs: the corpus, the explain sample, one fuzz file per config.
    logs = input_logs()
    corpus = os.path.join(OUT, "corpus.log")
    g = subprocess.Popen([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--lines", str(CORPUS_LINES),
                          "--seed", str(CORPUS_SEED), corpus] + logs, stderr=subprocess.PIPE)
    gen_err = {}
    stamps = os.path.join(OUT, "stamps.log")
    write_lines(stamps, gen_fuzz.stamp_lines(logs, gen_fuzz.logcheck_rules(LOGCHECK), STAMP_BODIES, FUZZ_SEED))
    for c in cfgs:
        c.inputs["stamps"] = stamps
        if "fuzz" in c.kinds:
            rules, hosts = [], []
            for conf in c.confs:
                gen_fuzz.conf_rules(conf, rules, hosts)
            if c.logcheck:
                rules += gen_fuzz.logcheck_rules(c.logcheck)
            if not rules:
                gen_err[(c.name, "fuzz")] = "no rules found to build fuzz lines from"
            c.inputs["fuzz"] = os.path.join(OUT, "fuzz", c.name + ".log")
            write_lines(c.inputs["fuzz"], gen_fuzz.fuzz_lines(rules, hosts, FUZZ_LINES,
                                                              FUZZ_SEED + sum(map(ord, c.name))))
        if "bytes" in c.kinds:
            # as many pNN programs as the config has pNN rules
            n = 0
            for dirpath, _, names in os.walk(os.path.join(HERE, "bytes-tree")) if c.name == "bytes-ere" else \
                    [(HERE, None, ["bytes.conf"])]:
                for name in names:
                    with open(os.path.join(dirpath, name), "rb") as f:
                        n = max([n] + [int(x) + 1 for x in re.findall(rb"[ ^]p(\d\d): ", f.read())])
            c.inputs["bytes"] = os.path.join(OUT, "fuzz", c.name + ".log")
            write_lines(c.inputs["bytes"], gen_fuzz.byte_lines(n))

    _, err = g.communicate()
    corpus_err = None if g.returncode == 0 else "gen_corpus.py failed: %s" % first_lines(err, 3)
    sample = os.path.join(OUT, "explain-sample.log")
    with open(sample, "wb") as f:
        for path in logs:
            for i, l in enumerate(read_lines(path)):
                if i < 20 or i % 6 == 0:
                    f.write(l + b"\n")
        if not corpus_err:
            for i, l in enumerate(read_lines(corpus)):
                if i % 20 == 0:
                    f.write(l + b"\n")

    t_gen = time.time() - t0

    # Warm-up: one hyperscan check per config on the input of its last
    # test compiles and caches its databases before the tests run two at
    # a time (that test compares this cold-cache output with a cached one).
    def warm(c):
        if all(os.path.exists(p) for p in c.needs):
            t = time.time()
            c.cold = run(c.argv("check", "hyperscan", [c.inputs[c.kinds[-1]]]), c.cwd)
            if os.environ.get("EQUIV_DEBUG"):
                print("warm %s %.1f s" % (c.name, time.time() - t))

    # (the -cracking-ignore variants and the directive share the
    # databases of logcheck-server and logcheck-workstation: those first)
    first = ("logcheck-server", "logcheck-workstation")
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        list(ex.map(warm, [c for c in cfgs if c.name in first]))
        list(ex.map(warm, sorted((c for c in cfgs if c.name not in first), key=lambda c: -c.explain_cost)))
    print("equiv: inputs generated (%.0f s), databases compiled (%.0f s)" % (t_gen, time.time() - t0 - t_gen))

    def work(t):
        name, cfg, kind = t
        res = Result(name)
        res.t0 = time.time()
        try:
            missing = [p for p in (cfg.needs if cfg else []) if not os.path.exists(p)]
            if missing:
                res.fail("not run: %s is missing" % " ".join(missing))
            elif kind == "flag":
                t_flag(res)
            elif kind == "golden":
                t_golden(res)
            elif kind == "explain":
                n = t_explain(cfg, res, sample, "explain")
                if res.ok:
                    res.summary = "%d sampled lines: explain identical" % n
            elif kind == "logs":
                t_check(cfg, res, logs, "logs")
            elif kind == "corpus":
                if corpus_err:
                    res.fail(corpus_err)
                else:
                    t_check(cfg, res, [corpus], "generated corpus")
            elif (cfg.name, kind) in gen_err:
                res.fail(gen_err[(cfg.name, kind)])
            else:
                t_lines(cfg, res, kind, {"fuzz": "random lines", "stamps": "lines with odd stamps and hosts",
                                         "bytes": "byte-class lines"}[kind])
        except Exception as e:  # a bug here must not hide the other results
            res.fail("test driver error: %s: %s" % (type(e).__name__, e))
        res.secs = time.time() - res.t0
        return res

    # Longest first (logcheck corpus and explain), results in test order.
    def cost(t):
        c, kind = t[1], t[2]
        if c is None:
            return 1
        heavy = c.explain_cost >= 0.01
        return {"corpus": 8 if heavy else 1, "logs": 9 if heavy else 1, "stamps": 3 if heavy else 1,
                "explain": 3 if heavy else 0.5, "fuzz": 3 if heavy else 0.5, "bytes": 2}[kind]
    order = sorted(range(len(tests)), key=lambda i: -cost(tests[i]))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = {i: ex.submit(work, tests[i]) for i in order}
        res_list = []
        for i in range(len(tests)):
            res = futs[i].result()
            res_list.append(res)
            print("%s equiv/%s: %s (%.1f s)" % ("PASS" if res.ok else "FAIL", res.name, res.summary, res.secs))
            for l in res.notes + res.detail:
                print("    " + l)
            sys.stdout.flush()
    shutil.rmtree(os.path.join(OUT, "tmp"), ignore_errors=True)
    print("equiv: %.0f s" % (time.time() - t0))
    return finish(res_list)


if __name__ == "__main__":
    sys.exit(main())
