/*
 * run — logward run: the options of the daemon, then daemon_run.
 */
#include "cli/run.h"

#include <getopt.h>
#include <stdbool.h>

#include "cli/opts.h"
#include "daemon/daemon.h"
#include "lib/log.h"

int
run_main(int argc, char **argv)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "instance", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { .conf_path = DEFAULT_CONF, .verbose = 1 };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:dp:vq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.conf_path = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'p':
			o.pidfile = optarg;
			break;
		case 'v':
			o.verbose = 2;
			break;
		case 'q':
			o.verbose = 0;
			break;
		case 'I':
			o.instance = optarg;
			break;
		default:
			log_warnx("usage: logward run [-c CONF] [-d] [-p PIDFILE] "
			    "[-v|-q] [--instance NAME]");
			return 2;
		}
	}
	if (optind != argc) {
		log_warnx("run: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return daemon_run(&o);
}
