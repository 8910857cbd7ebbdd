#!/usr/bin/env python3
"""gen_corpus.py — deterministic corpus resampled from real logs.

    gen_corpus.py [--lines N] [--seed S] OUT LOG...

Writes N lines (default 50000) to OUT.  Every line comes from one of the
input logs; only the variable fields are drawn anew:

  * the logs are cut into blocks of 1..24 consecutive lines, so sessions
    (connect, failures, disconnect) stay together; a log is drawn with a
    weight of the square root of its length, then one of its blocks, with
    replacement;
  * per block, every original host is mapped to a host from a fixed pool
    of 160 names (25 %: the real name is kept), every pid is shifted by one
    offset for the block, every IPv4 address in the message is kept (40 %)
    or replaced by one from a fixed pool of 3000 addresses (so offenders
    recur);
  * time stamps are non-decreasing from Nov 20 00:00:00; 12 % of the
    blocks are written with an RFC 3339 stamp instead of a BSD one; lines
    of the input that have neither header are copied unchanged.

Bytes are kept as they are (8-bit bytes, control bytes).  Only the Python
standard library is used, and no hash order is involved: the same
arguments give byte-identical output on every run.
"""
import argparse
import random
import re
import sys

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
MDAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
BSD = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (\S+) (.*)$", re.S)
RFC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) (\S+) (.*)$", re.S)
TAG = re.compile(r"^([^\s\[\]:]+)\[(\d+)\](.*)$", re.S)
IPV4 = re.compile(r"(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])")


def host_pool(rng):
    words = ["web", "db", "mail", "mx", "gw", "fw", "ns", "app", "node", "dn",
             "tbird-sm", "tbird-admin", "cn", "vm", "edge", "lb", "backup"]
    doms = ["", "", "", ".example.org", ".lab.internal", ".corp"]
    pool = []
    for i in range(140):
        w = rng.choice(words)
        pool.append("%s%s%d%s" % (w, rng.choice(["", "-", ""]), rng.randrange(1, 400), rng.choice(doms)))
    # odd but legal-looking host fields
    pool += ["10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)) for _ in range(10)]
    pool += ["LabSZ", "combo", "calvisitor-10-105-160-95", "localhost", "h_1", "x",
             "a.b-c_d", "UPPER-HOST", "host9", "2001:db8::1"]
    return pool


def ip_pool(rng, n):
    out = []
    for _ in range(n):
        out.append("%d.%d.%d.%d" % (rng.choice([5, 23, 45, 61, 91, 103, 112, 118, 185, 192, 203, 218]),
                                    rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)))
    return out


def parse(line):
    """(kind, host, tag, pid, segments, ips) or None for a raw line."""
    m = BSD.match(line)
    kind = "bsd"
    if not m:
        m = RFC.match(line)
        kind = "rfc"
    if not m:
        return None
    host, rest = m.group(1), m.group(2)
    t = TAG.match(rest)
    if t:
        tag, pid, tail = t.group(1), int(t.group(2)), t.group(3)
    else:
        tag, pid, tail = None, None, rest
    segs, ips, last = [], [], 0
    for mm in IPV4.finditer(tail):
        segs.append(tail[last:mm.start()])
        ips.append(mm.group(0))
        last = mm.end()
    segs.append(tail[last:])
    return (kind, host, tag, pid, tuple(segs), tuple(ips))


def stamp(t, rfc, rng):
    """t = seconds since Jan 1 00:00:00 of a non-leap year."""
    day, sec = divmod(int(t), 86400)
    day %= 365
    mon = 0
    while day >= MDAYS[mon]:
        day -= MDAYS[mon]
        mon += 1
    hh, rem = divmod(sec, 3600)
    mm, ss = divmod(rem, 60)
    if rfc:
        frac = rng.choice(["", ".%06d" % rng.randrange(10 ** 6), ".%03d" % rng.randrange(1000)])
        tz = rng.choice(["+00:00", "Z", "+01:00", "-05:00"])
        return "2025-%02d-%02dT%02d:%02d:%02d%s%s" % (mon + 1, day + 1, hh, mm, ss, frac, tz)
    return "%s %2d %02d:%02d:%02d" % (MONTHS[mon], day + 1, hh, mm, ss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("out")
    ap.add_argument("logs", nargs="+")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    hosts = host_pool(rng)
    ips = ip_pool(rng, 3000)

    # blocks of consecutive lines, per log, in argument order; a log is
    # drawn with a weight of the square root of its length, so small logs
    # are not drowned by big ones
    logs, weights = [], []
    for path in a.logs:
        with open(path, "rb") as f:
            lines = [raw.rstrip(b"\n").decode("latin-1") for raw in f]
        blocks, i = [], 0
        while i < len(lines):
            n = min(len(lines) - i, 1 + int(rng.expovariate(1 / 5.0)) % 24)
            blocks.append([parse(l) or l for l in lines[i:i + n]])
            i += n
        if blocks:
            logs.append(blocks)
            weights.append(len(lines) ** 0.5)
    if not logs:
        sys.exit("gen_corpus.py: no input lines")

    t = 365 * 86400 - 42 * 86400      # Nov 20 00:00:00
    out = []
    while len(out) < a.lines:
        blk = rng.choice(rng.choices(logs, weights)[0])
        rfc = rng.random() < 0.12
        hmap, pshift, imap = {}, rng.randrange(1, 30000), {}
        t += rng.expovariate(1 / 3.0)
        for p in blk:
            if len(out) >= a.lines:
                break
            t += rng.expovariate(1 / 0.4)
            if isinstance(p, str):
                out.append(p)
                continue
            kind, host, tag, pid, segs, oips = p
            if host not in hmap:
                hmap[host] = host if rng.random() < 0.25 else rng.choice(hosts)
            parts = [stamp(t, rfc or (kind == "rfc" and rng.random() < 0.8), rng), " ", hmap[host], " "]
            if tag is not None:
                parts.append("%s[%d]" % (tag, (pid + pshift) % 65536 if pid else 0))
            for j, seg in enumerate(segs):
                parts.append(seg)
                if j < len(oips):
                    ip = oips[j]
                    if ip not in imap:
                        imap[ip] = ip if rng.random() < 0.4 else rng.choice(ips)
                    parts.append(imap[ip])
            out.append("".join(parts))
    with open(a.out, "wb") as f:
        for l in out:
            f.write(l.encode("latin-1") + b"\n")


if __name__ == "__main__":
    main()
