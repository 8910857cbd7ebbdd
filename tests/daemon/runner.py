"""Runs the scenario tests: every function t_NAME(env) in
tests/daemon/test_*.py, each with a fresh Env (temp dir, SMTP sink,
logward binary).  A test fails by raising (AssertionError with a message).

    tests/daemon/run BUILD [PATTERN...]   (PATTERN: substring of the name)

Appends "PASS daemon/NAME" / "FAIL daemon/NAME" to BUILD/results.  With
KEEP=1 the temp dirs of failed tests are kept for inspection."""

import importlib.util
import inspect
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lib  # noqa: E402


def main():
    build = sys.argv[1]
    pats = sys.argv[2:]
    root = os.path.dirname(os.path.dirname(HERE))
    binary = os.path.join(root, build, "logward")
    results = os.path.join(root, build, "results")
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        with open(results, "a") as fp:
            fp.write("FAIL daemon (python3-aiosmtpd missing: scripts/deps test)\n")
        print("daemon: python3-aiosmtpd is missing (run scripts/deps test)")
        return 1
    tests = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, f in inspect.getmembers(mod, inspect.isfunction):
            if name.startswith("t_") and f.__module__ == mod.__name__:
                tests.append((f.__code__.co_firstlineno, fn, name[2:], f))
    tests.sort(key=lambda t: (t[1], t[0]))
    npass = nfail = 0
    for _, fn, name, f in tests:
        if pats and not any(p in name for p in pats):
            continue
        sink = getattr(f, "sink_args", ())
        t = time.time()
        env = lib.Env(binary, name, sink_args=sink, sink=getattr(f, "with_sink", True))
        ok = False
        try:
            f(env)
            ok = True
        except Exception as e:  # noqa: BLE001
            msg = "".join(traceback.format_exception_only(type(e), e)).strip()
            print("daemon/%s: FAILED: %s" % (name, msg))
            tb = traceback.extract_tb(e.__traceback__)
            for fr in tb[-3:]:
                print("    at %s:%d %s" % (os.path.basename(fr.filename), fr.lineno, fr.line))
            for d in env.daemons:
                log = d.log()
                if log:
                    print("    daemon log (last lines):")
                    for l in log.splitlines()[-15:]:
                        print("      " + l)
        finally:
            keep = not ok and os.environ.get("KEEP") == "1"
            env.close(keep=keep)
            if keep:
                print("    kept %s" % env.base)
        with open(results, "a") as fp:
            fp.write("%s daemon/%s\n" % ("PASS" if ok else "FAIL", name))
        if ok:
            npass += 1
        else:
            nfail += 1
        if os.environ.get("VERBOSE") == "1":
            print("%s daemon/%s (%.1fs)" % ("ok  " if ok else "FAIL", name, time.time() - t))
    print("daemon: %d passed, %d failed" % (npass, nfail))
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
