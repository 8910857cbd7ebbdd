"""Headless Chromium (Debian's chromium) as a renderer for tests: open a
local HTML file, wait until it is loaded, and read what a reader sees
(document.body.innerText, laid out by the browser), ask questions of the
DOM, or take a screenshot.  Talks the DevTools protocol over
--remote-debugging-pipe (fds 3 and 4, NUL-separated JSON), so nothing
listens on a port.  No network: the page is a file:// URL and the flags
turn off every background connection."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         "--remote-debugging-pipe"]


class Chrome:
    def __init__(self, width=900, height=1200):
        if not os.path.exists(CHROMIUM):
            raise AssertionError("chromium is not installed (scripts/deps test)")
        self.profile = tempfile.mkdtemp(prefix="logward-chromium.")
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()

        def fds():
            # via fresh copies, so that neither target clobbers the other
            # (dup2 onto itself would also keep close-on-exec)
            a, b = os.dup(cmd_r), os.dup(res_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        self.err = open(os.path.join(self.profile, "stderr"), "wb")
        self.proc = subprocess.Popen(
            [CHROMIUM] + FLAGS + ["--user-data-dir=" + self.profile,
                                  "--window-size=%d,%d" % (width, height),
                                  "about:blank"],
            # the pipes are close-on-exec; their dup2 copies at 3 and 4
            # are not, and close_fds would close those too
            preexec_fn=fds, close_fds=False, stdout=self.err, stderr=self.err)
        os.close(cmd_r)
        os.close(res_w)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        os.close(self.res_r)
        self.err.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        end = time.time() + timeout
        while time.time() < end:
            while b"\0" in self.buf:
                one, self.buf = self.buf.split(b"\0", 1)
                r = json.loads(one)
                if r.get("id") == self.next_id:
                    if "error" in r:
                        raise AssertionError("%s: %s" % (method, r["error"]))
                    return r.get("result", {})
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise AssertionError("chromium closed the pipe: %s" %
                                     open(self.err.name, "rb").read()[-2000:])
            self.buf += chunk
        raise AssertionError("chromium did not answer %s in %ds" % (method, timeout))

    def open(self, path):
        url = "file://" + os.path.abspath(path)
        t = self.call("Target.createTarget", {"url": url}, session=False)
        a = self.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True},
                      session=False)
        self.session = a["sessionId"]
        end = time.time() + 30
        # a new target shows about:blank first: wait for the file itself
        while self.eval("location.href + ' ' + document.readyState") != url + " complete":
            if time.time() > end:
                raise AssertionError("the page did not load")
            time.sleep(0.1)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        return r["result"].get("value")

    def screenshot(self, path, full=True):
        """A PNG of the whole page, or (full=False) of the window."""
        r = self.call("Page.captureScreenshot", {"format": "png",
                                                 "captureBeyondViewport": full})
        with open(path, "wb") as fp:
            fp.write(base64.b64decode(r["data"]))
