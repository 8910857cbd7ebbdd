#!/usr/bin/python3
"""Put tenshi's and logward's report mails into one canonical text form.

    normalize.py tenshi MAILDIR        (mail-NNN.eml + mail-NNN.envelope)
    normalize.py logward MBOXFILE      (output of `logward check`)

Per mail (mails sorted by queue name):

    === [QUEUE]
    envelope-to: ADDR             tenshi: each RCPT TO of the real envelope;
                                  logward: its To: header split on ','
    headers: From To Date version hostname report-start Subject
                                  names present, in order, X-tenshi-/X-logward-
                                  prefix removed, only the names tenshi
                                  writes (logward's extra X-logward-queue is
                                  not listed)
    From: ...
    To: ...
    Subject: ...
    body:
    |LINE                         one per body line, '|' keeps blanks visible

Body: tenshi's "*** Status: terminating ***" first line is dropped (logward
check has no status line; any status line logward prints stays visible).
Host blocks are sorted by host name and every run of lines with the same
count is sorted by message text, for normal (`HOST: ` blocks) and pager
(`HOST,COUNT,MESSAGE`, recognised by the first line and the absence of
empty lines; other lines stay with the host before them) bodies alike.  That is all tenshi leaves to Perl's
hash order.  Bytes are kept as they are (latin-1 round trip).

Only for cases that declare "limit_ties: N" (an unavoidable tie at the
`limit` boundary, e.g. Debian's sample config over 25k lines): in a host
block showing exactly N entries, the text of the last run of equal counts
is replaced by a marker, since which tied lines tenshi keeps depends on
Perl's hash order.  Their number and count are still compared.
"""

import os
import re
import sys

STATUS_LINE = "*** Status: terminating ***"
TENSHI_HEADERS = ("From", "To", "Date", "version", "hostname",
                  "report-start", "Subject")
SHOWN_HEADERS = ("From", "To", "Subject")
_ENTRY = re.compile(r"^    (\d+): ")
_PAGER = re.compile(r"^([^,]*),(\d+),")
_XHDR = re.compile(r"^X-(?:tenshi|logward)-(.*)$", re.I)


class FormatError(Exception):
    pass


def _dec(b):
    return b.decode("latin-1")


def _header_name(name):
    m = _XHDR.match(name)
    return m.group(1) if m else name


def split_message(text):
    """text (str) -> (list of (name, value), body lines)."""
    head, sep, body = text.partition("\n\n")
    if not sep:
        raise FormatError("message without header/body separator")
    headers = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and headers:       # folded header
            headers[-1] = (headers[-1][0], headers[-1][1] + "\n" + line)
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise FormatError("bad header line: %r" % line)
        headers.append((name, value.strip()))
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()           # the newline that ends the last line
    return headers, lines


def _sort_runs(entries, count_of):
    """Sort each run of consecutive lines with equal count by text.
    Lines for which count_of() is None stay where they are."""
    out, run, run_count = [], [], None
    for line in entries:
        c = count_of(line)
        if c is not None and c == run_count:
            run.append(line)
            continue
        out.extend(sorted(run))
        run, run_count = ([line], c) if c is not None else ([], None)
        if c is None:
            out.append(line)
    out.extend(sorted(run))
    return out


def _entry_count(line):
    m = _ENTRY.match(line)
    return int(m.group(1)) if m else None


TIE_MARK = "<tied at the limit: which of the equal-count lines is shown is not compared>"


def normalise_body(lines, tie_limit=0):
    if lines and _PAGER.match(lines[0]) and lines[0] != "" and "" not in lines:
        return _normalise_pager(lines)
    return _normalise_normal(lines, tie_limit)


def _mask_limit_tie(entries, tie_limit):
    """In a host block showing exactly tie_limit entries, the last run of
    equal counts may be a tie that `limit` cut: which of those lines tenshi
    shows depends on Perl's hash order.  Keep their number and count,
    replace their text."""
    idx = [i for i, l in enumerate(entries) if _ENTRY.match(l)]
    if not tie_limit or len(idx) != tie_limit:
        return entries
    last = _entry_count(entries[idx[-1]])
    out = list(entries)
    for i in reversed(idx):
        if _entry_count(out[i]) != last:
            break
        out[i] = "    %d: %s" % (last, TIE_MARK)
    return out


def _normalise_normal(lines, tie_limit=0):
    # a host block starts with an empty line followed by a line that does
    # not start with a blank (the "HOST: " header)
    starts = [i for i in range(len(lines) - 1)
              if lines[i] == "" and lines[i + 1][:1] not in ("", " ")]
    if not starts:
        return list(lines)
    pre = lines[:starts[0]]
    blocks = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(lines)
        block = lines[s:e]
        blocks.append(block[:2] + _mask_limit_tie(
            _sort_runs(block[2:], _entry_count), tie_limit))
    blocks.sort(key=lambda b: b[1])
    return pre + [l for b in blocks for l in b]


def _pager_count(line):
    m = _PAGER.match(line)
    return int(m.group(2)) if m else None


def _normalise_pager(lines):
    """HOST,COUNT,MESSAGE lines: group by host (a line that is not in that
    form stays with the host before it), sort hosts, sort equal counts."""
    hosts, order, cur = {}, [], None
    for line in lines:
        m = _PAGER.match(line)
        if m:
            cur = m.group(1)
        if cur not in hosts:
            hosts[cur] = []
            order.append(cur)
        hosts[cur].append(line)
    out = []
    for h in sorted(order):
        out.extend(_sort_runs(hosts[h], _pager_count))
    return out


def queue_of(subject):
    m = re.search(r"\[([^\]]*)\]$", subject or "")
    return m.group(1) if m else "?"


def render(headers, body, recipients, drop_status, tie_limit=0):
    names = [_header_name(n) for n, _ in headers]
    values = {}
    for n, v in headers:
        values.setdefault(_header_name(n), v)
    if drop_status and body[:1] == [STATUS_LINE]:
        body = body[1:]
    out = ["=== [%s]" % queue_of(values.get("Subject"))]
    out += ["envelope-to: %s" % r for r in recipients]
    out.append("headers: " + " ".join(n for n in names if n in TENSHI_HEADERS))
    for n in SHOWN_HEADERS:
        if n in values:
            out.append("%s: %s" % (n, values[n]))
    out.append("body:")
    out += ["|" + l for l in normalise_body(body, tie_limit)]
    return queue_of(values.get("Subject")), "\n".join(out) + "\n"


def _join(mails):
    mails.sort()
    return "".join(text for _, text in mails)


def normalise_tenshi(mails, tie_limit=0):
    """mails: [(eml bytes, envelope text)] -> normalised text.
    tie_limit: the config's `limit` when a case has an unavoidable tie at
    the limit boundary (see _mask_limit_tie), else 0."""
    out = []
    for eml, env in mails:
        headers, body = split_message(_dec(eml))
        rcpts = [m.group(1) for m in re.finditer(r"^RCPT TO:<(.*)>$", env, re.M)]
        out.append(render(headers, body, rcpts, True, tie_limit))
    return _join(out)


def split_mboxrd(data):
    """logward's mboxrd stream (bytes) -> list of message texts (str)."""
    text = _dec(data)
    if text == "":
        return []
    if not text.startswith("From "):
        raise FormatError("mbox stream does not start with a 'From ' line")
    lines = text.split("\n")
    if lines[-1] != "":
        raise FormatError("mbox stream does not end with a newline")
    lines.pop()
    msgs, cur = [], None
    for line in lines:
        if line.startswith("From "):
            if cur is not None:
                msgs.append(cur)
            cur = []
            continue
        cur.append(re.sub(r"^>(>*From )", r"\1", line))
    msgs.append(cur)
    out = []
    for i, m in enumerate(msgs, 1):
        if not m or m[-1] != "":
            raise FormatError("mbox message %d is not followed by an empty line" % i)
        out.append("\n".join(m[:-1]) + "\n")
    return out


def normalise_logward(data, tie_limit=0):
    out = []
    for msg in split_mboxrd(data):
        headers, body = split_message(msg)
        to = next((v for n, v in headers if n == "To"), "")
        rcpts = [r.strip() for r in to.split(",") if r.strip()]
        out.append(render(headers, body, rcpts, False, tie_limit))
    return _join(out)


def _read_maildir(d):
    mails = []
    for name in sorted(os.listdir(d)):
        if re.match(r"mail-\d+\.eml$", name):
            with open(os.path.join(d, name), "rb") as fh:
                eml = fh.read()
            with open(os.path.join(d, name[:-4] + ".envelope"), "rb") as fh:
                env = _dec(fh.read())
            mails.append((eml, env))
    return mails


def main(argv):
    if len(argv) != 3 or argv[1] not in ("tenshi", "logward"):
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "tenshi":
        text = normalise_tenshi(_read_maildir(argv[2]))
    else:
        with open(argv[2], "rb") as fh:
            text = normalise_logward(fh.read())
    sys.stdout.buffer.write(text.encode("latin-1"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
