"""tests/summary/screenshot.py BUILD OUT.png — renders the HTML part of
the summary of the team's sample log tree (tests/data/logwatch) in
headless Chromium and writes a PNG of it (doc/summary-html.png is made
so: `make summary-screenshot`)."""

import os
import subprocess
import sys
import tempfile

import email
import email.policy

from chrome import Chrome

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    binary = os.path.join(ROOT, sys.argv[1], "logward")
    d = os.path.join(ROOT, "tests", "data", "logwatch")
    files = [os.path.join(d, f) for f in ("auth.log", "syslog", "mail.log")] + \
        [os.path.join(d, "apache2", "access.log")]
    r = subprocess.run([binary, "summary", "-c", os.path.join(ROOT, "etc", "summary.conf"),
                        "--format", "mail", "--detail", "med", "--hostname", "web1",
                        "--now", "2025-03-04 07:00:00", "--no-disk"] + files,
                       capture_output=True, check=True, env=dict(os.environ, TZ="UTC"))
    m = email.message_from_bytes(r.stdout, policy=email.policy.default)
    html = m.get_body(preferencelist=("html",)).get_content()
    with tempfile.TemporaryDirectory() as t:
        page = os.path.join(t, "summary.html")
        open(page, "w").write(html)
        c = Chrome(width=820, height=1400)
        try:
            c.open(page)
            c.screenshot(sys.argv[2], full=False)
        finally:
            c.close()


if __name__ == "__main__":
    main()
