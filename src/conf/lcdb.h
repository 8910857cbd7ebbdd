/*
 * lcdb — a logcheck rule tree (logcheck-database layout), loaded as
 * logcheck 1.4.2 loads it, and its classification of lines.
 *
 * Loading: the files of each directory whose names match
 * ^[A-Za-z0-9_-]+$ (run-parts), symbolic links to files included, in byte
 * order; lines that are empty or blank, or whose first byte is '#', are
 * dropped; every other line is a POSIX ERE (GNU grep, C locale),
 * translated by ere.  Ignore levels: paranoid = ignore.d.paranoid; server
 * = + ignore.d.server; workstation = + ignore.d.workstation; files of the
 * same name in several levels form one rule file.  An invalid regex is an
 * error with its file and line (logcheck hides it).
 *
 * Classification (logcheck's greplogoutput, on a set of lines): see
 * lcdb_classify and lcdb_finish.
 */
#ifndef LOGWARD_LCDB_H
#define LOGWARD_LCDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/buf.h"
#include "lib/match.h"
#include "lib/scan.h"

enum lc_level {
	LC_PARANOID,
	LC_SERVER,
	LC_WORKSTATION,
};

struct lc_line;

struct lc_rule {
	const char	*path;		/* borrowed from lcdb.paths */
	int		 line;		/* physical line in path */
	char		*src;		/* owned ERE as written */
	bool		 backref;	/* uses \1..\9: compiled alone */
	struct regex	*re;		/* owned PCRE2 form, compiled on first use by
					   lcdb_file_rules (explain); NULL before */
};

struct lc_file {
	char		*name;		/* owned basename */
	struct lc_rule	*rules;		/* owned array */
	size_t		 nrules;
	struct regex	*chunks;	/* owned: alternations of the rules without
					   backrefs (split to fit PCRE2's size limit) */
	size_t		 nchunks;
	struct regex	*alone;		/* owned: one per backref rule */
	size_t		 nalone;
	size_t		 gidx;		/* index among all files of the tree */
};

struct lc_layer {
	bool		 present;	/* the directory exists (logcheck's -d tests) */
	struct lc_file	*files;		/* owned, sorted by name */
	size_t		 nfiles;
};

struct lcdb {
	char		*dir;		/* owned rule tree root */
	enum lc_level	 level;
	bool		 cracking_ignore; /* SUPPORT_CRACKING_IGNORE=1 */
	struct lc_layer	 cracking;	/* cracking.d */
	struct lc_layer	 cign;		/* cracking.ignore.d (only if cracking_ignore) */
	struct lc_layer	 violations;	/* violations.d */
	struct lc_layer	 vign;		/* violations.ignore.d */
	struct lc_layer	 ignore;	/* ignore.d.<levels>, merged */
	char		*header;	/* owned header.txt, NULL if none */
	size_t		 headerlen;
	char		*footer;	/* owned footer.txt, NULL if none */
	size_t		 footerlen;
	char		**paths;	/* owned rule file paths */
	size_t		 npaths;
	char		**errors;	/* owned "PATH:LINE: error: ..." messages */
	size_t		 nerrors;
	uint64_t	 limit_errors;	/* matches that failed even with the DFA */
	struct lc_line	*scratch;	/* owned: for callers that classify one line */
	/* Hyperscan: every rule of the tree in one database (lcdb_use_scan) */
	bool		 use_scan;
	struct scan	 scan;		/* rules matched on the whole line; id = rule
					   number in tree order */
	struct scan	 rest;		/* rules with the common stamp+host prefix,
					   matched after it (same ids) */
	uint8_t		*id_variant;	/* owned: per id, 0 = whole line, else the
					   prefix variant 1..3 */
	size_t		 nfiles_all;	/* files in all layers */
	uint16_t	*id_file;	/* owned: scan id → gidx */
	struct regex	*id_re;		/* owned: PCRE2 per id for non-exact modes */
	uint8_t		*file_hit;	/* owned: per gidx, for the line being classified */
	bool		 prepared;	/* file_hit is valid (inside lcdb_classify) */
	bool		 layer_hit[5];	/* some file of layer k matches (prepared) */
	uint8_t		*file_layer;	/* owned: per gidx, its layer 0..4 */
	uint32_t	*slow;		/* owned: ids Hyperscan cannot decide alone */
	size_t		 nslow;
};

/* Parses "paranoid", "server" or "workstation"; -1 if none. */
int	lcdb_level(const char *s, enum lc_level *out);
const char *lcdb_level_name(enum lc_level level);

/* Loads the tree at dir.  Returns 0, or -1 when there were errors (listed
 * in db->errors; db must still be freed). */
int	lcdb_load(struct lcdb *db, const char *dir, enum lc_level level,
	    bool cracking_ignore);
void	lcdb_free(struct lcdb *db);

/* Compiles every rule of the tree into one Hyperscan database (cached
 * in cachedir, may be NULL) so a line is scanned once for all files.
 * Returns 0, or -1 (a warning was printed; PCRE2 stays in use). */
int	lcdb_use_scan(struct lcdb *db, const char *cachedir);

/* true when the line matches some rule of f (grep -E -f f semantics). */
bool	lcdb_file_match(struct lcdb *db, const struct lc_file *f, const char *s,
	    size_t len);

/* Which rules of f match (for explain): calls fn for each.  Each rule's
 * PCRE2 form is compiled once, on first use. */
void	lcdb_file_rules(struct lcdb *db, struct lc_file *f, const char *s,
	    size_t len, void (*fn)(const struct lc_rule *, void *), void *arg);

/* The classification of one line, before the run-wide "an alert fired"
 * effect is known.  Arrays are owned by the caller (lcdb_line_init). */
struct lc_line {
	uint8_t		*alert;		/* per cracking file: reported there */
	uint8_t		*event;		/* per violations file: reported there */
	size_t		 nevent;	/* number of violations files */
	bool		 any_cracking;	/* matches some cracking.d file */
	bool		 any_violation;	/* matches some violations.d file */
	bool		 ignored;	/* matches some ignore.d file of the level */
	bool		 has_alert;	/* some alert[] is set */
};

void	lcdb_line_init(const struct lcdb *db, struct lc_line *l);
void	lcdb_line_free(struct lc_line *l);
/* Classifies s[0..len) (already stripped of trailing whitespace). */
void	lcdb_classify(struct lcdb *db, const char *s, size_t len, struct lc_line *l);

enum lc_section_kind {
	LC_NONE,		/* ignored, or a cancelled violation */
	LC_ALERT,
	LC_EVENT,
	LC_SYSTEM,
};

/* Where the line ends up, given whether any alert fired in the run
 * (logcheck's ATTACK): a line with an alert is an alert; otherwise a
 * violation is an event unless an alert fired in the run and the line
 * matches a cracking file; otherwise it is a system event unless it is
 * ignored or matches any cracking or violations file. */
enum lc_section_kind lcdb_section(const struct lc_line *l, bool attack);

/* Writes the logcheck report (as "logcheck -o -t" prints it) of the lines
 * to fp.  The lines must be in logcheck's order already (lcdb_sort), each
 * stripped of trailing whitespace.  intro: header.txt and footer.txt.
 * preface (may be NULL) is called with the most severe non-empty layer
 * before anything is written.  Returns that layer; LC_NONE: nothing to
 * report, nothing written. */
enum lc_section_kind lcdb_report(struct lcdb *db, FILE *fp,
	    const char *const *lines, const size_t *lens, size_t n, bool intro,
	    void (*preface)(enum lc_section_kind, void *), void *arg);

/* Sorts lines as "sort -k 1,3 -s" (uniq = false) or "sort -u" (uniq =
 * true, duplicates removed; returns the new count) in the C locale.
 * Lines are not yet stripped.  The pointers are borrowed: lines are
 * reordered, never freed. */
size_t	lcdb_sort(const char **lines, size_t *lens, size_t n, bool uniq);

/* Removes trailing [[:space:]] bytes; returns the new length. */
size_t	lcdb_rstrip(const char *s, size_t len);

#endif
