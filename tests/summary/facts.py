"""The facts of logwatch-notes section 6, read from the real logwatch's
text report and from `logward summary --format json`, in one shape:
{(service, fact): {key tuple: count}}, so the two can be compared.

Only the facts the notes name are read; everything else in either report
is left alone.  The logward side is turned into what logwatch would show
for the same lines by the documented quirks (adjust_*); the test then
lists what still differs."""

import pwd
import re

# "KEY: N Time(s)", "KEY : N Times" (sshd, Q15); a key may end in blanks
TIMES = re.compile(r"^(.*)(?::| :)\s+(\d[\d,]*) Times?(?:\(s\))?\s*$")


def sections(text):
    """{title: [lines]} of a logwatch report's "---- TITLE Begin ----"
    blocks."""
    out = {}
    cur = None
    for line in text.split("\n"):
        m = re.match(r"^ -+ (.*) Begin -+ ?$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
            continue
        if re.match(r"^ -+ (.*) End -+ ?$", line):
            cur = None
            continue
        if cur is not None:
            out[cur].append(line)
    return out


def indent(line):
    return len(line) - len(line.lstrip(" "))


def num(s):
    return int(s.replace(",", ""))


def add(d, key, n):
    d[key] = d.get(key, 0) + n


def blocks(lines):
    """[(heading, [lines below it])] for headings at indent 1."""
    out = []
    for line in lines:
        if not line.strip():
            continue
        if indent(line) == 1 and not line.startswith("  "):
            out.append((line.strip(), []))
        elif out:
            out[-1][1].append(line)
    return out


def times(line, strip=True):
    """(key, count) of a "KEY: N Time(s)" line, or None; strip: drop the
    key's trailing blanks (sshd writes "user : N")."""
    m = TIMES.match(line)
    if not m:
        return None
    return (m.group(1).rstrip() if strip else m.group(1)), num(m.group(2))


def tree2(lines, strip=True):
    """Two-level "a: N" / "   b: N" lists (logwatch indents them by 4 and
    7) → {(a, b): n}, or {(a,): n} when there is no second level.  A key
    keeps blanks of its own ("  0101" is " 0101" at indent 7)."""
    d = {}
    top = None
    top_n = 0
    kids = False
    for line in lines:
        t = times(line, strip)
        if indent(line) == 4:
            if top is not None and not kids and top_n:
                add(d, (top,), top_n)
            top = t[0][4:] if t else line.strip().rstrip(":")
            top_n = t[1] if t else 0
            kids = False
        elif t and top is not None and indent(line) >= 7:
            add(d, (top, t[0][7:]), t[1])
            kids = True
    if top is not None and not kids and top_n:
        add(d, (top,), top_n)
    return d


# ---- logwatch ----

def lw_sshd(lines, f):
    for head, body in blocks(lines):
        h = head.rstrip(":")
        if h == "Failed logins from":
            f[("sshd", "failed_login")] = tree2(body)
        elif h == "Illegal users from":
            f[("sshd", "invalid_user")] = tree2(body)
        elif h == "Users logging in through sshd":
            f[("sshd", "accepted_login")] = tree2(body)
        elif h == "Disconnecting after too many authentication failures for user":
            f[("sshd", "too_many_auth_failures")] = tree2(body)
        elif h == "Didn't receive an ident from these IPs":
            f[("sshd", "no_ident")] = tree2(body)


PAM_CAT = {"Authentication Failures": "auth_failure", "Sessions Opened": "session_opened",
           "Password changed": "password_changed", "Invalid Users": "invalid_user"}


def lw_pam(lines, f):
    svc = cat = None
    for line in lines:
        if not line.strip():
            continue
        i = indent(line)
        if i == 1:
            svc = line.strip().rstrip(":")
            cat = None
        elif i == 4:
            cat = PAM_CAT.get(line.strip().rstrip(":"))
        elif i >= 7 and cat is not None:
            t = times(line, False)
            if t:
                add(f.setdefault(("pam_unix", cat), {}), (svc, t[0][7:]), t[1])


def lw_sudo(lines, f):
    who = None
    cmds = []
    body = [l for l in lines if l.strip()]
    i = 0
    while i < len(body):
        line = body[i]
        if re.match(r"^ \S.* => \S+$", line) and i + 1 < len(body) and \
                re.match(r"^ -+$", body[i + 1]):
            who = line.strip()
            i += 2
            continue
        if line.startswith(" **Unmatched"):
            break
        if who is not None and line.startswith(" ") and not line.startswith("  "):
            text = line[1:]
            while text.endswith(" \\") and i + 1 < len(body):
                i += 1
                text = text[:-2] + " " + body[i].strip()
            cmds.append((who, text))
        i += 1
    cmd, fail = {}, {}
    for who, text in cmds:
        m = re.match(r"^(.*?) ; (.*)$", text)
        if m and not text.startswith("/"):
            add(fail, (who, m.group(1), m.group(2)), 1)
        else:
            add(cmd, (who, text), 1)
    f[("sudo", "command")] = cmd
    f[("sudo", "failure")] = fail


KERNEL = {"Segmentation Faults in these executables": "segfault",
          "General Protection Faults in these executables": "gpf",
          "Out of memory killer killed these executables": "oom_kill"}


def lw_kernel(lines, f):
    for head, body in blocks(lines):
        m = re.match(r"^WARNING:\s+(.*)$", head)
        if not m:
            continue
        if m.group(1) in KERNEL:
            f[("kernel", KERNEL[m.group(1)])] = tree2(body)
        elif m.group(1) == "Kernel Errors Present":
            f[("kernel", "error_total")] = {(): sum(tree2(body).values())}


def lw_cron(lines, f):
    d = {}
    user = None
    on = False
    for line in lines:
        if line.strip() == "Commands Run:":
            on = True
            continue
        if not on or not line.strip():
            continue
        if indent(line) <= 1:
            on = line.strip() == "Commands Run:"
            continue
        m = re.match(r"^    User (.*):$", line)
        if m:
            user = m.group(1)
            continue
        t = times(line, False)
        if t and user is not None:
            add(d, (user, t[0][7:]), t[1])
    f[("cron", "command")] = d


def lw_http(lines, f):
    resp, err = {}, {}
    code = None
    on = False
    for line in lines:
        m = re.search(r"\(1xx (\d+), 2xx (\d+), 3xx (\d+), 4xx (\d+), 5xx (\d+)\)", line)
        if m:
            for k, v in zip(("1xx", "2xx", "3xx", "4xx", "5xx"), m.groups()):
                if int(v):
                    resp[(k,)] = int(v)
        if line.strip() == "Requests with error response codes":
            on = True
            continue
        if on:
            if not line.strip() or indent(line) <= 1:
                on = False
                continue
            mc = re.match(r"^    (\d{3}) ", line)
            if mc:
                code = mc.group(1)
                continue
            t = times(line, False)
            if t and code:
                add(err, (code, t[0][7:]), t[1])
    f[("http", "responses")] = resp
    f[("http", "error_request")] = err


POSTFIX = ["Connections", "Disconnections", "Removed from queue", "Accepted",
           "Total 5xx Rejects", "SASL authentication failed", "Sent via SMTP",
           "Connections lost (inbound)", "Bytes accepted"]


def lw_postfix(lines, f):
    d = {}
    for line in lines:
        if line.startswith(" ****** Detail"):
            break
        m = re.match(r"^\s+(\S+)\s+(.*?)\s{2,}(\S+)\s*$", line)
        if not m or m.group(2) not in POSTFIX:
            continue
        if m.group(2) == "Bytes accepted":
            d[(m.group(2),)] = num(m.group(3))
        else:
            d[(m.group(2),)] = num(m.group(1))
    f[("postfix", "summary")] = d


def from_logwatch(text):
    f = {}
    s = sections(text)
    for title, fn in (("SSHD", lw_sshd), ("pam_unix", lw_pam),
                      ("Sudo (secure-log)", lw_sudo), ("Kernel", lw_kernel),
                      ("Cron", lw_cron), ("httpd", lw_http), ("Postfix", lw_postfix)):
        if title in s:
            fn(s[title], f)
    return f


# ---- logward ----

def rows(js, svc, fact):
    for s in js["services"]:
        if s["id"] != svc:
            continue
        for fa in s["facts"]:
            if fa["id"] == fact:
                return fa
    return None


def table(js, svc, fact):
    fa = rows(js, svc, fact)
    d = {}
    if fa is not None:
        for r in fa["rows"]:
            add(d, tuple(r["key"]), r["count"])
    return d


def uidname(uid):
    try:
        return pwd.getpwuid(int(uid)).pw_name
    except (KeyError, ValueError):
        return None


def from_logward(js):
    """logward's facts, adjusted to what logwatch shows for the same
    lines (each adjustment is one of logwatch-notes' quirks)."""
    f = {}
    f[("sshd", "failed_login")] = table(js, "sshd", "failed_login")
    # Q1: logwatch adds every "Failed ... for invalid user" and "maximum
    # authentication attempts exceeded for invalid user" line to the
    # "Illegal users" of the same address and user
    inv = dict(table(js, "sshd", "invalid_user"))
    for (ip, um), n in table(js, "sshd", "failed_invalid").items():
        add(inv, (ip, um.split("/", 1)[0]), n)
    for (ip, u), n in table(js, "sshd", "max_auth_exceeded").items():
        if u.startswith("invalid user "):
            add(inv, (ip, u[len("invalid user "):]), n)
    f[("sshd", "invalid_user")] = inv
    f[("sshd", "accepted_login")] = table(js, "sshd", "accepted_login")
    # logwatch counts "maximum authentication attempts exceeded for USER"
    # as a disconnect after too many failures of USER
    tm = dict(table(js, "sshd", "too_many_auth_failures"))
    for (ip, u), n in table(js, "sshd", "max_auth_exceeded").items():
        if not u.startswith("invalid user "):
            add(tm, (u,), n)
    f[("sshd", "too_many_auth_failures")] = tm
    f[("sshd", "no_ident")] = table(js, "sshd", "no_ident")
    for cat in ("auth_failure", "session_opened", "password_changed", "invalid_user"):
        d = {}
        for (svc, who), n in table(js, "pam_unix", cat).items():
            # Q11: logwatch names "(uid=N)" through this host's passwd
            m = re.match(r"^\(uid=(\d+)\) -> (.*)$", who)
            if cat == "session_opened" and m and uidname(m.group(1)):
                who = "%s -> %s" % (uidname(m.group(1)), m.group(2))
            add(d, (svc, who), n)
        f[("pam_unix", cat)] = d
    f[("sudo", "command")] = table(js, "sudo", "command")
    f[("sudo", "failure")] = table(js, "sudo", "failure")
    for k in ("segfault", "gpf", "oom_kill"):
        f[("kernel", k)] = table(js, "kernel", k)
    # Q10: logwatch cuts error keys (after "error" + 17 bytes, BUG/WARNING/
    # INFO at 40) so different errors merge: compare the totals
    tot = 0
    for k in ("error", "bug"):
        fa = rows(js, "kernel", k)
        tot += fa["total"] if fa else 0
    f[("kernel", "error_total")] = {(): tot} if tot else {}
    f[("cron", "command")] = table(js, "cron", "command")
    f[("http", "responses")] = table(js, "http", "responses")
    f[("http", "error_request")] = table(js, "http", "error_request")
    pf = {}

    def tot_of(fact, field="total"):
        fa = rows(js, "postfix", fact)
        return fa[field] if fa else 0
    for label, v in (("Connections", tot_of("connection")),
                     ("Disconnections", tot_of("disconnection")),
                     ("Removed from queue", tot_of("removed")),
                     ("Accepted", tot_of("accepted")),
                     ("Bytes accepted", tot_of("accepted", "bytes")),
                     ("SASL authentication failed", tot_of("sasl_failed")),
                     ("Connections lost (inbound)", tot_of("lost_connection"))):
        if v:
            pf[(label,)] = v
    rej = sum(n for k, n in table(js, "postfix", "rejected").items() if k[0] == "5xx")
    if rej:
        pf[("Total 5xx Rejects",)] = rej
    sent = sum(n for k, n in table(js, "postfix", "delivery").items()
               if k[0] == "sent" and not k[1].startswith(("local", "none")))
    if sent:
        pf[("Sent via SMTP",)] = sent
    f[("postfix", "summary")] = pf
    return f


def diff(lw, lg):
    """[(service, fact, key, logwatch count, logward count)] where they
    differ, for the facts logwatch reported or logward found."""
    out = []
    for sf in sorted(set(lw) | set(lg)):
        a = lw.get(sf, {})
        b = lg.get(sf, {})
        for k in sorted(set(a) | set(b)):
            if a.get(k, 0) != b.get(k, 0):
                out.append((sf[0], sf[1], k, a.get(k, 0), b.get(k, 0)))
    return out
