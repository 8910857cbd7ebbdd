#!/usr/bin/python3
"""Loopback SMTP sink for the logward test suites (needs python3-aiosmtpd,
so always run it with /usr/bin/python3 on Debian).

    smtp_sink.py --dir DIR --port-file FILE [--strict] [--fault SPEC]...
                 [--tls-cert FILE --tls-key FILE [--require-tls | --implicit-tls]]
                 [--auth USER:PASSWORD] [--max-line N]

* Binds 127.0.0.1 on a port chosen by the kernel and writes the port number
  to FILE (atomically, only once the socket listens: poll for the file).
* Every accepted message is stored in DIR as
      mail-NNN.eml       the DATA part, dot-unstuffed, CRLF turned into LF
      mail-NNN.envelope  "AUTH user" when the client authenticated (--auth),
                         then "MAIL FROM:<addr>", then one "RCPT TO:<addr>"
                         per accepted recipient
  NNN counts accepted messages from 001 in arrival order.  A message refused
  at end of data by a fault is stored as rejected-NNN.eml/.envelope instead
  (its own counter, also from 001) so tests can see what was sent.
* DIR/sink.log gets one line per SMTP event and the reply given, e.g.
      1 CONNECT 127.0.0.1
      1 MAIL <tenshi@localhost> 250 OK
      1 RCPT <root@localhost> 250 OK
      1 EOD 213 bytes 250 OK mail-001
  (the first field is the connection number).  With TLS and --auth also
      1 STARTTLS 220
      1 AUTH PLAIN user 235 2.7.0 Authentication successful
      1 MAIL <a@b> 530 5.7.0 Authentication required
* SIGTERM / SIGINT: stop listening, close connections, exit 0.

Addresses are taken literally from between '<' and '>' (so tenshi's
"pager:x@y" recipients are accepted, as a lenient MTA such as Postfix with
default settings would).  --strict refuses any address that is not
LOCAL@DOMAIN without ':' or blanks with "553 5.1.3 Bad address syntax", the
way a strict MTA does.

TLS: --tls-cert FILE --tls-key FILE (PEM) offer STARTTLS; with --require-tls
MAIL, RCPT, DATA and AUTH before STARTTLS get "530 5.7.0 Must issue a
STARTTLS command first".  --implicit-tls makes the listener TLS from the first
byte (smtps, no STARTTLS offered).  Without --implicit-tls, AUTH is offered
only after STARTTLS when a certificate is given, on the plain connection
otherwise (tests only).

--auth USER:PASSWORD offers AUTH PLAIN and LOGIN and requires a successful
AUTH before MAIL/RCPT/DATA ("530 5.7.0 Authentication required"); wrong
credentials get "535 5.7.8 Authentication credentials invalid".

--max-line N: a strict relay.  A message with a line longer than N bytes
(not counting CRLF, after dot-unstuffing) is refused at end of data with
"500 5.5.2 Line too long" and stored as rejected-NNN (use N=998, RFC 5322).
Checked after the eod faults.  Lines over 1 MiB are refused by aiosmtpd
itself ("500 Line too long ...", not stored) with or without --max-line.

Fault injection (for SMTP failure tests): --fault takes SPEC, a list of
KEY=VALUE items separated by ';':
    stage=connect|helo|starttls|mail|rcpt|data|body|eod
                     where the fault fires (required)
                     connect = before the greeting, starttls = the STARTTLS
                     command (with or without --tls-cert), data = the DATA
                     command, body = in the middle of the message (after
                     the 354 reply, see bytes=), eod = after the final "."
                     of the message
    action=reply|drop|delay                 default reply
                     (stage=body: reply or drop only)
    reply=CODE TEXT  reply sent instead of the normal one (action=reply);
                     default "451 4.3.0 Injected temporary failure"
    seconds=N        action=delay: wait N seconds (float), then carry on
                     normally (other matching faults are still applied)
    match=REGEX      only when the stage argument matches (Python re.search):
                     the address for mail/rcpt, the HELO name for helo, the
                     message content (decoded latin-1) for eod
    skip=N           let the first N matching events pass (default 0)
    times=N          fire at most N times (default: always)
    bytes=N          stage=body: read N bytes of the message (as sent,
                     dot-stuffed, CRLF) before the fault fires (default 0:
                     right after "354"); a shorter message fires it at its
                     final "." instead.  The part read is logged, never
                     stored:  "1 BODY 200 bytes DROP" (or the reply),
                     "... bytes (whole message) ..." when the "." was read
Faults are checked in the order given; the first one that fires decides.
drop closes the connection without any reply; at stage=body a reply is
sent and the connection closed (a relay giving up in the middle of DATA).
Examples:
    --fault 'stage=rcpt;match=^pager:;reply=553 5.1.3 Bad recipient'
    --fault 'stage=eod;reply=554 5.7.1 Rejected;times=1'
    --fault 'stage=connect;action=drop;times=2'
    --fault 'stage=data;action=delay;seconds=15'
    --fault 'stage=body;action=drop;bytes=200'
    --fault 'stage=starttls;reply=454 4.7.0 TLS not available'
"""

import argparse
import asyncio
import logging
import os
import re
import signal
import ssl
import sys
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, syntax  # noqa: F401  (syntax: API check)
except ImportError:  # pragma: no cover - reported to the caller
    sys.stderr.write("smtp_sink.py: python3-aiosmtpd is missing "
                     "(run scripts/deps test; use /usr/bin/python3)\n")
    sys.exit(3)

STAGES = ("connect", "helo", "starttls", "mail", "rcpt", "data", "body", "eod")
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
                                "match", "skip", "times", "bytes"}
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
        self.bytes = int(items.get("bytes", "0"))
        if self.bytes < 0:
            raise ValueError("fault bytes must be >= 0")
        if "bytes" in items and self.stage != "body":
            raise ValueError("bytes= is for stage=body only")
        if self.stage == "body" and self.action == "delay":
            raise ValueError("stage=body takes action=reply or drop")
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

    def save(self, envelope, accepted, auth_user=None):
        self.count[accepted] += 1
        stem = "%s-%03d" % ("mail" if accepted else "rejected", self.count[accepted])
        content = envelope.original_content or b""
        content = content.replace(b"\r\n", b"\n")
        env = [] if auth_user is None else ["AUTH %s" % auth_user]
        env += ["MAIL FROM:<%s>" % (envelope.mail_from or "")]
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

    def __init__(self, store, plan, strict, max_line=None):
        self.store = store
        self.plan = plan
        self.strict = strict
        self.max_line = max_line

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
        if verdict is None and self.max_line is not None \
                and max(map(len, content.split(b"\r\n"))) > self.max_line:
            verdict = "500 5.5.2 Line too long"
        accepted = verdict is None or verdict.startswith("2")
        stem = self.store.save(envelope, accepted, server.auth_user)
        reply = verdict or "250 OK"
        self.store.log(server.conn_no, "EOD %d bytes %s %s" % (len(content), reply, stem))
        return reply


class SinkSMTP(SMTP):
    """aiosmtpd's SMTP with literal address parsing, long lines allowed,
    the connect/STARTTLS/DATA-command fault stages, logged TLS and AUTH
    refusals, and implicit TLS."""

    line_length_limit = 1 << 20      # Net::SMTP does not wrap long log lines
    conn_counter = 0

    def __init__(self, handler, credentials=None, require_tls=False,
                 implicit_tls=False, **kw):
        if credentials is not None:
            kw.update(auth_required=True, authenticator=self._check_auth,
                      auth_require_tls=kw.get("tls_context") is not None)
        super().__init__(handler, **kw)
        SinkSMTP.conn_counter += 1
        self.conn_no = SinkSMTP.conn_counter
        self.sink = handler
        self.credentials = credentials      # (user, password) as bytes
        self.require_tls = require_tls      # our own check, logged
        self.implicit_tls = implicit_tls
        self.auth_user = None               # who authenticated, str

    def _check_auth(self, server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login, auth_data.password) == self.credentials
        user = auth_data.login.decode("utf-8", "backslashreplace")
        if ok:
            self.auth_user = user
            reply = "235 2.7.0 Authentication successful"
        else:
            reply = "535 5.7.8 Authentication credentials invalid"
        self.sink.store.log(self.conn_no, "AUTH %s %s %s" % (mechanism, user, reply))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    async def _refuse_early(self, command, arg):
        """530 for a command sent before the required STARTTLS or AUTH."""
        if self.require_tls and self._tls_protocol is None and not self.implicit_tls:
            reply = "530 5.7.0 Must issue a STARTTLS command first"
        elif command != "AUTH" and self.credentials is not None \
                and not self.session.authenticated:
            reply = "530 5.7.0 Authentication required"
        else:
            return False
        if command in ("MAIL", "RCPT") and arg is not None:
            arg = arg.partition(":")[2]
            arg = "<%s> " % (self._getaddr(arg)[0] or "")
        self.sink.store.log(self.conn_no, "%s %s%s" % (command, arg or "", reply))
        await self.push(reply)
        return True

    async def smtp_STARTTLS(self, arg):
        verdict = await self.sink._fault(self, "starttls", None)
        if verdict == "drop":
            return
        if verdict is None and (self.tls_context is None or self._tls_protocol):
            verdict = "454 4.7.0 TLS not available"
        if verdict is not None:
            self.sink.store.log(self.conn_no, "STARTTLS %s" % verdict)
            await self.push(verdict)
            return
        self.sink.store.log(self.conn_no, "STARTTLS 220")
        await super().smtp_STARTTLS(arg)

    async def smtp_AUTH(self, arg):
        if await self._refuse_early("AUTH", None):
            return
        await super().smtp_AUTH(arg)

    async def smtp_MAIL(self, arg):
        if self.session.host_name and await self._refuse_early("MAIL", arg):
            return
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        if self.session.host_name and await self._refuse_early("RCPT", arg):
            return
        await super().smtp_RCPT(arg)

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
        if self._original_transport is not None:    # after STARTTLS
            super().connection_made(transport)
            return
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

    def eof_received(self):
        if self.implicit_tls:        # an SSL transport: never half-close
            self._handler_coroutine.cancel()
            return False
        return super().eof_received()

    async def smtp_DATA(self, arg):
        if self.session.host_name and await self._refuse_early("DATA", None):
            return
        if self.envelope is not None and self.envelope.rcpt_tos:
            verdict = await self.sink._fault(self, "data", None)
            if verdict == "drop":
                return
            if verdict is not None:
                self.sink.store.log(self.conn_no, "DATA %s" % verdict)
                await self.push(verdict)
                return
            if not arg and await self._body_fault():
                return
        await super().smtp_DATA(arg)

    async def _body_fault(self):
        """stage=body: answer 354, read part of the message, then drop the
        connection (or reply and close).  Returns True when a fault fired."""
        for fault in self.sink.plan.faults:
            if fault.fires("body", None):
                break
        else:
            return False
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        got = b""
        whole = False
        while len(got) < fault.bytes and self.transport is not None:
            chunk = await self._reader.read(fault.bytes - len(got))
            if not chunk:
                break
            got += chunk
            if got == b".\r\n" or got.endswith(b"\r\n.\r\n"):
                whole = True
                break
        what = "DROP" if fault.action == "drop" else fault.reply
        self.sink.store.log(self.conn_no, "BODY %d bytes%s %s" % (
            len(got), " (whole message)" if whole else "", what))
        if fault.action == "reply" and self.transport is not None:
            await self.push(fault.reply)
        if self.transport is not None:
            self.transport.close()
        return True


async def serve(args):
    store = Store(args.dir)
    plan = FaultPlan([Fault(spec) for spec in args.fault])
    handler = SinkHandler(store, plan, args.strict, args.max_line)
    loop = asyncio.get_running_loop()
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    credentials = None
    if args.auth is not None:
        user, _, password = args.auth.partition(":")
        credentials = (user.encode("utf-8"), password.encode("utf-8"))
    server = await loop.create_server(
        lambda: SinkSMTP(handler, hostname="localhost", decode_data=False,
                         data_size_limit=256 << 20, timeout=args.timeout,
                         loop=loop, credentials=credentials,
                         require_tls=args.require_tls,
                         implicit_tls=args.implicit_tls,
                         tls_context=None if args.implicit_tls else tls),
        host="127.0.0.1", port=args.port,
        ssl=tls if args.implicit_tls else None)
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
    ap.add_argument("--tls-cert", metavar="FILE",
                    help="PEM certificate: offer STARTTLS (or --implicit-tls)")
    ap.add_argument("--tls-key", metavar="FILE",
                    help="PEM private key for --tls-cert")
    ap.add_argument("--require-tls", action="store_true",
                    help="refuse MAIL/RCPT/DATA/AUTH before STARTTLS (530)")
    ap.add_argument("--implicit-tls", action="store_true",
                    help="TLS from the first byte (smtps) instead of STARTTLS")
    ap.add_argument("--auth", metavar="USER:PASSWORD",
                    help="offer AUTH PLAIN/LOGIN and require it before MAIL")
    ap.add_argument("--max-line", type=int, metavar="N",
                    help="refuse at end of data a message with a line over "
                         "N bytes (500 5.5.2)")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if (args.require_tls or args.implicit_tls) and not args.tls_cert:
        ap.error("--require-tls and --implicit-tls need --tls-cert")
    if args.require_tls and args.implicit_tls:
        ap.error("--require-tls is for STARTTLS, not --implicit-tls")
    if args.auth is not None and ":" not in args.auth:
        ap.error("--auth takes USER:PASSWORD")
    if args.max_line is not None and args.max_line < 1:
        ap.error("--max-line must be positive")
    # aiosmtpd warns on every connection when AUTH is allowed without TLS
    # (done on purpose here) and logs per-connection chatter.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
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
