/*
 * main — start-up, the usage text and sub-command dispatch; each
 * sub-command is in its own file (check, explain, lint, run, control,
 * sendtest).
 */
#include "cli/main.h"

#include <stdio.h>
#include <string.h>

#include "cli/check.h"
#include "cli/control.h"
#include "cli/explain.h"
#include "cli/lint.h"
#include "cli/opts.h"
#include "cli/run.h"
#include "cli/sendtest.h"
#include "lib/log.h"
#include "lib/match.h"

void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: logward COMMAND [OPTIONS]\n"
	    "\n"
	    "commands:\n"
	    "  check   [-c CONF] [--now TIME] [--hostname NAME] [FILE...|-]\n"
	    "          read the files (default: the config's logfiles) from the\n"
	    "          beginning once and print every non-empty queue's mail to\n"
	    "          stdout, as an mbox stream, in queue definition order\n"
	    "  check   --logcheck DIR [--level LEVEL] [--cracking-ignore]\n"
	    "          [--sortuniq] [--no-intro] [--mail-preview [--tag] [--reboot]]\n"
	    "          FILE...\n"
	    "          classify the lines with a logcheck rule tree and print the\n"
	    "          report exactly as 'logcheck -o -t' does (C locale)\n"
	    "  explain [-c CONF] [LINE...]\n"
	    "          show how each line (or each line of stdin) is parsed,\n"
	    "          which rule takes it, its queues and masked text\n"
	    "  lint    [-c CONF] [--logcheck DIR [--level LEVEL]]\n"
	    "          report every error and warning of the configuration;\n"
	    "          exit 1 if there are errors\n"
	    "  run     [-c CONF] [-d] [-p PIDFILE] [-v|-q]\n"
	    "          the daemon: tail the logfiles, mail the queues on their\n"
	    "          schedule (foreground unless -d)\n"
	    "  status | reload | reopen [-c CONF | --socket PATH]\n"
	    "  flush   [-c CONF | --socket PATH] [QUEUE]\n"
	    "          talk to the running daemon through its control socket\n"
	    "          (reopen: new archive files after logrotate)\n"
	    "  send-test [-c CONF] [QUEUE]\n"
	    "          send a test mail through the configured relay and print\n"
	    "          the relay's answer\n"
	    "\n"
	    "options:\n"
	    "  -c, --config FILE   configuration (default " DEFAULT_CONF ")\n"
	    "  --now TIME          the report time, 'YYYY-MM-DD HH:MM:SS' local\n"
	    "                      time or @EPOCH (reproducible output)\n"
	    "  --engine ENGINE     hyperscan (default: one pass over all rules) or\n"
	    "                      pcre2 (each rule in turn; for comparison)\n"
	    "  --cache-dir DIR     where compiled rule databases are kept (default\n"
	    "                      $XDG_CACHE_HOME/logward or ~/.cache/logward)\n"
	    "  --hostname NAME     the name in X-logward-hostname (and in the\n"
	    "                      logcheck subject)\n"
	    "  --logcheck DIR      a logcheck rule tree, e.g. /etc/logcheck\n"
	    "  --level LEVEL       paranoid, server (default) or workstation\n"
	    "  --cracking-ignore   use cracking.ignore.d (SUPPORT_CRACKING_IGNORE=1)\n"
	    "  --sortuniq          drop duplicate lines (SORTUNIQ=1)\n"
	    "  --no-intro          no header.txt / footer.txt (INTRO=0)\n"
	    "  --mail-preview      print the mail subject before the report;\n"
	    "                      --tag adds '[logcheck] ', --reboot 'Reboot: '\n"
	    "  -h, --help          this text\n"
	    "  -V, --version       print the version\n"
	    "\n"
	    "See logward(8) and logward.conf(5).\n");
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int rc;

	log_init("logward", 0);
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("logward %s\n", LOGWARD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "check") == 0)
		rc = check_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "explain") == 0)
		rc = explain_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "lint") == 0)
		rc = lint_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "run") == 0)
		rc = run_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "status") == 0 || strcmp(cmd, "flush") == 0 ||
	    strcmp(cmd, "reload") == 0 || strcmp(cmd, "reopen") == 0)
		rc = control_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "send-test") == 0)
		rc = sendtest_main(argc - 1, argv + 1);
	else {
		log_warnx("unknown command '%s'; run 'logward --help'", cmd);
		rc = 2;
	}
	match_cleanup();
	return rc;
}
