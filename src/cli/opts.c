/*
 * opts — the options check, explain and lint share, and the loading of
 * the configuration they name.
 */
#include "cli/opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/usage.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/xmem.h"

int
opts_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	char *end;

	if (s[0] == '@') {
		long long v;
		const char *errstr;

		if (str_tonum(s + 1, 0, (long long)1 << 40, &v, &errstr) == -1)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

int
opts_parse(int argc, char **argv, struct opts *o)
{
	const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "now", required_argument, NULL, 'n' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "logcheck", required_argument, NULL, 'L' },
		{ "level", required_argument, NULL, 'l' },
		{ "engine", required_argument, NULL, 'E' },
		{ "cache-dir", required_argument, NULL, 'D' },
		{ "cracking-ignore", no_argument, &o->cracking_ignore, 1 },
		{ "sortuniq", no_argument, &o->sortuniq, 1 },
		{ "no-intro", no_argument, &o->no_intro, 1 },
		{ "mail-preview", no_argument, &o->mail_preview, 1 },
		{ "tag", no_argument, &o->tag, 1 },
		{ "reboot", no_argument, &o->reboot, 1 },
		{ "help", no_argument, NULL, 'h' },
		{ "state", required_argument, NULL, 'S' },
		{ "test", no_argument, &o->test, 1 },
		{ "mail", no_argument, &o->mail, 1 },
		{ "mail-wait", required_argument, NULL, 'W' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "progress", no_argument, &o->progress_on, 1 },
		{ "no-progress", no_argument, &o->progress_off, 1 },
		{ "threads", required_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->conf = DEFAULT_CONF;
	o->now = time(NULL);
	o->level = LC_SERVER;
	o->engine = -1;
	o->mail_wait = DEFAULT_MAIL_WAIT;
	o->threads = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:hq", longopts, NULL)) != -1) {
		switch (ch) {
		case 0:		/* a flag option */
			break;
		case 'c':
			o->conf = optarg;
			o->conf_given = true;
			break;
		case 'L':
			o->logcheck = optarg;
			break;
		case 'E':
			if (strcmp(optarg, "hyperscan") == 0)
				o->engine = 0;
			else if (strcmp(optarg, "pcre2") == 0)
				o->engine = 1;
			else {
				log_warnx("--engine: '%s' is not hyperscan or pcre2",
				    optarg);
				return -1;
			}
			break;
		case 'D':
			o->cachedir = optarg;
			break;
		case 'l':
			if (lcdb_level(optarg, &o->level) == -1) {
				log_warnx("--level: '%s' is not paranoid, server "
				    "or workstation", optarg);
				return -1;
			}
			break;
		case 'n':
			if (opts_parse_time(optarg, &o->now) == -1) {
				log_warnx("--now: '%s' is not 'YYYY-MM-DD HH:MM:SS' "
				    "or @EPOCH", optarg);
				return -1;
			}
			break;
		case 'H':
			o->hostname = optarg;
			break;
		case 'S':
			o->state = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'W': {
			long long v;
			const char *errstr;

			if (str_tonum(optarg, 0, 86400, &v, &errstr) == -1) {
				log_warnx("--mail-wait: '%s' is not a number of "
				    "seconds from 0 to 86400", optarg);
				return -1;
			}
			o->mail_wait = (unsigned)v;
			break;
		}
		case 'J':
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
				log_warnx("--threads: '%s' is not 1 or 2", optarg);
				return -1;
			}
			o->threads = optarg[0] - '0';
			break;
		case 'h':
			usage_print(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

int
opts_load_conf(struct conf *c, const struct opts *o)
{
	const char *path = o->conf;

	if (conf_load(c, path) == -1) {
		conf_print_diags(c, stderr, false);
		fprintf(stderr, "logward: %s: %zu error%s; nothing was done "
		    "(run 'logward lint -c %s' for warnings too)\n", path,
		    c->nerrors, c->nerrors == 1 ? "" : "s", path);
		conf_free(c);
		return -1;
	}
	if (o->engine >= 0)
		c->engine_pcre2 = o->engine == 1;
	if (o->cachedir != NULL) {
		free(c->cachedir);
		c->cachedir = xstrdup(o->cachedir);
	}
	return 0;
}

enum progress_mode
opts_progress(const struct opts *o)
{
	if (o->progress_off)
		return PROGRESS_OFF;
	return o->progress_on ? PROGRESS_ON : PROGRESS_AUTO;
}
