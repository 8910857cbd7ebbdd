/*
 * daemon_int — the running daemon's state (struct daemon), shared by the
 * files of `logward run`: daemon.c, inputs.c, checkpoint.c, schedule.c,
 * sendproc.c, status.c, reload.c, control.c and privs.c.  Only those
 * files include it; everyone else sees daemon.h.
 */
#ifndef LOGWARD_DAEMON_INT_H
#define LOGWARD_DAEMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "classify/engine.h"
#include "daemon/daemon.h"
#include "daemon/state.h"
#include "deliver/outbox.h"
#include "deliver/sender.h"
#include "lib/buf.h"
#include "lib/map.h"

#define LINES_PER_POLL	20000	/* per input per loop turn: stay responsive */

/* What woke epoll: the tag in the high 32 bits of data.u64, an fd below. */
enum tag { TAG_SIGNAL = 1, TAG_TIMER, TAG_INOTIFY, TAG_CTL, TAG_SYSLOG,
    TAG_JOURNAL, TAG_REDIS, TAG_CTLCONN };

#define EV(tag, fd)	(((uint64_t)(tag) << 32) | (uint32_t)(fd))

struct input {
	char		*path;		/* owned */
	struct in_file	*f;		/* owned */
	bool		 dirty;		/* inotify saw activity: poll it */
	bool		 more;		/* the last poll stopped at its bound */
};

/* Run-time schedule of one queue. */
struct qrun {
	time_t		 next;		/* cron: next firing, -1 = never */
	time_t		 last_fire;	/* cron: scheduled time of the last firing */
	time_t		 report_start;	/* start of the period of the next report */
	time_t		 due;		/* [now]: when the pending batch goes, 0 = none */
	bool		 limited;	/* [now]: the batch waits for mail_rate */
	uint32_t	 nsent;
	time_t		 sent[STATE_MAX_SENT]; /* recent mails, oldest first */
};

struct daemon {
	const struct daemon_opts *o;
	struct conf	*conf;		/* owned */
	struct engine	 engine;
	struct input	*inputs;	/* owned array */
	size_t		 ninputs;
	struct map	 paths;		/* input path → index + 1 */
	struct map	 wds;		/* inotify watch (int) → directory (owned) */
	bool		 poll_all;	/* poll every input at the next turn */
	bool		 rescan;	/* re-expand the globs at the next turn */
	size_t		 files_skipped;	/* glob matches past set max_files */
	struct in_syslog **listeners;	/* owned array of owned listeners */
	size_t		 nlisteners;
	struct in_journal *journal;	/* owned, or NULL */
	char		*journal_cursor; /* owned: cursor to resume from (state) */
	struct state	 kept;		/* sections read at start (checkpoint_restore) */
	struct in_self	*self;		/* owned: logward's own events as lines */
	bool		 journal_more;	/* the journal has more to read */
	struct archive	**archives;	/* owned, one per conf->archives */
	size_t		 narchives;
	struct buf	 archtext;	/* scratch: the text written to archives */
	uint64_t	 archive_errors;
	uint64_t	 logged_cut;	/* engine stats already in our log */
	uint64_t	 logged_regex;
	struct qrun	*qr;		/* owned, one per queue */
	uint64_t	 seq;		/* last report staged */
	uint64_t	 committed;	/* seq of the last checkpoint written */
	uint64_t	*staged;	/* staged, not yet published */
	size_t		 nstaged;
	struct outbox	 outbox;
	char		*statedir, *spooldir, *statepath, *ctlpath, *pidfile;
	int		 epfd, sigfd, tfd, inofd, ctlfd, pidfd;
	struct ctl_client *ctlc;	/* owned: control clients (control.c) */
	uint64_t	 ctl_refused;	/* control clients turned away: too many */
	uint64_t	 ctl_timeouts;	/* ... closed: no command or reply in time */
	pid_t		 sender;
	double		 sender_respawn; /* mono time to restart it, 0 = none */
	struct smtp_conf smtp;
	char		*smtp_password;	/* owned */
	bool		 dirty;		/* something changed since the checkpoint */
	double		 last_ckpt;	/* mono */
	time_t		 last_ckpt_wall;
	time_t		 now;		/* clock_now() of this loop turn */
	time_t		 started;
	double		 last_glob;	/* mono */
	bool		 stop;
	bool		 sender_recycle; /* restart the sender at once (reload) */
	int64_t		 saved_ns;	/* time of the checkpoint started from */
	bool		 outbox_full;	/* reports are being deferred */
	uint64_t	 deferred;	/* reports deferred since start */
	bool		 drop;		/* drop privileges to uid/gid */
	uid_t		 uid;
	gid_t		 gid;
	uint64_t	 lines;		/* lines read since start */
	uint64_t	 mails;		/* reports staged since start */
	uint64_t	 rate_lines;	/* lines at rate_at */
	double		 rate_at;	/* mono */
	double		 rate;		/* lines/s over the last interval */
	char		*reload_error;	/* owned: the last failed reload */
	time_t		 reload_at;	/* when the config was last (re)loaded */
	char		 hostname[256];
	struct rstore	*rs;		/* owned: set redis / redisqueue, or NULL */
	struct sumq	*sumq;		/* owned: summary queues (sumq.c), or NULL */
	struct checks	*checks;	/* owned: disk and clock checks (checks.c) */
	struct watch	*watch;		/* owned: templates, silences, bursts (watch.h) */
};

#endif
