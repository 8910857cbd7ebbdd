#!/usr/bin/env python3
"""gen_fuzz.py — deterministic random log lines built from rule fragments.

    gen_fuzz.py [--lines N] [--seed S] [--conf FILE]... [--logcheck DIR] OUT

Reads the rules of the tenshi-style configurations (--conf; include and
includedir followed, relative to the including file) and of a logcheck
rule tree (--logcheck: every file of cracking.d, cracking.ignore.d,
violations.d, violations.ignore.d and ignore.d.*), and writes N lines
(default 3000) to OUT.  Each line is a syslog-ish header (BSD, RFC 3339,
none or a broken one; random hosts, also hosts sampled from group_host
rules) followed by a body of one of these kinds:

  sample   a random string generated from one rule (a small regex sampler
           that understands PCRE and POSIX ERE well enough: literals,
           classes, POSIX classes, escapes, groups, alternation,
           quantifiers); for logcheck rules the stamp/host part of the rule
           is replaced by a real header most of the time;
  near     the literal runs of one rule joined by random filler (a near
           miss);
  soup     1..10 literal fragments of all rules (split at metacharacters)
           and punctuation (`[ ] : ( ) \\ ...`) joined by random separators.

40 % of the lines are then mutated (32 % in the body, 8 % in the header):
1..4 random insertions, replacements or deletions of tricky bytes (backslash, NUL, control bytes, bytes >= 0x80,
regex metacharacters).  A few long lines (up to 4 KiB) are added.  The
output is bytes (latin-1); the same arguments always give the same file.

Importable (equiv.py uses these): conf_rules(), logcheck_rules(),
fuzz_lines(rules, host_rules, n, seed), and the inputs of the bytes and
stamps tests, byte_lines(nprog) and stamp_lines(logs, rules, n, seed);
each returns a list of lines (bytes, no newline).
"""
import argparse
import os
import random
import re
import string
import sys

WORD = string.ascii_letters + string.digits + "_"
TRICKY = ["\\", "\\\\", "\x00", "\x01", "\x1b", "\t", "\r", "\x7f", "\x80", "\xa0",
          "\xc3\xa9", "\xe2\x80\x94", "\xff", "\xfe", "[", "]", "(", ")", "{", "}", ":",
          "|", "$", "^", ".", "*", "+", "?", "`", "'", '"', "<", ">", "=", ";", "#", "%",
          "/", "-", " ", "  "]
PUNCT = ["[", "]", ":", "(", ")", "\\", ": ", "]: ", "[", "=", ";", ",", "/", "<", ">", "'",
         '"', "{", "}", "|", "-", ".", "#", "@", "*"]
POSIX = {
    "alpha": string.ascii_letters, "digit": string.digits, "alnum": string.ascii_letters + string.digits,
    "upper": string.ascii_uppercase, "lower": string.ascii_lowercase, "space": " \t",
    "blank": " \t", "punct": string.punctuation, "xdigit": string.hexdigits,
    "print": string.printable[:95], "graph": string.printable[:94], "cntrl": "\x01\x1f\x7f",
    "word": WORD,
}
ESC = {"d": string.digits, "w": WORD, "s": " \t", "h": " \t", "D": "-:/. aZ", "W": " -:[]().",
       "S": WORD + "-./:[]()", "H": "ab1"}
PRINT = [chr(c) for c in range(32, 127)]


# ---- a small regex parser: good enough to sample, never used to match ----

class P:
    def __init__(self, s):
        self.s, self.i = s, 0

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""


def parse(s):
    p = P(s)
    try:
        node = alt(p)
    except (IndexError, ValueError, RecursionError):
        return ("seq", [("lit", re.sub(r"\\(.)", r"\1", s))])
    return node


def alt(p):
    branches = [seq(p)]
    while p.peek() == "|":
        p.i += 1
        branches.append(seq(p))
    return ("alt", branches) if len(branches) > 1 else branches[0]


def seq(p):
    items = []
    while p.i < len(p.s) and p.peek() not in "|)":
        a = atom(p)
        items.append(quant(p, a))
    return ("seq", items)


def quant(p, a):
    while True:
        c = p.peek()
        if c in ("*", "+", "?"):
            p.i += 1
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{":
            m = re.match(r"\{(\d*)(,?)(\d*)\}", p.s[p.i:])
            if not m or (m.group(1) == "" and m.group(3) == "" ):
                return a
            p.i += m.end()
            lo = int(m.group(1) or 0)
            hi = lo if not m.group(2) else (int(m.group(3)) if m.group(3) else None)
        else:
            return a
        if p.peek() in ("?", "+"):     # lazy / possessive
            p.i += 1
        a = ("rep", a, lo, hi)


def atom(p):
    c = p.peek()
    p.i += 1
    if c == "(":
        kind = "group"
        if p.peek() == "?":
            m = re.match(r"\?(:|=|!|<=|<!|>|P?<[A-Za-z_]\w*>|'[A-Za-z_]\w*'|[a-zA-Z-]+:|[a-zA-Z-]+\))", p.s[p.i:])
            if m:
                tok = m.group(1)
                p.i += m.end()
                if tok in ("=", "!", "<=", "<!"):
                    kind = "look"
                elif tok.endswith(")"):
                    return ("lit", "")      # (?i) and friends
        inner = alt(p)
        if p.peek() == ")":
            p.i += 1
        return ("lit", "") if kind == "look" else ("grp", inner)
    if c == "[":
        return klass(p)
    if c == ".":
        return ("any",)
    if c in "^$":
        return ("lit", "")
    if c == "\\":
        e = p.peek()
        p.i += 1
        if e in ESC:
            return ("set", ESC[e])
        if e in "bBAzZGK<>`'":
            return ("lit", "")
        if e == "x":
            m = re.match(r"\{([0-9a-fA-F]+)\}|([0-9a-fA-F]{1,2})", p.s[p.i:])
            if m:
                p.i += m.end()
                return ("lit", chr(int(m.group(1) or m.group(2), 16) & 0xff))
        if e.isdigit():
            return ("set", WORD)               # backreference: anything
        return ("lit", {"t": "\t", "n": "", "r": "\r", "e": "\x1b", "a": "\x07", "f": "\x0c"}.get(e, e))
    return ("lit", c)


def klass(p):
    neg = False
    if p.peek() == "^":
        neg = True
        p.i += 1
    chars = set()
    first = True
    while True:
        c = p.peek()
        if c == "":
            raise ValueError("unclosed class")
        if c == "]" and not first:
            p.i += 1
            break
        first = False
        if c == "[" and p.peek(1) in ":.=":
            end = p.s.find(p.peek(1) + "]", p.i + 2)
            if end > 0:
                name = p.s[p.i + 2:end]
                chars.update(POSIX.get(name, name))
                p.i = end + 2
                continue
        p.i += 1
        if c == "\\" and p.peek():
            e = p.peek()
            p.i += 1
            if e in ESC:
                chars.update(ESC[e])
                continue
            chars.add("\\")      # POSIX: a literal backslash
            c = e
        if p.peek() == "-" and p.peek(1) not in ("]", ""):
            hi = p.peek(1)
            p.i += 2
            if hi == "\\" and p.peek():
                hi = p.peek()
                p.i += 1
            if ord(hi) >= ord(c):
                chars.update(chr(x) for x in range(ord(c), ord(hi) + 1))
            continue
        chars.add(c)
    if neg:
        out = [ch for ch in PRINT if ch not in chars] or ["\x80"]
        return ("set", "".join(out))
    return ("set", "".join(sorted(chars)) or "x")


def gen(node, rng, out, depth=0):
    k = node[0]
    if k == "lit":
        out.append(node[1])
    elif k == "set":
        out.append(rng.choice(node[1]))
    elif k == "any":
        out.append(rng.choice(PRINT) if rng.random() < 0.95 else rng.choice(TRICKY))
    elif k == "seq":
        for n in node[1]:
            gen(n, rng, out, depth)
    elif k == "alt":
        gen(rng.choice(node[1]), rng, out, depth)
    elif k == "grp":
        gen(node[1], rng, out, depth)
    elif k == "rep":
        _, a, lo, hi = node
        top = hi if hi is not None else lo + (rng.choice([1, 2, 3, 5, 8]) if depth < 3 else 1)
        n = rng.randint(lo, min(max(top, lo), lo + 40))
        for _ in range(n):
            gen(a, rng, out, depth + 1)


def literal_runs(node, runs, cur):
    """Maximal literal runs of a parsed rule, in order."""
    k = node[0]
    if k == "lit":
        cur.append(node[1])
        return
    if k == "seq":
        for n in node[1]:
            literal_runs(n, runs, cur)
        return
    if cur:
        runs.append("".join(cur))
        cur.clear()
    if k in ("alt",):
        for b in node[1]:
            literal_runs(b, runs, cur)
            if cur:
                runs.append("".join(cur))
                cur.clear()
    elif k == "grp":
        literal_runs(node[1], runs, cur)
        if cur:
            runs.append("".join(cur))
            cur.clear()
    elif k == "rep":
        literal_runs(node[1], runs, cur)
        if cur:
            runs.append("".join(cur))
            cur.clear()


def runs_of(rule):
    runs, cur = [], []
    literal_runs(parse(rule), runs, cur)
    if cur:
        runs.append("".join(cur))
    return [r for r in runs if r]


# ---- where the rules come from ----

def conf_rules(path, rules, hosts, depth=0):
    """Regexes of a tenshi-style config (include/includedir followed)."""
    if depth > 16:
        return
    try:
        with open(path, "rb") as f:
            text = f.read().decode("latin-1")
    except OSError:
        return
    base = os.path.dirname(path)
    for line in text.split("\n"):
        line = line.strip(" \t\r")
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        word, rest = parts[0], parts[1] if len(parts) > 1 else ""
        if word in ("include", "includedir"):
            target = os.path.join(base, rest.strip())
            if word == "include":
                conf_rules(target, rules, hosts, depth + 1)
            elif os.path.isdir(target):
                for name in sorted(os.listdir(target)):
                    full = os.path.join(target, name)
                    if not name.startswith(".") and os.path.isfile(full):
                        conf_rules(full, rules, hosts, depth + 1)
        elif word == "set":
            f = rest.split(None, 3)
            if f and f[0] == "threshold" and len(f) == 4:
                rules.append(f[3])
            elif f and f[0] == "logprefix" and len(f) > 1:
                rules.append(rest.split(None, 1)[1])
        elif word == "group_host":
            hosts.append(rest)
        elif word == "logcheck":
            f = rest.split()
            if f:
                d = f[0] if os.path.isabs(f[0]) else os.path.join(base, f[0])
                rules.extend(logcheck_rules(d))
        elif word != "group_end" and rest:
            rules.append(rest)


def logcheck_rules(d):
    rules = []
    try:
        subs = sorted(os.listdir(d))
    except OSError:
        return rules
    for sub in subs:
        if not (sub.startswith("ignore.d.") or sub in ("cracking.d", "cracking.ignore.d",
                                                          "violations.d", "violations.ignore.d")):
            continue
        sd = os.path.join(d, sub)
        if not os.path.isdir(sd):
            continue
        for name in sorted(os.listdir(sd)):
            full = os.path.join(sd, name)
            if not os.path.isfile(full):
                continue
            with open(full, "rb") as f:
                for line in f.read().decode("latin-1").split("\n"):
                    if line.strip() and not line.startswith("#"):
                        rules.append(line)
    return rules


# The stamp-and-host part that starts most logcheck rules.
LC_HEAD = re.compile(r"^\^\(?(?:\\w\{3\}|\[\[:alpha:\]\]\{3\}|\[-0-9\]\{10\})[^\n]{0,60}?"
                     r"\[(?:\._\[:alnum:\]-|-\[:alnum:\])\]\+ ")


# ---- lines ----

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def header(rng, hosts):
    r = rng.random()
    host = rng.choice(hosts)
    if r < 0.68:
        return "%s %2d %02d:%02d:%02d %s " % (rng.choice(MONTHS), rng.randint(1, 28), rng.randrange(24),
                                             rng.randrange(60), rng.randrange(60), host)
    if r < 0.88:
        return "2026-%02d-%02dT%02d:%02d:%02d.%06d+00:00 %s " % (rng.randint(1, 12), rng.randint(1, 28),
                                                               rng.randrange(24), rng.randrange(60),
                                                               rng.randrange(60), rng.randrange(10 ** 6), host)
    if r < 0.93:
        return ""
    return rng.choice(["Nov  9 12:01:02 #8# ", "Jan  1 00:00:00 ", "Feb 30 25:61:61 x ",
                       "<13>1 2026-01-02T03:04:05Z h app 12 - - ", "2026-01-02 03:04:05 host ",
                       "Nov 21 09:00:01  ", "Nov 21 09:00:01 [sshd] ", "Dec 31 23:59:59 h\\x "])


def mutate(s, rng):
    s = list(s)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        pos = rng.randrange(len(s) + 1)
        t = rng.choice(TRICKY) if rng.random() < 0.8 else chr(rng.randrange(256))
        if op < 0.5 or not s:
            s.insert(pos, t)
        elif op < 0.8:
            s[min(pos, len(s) - 1)] = t
        else:
            del s[min(pos, len(s) - 1)]
    return "".join(s)


def add_pid(body, rng):
    m = re.match(r"^([^\s:\[\]]+)(: )", body)
    if m and rng.random() < 0.5:
        return "%s[%d]%s" % (m.group(1), rng.randrange(1, 99999), body[m.end(1):])
    return body


_prepared = {}


def prepare(r):
    """(rule, has a logcheck stamp/host head, parsed tail, literal runs),
    memoised: the logcheck configurations share one rule tree."""
    if r not in _prepared:
        head = LC_HEAD.match(r)
        body = r[head.end():] if head else r
        _prepared[r] = (r, head is not None, parse(body), runs_of(body))
    return _prepared[r]


def fuzz_lines(rules, host_rules, n, seed):
    rng = random.Random(seed)
    parsed = []
    frags = set()
    for r in rules:
        parsed.append(prepare(r))
        runs = parsed[-1][3]
        for run in runs:
            frags.add(run)
            frags.update(w for w in re.split(r"[\s]+", run) if w)
    frags = sorted(frags) + PUNCT
    hosts = ["web1", "db-2.example.org", "LabSZ", "combo", "dn228", "tbird-admin1", "tbird-sm1",
             "10.0.0.7", "calvisitor-10-105-160-95", "h", "a_b.c-d", "UPPER", "localhost"]
    for hr in host_rules:
        t = parse(hr)
        for _ in range(4):
            out = []
            gen(t, rng, out)
            h = "".join(out)
            if h and not any(c.isspace() for c in h):
                hosts.append(h)
    if not parsed:
        parsed = [("x", False, parse("x"), ["x"])]
    lines = []
    while len(lines) < n:
        kind = rng.random()
        rule, lc, tree, runs = rng.choice(parsed)
        if kind < 0.45:
            out = []
            gen(tree, rng, out)
            body = "".join(out)
            if lc and rng.random() < 0.15:
                out = []
                gen(parse(rule), rng, out)     # the rule's own stamp and host
                head, body = "", "".join(out)
            else:
                head, body = header(rng, hosts), (body if lc else add_pid(body, rng))
        elif kind < 0.7:
            fill = lambda: rng.choice(["", " ", "x", str(rng.randrange(1000)), rng.choice(frags),
                                       "".join(rng.choice(WORD) for _ in range(rng.randint(1, 8)))])
            body = "".join(r + fill() for r in runs) if runs else fill()
            head, body = header(rng, hosts), (body if lc else add_pid(body, rng))
        else:
            k = rng.randint(1, 10)
            sep = lambda: rng.choice(["", " ", " ", ": ", "[%d]: " % rng.randrange(1, 65536), "=", " - "])
            head, body = header(rng, hosts), "".join(rng.choice(frags) + sep() for _ in range(k))
        r = rng.random()
        if r < 0.32:
            body = mutate(body, rng)
        elif r < 0.4:
            head = mutate(head, rng)
        line = head + body
        if rng.random() < 0.004:
            line += "".join(rng.choice(frags) + " " for _ in range(rng.randint(50, 400)))[:4096]
        lines.append(line.replace("\n", "\\n").encode("latin-1", "replace"))
    return lines


def byte_lines(nprog):
    """For programs p00..p(nprog-1): "pNN: x<b>y", "x<b><b>y", "xx<b>yy"
    and "x<b>" for every byte b except newline, behind a BSD header
    (the rules of bytes.conf and bytes-tree/ pair up with the pNN)."""
    out = []
    for i in range(nprog):
        head = b"Jan  1 00:00:00 h p%02d: " % i
        for b in range(256):
            if b == 10:
                continue
            c = bytes([b])
            out += [head + b"x" + c + b"y", head + b"x" + c + c + b"y", head + b"xx" + c + b"yy", head + b"x" + c]
    return out


STAMPS = [b"Jan  1 00:00:00", b"Jan 01 00:00:00", b"Jan 1 00:00:00", b"jan  1 00:00:00", b"JAN  1 00:00:00",
          b"J_n  1 00:00:00", b"123  1 00:00:00", b"Ja  1 00:00:00", b"Janu  1 00:00:00", b"Jan  1 0:00:00:0",
          b"Jan 12345678901", b"Jan :::::::::::", b"Jan           ", b"Jan  1 00:00:00 ", b"Jan\t 1 00:00:00",
          b"Jan  1 00:00:0", b"Dec 31 23:59:59",
          b"2025-03-03T10:00:01.123456+00:00", b"2025-03-03T10:00:01.12345+00:00",
          b"2025-03-03T10:00:01.1234567+00:00", b"2025-03-03T10:00:01.123456Z", b"2025-03-03T10:00:01+00:00",
          b"2025-03-03t10:00:01.123456+00:00", b"++++++++++++++++++++++++++++++++",
          b"2025-03-03 10:00:01.123456+00:00", b"TTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT", b"2025-03-03T10:00:01.123456-05:00",
          b"", b"<13>Jan  1 00:00:00", b"Jan  1 00:00:00 2025", b"<13>1 2025-03-03T10:00:01.123456+00:00"]
HOSTS = [b"web1", b"a.b-c_d", b"h/x", b"h:x", b"h@x", b"[h]", b"h\xe9", b"", b"-", b".", b"_", b"h h", b"h\tx",
         b"10.0.0.1", b"::1", b"h\\x", b"H" * 300]


def stamp_lines(logs, rules, n_bodies, seed):
    """Message bodies (half from real logs, half generated from the tails
    of logcheck rules) behind every stamp of STAMPS and 4 of HOSTS: the
    stamp and host part is where the Hyperscan path of a logcheck tree
    differs most from plain PCRE2 (it scans the rule tails after the
    host)."""
    rng = random.Random(seed)
    head = re.compile(rb"^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ (.*)$", re.S)
    bodies = set()
    for p in logs:
        with open(p, "rb") as f:
            for l in f.read().split(b"\n"):
                m = head.match(l)
                if m:
                    bodies.add(m.group(1))
    bodies = sorted(bodies)
    rng.shuffle(bodies)
    bodies = bodies[:n_bodies // 2]
    tails = [r[m.end():] for r in rules for m in [LC_HEAD.match(r)] if m]
    for r in (rng.sample(tails, min(len(tails), n_bodies - len(bodies))) if tails else []):
        out = []
        gen(parse(r), rng, out)
        bodies.append("".join(out).encode("latin-1", "replace"))
    out = []
    for b in bodies:
        for s in STAMPS:
            for h in rng.sample(HOSTS, 4):
                sep = rng.choice([b"  ", b"\t"]) if rng.random() < 0.1 else b" "
                out.append((s + b" " if s else b"") + h + sep + b)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--conf", action="append", default=[])
    ap.add_argument("--logcheck")
    ap.add_argument("out")
    a = ap.parse_args()
    rules, hosts = [], []
    for c in a.conf:
        conf_rules(c, rules, hosts)
    if a.logcheck:
        rules += logcheck_rules(a.logcheck)
    if not rules:
        sys.exit("gen_fuzz.py: no rules found")
    with open(a.out, "wb") as f:
        for l in fuzz_lines(rules, hosts, a.lines, a.seed):
            f.write(l + b"\n")


if __name__ == "__main__":
    main()
