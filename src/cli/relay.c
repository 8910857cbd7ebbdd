/*
 * relay — logward relay: its options, then relayd_run (daemon/relayd.c).
 */
#include "cli/relay.h"

#include <getopt.h>

#include "cli/opts.h"
#include "daemon/relayd.h"
#include "lib/log.h"

int
relay_main(int argc, char **argv)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct relayd_opts o = { .conf_path = DEFAULT_CONF, .verbose = 1 };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vq", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.conf_path = optarg;
			break;
		case 'v':
			o.verbose = 2;
			break;
		case 'q':
			o.verbose = 0;
			break;
		default:
			log_warnx("usage: logward relay [-c CONF] [-v|-q]");
			return 2;
		}
	}
	if (optind != argc) {
		log_warnx("relay: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	return relayd_run(&o);
}
