"""Scenario tests of the daemon's network, journal, selector and archive
inputs, with real senders: util-linux logger over UDP, TCP (octet
counting and newline framing) and a unix socket, raw datagrams from
Python sockets, journal files built by systemd-journal-remote from the
journal export format, and a UDP flood.  Every listener is bound on a
port that was free a moment before (lib.free_port)."""

import os
import re
import signal
import socket
import struct
import subprocess
import time

import lib
from lib import wait_for

HOST = socket.gethostname()
SHORT = HOST.split(".")[0]
QUEUE = "set queue {q} logward@test.example root@test.example [0 0 1 1 *]\n"


def queues(*names):
    return "".join(QUEUE.format(q=q) for q in names)


def logger(*args, stdin=None):
    """Runs util-linux logger; fails the test when it does."""
    r = subprocess.run(["logger"] + list(args), input=stdin,
                       capture_output=True, timeout=60)
    assert r.returncode == 0, "logger %s: %s" % (" ".join(args), r.stderr)


def udp(port, data, addr="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(data if isinstance(data, bytes) else data.encode(), (addr, port))
    s.close()


def listeners(d):
    """{spec: {"messages": n, ...}} from `logward status`."""
    out = {}
    for l in d.status().splitlines():
        m = re.match(r"^listen (\S+): (\d+) messages, (\d+) bytes(.*)$", l)
        if not m:
            continue
        st = {"messages": int(m.group(2)), "bytes": int(m.group(3)), "line": l}
        rest = m.group(4)
        for key, rx in (("open", r"(\d+) connections open"),
                        ("total", r"\((\d+) in all"),
                        ("refused", r"(\d+) refused at the limit"),
                        ("idle", r"(\d+) closed idle"),
                        ("cut", r"(\d+) cut at max_line"),
                        ("errors", r"LOST (\d+) \(receive errors\)"),
                        ("kernel", r"(\d+) \(kernel buffer full\)")):
            mm = re.search(rx, rest)
            st[key] = int(mm.group(1)) if mm else 0
        out[m.group(1)] = st
    return out


def lines_read(d):
    m = re.search(r"lines: (\d+) read", d.status())
    return int(m.group(1)) if m else -1


def ipv6_ok():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


# ---- 1. every kind of listener ----

def t_listen_udp_tcp_unix(env):
    p_udp = lib.free_port(udp=True)
    p_tcp = lib.free_port()
    p_bare = lib.free_port(udp=True)
    v6 = ipv6_ok()
    p_v6 = lib.free_port(udp=True, addr="::1") if v6 else 0
    sock = env.path("log.sock")
    specs = ["udp:127.0.0.1:%d" % p_udp, "tcp:127.0.0.1:%d" % p_tcp,
             "unix:%s" % sock, "127.0.0.1:%d" % p_bare]
    if v6:
        specs.append("udp:[::1]:%d" % p_v6)
    d = env.daemon("".join("set listen %s\n" % s for s in specs) +
                   queues("all") + "all .*\n")
    d.start()
    n = 0
    # logger over UDP, RFC 3164: "<11>Mmm dd hh:mm:ss HOST tag: text",
    # HOST = this machine's short name
    logger("-n", "127.0.0.1", "-P", str(p_udp), "--udp", "--rfc3164",
           "-p", "user.err", "-t", "udptag", "udp rfc3164 message")
    n += 1
    # TCP with octet counting, RFC 5424 (HOST = the full host name)
    logger("-n", "127.0.0.1", "-P", str(p_tcp), "--tcp", "--octet-count",
           "--rfc5424", "-p", "daemon.notice", "-t", "tcp5424", "tcp octet rfc5424")
    n += 1
    # TCP, newline framing, RFC 3164, two messages over one connection
    logger("-n", "127.0.0.1", "-P", str(p_tcp), "--tcp", "--rfc3164",
           "-p", "user.info", "-t", "tcpnl", stdin=b"tcp newline one\ntcp newline two\n")
    n += 2
    # the unix socket: logger writes "<PRI>Mmm dd hh:mm:ss tag: text"
    # without a host; the daemon inserts its short host name
    logger("-u", sock, "-p", "user.warning", "-t", "unixtag", "unix socket message")
    n += 1
    # tenshi's bare ADDR:PORT is UDP
    logger("-n", "127.0.0.1", "-P", str(p_bare), "--udp", "--rfc3164",
           "-p", "user.err", "-t", "baretag", "bare spec message")
    n += 1
    if v6:
        logger("-n", "::1", "-P", str(p_v6), "--udp", "--rfc3164",
               "-p", "user.err", "-t", "v6tag", "ipv6 message")
        n += 1
    # raw datagrams: no header at all -> host = the sender's address
    udp(p_udp, "hello")
    # RFC 3164 with a host: "su:" is the tag, mymachine the host
    udp(p_udp, "<34>Oct 11 22:14:15 mymachine su: 'su root' failed")
    # RFC 5424 with structured data (kept out of the message)
    udp(p_udp, '<165>1 2026-03-02T10:00:00.003Z mymachine.example.com evntslog '
               '1234 ID47 [exampleSDID@32473 iut="3" eventSource="Application" '
               'eventID="1011"][examplePriority@32473 class="high"] An application event')
    n += 3
    d.wait_lines(n)
    st = listeners(d)
    want = {"udp:127.0.0.1:%d" % p_udp: 4, "tcp:127.0.0.1:%d" % p_tcp: 3,
            "unix:%s" % sock: 1, "127.0.0.1:%d" % p_bare: 1}
    if v6:
        want["udp:[::1]:%d" % p_v6] = 1
    got = {k: v["messages"] for k, v in st.items()}
    assert got == want, "status listener counts %s, want %s" % (got, want)
    tcp = st["tcp:127.0.0.1:%d" % p_tcp]
    assert tcp["total"] == 2 and tcp["refused"] == 0, tcp["line"]
    d.ctl("flush")
    env.sink.wait_mails(1)
    rep = lib.report_hosts(env.sink.mails(), "all")
    expect = [
        (SHORT, "udptag: udp rfc3164 message"),
        (HOST, "tcp5424: tcp octet rfc5424"),
        (SHORT, "tcpnl: tcp newline one"),
        (SHORT, "tcpnl: tcp newline two"),
        (SHORT, "unixtag: unix socket message"),
        (SHORT, "baretag: bare spec message"),
        ("127.0.0.1", "hello"),
        ("mymachine", "su: 'su root' failed"),
        ("mymachine.example.com", "evntslog[1234]: An application event"),
    ]
    if v6:
        expect.append((SHORT, "v6tag: ipv6 message"))
    for host, text in expect:
        assert rep.get(host, {}).get(text) == 1, \
            "%r not reported once under host %r; report: %r" % (text, host, rep)
    total = sum(sum(v.values()) for v in rep.values())
    assert total == len(expect), "report has %d lines, want %d: %r" % (
        total, len(expect), rep)
    assert d.stop() == 0


# ---- 2. select blocks: every comparison flag, programs, hosts ----

LEVELS = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]

# Each block pairs a priority item with a program filter (the items AND),
# so every comparison is tried on all eight severities without the blocks
# taking each other's lines; what a block refuses falls through to the
# catch-all q_rest.  "More severe" = numerically lower (syslogd).
SEL_BLOCKS = [
    # (queue, selector, program sent by logger, severities it must take)
    ("q_ge", "*.>=err !t_ge", "t_ge", {0, 1, 2, 3}),         # err or more severe
    ("q_eq", "*.=warning !t_eq", "t_eq", {4}),                # exactly warning
    ("q_lt", "*.<notice !t_lt", "t_lt", {6, 7}),              # less severe: info, debug
    ("q_le", "*.<=notice !t_le", "t_le", {5, 6, 7}),          # notice or less severe
    ("q_gt", "*.>crit !t_gt", "t_gt", {0, 1}),                # more severe: emerg, alert
    ("q_not", "*.!=info !t_not", "t_not", {0, 1, 2, 3, 4, 5, 7}),  # all but info
    ("q_inv", "*.!info !t_inv", "t_inv", {7}),                # "!info" = "!>=info": debug
    ("q_ltgt", "*.<>notice !t_ltgt", "t_ltgt", {0, 1, 2, 3, 4, 6, 7}),  # all but notice
    ("q_def", "*.warning !t_def", "t_def", {0, 1, 2, 3, 4}),  # no flag = ">="
    # an item replaces the level set of the facilities it names:
    # user.none after *.info removes user; before it, *.info puts it back
    ("q_fac", "*.info;user.none !t_fac", "t_fac", set()),
    ("q_fac2", "user.none;*.info !t_fac2", "t_fac2", {0, 1, 2, 3, 4, 5, 6}),
]


def t_selectors_every_flag(env):
    port = lib.free_port(udp=True)
    sock = env.path("log.sock")
    flog = env.path("app.log")
    open(flog, "w").close()
    names = [b[0] for b in SEL_BLOCKS] + ["q_prog", "q_prog2", "q_host",
                                          "q_nonlocal", "q_filepri", "q_rest"]
    rules = "".join("select %s\n%s .*\nselect_end\n" % (sel, q)
                    for q, sel, _, _ in SEL_BLOCKS)
    rules += (
        # a priority condition: lines read from a file (no priority) skip it
        "select *.>=debug;mail.none !fileprog\nq_filepri .*\nselect_end\n"
        # program filters: only sshd (exact bytes); a program-only select
        # also takes lines from files
        "select !sshd\nq_prog .*\nselect_end\n"
        "select !fileprog\nq_prog .*\nselect_end\n"
        # all programs but cron (and an unknown program passes an
        # "all but" list), limited to host ph
        "select !-cron +ph\nq_prog2 .*\nselect_end\n"
        # host filters: case-insensitive names; '@' = this machine
        "select +web1,WEB2\nq_host .*\nselect_end\n"
        "select -@ !hosttest\nq_nonlocal .*\nselect_end\n"
        "q_rest .*\n")
    d = env.daemon("set listen udp:127.0.0.1:%d\nset listen unix:%s\n"
                   "set logfile %s\nset start_at beginning\n" % (port, sock, flog) +
                   queues(*names) + rules)
    d.start()
    expect = {q: set() for q in names}     # queue -> {(host, message)}
    n = 0
    for q, _, prog, sevs in SEL_BLOCKS:
        for sev, lvl in enumerate(LEVELS):
            fac = "user"
            logger("-n", "127.0.0.1", "-P", str(port), "--udp", "--rfc3164",
                   "-p", "%s.%s" % (fac, lvl), "-t", prog, "sev=%d" % sev)
            expect[q if sev in sevs else "q_rest"].add((SHORT, "%s: sev=%d" % (prog, sev)))
            n += 1
    # t_fac at mail.*: *.info;user.none still takes mail at info or more severe
    for sev in (6, 7):
        logger("-n", "127.0.0.1", "-P", str(port), "--udp", "--rfc3164",
               "-p", "mail.%s" % LEVELS[sev], "-t", "t_fac", "mail sev=%d" % sev)
        expect["q_fac" if sev == 6 else "q_rest"].add((SHORT, "t_fac: mail sev=%d" % sev))
        n += 1
    # fileprog over the network has a priority: err is in *.>=debug;mail.none
    logger("-n", "127.0.0.1", "-P", str(port), "--udp", "--rfc3164",
           "-p", "user.err", "-t", "fileprog", "net line")
    expect["q_filepri"].add((SHORT, "fileprog: net line"))
    # ... but mail is not
    logger("-n", "127.0.0.1", "-P", str(port), "--udp", "--rfc3164",
           "-p", "mail.err", "-t", "fileprog", "mail net line")
    expect["q_prog"].add((SHORT, "fileprog: mail net line"))
    n += 2
    # the same program from a file: no priority, so the priority select is
    # skipped and the program-only select takes it
    lib.append(flog, ["Mar  2 10:00:00 filehost fileprog: file line",
                      "Mar  2 10:00:01 filehost otherprog: file other"])
    expect["q_prog"].add(("filehost", "fileprog: file line"))
    expect["q_rest"].add(("filehost", "otherprog: file other"))
    n += 2
    # program and host filters on raw datagrams with explicit hosts
    raw = [
        ("<38>Mar  2 10:00:00 ph sshd[1]: p1", "q_prog", "ph", "sshd[1]: p1"),
        ("<38>Mar  2 10:00:00 web9 sshd: p1b", "q_prog", "web9", "sshd: p1b"),
        ("<38>Mar  2 10:00:00 ph sshd-session[4]: p5", "q_prog2", "ph",
         "sshd-session[4]: p5"),                         # not exactly sshd
        ("<78>Mar  2 10:00:00 ph cron[2]: p2", "q_rest", "ph", "cron[2]: p2"),
        ("<78>Mar  2 10:00:00 ph CRON[3]: p3", "q_prog2", "ph", "CRON[3]: p3"),  # bytes
        ("<78>Mar  2 10:00:00 ph anacron: p4", "q_prog2", "ph", "anacron: p4"),
        ("<13>Mar  2 10:00:00 ph no program here", "q_prog2", "ph",
         "no program here"),                             # unknown program
        ("<78>Mar  2 10:00:00 other cron[2]: p6", "q_rest", "other", "cron[2]: p6"),
        ("<13>Mar  2 10:00:00 web1 hosttest: h1", "q_host", "web1", "hosttest: h1"),
        ("<13>Mar  2 10:00:00 Web2 hosttest: h2", "q_host", "Web2", "hosttest: h2"),
        ("<13>Mar  2 10:00:00 web1 other: h1b", "q_host", "web1", "other: h1b"),
        ("<13>Mar  2 10:00:00 web3 hosttest: h3", "q_nonlocal", "web3", "hosttest: h3"),
        ("<13>Mar  2 10:00:00 %s hosttest: h4" % HOST, "q_rest", HOST, "hosttest: h4"),
        ("<13>hosttest: h5", "q_nonlocal", "127.0.0.1", "hosttest: h5"),  # host = sender
    ]
    for dgram, q, host, text in raw:
        udp(port, dgram)
        expect[q].add((host, text))
        n += 1
    # from the unix socket the host is this machine's short name: '@'
    logger("-u", sock, "-p", "user.notice", "-t", "hosttest", "h6")
    expect["q_rest"].add((SHORT, "hosttest: h6"))
    n += 1
    d.wait_lines(n)
    st = listeners(d)
    assert st["udp:127.0.0.1:%d" % port]["messages"] == n - 3, st
    d.ctl("flush")
    nonempty = [q for q in names if expect[q]]
    env.sink.wait_mails(len(nonempty))
    time.sleep(0.3)
    mails = env.sink.mails()
    assert len(mails) == len(nonempty), "%d mails, want %d" % (len(mails), len(nonempty))
    bad = []
    for q in names:
        got = set()
        for host, ents in lib.report_hosts(mails, q).items():
            for text, c in ents.items():
                if text.startswith("*** "):
                    continue
                got.add((host, text))
                if c != 1:
                    bad.append("%s: %s %s counted %d" % (q, host, text, c))
        if got != expect[q]:
            bad.append("%s: missing %s, unexpected %s" % (
                q, sorted(expect[q] - got), sorted(got - expect[q])))
    assert not bad, "\n    ".join(bad)
    assert d.stop() == 0


# ---- 3. the journal: matches, fields, cursor across kill -9 ----

REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                           "/usr/lib/systemd/systemd-journal-remote")
               if os.access(p, os.X_OK)), None)
BOOT_ID = "0123456789abcdef0123456789abcdef"


def export_field(name, value):
    """One field of the journal export format; binary-safe form when the
    value holds a newline (NAME, LF, 64-bit LE length, data, LF)."""
    v = value if isinstance(value, bytes) else value.encode()
    if b"\n" in v:
        return name.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
    return name.encode() + b"=" + v + b"\n"


def write_journal(env, path, entries):
    """entries: [(seq, {FIELD: value})] -> the journal file path, made by
    systemd-journal-remote from export text.  Entry seq gets realtime
    T0 + seq s, monotonic seq s, one boot id: later seqs sort later."""
    exp = env.path("entries.export")
    with open(exp, "wb") as fp:
        for seq, fields in entries:
            fp.write(export_field("__REALTIME_TIMESTAMP", str((lib.T0 + seq) * 1000000 + 250000)))
            fp.write(export_field("__MONOTONIC_TIMESTAMP", str(seq * 1000000 + 1000)))
            fp.write(export_field("_BOOT_ID", BOOT_ID))
            for k, v in fields.items():
                fp.write(export_field(k, v))
            fp.write(b"\n")
    r = subprocess.run([REMOTE, "--output=" + path, exp], capture_output=True, timeout=30)
    assert r.returncode == 0, "systemd-journal-remote: %s" % r.stderr
    os.unlink(exp)


def jentry(seq, unit, host="jhost1", ident="sshd", prio="6", fac="10", msg=None):
    f = {"MESSAGE": msg if msg is not None else
         "Accepted password for user%d from 10.0.0.%d seq=%d" % (seq, seq, seq),
         "SYSLOG_IDENTIFIER": ident, "_HOSTNAME": host, "PRIORITY": prio,
         "SYSLOG_FACILITY": fac, "_PID": str(1000 + seq)}
    if unit is not None:
        f["_SYSTEMD_UNIT"] = unit
    return (seq, f)


def journal_status(d):
    m = re.search(r"^journal: (.*)$", d.status(), re.M)
    return m.group(1) if m else ""


def journal_seqs(mails):
    """{seq: count} of the journal entries in the mails of jq and jerr."""
    counts = {}
    for q in ("jq", "jerr"):
        for ents in lib.report_hosts(mails, q).values():
            for text, c in ents.items():
                m = re.search(r"seq=(\d+)", text)
                if m:
                    counts[int(m.group(1))] = counts.get(int(m.group(1)), 0) + c
    return counts


def t_journal_cursor(env):
    assert REMOTE, "systemd-journal-remote is missing (scripts/deps test)"
    jdir = env.path("journal")
    os.makedirs(jdir)
    # 10 entries, 6 of ssh.service (1 2 4 5 7 9); entry 5 has a binary
    # MESSAGE with a newline; entry 9 comes from another host; entry 7 is
    # auth.err (PRIORITY=3 SYSLOG_FACILITY=4), the others authpriv.info
    ents = []
    for seq in range(1, 11):
        unit = "ssh.service" if seq in (1, 2, 4, 5, 7, 9) else \
            ("cron.service" if seq % 2 else None)
        kw = {}
        if seq == 5:
            kw["msg"] = b"Accepted password for user5 from 10.0.0.5 seq=5\nsecond line"
        if seq == 9:
            kw["host"] = "jhost2"
        if seq == 7:
            kw["prio"], kw["fac"] = "3", "4"
        if unit != "ssh.service":
            kw["ident"] = "CRON"
        ents.append(jentry(seq, unit, **kw))
    write_journal(env, os.path.join(jdir, "one.journal"), ents)
    d = env.daemon(
        "set journal_dir %s\nset journal _SYSTEMD_UNIT=ssh.service\n"
        "set start_at beginning\nset checkpoint 1\nset hidepid on\nset mask ___\n"
        % jdir + queues("jq", "jerr") +
        # PRIORITY and SYSLOG_FACILITY give the line's priority
        "select auth.=err\njerr ^sshd: (.*) seq=\\d+\nselect_end\n"
        "select authpriv.=info !sshd\n"
        "jq ^sshd: Accepted password for (\\S+) from (\\S+) seq=\\d+\nselect_end\n")
    d.start()
    d.wait_lines(6)
    time.sleep(0.3)
    assert lines_read(d) == 6, d.status()
    js = journal_status(d)
    assert js.startswith("6 entries") and "cursor s=" in js, js
    d.ctl("flush")
    m1 = env.sink.wait_mails(2)
    rep = lib.report_hosts(m1, "jerr")
    assert rep == {"jhost1": {"sshd: ___ seq=7": 1}}, rep
    rep = lib.report_hosts(m1, "jq")
    want = {"jhost1": {"sshd: Accepted password for ___ from ___ seq=%d" % s: 1
                       for s in (1, 2, 4)},
            "jhost2": {"sshd: Accepted password for ___ from ___ seq=9": 1}}
    want["jhost1"]["sshd: Accepted password for ___ from ___ seq=5\\x0asecond line"] = 1
    assert rep == want, "report %r, want %r" % (rep, want)
    # kill -9 once the checkpoint holds the cursor status shows
    cur = re.search(r"cursor (\S+)$", journal_status(d)).group(1)
    wait_for(lambda: cur.encode() in open(env.path("state", "state"), "rb").read(),
             10, what="a checkpoint with the journal cursor")
    d.kill9()
    # 5 more entries while down, in a second file: 4 of ssh.service
    ents2 = [jentry(seq, "ssh.service" if seq != 13 else "cron.service",
                    ident="sshd" if seq != 13 else "CRON") for seq in range(11, 16)]
    write_journal(env, os.path.join(jdir, "two.journal"), ents2)
    d.start()
    d.wait_lines(4)
    # a second crash with the 4 lines queued but not mailed: the queue
    # content and the cursor come back from the checkpoint
    cur = re.search(r"cursor (\S+)$", journal_status(d)).group(1)
    wait_for(lambda: cur.encode() in open(env.path("state", "state"), "rb").read(),
             10, what="a checkpoint with the new journal cursor")
    d.kill9()
    d.start()
    time.sleep(1.0)
    assert lines_read(d) == 0, "entries read again after the restart: " + d.status()
    assert d.stop() == 0
    mails = env.sink.mails()
    counts = journal_seqs(mails)
    want_seqs = [1, 2, 4, 5, 7, 9, 11, 12, 14, 15]
    lost = [s for s in want_seqs if s not in counts]
    dup = {s: c for s, c in counts.items() if c != 1}
    extra = [s for s in counts if s not in want_seqs]
    assert not lost and not dup and not extra, \
        "journal: lost %s, duplicated %s, not matching but reported %s" % (lost, dup, extra)
    assert len(mails) == 3, "%d mails" % len(mails)


# ---- 4. archives: per host and day, hostile names, rotation ----

def archive_lines(d):
    """{pattern: lines written} from `logward status`."""
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r"^archive (\S+): (\d+) lines", d.status(), re.M)}


def read(path):
    with open(path, "rb") as fp:
        return fp.read().decode("utf-8", "replace")


def t_archive_per_host(env):
    port = lib.free_port(udp=True)
    remote = env.path("remote")
    pat_all = remote + "/%HOST%/%Y-%m-%d.log"
    auth = env.path("auth.log")
    d = env.daemon("set listen udp:127.0.0.1:%d\n" % port +
                   "archive *.* %s\narchive auth.* %s\n" % (pat_all, auth) +
                   queues("all") + "all .*\n")
    d.start()
    sent = [
        # (datagram, host directory, day, archived line)
        ("<38>Mar  1 23:59:58 web1 sshd[10]: Accepted publickey for root",
         "web1", "2026-03-01", "Mar  1 23:59:58 web1 sshd[10]: Accepted publickey for root"),
        ("<38>Mar  2 09:00:01 web1 sshd[11]: Failed password for bob",
         "web1", "2026-03-02", "Mar  2 09:00:01 web1 sshd[11]: Failed password for bob"),
        ("<14>Mar  2 09:00:02 WEB2 app: hello from web2",
         "web2", "2026-03-02", "Mar  2 09:00:02 WEB2 app: hello from web2"),
        # CR/LF inside the text: one archive line, "#ooo" escapes
        ("<14>Mar  2 09:00:03 web2 app: line one\r\nFeb 30 00:00:00 forged line",
         "web2", "2026-03-02", "Mar  2 09:00:03 web2 app: line one#015#012Feb 30 00:00:00 forged line"),
        # a hostile RFC 5424 HOSTNAME: the path value keeps [A-Za-z0-9._-]
        ("<38>1 2026-03-02T09:00:04Z ../../evil sshd 7 - - escape attempt",
         ".._.._evil", "2026-03-02", "Mar  2 09:00:04 ../../evil sshd[7]: escape attempt"),
        ("<14>1 2026-03-02T09:00:05Z .. app - - - dot dot",
         "_", "2026-03-02", "Mar  2 09:00:05 .. app: dot dot"),
        # authpriv is not auth
        ("<86>Mar  2 09:00:06 web1 sudo: authpriv line",
         "web1", "2026-03-02", "Mar  2 09:00:06 web1 sudo: authpriv line"),
    ]
    for dg, _, _, _ in sent:
        udp(port, dg)
    # a BSD line whose host word is no host name: the text, host = sender
    udp(port, "<14>Mar  2 09:00:07 ../../evil app: slashes")
    sent.append((None, "127.0.0.1", "2026-03-02",
                 "Mar  2 09:00:07 127.0.0.1 ../../evil app: slashes"))
    nauth = 3
    wait_for(lambda: archive_lines(d).get(pat_all) == len(sent) and
             archive_lines(d).get(auth) == nauth, 10,
             what="%d archived lines: %s" % (len(sent), d.status()))
    want = {}
    for _, hdir, day, line in sent:
        want.setdefault(os.path.join(remote, hdir, day + ".log"), []).append(line)
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(env.base) for f in fs
                   if f.endswith(".log") and not dp.endswith("/mail"))
    assert files == sorted(list(want) + [auth]), "archive files %s, want %s" % (
        files, sorted(list(want) + [auth]))
    for p, lines in want.items():
        assert read(p) == "".join(l + "\n" for l in lines), "%s:\n%s" % (p, read(p))
        assert os.stat(p).st_mode & 0o777 == 0o640, oct(os.stat(p).st_mode)
    assert not os.path.exists(os.path.join(os.path.dirname(env.base), "evil"))
    # auth.* took the <38> (auth.info) lines only
    assert read(auth) == "".join(l + "\n" for dg, _, _, l in sent
                                 if dg is not None and dg.startswith("<38>")), read(auth)
    assert read(auth).count("\n") == nauth

    # logrotate: renamed away, lines still go to the open file until the
    # daemon reopens (reload, or HUP)
    web1 = os.path.join(remote, "web1", "2026-03-02.log")
    os.rename(auth, auth + ".1")
    os.rename(web1, web1 + ".1")
    udp(port, "<38>Mar  2 09:01:00 web1 sshd[12]: before reopen")
    wait_for(lambda: archive_lines(d).get(auth) == nauth + 1, 5, what="a line")
    assert "before reopen" in read(auth + ".1") and "before reopen" in read(web1 + ".1")
    assert not os.path.exists(auth) and not os.path.exists(web1)
    rc, out = d.ctl("reload")
    assert rc == 0 and "reloaded" in out, out
    udp(port, "<38>Mar  2 09:01:01 web1 sshd[13]: after reload")
    wait_for(lambda: os.path.exists(auth) and os.path.exists(web1), 5,
             what="new archive files after reload")
    wait_for(lambda: "after reload" in read(auth) and "after reload" in read(web1), 5,
             what="the line in the new files")
    assert read(auth) == "Mar  2 09:01:01 web1 sshd[13]: after reload\n", read(auth)
    # once more with SIGHUP
    os.rename(web1, web1 + ".2")
    nreload = d.log().count("reloaded ")
    d.signal(signal.SIGHUP)
    wait_for(lambda: d.log().count("reloaded ") > nreload, 10, what="the HUP reload")
    udp(port, "<14>Mar  2 09:01:02 web1 app: after hup")
    wait_for(lambda: os.path.exists(web1), 5, what="a new archive file after HUP")
    wait_for(lambda: read(web1) == "Mar  2 09:01:02 web1 app: after hup\n", 5,
             what="the line in the new file")
    assert "after hup" not in read(web1 + ".2")
    # logrotate's postrotate: `logward reopen` (no mail, unlike reload)
    nmails = len(env.sink.mails())
    os.rename(web1, web1 + ".3")
    rc, out = d.ctl("reopen")
    assert rc == 0 and "reopened 2 archives" in out, out
    udp(port, "<14>Mar  2 09:01:04 web1 app: after reopen")
    wait_for(lambda: os.path.exists(web1) and "after reopen" in read(web1), 5,
             what="a new archive file after reopen")
    assert "after reopen" not in read(web1 + ".3")
    time.sleep(0.3)
    assert len(env.sink.mails()) == nmails, "reopen mailed the queues"
    # a symlink planted where an archive file would be is refused
    os.makedirs(os.path.join(remote, "web3"))
    os.symlink(env.path("target"), os.path.join(remote, "web3", "2026-03-02.log"))
    udp(port, "<14>Mar  2 09:01:03 web3 app: via symlink")
    wait_for(lambda: "LINES NOT WRITTEN" in d.status(), 5,
             what="the refused symlink in status")
    assert not os.path.exists(env.path("target"))
    assert d.stop() == 0


# ---- 5. a UDP flood: every message arrives or is counted as dropped ----

FLOOD = 200000
FLOOD_SENDERS = 2


def t_udp_flood(env):
    port = lib.free_port(udp=True)
    spec = "udp:127.0.0.1:%d" % port
    d = env.daemon("set listen %s\n" % spec + queues("report") +
                   "report ^flood: flood seq=(\\d+)\n")
    d.start()
    per = FLOOD // FLOOD_SENDERS
    procs = []
    for i in range(FLOOD_SENDERS):
        cmd = ("seq %d %d | sed 's/^/flood seq=/' | logger -n 127.0.0.1 -P %d --udp -t flood"
               % (i * per + 1, (i + 1) * per, port))
        procs.append(subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    samples = []                      # (time, messages) from status
    stable_since = None
    end = time.time() + 120
    while time.time() < end:
        st = listeners(d).get(spec)
        now = time.time()
        if st is not None:
            if not samples or st["messages"] != samples[-1][1]:
                samples.append((now, st["messages"]))
                stable_since = now
        senders_done = all(p.poll() is not None for p in procs)
        if senders_done and samples and samples[-1][1] > 0 and now - stable_since >= 1.5:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the count did not settle: %s" % samples[-3:])
    errs = b""
    for p in procs:
        out, err = p.communicate()
        errs += err
        assert p.returncode == 0, "logger failed (%d): %s" % (p.returncode, err[:500])
    send_failed = errs.count(b"send message failed")
    st = listeners(d)[spec]
    arrived, dropped, rxerr = st["messages"], st["kernel"], st["errors"]
    first = next(s for s in samples if s[1] > 0)
    last = samples[-1]
    rate = (last[1] - first[1]) / (last[0] - first[0]) if last[0] > first[0] else 0.0
    print("    udp flood: %d sent, %d arrived, %d dropped by the kernel (counted), "
          "%.0f lines/s" % (FLOOD, arrived, dropped, rate))
    if send_failed or rxerr:
        print("    udp flood: logger reported %d failed sends, %d receive errors"
              % (send_failed, rxerr))
    assert lines_read(d) == arrived, d.status()
    assert arrived + dropped + rxerr + send_failed == FLOOD, \
        "%d sent, %d arrived + %d counted kernel drops + %d receive errors + " \
        "%d failed sends = %d: %d unaccounted for\n%s" % (
            FLOOD, arrived, dropped, rxerr, send_failed,
            arrived + dropped + rxerr + send_failed,
            FLOOD - arrived - dropped - rxerr - send_failed, st["line"])
    assert d.stop() == 0
    counts = lib.report_counts(env.sink.mails(), "report")
    assert counts == {"flood: flood seq=______": arrived}, counts


def t_udp_overflow_while_busy(env):
    """A burst that overflows the receive buffer while the daemon is busy
    (here: stopped), and then nothing more: the drops must show in status
    without waiting for another datagram."""
    port = lib.free_port(udp=True)
    spec = "udp:127.0.0.1:%d" % port
    d = env.daemon("set listen %s\n" % spec + queues("report") +
                   "report ^flood: flood seq=(\\d+)\n")
    d.start()
    n = 50000
    d.signal(signal.SIGSTOP)
    try:
        r = subprocess.run("seq 1 %d | sed 's/^/flood seq=/' | logger -n 127.0.0.1 -P %d "
                           "--udp -t flood" % (n, port), shell=True,
                           capture_output=True, timeout=60)
        assert r.returncode == 0 and not r.stderr, r.stderr
    finally:
        d.signal(signal.SIGCONT)
    last = None
    for _ in range(100):
        st = listeners(d)[spec]
        if last is not None and st["messages"] == last["messages"]:
            break
        last = st
        time.sleep(0.2)
    time.sleep(1.0)
    st = listeners(d)[spec]
    if st["messages"] + st["kernel"] != n:
        udp(port, "<13>flood: flood seq=0")     # one more datagram ...
        time.sleep(0.5)
        after = listeners(d)[spec]["line"]
        raise AssertionError(
            "%d sent, %d arrived, %d kernel drops shown: %d silent (status: %s); "
            "after one more datagram: %s" % (n, st["messages"], st["kernel"],
                                             n - st["messages"] - st["kernel"],
                                             st["line"], after))
    assert d.stop() == 0


# ---- 6. TCP: connection limit, idle connections, long lines ----

def tcp_conn(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def closed_by_peer(s, timeout=5):
    """True when the peer closed s (recv gives EOF or a reset)."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def t_tcp_limits(env):
    port = lib.free_port()
    spec = "tcp:127.0.0.1:%d" % port
    d = env.daemon("set listen %s\nset listen_max_conns 2\nset listen_idle 2\n"
                   "set max_line 1024\n" % spec + queues("all") + "all .*\n")
    d.start()
    # the idle timeout runs on the daemon's clock (the test clock here)
    a = tcp_conn(port)
    b = tcp_conn(port)
    a.sendall(b"<13>Mar  2 10:00:00 tc1 app: from a\n")
    b.sendall(b"<13>Mar  2 10:00:00 tc2 app: from b, partial")   # no newline
    d.wait_lines(1)
    wait_for(lambda: listeners(d)[spec]["open"] == 2, 5, what="2 open connections")
    c = tcp_conn(port)               # the kernel completes the handshake...
    assert closed_by_peer(c), "a third connection was kept (max_conns 2)"
    c.close()
    st = listeners(d)[spec]
    assert st["refused"] == 1 and st["open"] == 2 and st["total"] == 2, st["line"]
    # a is active at +1 s, b is not: at +2 s b has been idle for 2 s
    d.advance(1)
    time.sleep(0.2)
    a.sendall(b"<13>Mar  2 10:00:01 tc1 app: a again\n")
    d.wait_lines(2)
    d.advance(1)
    assert closed_by_peer(b), "the idle connection was not closed: " + st["line"]
    # its partial message was delivered when it was closed
    d.wait_lines(3)
    st = listeners(d)[spec]
    assert st["idle"] == 1 and st["open"] == 1, st["line"]
    assert not closed_by_peer(a, timeout=0.3), "the active connection was closed"
    # now there is room for another client
    e = tcp_conn(port)
    long_text = "x" * 3000
    e.sendall(("<13>Mar  2 10:00:02 tc3 app: long %s end\n" % long_text).encode())
    e.sendall(b"<13>Mar  2 10:00:03 tc3 app: after the long line\n")
    d.wait_lines(5)
    st = listeners(d)[spec]
    assert st["refused"] == 1 and st["total"] == 3 and st["cut"] == 1, st["line"]
    a.close()
    e.close()
    d.ctl("flush")
    mails = env.sink.wait_mails(1)
    rep = lib.report_hosts(mails, "all")
    assert rep.get("tc1") == {"app: from a": 1, "app: a again": 1}, rep.get("tc1")
    assert rep.get("tc2") == {"app: from b, partial": 1}, rep.get("tc2")
    t3 = rep.get("tc3", {})
    assert t3.get("app: after the long line") == 1, t3
    cut = [t for t in t3 if t.startswith("app: long xxx")]
    assert len(cut) == 1, t3.keys()
    m = re.search(r"x+ \[logward: line cut at (\d+) of (\d+) bytes\]$", cut[0])
    assert m, "no cut mark: %r" % cut[0][-120:]
    full = len("<13>Mar  2 10:00:02 tc3 app: long %s end" % long_text)
    assert int(m.group(1)) == 1024 and int(m.group(2)) == full, m.group(0)[-60:]
    assert "end" not in cut[0][-60:].split("[logward")[0]
    assert d.stop() == 0
