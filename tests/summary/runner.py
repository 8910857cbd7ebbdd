"""tests/summary/run BUILD [PATTERN...] — the tests of `logward summary`:
every function t_NAME() in tests/summary/test_*.py, run with the binary
BUILD/logward.  Appends "PASS summary/NAME" / "FAIL summary/NAME" to
BUILD/results.  KEEP=1 keeps the temp directories of failed tests."""

import importlib.util
import inspect
import os
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


class Ctx:
    def __init__(self, binary, name):
        self.bin = binary
        self.tmp = tempfile.mkdtemp(prefix="logward-summary-%s." % name)

    def path(self, *p):
        return os.path.join(self.tmp, *p)


def main():
    build = sys.argv[1]
    pats = sys.argv[2:]
    root = os.path.dirname(os.path.dirname(HERE))
    binary = os.path.join(root, build, "logward")
    results = os.path.join(root, build, "results")
    tests = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, f in inspect.getmembers(mod, inspect.isfunction):
            if name.startswith("t_") and f.__module__ == mod.__name__:
                tests.append((fn, f.__code__.co_firstlineno, name[2:], f))
    tests.sort()
    npass = nfail = 0
    for _, _, name, f in tests:
        if pats and not any(p in name for p in pats):
            continue
        ctx = Ctx(binary, name)
        t = time.time()
        ok = False
        try:
            f(ctx)
            ok = True
        except Exception as e:  # noqa: BLE001
            msg = "".join(traceback.format_exception_only(type(e), e)).strip()
            print("summary/%s: FAILED: %s" % (name, msg))
            for fr in traceback.extract_tb(e.__traceback__)[-3:]:
                print("    at %s:%d %s" % (os.path.basename(fr.filename), fr.lineno, fr.line))
        if not ok and os.environ.get("KEEP") == "1":
            print("    kept %s" % ctx.tmp)
        else:
            shutil.rmtree(ctx.tmp, ignore_errors=True)
        with open(results, "a") as fp:
            fp.write("%s summary/%s\n" % ("PASS" if ok else "FAIL", name))
        if ok:
            npass += 1
        else:
            nfail += 1
        if os.environ.get("VERBOSE") == "1":
            print("summary/%s: %s (%.1fs)" % (name, "ok" if ok else "FAILED", time.time() - t))
    print("summary: %d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
