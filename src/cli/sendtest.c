/*
 * sendtest — logward send-test: one test mail through the configured
 * relay, and the relay's answer.
 */
#include "cli/sendtest.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cli/opts.h"
#include "conf/conf.h"
#include "deliver/outbox.h"
#include "deliver/sender.h"
#include "deliver/smtp.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"
#include "report/mime.h"
#include "report/report.h"

int
sendtest_main(int argc, char **argv)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = DEFAULT_CONF;
	struct conf c;
	struct smtp_conf sc;
	struct smtp_result res;
	struct mail_meta meta;
	struct mime_opts mo;
	struct buf head, body, msg;
	char host[256], hostname[256], date[64], *password = NULL, **rcpts;
	size_t nrcpt, i;
	long qi = -1;
	int ch, fd, rc = 1;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch == 'c')
			conf_path = optarg;
		else {
			log_warnx("usage: logward send-test [-c CONF] [QUEUE]");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);	/* libcurl with CURLOPT_NOSIGNAL */
	if (conf_load(&c, conf_path) == -1) {
		conf_print_diags(&c, stderr, false);
		conf_free(&c);
		return 1;
	}
	if (optind < argc) {
		if ((qi = conf_queue_find(&c, argv[optind])) < 0) {
			log_warnx("send-test: no queue named '%s'", argv[optind]);
			conf_free(&c);
			return 2;
		}
	} else
		for (i = 0; i < c.nqueues && qi < 0; i++)
			if (!c.queues[i].csv)
				qi = (long)i;
	if (qi < 0 || c.queues[qi].csv) {
		log_warnx("send-test: the configuration has no queue that mails");
		conf_free(&c);
		return 2;
	}
	if (c.smtp_password_file != NULL) {
		FILE *fp = fopen(c.smtp_password_file, "re");
		char pw[1024];

		if (fp == NULL || fgets(pw, sizeof(pw), fp) == NULL) {
			log_warn("set smtp_password_file %s", c.smtp_password_file);
			if (fp != NULL)
				fclose(fp);
			conf_free(&c);
			return 1;
		}
		fclose(fp);
		pw[strcspn(pw, "\r\n")] = '\0';
		password = xstrdup(pw);
	}
	if (gethostname(host, sizeof(host)) == -1)
		str_lcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	report_sanitize_host(hostname, sizeof(hostname), host);
	meta.now = meta.start = time(NULL);
	meta.hostname = hostname;
	memset(&mo, 0, sizeof(mo));
	mo.msgid_host = hostname;
	mo.seq = 0;
	mo.now = meta.now;
	buf_init(&head, 1024 * 1024);
	buf_init(&body, 1024 * 1024);
	buf_init(&msg, 4 * 1024 * 1024);
	report_headers(&head, &c, (size_t)qi, &meta);
	report_date(date, sizeof(date), meta.now);
	buf_printf(&body, "This is a test mail from logward %s on %s, sent %s\n"
	    "with 'logward send-test' for queue '%s'.\n\n"
	    "If you read this, the relay %s accepted mail from %s to %s;\n"
	    "the reports of this queue will arrive the same way.\n",
	    LOGWARD_VERSION, hostname, date, c.queues[qi].name,
	    c.mailserver ? c.mailserver : "localhost", c.queues[qi].from,
	    c.queues[qi].to);
	mime_build(&msg, head.data, head.len, body.data, body.len, &mo);

	memset(&sc, 0, sizeof(sc));
	sc.server = c.mailserver != NULL ? c.mailserver : "localhost";
	sc.tls = c.smtp_tls == 2 ? SMTP_TLS_TLS : c.smtp_tls == 1 ?
	    SMTP_TLS_STARTTLS : SMTP_TLS_NONE;
	sc.user = c.smtp_user;
	sc.password = password;
	sc.cafile = c.smtp_cafile;
	sc.capath = c.smtp_capath;
	sc.tls_verify = c.smtp_tls_verify;
	sc.timeout = c.mailtimeout;
	sc.helo = c.helo;
	rcpts = outbox_split_rcpts(c.queues[qi].to, &nrcpt);
	fd = memfd_create("logward-send-test", MFD_CLOEXEC);
	if (fd == -1 || write(fd, msg.data, msg.len) != (ssize_t)msg.len ||
	    lseek(fd, 0, SEEK_SET) == -1)
		log_warn("send-test: cannot hold the message");
	else if (smtp_init() == 0) {
		printf("relay %s (%s), from %s, to %s\n", sc.server,
		    sc.tls == SMTP_TLS_TLS ? "implicit TLS" :
		    sc.tls == SMTP_TLS_STARTTLS ? "STARTTLS" : "no TLS",
		    c.queues[qi].from, c.queues[qi].to);
		if (smtp_deliver(&sc, c.queues[qi].from, rcpts, nrcpt, fd,
		    &res) == 0) {
			printf("accepted: %s\n", res.msg);
			rc = 0;
		} else
			printf("FAILED: %s\n", res.msg);
		smtp_cleanup();
	}
	if (fd != -1)
		close(fd);
	for (i = 0; i < nrcpt; i++)
		free(rcpts[i]);
	free(rcpts);
	free(password);
	buf_free(&head);
	buf_free(&body);
	buf_free(&msg);
	conf_free(&c);
	return rc;
}
