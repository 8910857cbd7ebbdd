#!/usr/bin/python3
"""Loopback SMTP sink for the logward test suites (needs python3-aiosmtpd,
so always run it with /usr/bin/python3 on Debian).

    smtp_sink.py --dir DIR --port-file FILE [--strict] [--fault SPEC]...

* Binds 127.0.0.1 on a port chosen by the kernel and writes the port number
  to FILE (atomically, only once the socket listens: poll for the file).
* Every accepted message is stored in DIR as
      mail-NNN.eml       the DATA part, dot-unstuffed, CRLF turned into LF
      mail-NNN.envelope  "MAIL FROM:<addr>" then one "RCPT TO:<addr>" per
                         accepted recipient
  NNN counts accepted messages from 001 in arrival order.  A message refused
  at end of data by a fault is stored as rejected-NNN.eml/.envelope instead
  (its own counter, also from 001) so tests can see what was sent.
* DIR/sink.log gets one line per SMTP event and the reply given, e.g.
      1 CONNECT 127.0.0.1
      1 MAIL <tenshi@localhost> 250 OK
      1 RCPT <root@localhost> 250 OK
      1 EOD 213 bytes 250 OK mail-001
  (the first field is the connection number).
* SIGTERM / SIGINT: stop listening, close connections, exit 0.

Addresses are taken literally from between '<' and '>' (so tenshi's
"pager:x@y" recipients are accepted, as a lenient MTA such as Postfix with
default settings would).  --strict refuses any address that is not
LOCAL@DOMAIN without ':' or blanks with "553 5.1.3 Bad address syntax", the
way a strict MTA does.

Fault injection (for SMTP failure tests): --fault takes SPEC, a list of
KEY=VALUE items separated by ';':
    stage=connect|helo|mail|rcpt|data|eod   where the fault fires (required)
                     connect = before the greeting, data = the DATA command,
                     eod = after the final "." of the message
    action=reply|drop|delay                 default reply
    reply=CODE TEXT  reply sent instead of the normal one (action=reply);
                     default "451 4.3.0 Injected temporary failure"
    seconds=N        action=delay: wait N seconds (float), then carry on
                     normally (other matching faults are still applied)
    match=REGEX      only when the stage argument matches (Python re.search):
                     the address for mail/rcpt, the HELO name for helo, the
                     message content (decoded latin-1) for eod
    skip=N           let the first N matching events pass (default 0)
    times=N          fire at most N times (default: always)
Faults are checked in the order given; the first one that fires decides.
drop closes the connection without any reply.
Examples:
    --fault 'stage=rcpt;match=^pager:;reply=553 5.1.3 Bad recipient'
    --fault 'stage=eod;reply=554 5.7.1 Rejected;times=1'
    --fault 'stage=connect;action=drop;times=2'
    --fault 'stage=data;action=delay;seconds=15'
"""

import argparse
import asyncio
import os
import re
import signal
import sys

try:
    from aiosmtpd.smtp import SMTP, syntax  # noqa: F401  (syntax: API check)
except ImportError:  # pragma: no cover - reported to the caller
    sys.stderr.write("smtp_sink.py: python3-aiosmtpd is missing "
                     "(run scripts/deps test; use /usr/bin/python3)\n")
    sys.exit(3)

STAGES = ("connect", "helo", "mail", "rcpt", "data", "eod")
ACTIONS = ("reply", "drop", "delay")
STRICT_ADDR = re.compile(r"[^\s@:<>,]+@[^\s@:<>,]+")


class Fault:
    """One injected fault, parsed from a --fault SPEC string."""

    def __init__(self, spec):
        self.spec = spec
        items = {}
        for part in spec.split(";"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ValueError("fault item without '=': %r" % part)
            items[key.strip()] = value
        unknown = set(items) - {"stage", "action", "reply", "seconds",
                                "match", "skip", "times"}
        if unknown:
            raise ValueError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        self.stage = items.get("stage")
        if self.stage not in STAGES:
            raise ValueError("fault stage must be one of %s" % "|".join(STAGES))
        self.action = items.get("action", "reply")
        if self.action not in ACTIONS:
            raise ValueError("fault action must be one of %s" % "|".join(ACTIONS))
        self.reply = items.get("reply", "451 4.3.0 Injected temporary failure")
        if not re.match(r"^[2-5]\d\d[ -]", self.reply + " "):
            raise ValueError("fault reply must start with a 3-digit code")
        self.seconds = float(items.get("seconds", "0"))
        self.match = re.compile(items["match"]) if "match" in items else None
        self.skip = int(items.get("skip", "0"))
        self.times = int(items["times"]) if "times" in items else None
        self.seen = 0    # matching events so far
        self.fired = 0

    def fires(self, stage, arg):
        """Count the event and tell whether this fault applies to it."""
        if stage != self.stage:
            return False
        if self.match is not None and not self.match.search(arg or ""):
            return False
        self.seen += 1
        if self.seen <= self.skip:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        self.fired += 1
        return True


class FaultPlan:
    """The ordered list of faults; decides what happens at each stage."""

    def __init__(self, faults):
        self.faults = faults

    async def decide(self, stage, arg):
        """Return None (proceed normally), "drop", or a reply string."""
        for fault in self.faults:
            if not fault.fires(stage, arg):
                continue
            if fault.action == "delay":
                await asyncio.sleep(fault.seconds)
                continue
            return "drop" if fault.action == "drop" else fault.reply
        return None


class Store:
    """Writes messages and the event log into the output directory."""

    def __init__(self, directory):
        self.dir = directory
        self.count = {True: 0, False: 0}      # accepted, rejected
        self.log_fh = open(os.path.join(directory, "sink.log"), "a",
                           encoding="utf-8", errors="backslashreplace")

    def log(self, conn, text):
        self.log_fh.write("%d %s\n" % (conn, text))
        self.log_fh.flush()

    def save(self, envelope, accepted):
        self.count[accepted] += 1
        stem = "%s-%03d" % ("mail" if accepted else "rejected", self.count[accepted])
        content = envelope.original_content or b""
        content = content.replace(b"\r\n", b"\n")
        env = ["MAIL FROM:<%s>" % (envelope.mail_from or "")]
        env += ["RCPT TO:<%s>" % r for r in envelope.rcpt_tos]
        self._write(stem + ".eml", content)
        self._write(stem + ".envelope",
                    ("\n".join(env) + "\n").encode("utf-8", "surrogateescape"))
        return stem

    def _write(self, name, data):
        tmp = os.path.join(self.dir, "." + name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, os.path.join(self.dir, name))


class SinkHandler:
    """aiosmtpd handler: applies the fault plan, stores what is accepted."""

    def __init__(self, store, plan, strict):
        self.store = store
        self.plan = plan
        self.strict = strict

    async def _fault(self, server, stage, arg):
        verdict = await self.plan.decide(stage, arg)
        if verdict == "drop":
            self.store.log(server.conn_no, "%s %s DROP" % (stage.upper(), arg or ""))
            server.transport.close()
            return "drop"
        return verdict

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        verdict = await self._fault(server, "helo", hostname)
        if verdict == "drop":
            return ["421 4.3.0 closing"]    # never sent: transport closed
        if verdict is not None:
            self.store.log(server.conn_no, "EHLO %s %s" % (hostname, verdict))
            return [verdict]
        session.host_name = hostname
        self.store.log(server.conn_no, "EHLO %s 250" % hostname)
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        verdict = await self._fault(server, "helo", hostname)
        if verdict == "drop":
            return "421 4.3.0 closing"
        if verdict is not None:
            self.store.log(server.conn_no, "HELO %s %s" % (hostname, verdict))
            return verdict
        session.host_name = hostname
        self.store.log(server.conn_no, "HELO %s 250" % hostname)
        return "250 %s" % server.hostname

    async def handle_MAIL(self, server, session, envelope, address, options):
        verdict = await self._fault(server, "mail", address)
        if verdict == "drop":
            return "421 4.3.0 closing"
        if verdict is None and self.strict and not STRICT_ADDR.fullmatch(address):
            verdict = "553 5.1.3 Bad sender address syntax"
        if verdict is None:
            envelope.mail_from = address
            envelope.mail_options.extend(options)
            verdict = "250 OK"
        self.store.log(server.conn_no, "MAIL <%s> %s" % (address, verdict))
        return verdict

    async def handle_RCPT(self, server, session, envelope, address, options):
        verdict = await self._fault(server, "rcpt", address)
        if verdict == "drop":
            return "421 4.3.0 closing"
        if verdict is None and self.strict and not STRICT_ADDR.fullmatch(address):
            verdict = "553 5.1.3 Bad recipient address syntax"
        if verdict is None:
            envelope.rcpt_tos.append(address)
            verdict = "250 OK"
        self.store.log(server.conn_no, "RCPT <%s> %s" % (address, verdict))
        return verdict

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        verdict = await self._fault(server, "eod", content.decode("latin-1"))
        if verdict == "drop":
            return "421 4.3.0 closing"
        accepted = verdict is None or verdict.startswith("2")
        stem = self.store.save(envelope, accepted)
        reply = verdict or "250 OK"
        self.store.log(server.conn_no, "EOD %d bytes %s %s" % (len(content), reply, stem))
        return reply


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with literal address parsing, long lines allowed,
    and the connect/DATA-command fault stages."""

    line_length_limit = 1 << 20      # Net::SMTP does not wrap long log lines
    conn_counter = 0

    def __init__(self, handler, **kw):
        super().__init__(handler, **kw)
        SinkSMTP.conn_counter += 1
        self.conn_no = SinkSMTP.conn_counter
        self.sink = handler

    def _getaddr(self, arg):
        arg = arg.strip()
        if not arg:
            return "", ""
        if arg.startswith("<"):
            end = arg.find(">")
            if end < 0:
                return None, None
            return arg[1:end], arg[end + 1:].strip()
        address, _, rest = arg.partition(" ")
        return address, rest.strip()

    def connection_made(self, transport):
        peer = transport.get_extra_info("peername")
        self.sink.store.log(self.conn_no, "CONNECT %s" % (peer[0] if peer else "?"))
        for fault in self.sink.plan.faults:
            if fault.action == "delay":
                continue    # applied asynchronously in _handle_client
            if fault.fires("connect", None):
                if fault.action == "reply":
                    transport.write(fault.reply.encode("ascii", "replace") + b"\r\n")
                self.sink.store.log(self.conn_no, "CONNECT %s" % (
                    "DROP" if fault.action == "drop" else fault.reply))
                transport.close()
                return
        super().connection_made(transport)

    def connection_lost(self, error):
        if self.session is None:      # refused in connection_made by a fault
            return
        super().connection_lost(error)

    async def _handle_client(self):
        for fault in self.sink.plan.faults:
            if fault.stage == "connect" and fault.action == "delay" \
                    and fault.fires("connect", None):
                await asyncio.sleep(fault.seconds)
        await super()._handle_client()

    async def smtp_DATA(self, arg):
        if self.envelope is not None and self.envelope.rcpt_tos:
            verdict = await self.sink._fault(self, "data", None)
            if verdict == "drop":
                return
            if verdict is not None:
                self.sink.store.log(self.conn_no, "DATA %s" % verdict)
                await self.push(verdict)
                return
        await super().smtp_DATA(arg)


async def serve(args):
    store = Store(args.dir)
    plan = FaultPlan([Fault(spec) for spec in args.fault])
    handler = SinkHandler(store, plan, args.strict)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SinkSMTP(handler, hostname="localhost", decode_data=False,
                         data_size_limit=256 << 20, timeout=args.timeout,
                         loop=loop),
        host="127.0.0.1", port=args.port)
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as fh:
        fh.write("%d\n" % port)
    os.rename(tmp, args.port_file)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="where messages are stored")
    ap.add_argument("--port-file", required=True,
                    help="file that receives the listening port")
    ap.add_argument("--port", type=int, default=0,
                    help="port to bind (default 0: kernel's choice)")
    ap.add_argument("--strict", action="store_true",
                    help="refuse addresses that are not LOCAL@DOMAIN")
    ap.add_argument("--fault", action="append", default=[], metavar="SPEC",
                    help="inject a fault (see the module docstring)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="idle timeout per connection, seconds")
    args = ap.parse_args(argv)
    os.makedirs(args.dir, exist_ok=True)
    try:
        for spec in args.fault:
            Fault(spec)
    except (ValueError, re.error) as e:
        ap.error("bad --fault: %s" % e)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
