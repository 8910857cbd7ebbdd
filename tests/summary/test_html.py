"""The HTML part of a summary mail, rendered by headless Chromium: what a
reader sees (innerText) carries every line of the text part (titles,
values, counts, unmatched lines), the page has no script, no remote
image, no form, no external style sheet, and a per-hour bar chart per
service.  SCREENSHOT=PATH also writes a PNG of the page (make
summary-screenshot refreshes doc/summary-html.png with it)."""

import email
import email.policy
import os
import re
import subprocess

from chrome import Chrome

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENV = dict(os.environ, TZ="UTC", LC_ALL="C")


def parts(ctx, *files, detail="med"):
    r = subprocess.run([ctx.bin, "summary", "-c", os.path.join(ROOT, "etc", "summary.conf"),
                        "--format", "mail", "--detail", detail, "--now", "2025-12-31 00:00:00",
                        "--hostname", "web1", "--no-disk"] + list(files),
                       capture_output=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    m = email.message_from_bytes(r.stdout, policy=email.policy.default)
    assert m.get_content_type() == "multipart/alternative", m.get_content_type()
    text = m.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = m.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
    return text, html


def t_html_part_renders_the_text_part(ctx):
    files = [os.path.join(HERE, "services", s + ".log") for s in
             ("sshd", "pam_unix", "sudo", "kernel", "http", "postfix", "firewall")]
    text, html = parts(ctx, *files)
    page = ctx.path("summary.html")
    open(page, "w").write(html)
    c = Chrome()
    try:
        c.open(page)
        seen = c.eval("document.body.innerText")
        active = c.eval("document.querySelectorAll('script,iframe,object,embed,form,"
                        "link,img,input,base').length")
        handlers = c.eval("Array.from(document.querySelectorAll('*')).filter(e => "
                          "Array.from(e.attributes).some(a => a.name.startsWith('on'))).length")
        charts = c.eval("document.querySelectorAll('td[title*=\":00-\"]').length")
        if os.environ.get("SCREENSHOT"):
            c.screenshot(os.environ["SCREENSHOT"])
    finally:
        c.close()
    assert active == 0 and handlers == 0, (active, handlers)
    assert charts >= 24 * 5, charts
    rows = 0
    missing = []
    for line in text.split("\n"):
        m = re.match(r"^ {4,}(.*?)(?::| :) ([\d,]+ Time\(s\)(?:, [\d.]+ (?:bytes|KiB|MiB|GiB))?)$",
                     line)
        if m:
            rows += 1
            want = "%s\t%s" % (m.group(1), m.group(2))
            if want not in seen:
                missing.append(want)
            continue
        m = re.match(r"^ (\S.*?): ([\d,]+ Time\(s\))", line)
        if m and m.group(1) != "Lines":
            if "%s\t%s" % (m.group(1), m.group(2)) not in seen:
                missing.append(line)
    assert rows > 100, rows
    assert not missing, "not visible in the HTML part: %s" % missing[:10]
    for title in re.findall(r"^ -+ (.*) Begin -+ $", text, re.M):
        assert title in seen, title


def t_html_escapes_hostile_text(ctx):
    log = ctx.path("x.log")
    open(log, "wb").write(
        b"Mar  3 10:00:00 h1 sshd[1]: Failed password for <script>alert(1)</script> "
        b"from 192.0.2.1 port 1 ssh2\n"
        b"Mar  3 10:00:00 h1 sshd[1]: Failed password for <img src=http://x/y> "
        b"from 192.0.2.2 port 1 ssh2\n"
        b"Mar  3 10:00:00 h1 sshd[1]: Failed password for a&b\xff from 192.0.2.3 port 1 ssh2\n")
    text, html = parts(ctx, log, detail="high")
    page = ctx.path("x.html")
    open(page, "w").write(html)
    c = Chrome()
    try:
        c.open(page)
        seen = c.eval("document.body.innerText")
        active = c.eval("document.querySelectorAll('script,img').length")
    finally:
        c.close()
    assert active == 0, active
    assert "<script>alert(1)</script>/password" in seen, seen
    assert "<img src=http://x/y>/password" in seen
    assert "a&b\\xFF/password" in seen
