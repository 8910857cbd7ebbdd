/*
 * main — start-up and sub-command dispatch; each sub-command is in its
 * own file (check, explain, lint, run, control, sendtest), the --help
 * text in usage.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli/check.h"
#include "cli/control.h"
#include "cli/explain.h"
#include "cli/lint.h"
#include "cli/logcheck.h"
#include "cli/opts.h"
#include "cli/relay.h"
#include "cli/run.h"
#include "cli/sendtest.h"
#include "cli/summary.h"
#include "cli/templates.h"
#include "cli/usage.h"
#include "lib/log.h"
#include "lib/match.h"

int
main(int argc, char **argv)
{
	const char *cmd;
	int rc;

	log_init("logward", 0);
	if (argc < 2) {
		usage_print(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		usage_print(stdout);
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
	else if (strcmp(cmd, "relay") == 0)
		rc = relay_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "summary") == 0)
		rc = summary_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "logcheck") == 0)
		rc = logcheck_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "templates") == 0)
		rc = templates_main(argc - 1, argv + 1);
	else {
		log_warnx("unknown command '%s'; run 'logward --help'", cmd);
		rc = 2;
	}
	match_cleanup();
	return rc;
}
