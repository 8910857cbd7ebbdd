/*
 * state — the daemon's checkpoint: input positions, every queue's content
 * and schedule, the per-host rule state and the sequence number of the
 * last report handed to the outbox, in one versioned file written
 * atomically (temp file, fsync, rename, fsync of the directory).
 *
 * The file is binary, host byte order, with a CRC-32 of everything before
 * it at the end; a file that does not check out is refused as a whole
 * (state_read says why), never half used.
 */
#ifndef LOGWARD_STATE_H
#define LOGWARD_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "input/in_file.h"
#include "classify/engine.h"

#define STATE_VERSION	3	/* 2: without sections, 1: without the journal
				   cursor either (both still read) */
#define STATE_MAX_SENT	64	/* send times kept per queue (mail_rate) */

struct state_input {
	char		*path;		/* owned */
	struct in_file_save save;
};

struct state_queue {
	char		*name;		/* owned */
	time_t		 last_fire;	/* scheduled time of the last firing, 0 = none */
	time_t		 report_start;	/* start of the period the next report covers */
	time_t		 due;		/* [now] queues: when the pending batch goes */
	uint32_t	 nsent;
	time_t		 sent[STATE_MAX_SENT]; /* recent send times (rate limit) */
};

/*
 * A named section: the saved state of one feature beyond the inputs,
 * queues and hosts (summary counts, known templates, the last state of
 * logward's own checks, ...), as opaque bytes in the feature's own
 * versioned encoding.  state.c only stores them: a section whose owner is
 * not active in this configuration is kept as it was read and written
 * back unchanged, so turning a feature off and on again loses nothing.
 */
struct state_section {
	char		*name;		/* owned */
	char		*data;		/* owned, len bytes */
	size_t		 len;
};

struct state {
	uint64_t	 seq;		/* last report handed to the outbox */
	uint64_t	 rules_hash;	/* state_rules_hash of the config saved with */
	int64_t		 saved;		/* when the file was written: real time, ns
					   since the epoch (version 1: seconds) */
	struct state_input *inputs;	/* owned array */
	size_t		 ninputs;
	struct state_queue *queues;	/* owned array */
	size_t		 nqueues;
	char		*journal_cursor; /* owned: last journal entry taken, or NULL */
	struct state_section *sections;	/* owned array (version 3) */
	size_t		 nsections;
};

void	state_free(struct state *st);

/* Sets section name of st to a copy of data[0..len), replacing one of the
 * same name. */
void	state_section_set(struct state *st, const char *name, const void *data,
	    size_t len);
/* The section called name in st (borrowed), or NULL. */
const struct state_section *state_section_get(const struct state *st,
	    const char *name);

/* A hash of what per-host rule state depends on (rules and queues in
 * order); host state is restored only when it is unchanged. */
uint64_t state_rules_hash(const struct conf *c);

/* Writes st plus the engine's queues and host state to path atomically
 * (e may be NULL: no queues and no host state, for a one-shot run without
 * an engine).  Returns 0, or -1 (logged; the previous file is left as it
 * was). */
int	state_write(const char *path, const struct state *st,
	    const struct engine *e);

/* Reads path into st (which it initialises) and restores the engine's
 * queues (by name) and, when st->rules_hash matches, its host state (e
 * may be NULL: both are then skipped).
 * Returns 0, 1 when there is no file, -1 when the file is unreadable or
 * corrupt (err says why; st and e are then untouched). */
int	state_read(const char *path, struct state *st, struct engine *e,
	    char *err, size_t errlen);

/* The checkpoint image state_write would write, in memory: returns an
 * owned buffer of *len bytes (the value of a Redis checkpoint). */
char	*state_encode(const struct state *st, const struct engine *e,
	    size_t *len);

/* state_read for an image in memory (data borrowed); name says where it
 * came from in err.  Returns 0 or -1 (st and e untouched then). */
int	state_decode(const void *data, size_t len, const char *name,
	    struct state *st, struct engine *e, char *err, size_t errlen);

#endif
