"""Hostile input is just data (RELIABILITY.md, promise 5).

The injection corpus of tests/data/hostile/ (made by make.py there: CR/LF
with Bcc:/Subject: in host names and messages, lone "." lines, NUL,
invalid UTF-8, terminal escapes, DEL, RFC 5424 structured data with
quotes and brackets, 300-byte host names, mbox "From " lines, plus a
1 MiB line made here) goes through each input of the daemon: a log file,
UDP datagrams and TCP (octet counting and newline framing) from raw
Python sockets (logger would alter the bytes), and a journal file built
by systemd-journal-remote from export format.  For every mail the sink
accepted, from the raw .eml bytes and the .envelope:

* the header block has exactly the headers logward writes, each once,
  with the configured values; nothing from a log line; the envelope
  recipients are exactly the configured ones;
* the raw message is 7-bit printable ASCII in lines of at most 998 bytes,
  and it arrived whole (a lone "." did not end DATA: the dots queue's
  filter puts lone "." lines into a 7bit body on purpose);
* the decoded body holds no control byte but TAB and LF, and every
  corpus entry appears exactly once, rendered byte for byte as
  report_escape does (\\xHH), with bytes >= 0x80 kept (charset
  unknown-8bit); the 1 MiB line is cut at max_line and marked.

For the network and journal inputs the archive (`archive *.*
BASE/remote/%HOST%.log`) is checked as well: no file outside the
directory, file names reduced to [a-z0-9._-], and exactly one archive
line per message with control bytes as #ooo.  `logward status` and the
daemon's log must carry no log bytes either."""

import collections
import importlib.util
import os
import re
import socket
import subprocess
import time

import lib
from lib import wait_for

DATA = os.path.join(lib.ROOT, "tests", "data", "hostile")
_spec = importlib.util.spec_from_file_location("hostile_make", os.path.join(DATA, "make.py"))
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)

SLEEP = 5
MAX_LINE = 4096
FROM = "logward@test.example"
RCPTS = ["root@test.example", "ops@test.example"]
PAGER = "pager@test.example"
CUT_MARK = b" [logward: line cut at %d of %d bytes]"
REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                           "/usr/lib/systemd/systemd-journal-remote")
               if os.access(p, os.X_OK)), None)

# The dots queue's filter keeps only the text of entries that are all
# dots, so its body has lone "." lines (7bit, not quoted-printable): the
# sender must dot-stuff them or the relay ends DATA early.
CONF = """set sleep {sleep}
set max_line {max_line}
set queue all {frm} {rcpts} [now] logward hostile
set queue pg {frm} pager:{pager} [now] logward pager
set queue dots {frm} {rcpt0} [now] logward dots
set filter dots /bin/sed -n -e s/^[[:blank:]]*[0-9][0-9]*:[[:blank:]]\\(\\.\\.*\\)$/\\1/p
set queue noprefix {frm} {rcpt0} [now] logward noprefix
all,pg,dots .*
""".format(sleep=SLEEP, max_line=MAX_LINE, frm=FROM, rcpts=",".join(RCPTS),
           rcpt0=RCPTS[0], pager=PAGER)

HEADERS = ["From", "To", "Date", "X-logward-version", "X-logward-hostname",
           "X-logward-queue", "Subject", "Message-ID", "Auto-Submitted",
           "MIME-Version", "Content-Type", "Content-Transfer-Encoding"]
SUBJECTS = {"all": "logward hostile [all]", "pg": "logward pager [pg]",
            "dots": "logward dots [dots]", "noprefix": "logward noprefix [noprefix]"}


# ---- the renderings logward promises ----

def esc(b):
    """report_escape: bytes below 0x20 but TAB, and 0x7f, as \\xHH."""
    return b"".join(b"\\x%02x" % c if (c < 0x20 and c != 9) or c == 0x7f
                    else bytes([c]) for c in b)


def arch_esc(b, host=False):
    """archive: the same bytes as "#ooo", TAB included as rsyslog writes
    it (in HOST also space)."""
    return b"".join(b"#%03o" % c if c < 0x20 or c == 0x7f
                    or (host and c == 0x20) else bytes([c]) for c in b)


def arch_name(h):
    """archive: the %HOST% path value."""
    v = bytes(c if (0x61 <= c <= 0x7a or 0x30 <= c <= 0x39 or c in b"._-") else 0x5f
              for c in h.lower())[:128]
    if v in (b".", b".."):
        return b"_"
    return v or b"unknown"


def local_hostname():
    h = "".join(c for c in socket.gethostname()
                if c.isascii() and (c.isalnum() or c in "._-"))
    return h or "unknown"


# ---- reading the mails ----

def parse_report(body):
    """Counter {(escaped host, escaped message): count} of a tenshi-layout
    body, and the lines that fit no part of the layout."""
    got, odd = collections.Counter(), []
    host = None
    prev_empty = True
    for line in body.split(b"\n"):
        m = re.match(rb"^    (\d+): (.*)$", line, re.S)
        if m and host is not None:
            got[(host, m.group(2))] += int(m.group(1))
        elif line == b"":
            host = None
        elif prev_empty and line.endswith(b": "):
            host = line[:-2]
        else:
            odd.append(line)
        prev_empty = line == b""
    return got, odd


def check_mail(m, queue, rcpts, charset=None):
    """The raw message, its headers and its envelope (see the docstring)."""
    raw = m.raw
    where = "%s mail" % queue
    bad = sorted(set(c for c in raw if not (c in (9, 10) or 0x20 <= c <= 0x7e)))
    assert not bad, "%s: raw message has bytes %s (not 7-bit text)" % (where, bad)
    longest = max(len(l) for l in raw.split(b"\n"))
    assert longest <= 998, "%s: a raw line of %d bytes" % (where, longest)
    fields = lib.header_fields(raw)
    names = [n for n, _ in fields]
    assert names == HEADERS, "%s: header names %s, want exactly %s" % (where, names, HEADERS)
    h = {n: v.decode("ascii") for n, v in fields}
    # every header but Message-ID, whose random hex may spell "bcc" (its
    # form is checked exactly below)
    head = b"\n".join(n.encode("latin-1") + b": " + (v or b"") for n, v in fields
                      if n != "Message-ID").lower()
    for w in (b"bcc", b"cc:", b"evil", b"attacker", b"pwned", b"\\x", b"=?"):
        assert w not in head, "%s: %r in the header block:\n%s" % (where, w, head.decode())
    assert h["From"] == FROM, h["From"]
    to = [a.strip() for a in h["To"].split(",")]
    assert to == rcpts, "%s: To: %r, want %s" % (where, h["To"], rcpts)
    assert re.match(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$",
                    h["Date"]), h["Date"]
    assert re.match(r"^\d+\.\d+\.\d+$", h["X-logward-version"]), h["X-logward-version"]
    assert h["X-logward-hostname"] == local_hostname(), h["X-logward-hostname"]
    assert h["X-logward-queue"] == queue, h["X-logward-queue"]
    assert h["Subject"] == SUBJECTS[queue], "%s: Subject %r" % (where, h["Subject"])
    assert re.match(r"^<logward\.\d+\.\d+\.[0-9a-f]{16}@[A-Za-z0-9.-]+>$",
                    h["Message-ID"]), h["Message-ID"]
    assert h["Auto-Submitted"] == "auto-generated", h["Auto-Submitted"]
    assert h["MIME-Version"] == "1.0", h["MIME-Version"]
    cs = re.match(r"^text/plain; charset=(us-ascii|utf-8|unknown-8bit)$", h["Content-Type"])
    assert cs, h["Content-Type"]
    if charset is not None:
        assert cs.group(1) == charset, "%s: %s, want charset=%s" % (
            where, h["Content-Type"], charset)
    assert h["Content-Transfer-Encoding"] in ("7bit", "quoted-printable"), \
        h["Content-Transfer-Encoding"]
    envl = m.envelope.splitlines()
    want = ["MAIL FROM:<%s>" % FROM] + ["RCPT TO:<%s>" % r for r in rcpts]
    assert envl == want, "%s: envelope %r, want %r" % (where, envl, want)
    body = lib.body_bytes(m)
    ctl = sorted(set(c for c in body if (c < 0x20 and c not in (9, 10)) or c == 0x7f))
    assert not ctl, "%s: raw control bytes %s in the decoded body" % (where, ctl)
    return body


def diff(got, want, what):
    missing = want - got
    extra = got - want
    if missing or extra:
        def show(c):
            return "\n".join("      %r x%d" % (k, n) for k, n in sorted(c.items())[:12])
        raise AssertionError("%s differs from the corpus:\n    missing:\n%s\n    unexpected:\n%s"
                             % (what, show(missing), show(extra)))


def check_mails(env, d, expect, big, charset="unknown-8bit", noprefix=None):
    """Waits for the mails of one run and checks them all.  expect: the
    corpus's (host, text) pairs; big: the (host, text) of the cut line;
    noprefix: the texts the noprefix queue must list (file input)."""
    queues = {"all", "pg"}
    dots = [t for _, t in expect if t in (b".", b"..")]
    if dots:
        queues.add("dots")
    if noprefix:
        queues.add("noprefix")
    mails = env.sink.wait_mails(len(queues), timeout=20)
    time.sleep(0.5)
    mails = env.sink.mails()
    byq = collections.defaultdict(list)
    for m in mails:
        byq[m["X-logward-queue"]].append(m)
    assert sorted(byq) == sorted(queues) and all(len(v) == 1 for v in byq.values()), \
        "one mail per queue %s expected, got %s" % (sorted(queues),
                                                     {q: len(v) for q, v in byq.items()})
    assert not env.sink.rejected(), env.sink.rejected()
    ev = env.sink.events()
    eod = [l for l in ev if " EOD " in l]
    assert len(eod) == len(queues) and all(" 250 " in l for l in eod), \
        "the sink saw %d messages, want %d whole ones:\n%s" % (len(eod), len(queues), "\n".join(ev))
    assert not [l for l in ev if re.search(r" 5\d\d ", l)], "\n".join(ev)

    want = collections.Counter((esc(h), esc(t)) for h, t in expect)
    bh, bt = big
    want[(esc(bh), esc(bt))] += 1

    # the main queue: every entry, byte for byte
    body = check_mail(byq["all"][0], "all", RCPTS, charset)
    assert byq["all"][0]["Content-Transfer-Encoding"] == "quoted-printable"
    got, odd = parse_report(body)
    assert not odd, "all: lines outside the report layout: %r" % odd[:5]
    diff(got, want, "the report of queue all")

    # the pager queue: "host,count,message" lines to the pager: recipient
    body = check_mail(byq["pg"][0], "pg", [PAGER], charset)
    lines = collections.Counter(l for l in body.split(b"\n") if l)
    wantp = collections.Counter(b"%s,%d,%s" % (h, n, t) for (h, t), n in want.items())
    diff(lines, wantp, "the report of pager queue pg")

    # lone dots in a 7bit body: all there, in order of the report
    if dots:
        m = byq["dots"][0]
        body = check_mail(m, "dots", RCPTS[:1], "us-ascii")
        assert m["Content-Transfer-Encoding"] == "7bit", m["Content-Transfer-Encoding"]
        assert b"\n.\n" in b"\n" + m.raw.split(b"\n\n", 1)[1], "no lone dot line in the raw body"
        per = collections.Counter()
        for (h, t), n in want.items():
            if t in (b".", b".."):
                per[t] += 1
        diff(collections.Counter(body.split(b"\n")[:-1]), per, "the dots body")
        assert body.endswith(b"\n")

    if noprefix:
        body = check_mail(byq["noprefix"][0], "noprefix", RCPTS[:1])
        got, odd = parse_report(body)
        assert not odd, "noprefix: lines outside the report layout: %r" % odd[:5]
        diff(got, collections.Counter((b"[unprefixed logs]", esc(t)) for t in noprefix),
             "the report of queue noprefix")
    return byq


def big_expect(line, host=b"bighost"):
    """(host, text) of a line longer than max_line, as reported."""
    h, t = big_archived(line, host)
    return (h, t + CUT_MARK % (MAX_LINE, len(line)))


def big_archived(line, host=b"bighost"):
    """(host, text) of a line longer than max_line, as archived (cut,
    not marked)."""
    cut = line[:MAX_LINE]
    pre = cut.index(b" " + host + b" ") + len(host) + 2
    return (host, cut[pre:])


def check_clean_text(text, what):
    """status / the daemon's log: no bytes of the log lines."""
    bad = sorted(set(c for c in text if (c < 0x20 and c not in (9, 10)) or c >= 0x7f))
    assert not bad, "%s holds bytes %s" % (what, bad)
    for w in (b"evil", b"pwned", b"Bcc", b"\\x1b"):
        assert w not in text, "%s holds %r" % (what, w)


def check_status_and_log(d):
    check_clean_text(d.status().encode("latin-1", "replace"), "logward status")
    with open(os.path.join(d.base, "daemon.stderr"), "rb") as fp:
        check_clean_text(fp.read(), "the daemon's log")


def check_archive(env, d, expect, nmsgs):
    """BASE/remote: one file per sanitised host, one line per message."""
    remote = env.path("remote")
    want = collections.defaultdict(collections.Counter)
    for h, t in expect:
        want[arch_name(h) + b".log"][arch_esc(h[:255], host=True) + b" " + arch_esc(t)] += 1
    wait_for(lambda: sum(1 for _ in _archive_lines(remote)) >= nmsgs, 10,
             what="%d archive lines" % nmsgs)
    time.sleep(0.3)
    for dp, dns, fns in os.walk(remote):
        assert dp == remote and not dns, "a directory under remote/: %s %s" % (dp, dns)
    names = sorted(os.fsencode(n) for n in os.listdir(remote))
    assert names == sorted(want), "archive files %s, want %s" % (names, sorted(want))
    for n in names:
        assert re.match(rb"^[a-z0-9._-]{1,128}\.log$", n) and n not in (b"..log", b"...log"), n
    # nothing was created outside the archive directory
    for h, _ in expect:
        p = os.path.normpath(os.path.join(remote, os.fsdecode(h.replace(b"\x00", b"")) + ".log")) \
            if b"\x00" not in h else None
        if p and not p.startswith(remote + os.sep):
            assert not os.path.exists(p), "an archive file escaped to %s" % p
    total = 0
    for n in names:
        with open(os.path.join(os.fsencode(remote), n), "rb") as fp:
            data = fp.read()
        assert data.endswith(b"\n"), n
        got = collections.Counter()
        for line in data[:-1].split(b"\n"):
            total += 1
            bad = sorted(set(c for c in line if c < 0x20 or c == 0x7f))
            assert not bad, "archive %s: raw control bytes %s in %r" % (n, bad, line[:200])
            m = re.match(rb"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (.*)$", line, re.S)
            assert m, "archive %s: not the classic layout: %r" % (n, line[:200])
            got[m.group(1)] += 1
        diff(got, want[n], "archive file %s" % n.decode("latin-1"))
    assert total == nmsgs, "%d archive lines for %d messages" % (total, nmsgs)


def _archive_lines(remote):
    if not os.path.isdir(remote):
        return
    for n in os.listdir(remote):
        with open(os.path.join(remote, n), "rb") as fp:
            for _ in fp.read().split(b"\n")[:-1]:
                yield 1


def run_daemon(env, extra):
    d = env.daemon(extra + CONF)
    d.start()
    return d


def finish(env, d, nlines, expect, big, **kw):
    d.wait_lines(nlines, timeout=30)
    time.sleep(0.3)
    m = re.search(r"lines: (\d+) read", d.status())
    assert int(m.group(1)) == nlines, "read %s lines, want %d" % (m.group(1), nlines)
    m = re.search(r"^lines: .*, (\d+) cut at max_line", d.status(), re.M)
    assert m and int(m.group(1)) == 1, "status does not count the one cut line: %s" % d.status()
    d.advance(SLEEP)
    byq = check_mails(env, d, expect, big, **kw)
    check_status_and_log(d)
    return byq


# ---- the tests ----

def t_hostile_corpus_generated(env):
    """The committed corpus is what make.py makes, and the expectations
    are sane (distinct entries, no LF in the file lines)."""
    for name, data in corpus.build().items():
        with open(os.path.join(DATA, name), "rb") as fp:
            assert fp.read() == data, "tests/data/hostile/%s is not what make.py makes: " \
                "run python3 tests/data/hostile/make.py" % name
    msgs = corpus.parse_octet(open(os.path.join(DATA, "messages.oct"), "rb").read())
    assert msgs == [e["data"] for e in corpus.messages_corpus()]
    big = corpus.big_line()
    assert len(big) == corpus.BIG and b"\n" not in big


t_hostile_corpus_generated.with_sink = False


def t_hostile_file(env):
    log = env.path("hostile.log")
    open(log, "wb").close()
    d = run_daemon(env, "set logfile %s\n" % log)
    lines = corpus.lines_corpus()
    big = corpus.big_line()
    with open(log, "ab") as fp:
        fp.write(open(os.path.join(DATA, "lines.log"), "rb").read())
        fp.write(big + b"\n")
    expect = [e["file"] for e in lines if e["file"][0] != corpus.NOPREFIX]
    noprefix = [e["file"][1] for e in lines if e["file"][0] == corpus.NOPREFIX]
    byq = finish(env, d, len(lines) + 1, expect, big_expect(big), noprefix=noprefix)
    # a few renderings spelled out
    body = lib.body_bytes(byq["all"][0])
    for host, entry in [
            (b"f-bcc", b"    1: app[101]: before\\x0dBcc: evil@attacker.example"),
            (b"f-nul", b"    1: app[104]: nul\\x00byte\\x00\\x00end"),
            (b"f-esc", b"    1: app[106]: csi \\x1b[2J\\x1b[H osc \\x1b]0;pwned\\x07 "
                       b"c1 \x9b2J utf8-c1 \xc2\x9b2J"),
            (b"f-ctl", b"    1: app[107]: del\\x7f bs\\x08 bel\\x07 tab\there vt\\x0b "
                       b"ff\\x0c esc\\x1b end"),
            (b"f-utf8", b"    1: app[105]: bad utf-8 \xc0\xaf \xe0\x80\xaf \x80 \xbf \xff "
                        b"\xfe \xed\xa0\x80 \xe2\x82"),
            (b"h-nul\\x00Bcc:evil@attacker.example", b"    1: app: host with NUL"),
            (b"h-esc\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07", b"    1: app: host with escapes"),
            (b"f-vt", b"    1: Bcc: app: a VT ends the host field"),
            (b"s-quotes", b"    1: app[201]: sd with quotes and brackets \\x1b[2J\\x1b[H"),
            # a backslash is not escaped: text that looks like an escape
            # stays as it was written
            (b"f-literal", b"    1: app[110]: literal \\x1b[2J and \\\\ are text"),
            (b"dot1", b"    1: .")]:
        assert b"\n" + host + b": \n" + entry + b"\n" in body, \
            "not in the report: %r / %r" % (host, entry)
    assert b"[x@1" not in body and b"END-OF-BIG-LINE" not in body
    np = lib.body_bytes(byq["noprefix"][0])
    assert b"\n    1: Bcc: evil@attacker.example\n" in np, np[:300]
    assert b"\n    1: RCPT TO:<evil@attacker.example>\\x0d\n" in np
    broken = next(e["data"] for e in lines if b" s-broken " in e["data"])
    assert broken.endswith(b' s-broken app 204 - [x@1 a="b\\\\"]c" d="]"] broken sd')
    assert b"\n    1: " + broken + b"\n" in np, "the line with broken SD is not listed as it is"
    assert d.stop() == 0


def net_conf(env, spec):
    return "set listen %s\narchive *.* %s/%%HOST%%.log\n" % (spec, env.path("remote"))


def net_expect(msgs, big):
    return [e["net"] for e in msgs], big_expect(big)


def t_hostile_udp(env):
    port = lib.free_port(udp=True)
    d = run_daemon(env, net_conf(env, "udp:127.0.0.1:%d" % port))
    msgs = corpus.messages_corpus()
    big = corpus.big_line(corpus.BIG_UDP)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for e in msgs:
        s.sendto(e["data"], ("127.0.0.1", port))
        time.sleep(0.002)
    s.sendto(big, ("127.0.0.1", port))
    s.close()
    expect, bigx = net_expect(msgs, big)
    byq = finish(env, d, len(msgs) + 1, expect, bigx)
    body = lib.body_bytes(byq["all"][0])
    for entry in [b"\nn-bcc: \n    1: app[301]: before\\x0d\\x0aBcc: evil@attacker.example"
                  b"\\x0d\\x0aX-Other: y\n",
                  b"\nn-dot: \n    1: app[303]: dot\\x0d\\x0a.\\x0d\\x0aRCPT TO:<evil@attacker.example>"
                  b"\\x0d\\x0aDATA\\x0d\\x0a\\x0d\\x0a.\n",
                  b"\nn-nul: \n    1: app[304]: nul\\x00\\x00x\n",
                  b"\nn-subj: \n    1: app[302]: subject\\x0aSubject: pwned\n",
                  b"    1: h-esc\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07 app: host with escapes\n"]:
        assert entry in body, "not in the report: %r" % entry
    check_archive(env, d, expect + [big_archived(big)], len(msgs) + 1)
    remote = env.path("remote")
    with open(os.path.join(remote, "n-bcc.log"), "rb") as fp:
        assert fp.read() == (b"Mar  2 09:01:41 n-bcc app[301]: before#015#012Bcc: "
                             b"evil@attacker.example#015#012X-Other: y\n")
    assert os.path.exists(os.path.join(remote, "h300-" + "a" * 123 + ".log"))
    assert d.stop() == 0


def tcp_send(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(10)
    try:
        s.recv(1)
    except OSError:
        pass
    s.close()


def t_hostile_tcp_octet(env):
    port = lib.free_port()
    d = run_daemon(env, net_conf(env, "tcp:127.0.0.1:%d" % port))
    msgs = corpus.messages_corpus()
    big = corpus.big_line()
    data = open(os.path.join(DATA, "messages.oct"), "rb").read()
    tcp_send(port, data + corpus.octet_frames([big]))
    expect, bigx = net_expect(msgs, big)
    finish(env, d, len(msgs) + 1, expect, bigx)
    check_archive(env, d, expect + [big_archived(big)], len(msgs) + 1)
    assert d.stop() == 0


def t_hostile_tcp_newline(env):
    port = lib.free_port()
    d = run_daemon(env, net_conf(env, "tcp:127.0.0.1:%d" % port))
    lines = corpus.lines_corpus()
    big = corpus.big_line()
    data = open(os.path.join(DATA, "lines.log"), "rb").read()
    tcp_send(port, data + big + b"\n")
    expect, bigx = net_expect(lines, big)
    finish(env, d, len(lines) + 1, expect, bigx)
    check_archive(env, d, expect + [big_archived(big)], len(lines) + 1)
    assert d.stop() == 0


def t_hostile_journal(env):
    assert REMOTE, "systemd-journal-remote is missing (scripts/deps test)"
    jdir = env.path("journal")
    os.makedirs(jdir)
    ents = corpus.journal_corpus()
    exp = env.path("hostile.export")
    with open(exp, "wb") as fp:
        fp.write(open(os.path.join(DATA, "journal.export"), "rb").read())
        fp.write(corpus.export_entry(len(ents) + 1, corpus.big_journal_fields()))
    r = subprocess.run([REMOTE, "--output=" + os.path.join(jdir, "hostile.journal"), exp],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, "systemd-journal-remote: %s" % r.stderr
    d = run_daemon(env, "set journal_dir %s\nset journal\nset start_at beginning\n" % jdir +
                   "archive *.* %s/%%HOST%%.log\n" % env.path("remote"))
    expect = [x for _, x in ents]
    payload = corpus.big_payload(corpus.BIG)
    # the line is "<11>STAMP j-big app[999]: " + MESSAGE; MESSAGE is cut at max_line
    stamp = "2026-03-02T09:00:%02d.250000+00:00" % (len(ents) + 1)
    pre = len("<11>%s j-big " % stamp)
    text = b"app[999]: " + payload[:MAX_LINE]
    n = pre + len(text)
    bigx = (b"j-big", text + CUT_MARK % (n, n - MAX_LINE + corpus.BIG))
    byq = finish(env, d, len(ents) + 1, expect, bigx)
    body = lib.body_bytes(byq["all"][0])
    for entry in [b"\nevil__Bcc:_evil@attacker.example: \n    1: app[409]: CRLF and Bcc in _HOSTNAME\n",
                  b"\njh-esc_[2J_[H_]0;pwned_: \n",
                  b"\njnul: \n    1: app[411]: NUL in _HOSTNAME\n",
                  b"\nlocalhost: \n    1: app[412]: _HOSTNAME starts with NUL\n",
                  b"\nj-bcc: \n    1: app[401]: message\\x0d\\x0aBcc: evil@attacker.example"
                  b"\\x0aSubject: pwned\\x0d\\x0a\n",
                  b"    1: app_1]__Bcc__evil@attacker.example__[417]: hostile identifier\n"]:
        assert entry in body, "not in the report: %r" % entry
    check_archive(env, d, expect + [(b"j-big", text)], len(ents) + 1)
    assert d.stop() == 0
