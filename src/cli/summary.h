/*
 * summary — the logward summary command (summary.c).
 */
#ifndef LOGWARD_CLI_SUMMARY_H
#define LOGWARD_CLI_SUMMARY_H

/* logward summary [-c CONF] [--service LIST|all] [--detail LEVEL]
 * [--range R] [--format text|html|json] [--now TIME] [--hostname NAME]
 * [--no-disk] [FILE...]; argv from the command word on.  Returns the
 * exit status: 0, 1 (a file or the configuration could not be read),
 * 2 (usage). */
int	summary_main(int argc, char **argv);

#endif
