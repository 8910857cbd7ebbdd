#!/usr/bin/python3
"""Differential tests: the real tenshi 0.13 vs `logward check`.

    compat.py BUILD_DIR [-j N] [--keep] [--accept] [CASE...]

For every case directory tests/compat/cases/NAME/ (or only the CASEs named):
run tenshi (tenshi_oracle.py) and BUILD_DIR/logward check on the same config
and input, normalise both (normalize.py), diff them and compare the diff
with the case's expected.diff (absent = no difference allowed).  Appends
"PASS compat/NAME" / "FAIL compat/NAME" to BUILD_DIR/results, prints one line
per case (plus the first lines of the diff on failure) and the totals line
"compat: N passed, N failed".  Per-case artefacts (tenshi.norm,
logward.norm, actual.diff, logward.stderr) go to BUILD_DIR/compat-out/NAME/.

--accept writes the current diff of the named cases to expected.diff and a
skeleton expected.diff.why (with TODO, which fails the test until a person
has explained every hunk).  See README.md.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, HERE)
import normalize        # noqa: E402
import tenshi_oracle    # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(HERE, "cases")
DATA = os.path.join(REPO, "tests", "data")
DEPS_HINT = "run scripts/deps test"
DEFAULT_NOW = "2026-11-21 12:00:00"
DEFAULT_HOST = "compat-host"
DIFF_SHOWN = 40

_live = set()                 # running _Proc objects (for the signal handler)
_tmp = {"root": None, "keep": False}
_print_lock = threading.Lock()


class CaseError(Exception):
    pass


# ---------------------------------------------------------------- cases

class Case:
    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(CASES, name)
        self.config = os.path.join(self.dir, "tenshi.conf")
        self.logs = []
        self.now = DEFAULT_NOW
        self.hostname = DEFAULT_HOST
        self.timeout = 120
        self.limit_ties = 0
        spec = os.path.join(self.dir, "case")
        if not os.path.exists(spec):
            raise CaseError("missing %s" % spec)
        with open(spec) as fh:
            for n, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                key, colon, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if not colon:
                    raise CaseError("%s:%d: expected KEY: VALUE" % (spec, n))
                if key == "config":
                    self.config = os.path.normpath(os.path.join(self.dir, value))
                elif key == "logs":
                    self.logs = [self._find_log(v) for v in value.split()]
                elif key == "now":
                    self.now = value
                elif key == "hostname":
                    self.hostname = value
                elif key == "timeout":
                    self.timeout = int(value)
                elif key == "limit_ties":
                    self.limit_ties = int(value)
                elif key == "description":
                    pass
                else:
                    raise CaseError("%s:%d: unknown key %r" % (spec, n, key))
        if not self.logs:
            raise CaseError("%s: no 'logs:' line" % spec)
        if not os.path.isfile(self.config):
            raise CaseError("config %s not found" % self.config)
        self.expected = os.path.join(self.dir, "expected.diff")
        self.why = self.expected + ".why"

    def _find_log(self, name):
        for d in (self.dir, DATA):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return p
        raise CaseError("log %s not found in the case dir or tests/data" % name)

    def size(self):
        return sum(os.path.getsize(p) for p in self.logs)


def all_case_names():
    return sorted(n for n in os.listdir(CASES)
                  if os.path.isdir(os.path.join(CASES, n)))


# ---------------------------------------------------------------- diffs

def unified_diff(a_path, b_path):
    """diff -u of the two files without the ---/+++ header lines."""
    p = subprocess.run(["diff", "-u", a_path, b_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode > 1:
        raise CaseError("diff failed: %s" % p.stderr.decode(errors="replace"))
    lines = p.stdout.split(b"\n")
    if len(lines) >= 2 and lines[0].startswith(b"--- ") and lines[1].startswith(b"+++ "):
        lines = lines[2:]
    return b"\n".join(lines)


def hunk_headers(diff):
    return [l for l in diff.split(b"\n") if l.startswith(b"@@ ")]


def check_why(case, expected):
    """expected.diff.why must explain every hunk: for each hunk header of
    expected.diff, in order, a line with that header followed by text that
    names the TENSHI-COMPAT row ("TENSHI-COMPAT: ...")."""
    if not os.path.exists(case.why):
        return "expected.diff has no expected.diff.why"
    with open(case.why, "rb") as fh:
        why = fh.read()
    if b"TODO" in why:
        return "expected.diff.why still contains TODO"
    sections, cur = [], None
    for line in why.split(b"\n"):
        if line.startswith(b"@@ "):
            cur = [line, b""]
            sections.append(cur)
        elif cur is not None:
            cur[1] += line + b"\n"
    want = hunk_headers(expected)
    got = [s[0] for s in sections]
    if got != want:
        return ("expected.diff.why hunk headers %s do not match expected.diff's %s"
                % ([g.decode() for g in got], [w.decode() for w in want]))
    for head, text in sections:
        if b"TENSHI-COMPAT:" not in text:
            return "hunk %s: explanation does not name a TENSHI-COMPAT row" % head.decode()
    return None


# ---------------------------------------------------------------- running

def run_logward(build, case, input_path, workdir):
    binary = os.path.abspath(os.path.join(build, "logward"))
    argv = [binary, "check", "-c", os.path.abspath(case.config),
            "--now", case.now, "--hostname", case.hostname, input_path]
    out_path = os.path.join(workdir, "logward.mbox")
    err_path = os.path.join(workdir, "logward.stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # cwd = the config's directory, so a relative include path means the
        # same whether it is taken relative to the file or to the cwd
        proc = tenshi_oracle._Proc(argv, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=err, cwd=os.path.dirname(case.config))
        _live.add(proc)
        try:
            rc = proc.wait(case.timeout)
            if rc is None:
                raise CaseError("logward check did not finish within %d s" % case.timeout)
        finally:
            proc.stop()
            _live.discard(proc)
    with open(out_path, "rb") as fh:
        data = fh.read()
    with open(err_path, "rb") as fh:
        err_text = fh.read().decode("utf-8", "replace")
    if rc != 0:
        raise CaseError("logward check exited with status %d: %s"
                        % (rc, err_text.strip()[-1500:]))
    return data


def run_case(case, build, tmproot, outroot, accept):
    """Returns (ok, message lines)."""
    work = tempfile.mkdtemp(prefix=case.name + ".", dir=tmproot)
    out = os.path.join(outroot, case.name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    input_path = os.path.join(work, "input.log")
    with open(input_path, "wb") as dst:
        for p in case.logs:
            with open(p, "rb") as src:
                shutil.copyfileobj(src, dst)
    tdir = os.path.join(work, "tenshi")
    os.makedirs(tdir)
    try:
        mails = tenshi_oracle.run_tenshi(case.config, input_path, tdir,
                                         timeout=case.timeout, registry=_live)
    except tenshi_oracle.OracleError as e:
        keep = os.path.join(out, "tenshi-run")
        shutil.copytree(tdir, keep, ignore=shutil.ignore_patterns("tenshi-input.log"))
        return False, ["tenshi oracle failed: %s" % e, "(run artefacts in %s)" % keep]
    mbox = run_logward(build, case, input_path, work)
    with open(os.path.join(out, "logward.mbox"), "wb") as fh:
        fh.write(mbox)
    shutil.copy(os.path.join(work, "logward.stderr"), out)
    tnorm = normalize.normalise_tenshi(mails, case.limit_ties).encode("latin-1")
    try:
        lnorm = normalize.normalise_logward(mbox, case.limit_ties).encode("latin-1")
    except normalize.FormatError as e:
        return False, ["logward output is not a valid mboxrd report stream: %s" % e]
    tpath, lpath = os.path.join(out, "tenshi.norm"), os.path.join(out, "logward.norm")
    with open(tpath, "wb") as fh:
        fh.write(tnorm)
    with open(lpath, "wb") as fh:
        fh.write(lnorm)
    actual = unified_diff(tpath, lpath)
    with open(os.path.join(out, "actual.diff"), "wb") as fh:
        fh.write(actual)
    if accept:
        return accept_diff(case, actual)
    if os.path.exists(case.expected):
        with open(case.expected, "rb") as fh:
            expected = fh.read()
    else:
        expected = b""
    nmails = tnorm.count(b"\n=== [") + tnorm.startswith(b"=== [")
    if actual != expected:
        msg = ["normalised outputs differ %s (%d tenshi mails; files in %s):"
               % ("from expected.diff" if expected else "(no difference expected)",
                  nmails, out)]
        if expected:
            d = subprocess.run(["diff", "-u", "--label", "expected.diff",
                                "--label", "actual.diff", case.expected,
                                os.path.join(out, "actual.diff")],
                               stdout=subprocess.PIPE).stdout
            msg.append("diff of expected.diff -> actual diff:")
        else:
            d = actual
        lines = d.decode("latin-1").split("\n")
        msg += lines[:DIFF_SHOWN]
        if len(lines) > DIFF_SHOWN:
            msg.append("... (%d more lines)" % (len(lines) - DIFF_SHOWN))
        return False, msg
    if expected:
        problem = check_why(case, expected)
        if problem:
            return False, [problem]
        return True, ["%d mails, %d documented difference hunk(s)"
                      % (nmails, len(hunk_headers(expected)))]
    return True, ["%d mails, identical" % nmails]


def accept_diff(case, actual):
    if not actual:
        for p in (case.expected, case.why):
            if os.path.exists(p):
                os.unlink(p)
        return True, ["accepted: no difference (expected.diff removed)"]
    with open(case.expected, "wb") as fh:
        fh.write(actual)
    old = {}
    if os.path.exists(case.why):
        with open(case.why, "rb") as fh:
            cur = None
            for line in fh.read().split(b"\n"):
                if line.startswith(b"@@ "):
                    cur = line
                    old[cur] = b""
                elif cur is not None:
                    old[cur] += line + b"\n"
    with open(case.why, "wb") as fh:
        for h in hunk_headers(actual):
            fh.write(h + b"\n" + old.get(h, b"TODO TENSHI-COMPAT: which row?\n\n"))
    return True, ["accepted: expected.diff written (%d hunks); fill in %s"
                  % (len(hunk_headers(actual)), case.why)]


# ---------------------------------------------------------------- main

def prerequisites(build):
    """List of problems that make every case fail."""
    problems = []
    if not os.path.isfile(tenshi_oracle.TENSHI):
        problems.append("%s is missing" % tenshi_oracle.TENSHI)
    if shutil.which("perl") is None:
        problems.append("perl is missing")
    elif subprocess.run(["perl", "-MIO::BufferedSelect", "-MNet::SMTP", "-e", "1"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        problems.append("perl module IO::BufferedSelect is missing")
    if subprocess.run([tenshi_oracle.PYTHON, "-c", "import aiosmtpd"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        problems.append("%s cannot import aiosmtpd" % tenshi_oracle.PYTHON)
    if shutil.which("tail") is None or shutil.which("diff") is None:
        problems.append("tail or diff is missing")
    if problems:
        problems[-1] += " (%s)" % DEPS_HINT
    if not os.access(os.path.join(build, "logward"), os.X_OK):
        problems.append("%s/logward is not built" % build)
    return problems


def stop_everything(signum, frame):
    for proc in list(_live):
        proc.stop(grace=1.0)
    if _tmp["root"] and not _tmp["keep"]:
        shutil.rmtree(_tmp["root"], ignore_errors=True)
    sys.stderr.write("compat: interrupted\n")
    os._exit(128 + signum)


def main(argv=None):
    ap = argparse.ArgumentParser(description="tenshi vs logward differential tests")
    ap.add_argument("build")
    ap.add_argument("cases", nargs="*")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--accept", action="store_true",
                    help="write the current diffs as expected.diff (review them!)")
    a = ap.parse_intermixed_args(argv)
    results = os.path.join(a.build, "results")
    names = a.cases or all_case_names()
    started = time.monotonic()

    def record(name, ok, msg):
        word = "PASS" if ok else "FAIL"
        with _print_lock:
            if a.accept:
                word = "ACCEPT" if ok else word    # not a test run: no results
            else:
                with open(results, "a") as fh:
                    fh.write("%s compat/%s\n" % (word, name))
            print("%s compat/%s%s" % (word, name, ": " + msg[0] if msg else ""))
            for line in msg[1:]:
                print("    " + line)
            sys.stdout.flush()

    os.makedirs(a.build, exist_ok=True)
    problems = prerequisites(a.build)
    if problems:
        for n in names:
            record(n, False, ["not run: " + "; ".join(problems)])
        print("compat: 0 passed, %d failed" % len(names))
        return 1

    signal.signal(signal.SIGINT, stop_everything)
    signal.signal(signal.SIGTERM, stop_everything)

    cases, passed, failed = [], 0, 0
    for n in names:
        try:
            cases.append(Case(n))
        except (CaseError, OSError) as e:
            record(n, False, ["bad case: %s" % e])
            failed += 1
    cases.sort(key=lambda c: -c.size())       # longest first: best makespan

    tmproot = tempfile.mkdtemp(prefix="logward-compat.")
    _tmp.update(root=tmproot, keep=a.keep)
    outroot = os.path.join(a.build, "compat-out")
    os.makedirs(outroot, exist_ok=True)

    def job(case):
        t0 = time.monotonic()
        try:
            ok, msg = run_case(case, a.build, tmproot, outroot, a.accept)
        except (CaseError, OSError, normalize.FormatError) as e:
            ok, msg = False, [str(e)]
        except Exception as e:                       # a bug in the harness
            ok, msg = False, ["harness error: %r" % e]
        msg = msg or [""]
        msg[0] = "%s (%.1f s)" % (msg[0], time.monotonic() - t0)
        record(case.name, ok, msg)
        return ok

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            for ok in ex.map(job, cases):
                passed += ok
                failed += not ok
    finally:
        for proc in list(_live):
            proc.stop()
        if a.keep:
            print("compat: temp files kept in %s" % tmproot)
        else:
            shutil.rmtree(tmproot, ignore_errors=True)
    print("compat: %d case(s) in %.0f s" % (len(names), time.monotonic() - started))
    print("compat: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
