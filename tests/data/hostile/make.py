#!/usr/bin/env python3
"""The hostile-input corpus: generator, and the expected reading of every
entry.

    python3 tests/data/hostile/make.py [DIR]

(re)writes, deterministically, DIR/lines.log, DIR/messages.oct and
DIR/journal.export (DIR defaults to this file's directory).  See README.md
in this directory.  tests/daemon/test_hostile.py imports this module: it
checks that the committed files are what build() makes, feeds them to the
daemon and compares every report with the expectations given here
(LINES, MESSAGES, JOURNAL), and makes the 1 MiB lines with big_*().

Every entry records how logward must read it, as (host, text): host is
the host block of the report, text the report message (before escaping).
For the file input that follows record_parse (BSD, RFC 3339 and RFC 5424
prefixes; a line without a prefix goes to the `noprefix` queue under
"[unprefixed logs]"); for the network inputs in_syslog_msg_normalize
(trailing CR/LF/NUL removed; after a BSD or RFC 3339 stamp, a word that
is not a host name makes the sender, 127.0.0.1, the host).
"""

import os
import struct
import sys

T0 = 1772445600                 # 2026-03-02 10:00:00 UTC (the tests' clock)
SENDER = b"127.0.0.1"           # network host when the line names none
NOPREFIX = b"[unprefixed logs]"  # file lines without a prefix
BIG = 1024 * 1024               # the long lines (made at test time)
BIG_UDP = 65000                 # the longest datagram loopback IPv4 carries comfortably

# the payloads
BCC = b"\r\nBcc: evil@attacker.example"
SUBJECT = b"\nSubject: pwned"
DOT = b"\r\n.\r\n"
CSI = b"\x1b[2J\x1b[H"          # clear screen, cursor home
OSC = b"\x1b]0;pwned\x07"       # set the terminal title
# overlong '/', overlong 3-byte, lone continuation bytes, 0xFF, 0xFE, a
# UTF-16 surrogate, a sequence cut short (at the very end)
BAD_UTF8 = b"\xc0\xaf \xe0\x80\xaf \x80 \xbf \xff \xfe \xed\xa0\x80 \xe2\x82"
SD_QUOTES = b'[x@1 a="b\\"]c" d="]"]'       # valid: a = b"]c, d = ]
SD_BACKSLASH = b'[x@1 a="b\\\\" d="]"]'     # valid: a = b\ (escaped backslash)
SD_BROKEN = b'[x@1 a="b\\\\"]c" d="]"]'     # a = b\ ends the element: "c..." is junk
SD_CONTROL = b'[x@1 a="\r.\x00\x1b[2J" b="\\]"][y@2]'  # control bytes in SD


def host_word(h):
    """in_syslog's test: is the word after a stamp the sender's host?"""
    ok = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%"
    return len(h) > 0 and all(c in ok for c in h) and not h.endswith(b":")


def net_trim(b):
    return b.rstrip(b"\r\n\x00")


def bsd_stamp(i):
    return b"Mar  2 09:%02d:%02d" % (i // 60, i % 60)


def iso_stamp(i):
    return b"2026-03-02T09:%02d:%02dZ" % (i // 60, i % 60)


class Corpus:
    def __init__(self):
        self.lines = []         # {"data": bytes, "file": (h, t), "net": (h, t)}
        self.i = 0

    def _add(self, data, file, net):
        assert b"\n" not in data or file is None, data
        self.lines.append({"data": data, "file": file, "net": net})

    def stamped(self, host, msg, iso=False):
        """BSD (or RFC 3339) "STAMP HOST MSG"."""
        self.i += 1
        rest = host + b" " + msg
        data = (iso_stamp if iso else bsd_stamp)(self.i) + b" " + rest
        # record_parse: HOST ends at the first white-space byte (" \t\n\v\f\r"),
        # exactly one is consumed
        k = min(rest.index(c) for c in b" \t\n\x0b\x0c\r" if c in rest)
        h, m = rest[:k], rest[k + 1:]
        net = (h, net_trim(m)) if host_word(h) else (SENDER, net_trim(rest))
        self._add(data, (h, m), net)

    def rfc5424(self, host, app, procid, sd, msg, valid=True, pri=13):
        self.i += 1
        head = b"<%d>1 2026-03-02T09:%02d:%02d.5Z " % (pri, self.i // 60, self.i % 60)
        data = head + b" ".join([host, app, procid, b"-", sd]) + b" " + msg
        if valid:
            text = b"" if app == b"-" else app + (b"" if procid == b"-" else
                                                  b"[" + procid + b"]") + b": "
            body = msg[3:] if msg.startswith(b"\xef\xbb\xbf") else msg
            self._add(data, (host, text + body), (host, net_trim(text + body)))
        else:
            # file: no prefix; network: a "1 ..." line without a stamp
            self._add(data, (NOPREFIX, data), (SENDER, net_trim(data[len(b"<%d>" % pri):])))

    def raw(self, data):
        """A line without any prefix."""
        self._add(data, (NOPREFIX, data), (SENDER, net_trim(data)))


def lines_corpus():
    """lines.log: one entry per line (no LF inside), read by the file
    input and sent with TCP newline framing."""
    c = Corpus()
    # CR/LF + headers: in a file a LF ends the line, so the injected
    # header arrives as a line of its own (no prefix)
    c.stamped(b"f-bcc", b"app[101]: before" + BCC.replace(b"\n", b""))   # CR only
    c.stamped(b"f-crlf", b"app[102]: line ends in CR LF\r")
    c.raw(b"Bcc: evil@attacker.example")
    c.raw(b"Subject: pwned")
    c.raw(b"To: evil@attacker.example, victim@attacker.example")
    # SMTP end of data and a smuggled transaction, as a file holds it
    c.stamped(b"f-dot", b"app[103]: end of data follows\r")
    c.raw(b".\r")
    c.raw(b"MAIL FROM:<evil@attacker.example>\r")
    c.raw(b"RCPT TO:<evil@attacker.example>\r")
    c.raw(b".")
    c.raw(b"..")
    c.stamped(b"dot1", b".")
    c.stamped(b"dot2", b"..")
    # mbox
    c.raw(b"From evil@attacker.example Mon Mar  2 09:00:00 2026")
    c.stamped(b"mbox1", b"From evil@attacker.example Mon Mar  2 09:00:00 2026")
    c.stamped(b"mbox2", b">From quoted")
    # NUL, invalid UTF-8, terminal escapes, DEL and other C0 bytes
    c.stamped(b"f-nul", b"app[104]: nul\x00byte\x00\x00end")
    c.stamped(b"f-utf8", b"app[105]: bad utf-8 " + BAD_UTF8)
    c.stamped(b"f-esc", b"app[106]: csi " + CSI + b" osc " + OSC +
              b" c1 \x9b2J utf8-c1 \xc2\x9b2J")
    c.stamped(b"f-ctl", b"app[107]: del\x7f bs\x08 bel\x07 tab\there vt\x0b ff\x0c esc\x1b end")
    # a backslash is text: this renders like a real ESC would (see README)
    c.stamped(b"f-literal", b"app[110]: literal \\x1b[2J and \\\\ are text")
    c.stamped(b"f-utf8ok", "app[108]: valid UTF-8 é ü 中 and U+202E \u202e gnp.exe".encode())
    # hostile host fields (no whitespace can be in a host field)
    c.stamped(b"h-nul\x00Bcc:evil@attacker.example", b"app: host with NUL")
    c.stamped(b"h-esc" + CSI + OSC, b"app: host with escapes")
    c.stamped(b"h-utf8-\xff\xc0\xaf\x80", b"app: host with invalid UTF-8")
    c.stamped(b"h-del\x7f", b"app: host with DEL")
    c.stamped(b"Subject:pwned", b"app: host looks like a header")
    c.stamped(b"evil@attacker.example>,<bcc@attacker.example", b"app: host holds addresses")
    c.stamped(b"../../../tmp/hostile-evil", b"app: host with slashes")
    c.stamped(b"..", b"app: host dot dot")
    c.stamped(b"H300-" + b"A" * 295, b"app: host of 300 bytes")
    c.stamped(b"f-vt\x0bBcc:", b"app: a VT ends the host field")
    # RFC 3339 stamps
    c.stamped(b"f-iso", b"app[109]: iso" + BCC.replace(b"\n", b"") + b" " + CSI, iso=True)
    c.stamped(b"h-iso\x1b]0;t\x07", b"app: iso host with OSC", iso=True)
    # RFC 5424 with structured data
    c.rfc5424(b"s-quotes", b"app", b"201", SD_QUOTES, b"sd with quotes and brackets " + CSI)
    c.rfc5424(b"s-bslash", b"app", b"202", SD_BACKSLASH, b"sd with an escaped backslash")
    c.rfc5424(b"s-ctl", b"app", b"203", SD_CONTROL, b"sd with control bytes\r")
    c.rfc5424(b"s-broken", b"app", b"204", SD_BROKEN, b"broken sd", valid=False)
    c.rfc5424(b"s-bom", b"app", b"-", b"-", b"\xef\xbb\xbfBOM then " + OSC)
    c.rfc5424(b"../../evil5424", b"app", b"205", b"-", b"hostname with slashes")
    c.rfc5424(b"..", b"app", b"206", b"-", b"hostname dot dot")
    c.rfc5424(b".", b"app", b"207", b"-", b"hostname dot")
    c.rfc5424(b"S300-" + b"b" * 295, b"app", b"208", b"-", b"hostname of 300 bytes")
    c.rfc5424(b"s-esc\x1b[2J\x00\xff", b"app\x1b]0;x\x07", b"209", b"-", b"hostname and app with escapes")
    c.rfc5424(b"Bcc:evil@attacker.example", b"Subject:", b"210", b"-", b"header-like hostname")
    return c.lines


def messages_corpus():
    """messages.oct: every lines.log entry as a message, then messages
    with LF inside (only octet counting and datagrams carry those)."""
    c = Corpus()
    for e in lines_corpus():
        c.lines.append(dict(e))
    # (data, net) pairs built by hand: the helpers assume no LF
    more = [
        (b"<13>" + bsd_stamp(101) + b" n-bcc app[301]: before" + BCC + b"\r\nX-Other: y",
         (b"n-bcc", b"app[301]: before" + BCC + b"\r\nX-Other: y")),
        (b"<13>" + bsd_stamp(102) + b" n-subj app[302]: subject" + SUBJECT,
         (b"n-subj", b"app[302]: subject" + SUBJECT)),
        (b"<13>" + bsd_stamp(103) + b" n-dot app[303]: dot" + DOT +
         b"RCPT TO:<evil@attacker.example>\r\nDATA\r\n" + DOT,
         (b"n-dot", b"app[303]: dot" + DOT + b"RCPT TO:<evil@attacker.example>\r\nDATA\r\n\r\n.")),
        (b"<13>" + bsd_stamp(104) + b" n-nul app[304]: nul\x00\x00x\x00\x00",
         (b"n-nul", b"app[304]: nul\x00\x00x")),
        # a LF ends the host word like a blank
        (b"<13>" + bsd_stamp(105) + b" n-lf\nBcc: app[305]: LF after the host word",
         (b"n-lf", b"Bcc: app[305]: LF after the host word")),
        (b"<13>1 2026-03-02T09:01:46Z n-5424\r\nBcc:evil@attacker.example app 306 - - 5424 host with CRLF",
         (SENDER, b"1 2026-03-02T09:01:46Z n-5424\r\nBcc:evil@attacker.example app 306 - - 5424 host with CRLF")),
        (b"<13>1 2026-03-02T09:01:47Z n-sd app 307 - " + SD_QUOTES + b" msg" + BCC + SUBJECT,
         (b"n-sd", b"app[307]: msg" + BCC + SUBJECT)),
        (b"\r\n.\r\n", (SENDER, b"\r\n.")),
        (b"..\n", (SENDER, b"..")),
    ]
    for data, net in more:
        c.lines.append({"data": data, "file": None, "net": net})
    return c.lines


# ---- the journal ----

BOOT_ID = b"0123456789abcdef0123456789abcdef"


def journal_host(h):
    """in_journal's HOST: up to a NUL, at most 255 bytes, blanks and
    control bytes as '_', "localhost" when empty."""
    h = h.split(b"\x00")[0][:255]
    if not h:
        return b"localhost"
    return bytes(0x5f if c <= 0x20 or c == 0x7f else c for c in h)


def journal_ident(i):
    i = i.split(b"\x00")[0][:128]
    return bytes(0x5f if c <= 0x20 or c == 0x7f or c in b"[:" else c for c in i)


def journal_corpus():
    """[(fields, (host, text))]: journal entries (fields in export order)
    and their expected reading.  _PID is decimal, PRIORITY 3, facility 1."""
    ents = []

    def add(host, msg, ident=b"app", pid=None):
        n = len(ents) + 1
        pid = b"%d" % (400 + n) if pid is None else pid
        f = [(b"_HOSTNAME", host), (b"SYSLOG_IDENTIFIER", ident), (b"_PID", pid),
             (b"PRIORITY", b"3"), (b"SYSLOG_FACILITY", b"1"), (b"MESSAGE", msg)]
        ents.append((f, (journal_host(host), journal_ident(ident) + b"[" + pid + b"]: " + msg)))

    add(b"j-bcc", b"message" + BCC + SUBJECT + b"\r\n")
    add(b"j-dot", b"end of data" + DOT + b"RCPT TO:<evil@attacker.example>" + DOT)
    add(b"j-dot1", b".")
    add(b"j-dot2", b"..")
    add(b"j-nul", b"nul\x00byte\x00")
    add(b"j-utf8", b"bad utf-8 " + BAD_UTF8)
    add(b"j-esc", b"csi " + CSI + b" osc " + OSC + b" del\x7f c1 \x9b2J")
    add(b"j-mbox", b"From evil@attacker.example Mon Mar  2 09:00:00 2026\nFrom again")
    add(b"evil\r\nBcc: evil@attacker.example", b"CRLF and Bcc in _HOSTNAME")
    add(b"jh-esc" + CSI + OSC, b"escapes in _HOSTNAME")
    add(b"jnul\x00Bcc: evil@attacker.example", b"NUL in _HOSTNAME")
    add(b"\x00only-after-nul", b"_HOSTNAME starts with NUL")
    add(b"jh-utf8-\xff\xfe\xc0\xaf", b"invalid UTF-8 in _HOSTNAME")
    add(b"J300-" + b"C" * 295, b"_HOSTNAME of 300 bytes")
    add(b"../../evil-journal", b"_HOSTNAME with slashes")
    add(b"..", b"_HOSTNAME dot dot")
    add(b"j-ident", b"hostile identifier", ident=b"app[1]: Bcc: evil@attacker.example\r\n")
    return ents


def export_field(name, value):
    """One field of the journal export format; the binary-safe form
    (NAME LF, 64-bit little-endian length, data, LF) unless the value is
    printable ASCII."""
    if all(0x20 <= c < 0x7f for c in value):
        return name + b"=" + value + b"\n"
    return name + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"


def export_entry(seq, fields):
    out = export_field(b"__REALTIME_TIMESTAMP", b"%d" % ((T0 - 3600 + seq) * 1000000 + 250000))
    out += export_field(b"__MONOTONIC_TIMESTAMP", b"%d" % (seq * 1000000 + 1000))
    out += export_field(b"_BOOT_ID", BOOT_ID)
    for k, v in fields:
        out += export_field(k, v)
    return out + b"\n"


# ---- the 1 MiB lines (made at test time, not stored) ----

def big_payload(n):
    """n bytes: hostile bytes first, then a counter pattern, then a marker
    that must never be delivered (it is past any max_line)."""
    head = b"BIG" + BCC.replace(b"\n", b"") + b" " + CSI + b" \x00\x7f\xff "
    tail = b" END-OF-BIG-LINE"
    fill = n - len(head) - len(tail)
    pat = b"".join(b"%07d|" % i for i in range(fill // 8 + 1))[:fill]
    return head + pat + tail


def big_line(total=BIG, host=b"bighost"):
    """A BSD line of exactly `total` bytes (without its LF)."""
    prefix = b"<13>" + bsd_stamp(200) + b" " + host + b" app[999]: "
    return prefix + big_payload(total - len(prefix))


def big_journal_fields(total=BIG):
    return [(b"_HOSTNAME", b"j-big"), (b"SYSLOG_IDENTIFIER", b"app"), (b"_PID", b"999"),
            (b"PRIORITY", b"3"), (b"SYSLOG_FACILITY", b"1"), (b"MESSAGE", big_payload(total))]


# ---- files ----

def octet_frames(msgs):
    return b"".join(b"%d %s" % (len(m), m) for m in msgs)


def parse_octet(data):
    """The messages of an RFC 6587 octet-counted stream."""
    out, i = [], 0
    while i < len(data):
        sp = data.index(b" ", i)
        n = int(data[i:sp])
        out.append(data[sp + 1:sp + 1 + n])
        i = sp + 1 + n
    return out


def build():
    lines = lines_corpus()
    msgs = messages_corpus()
    return {
        "lines.log": b"".join(e["data"] + b"\n" for e in lines),
        "messages.oct": octet_frames(e["data"] for e in msgs),
        "journal.export": b"".join(export_entry(i + 1, f)
                                   for i, (f, _) in enumerate(journal_corpus())),
    }


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, data in build().items():
        with open(os.path.join(d, name), "wb") as fp:
            fp.write(data)
        print("%s: %d bytes" % (name, len(data)))


if __name__ == "__main__":
    main()
