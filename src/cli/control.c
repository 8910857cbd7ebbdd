/*
 * control — logward status, flush, reload and reopen: the client of the
 * running daemon's control socket.
 */
#include "cli/control.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/opts.h"
#include "conf/conf.h"
#include "daemon/ctl.h"
#include "daemon/daemon.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xmem.h"

/* The control socket of the daemon that uses conf_path. */
static char *
control_path(const char *conf_path)
{
	struct conf c;
	char *p;

	/* a config with errors still names the socket: the daemon may be
	 * running the previous, good one, and 'reload' must reach it */
	if (conf_load(&c, conf_path) == -1 && access(conf_path, R_OK) == -1) {
		conf_print_diags(&c, stderr, false);
		conf_free(&c);
		return NULL;
	}
	if (c.control != NULL)
		p = xstrdup(c.control);
	else
		p = xasprintf("%s/control", c.statedir ? c.statedir :
		    DAEMON_STATEDIR);
	conf_free(&c);
	return p;
}

int
control_main(int argc, char **argv)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = DEFAULT_CONF, *sock = NULL, *cmd = argv[0];
	struct buf line;
	char *path;
	int ch, rc, i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			log_warnx("usage: logward %s [-c CONF | --socket PATH]%s",
			    cmd, strcmp(cmd, "flush") == 0 ? " [QUEUE]" : "");
			return 2;
		}
	}
	if (optind < argc && strcmp(cmd, "flush") != 0) {
		log_warnx("%s: unexpected argument '%s'", cmd, argv[optind]);
		return 2;
	}
	path = sock != NULL ? xstrdup(sock) : control_path(conf_path);
	if (path == NULL)
		return 2;
	buf_init(&line, 4096);
	buf_addstr(&line, cmd);
	for (i = optind; i < argc; i++)
		buf_printf(&line, " %s", argv[i]);
	rc = ctl_request(path, buf_str(&line), stdout);
	buf_free(&line);
	free(path);
	return rc;
}
