/*
 * lcdb — a logcheck rule tree (logcheck-database layout), loaded as
 * logcheck 1.4.2 loads it, and compiled for matching.
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
 * Classification (logcheck's greplogoutput): classify/lcclass.h; the
 * sort and the report: report/lcreport.h.
 */
#ifndef LOGWARD_LCDB_H
#define LOGWARD_LCDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/match.h"
#include "lib/scan.h"
#include "lib/shapememo.h"

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
					   lcclass_file_rules (explain); NULL before */
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

/* The stamp and host prefixes lcdb_scan_build recognises at the start of
 * a rule; lcdb.id_variant is 0 or 1..LCDB_NVARIANTS. */
#define LCDB_NVARIANTS	4

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
	/* Hyperscan: every rule of the tree in its databases (lcdb_scan_build) */
	bool		 use_scan;
	struct scan	 scan;		/* rules matched on the whole line, one
					   line at a time; id = rule number in
					   tree order */
	struct scan	 multi;		/* the other whole-line rules, matched
					   on blocks of lines (scan_block) */
	struct scan	 rest;		/* rules with the common stamp+host prefix,
					   matched after it (same ids), on the
					   tail's shape: every one blind to
					   digits, those that were not widened
					   (ERE_WIDEN, id_confirm) */
	struct scan	 exact;		/* the widened rules as they are, scanned
					   on the tail itself when rest says one
					   of them may match */
	uint8_t		*id_confirm;	/* owned: per id, 1 = widened in rest,
					   exact decides */
	struct shapememo memo;		/* rest's answers by the tail's shape
					   (one per thread: lcdb_fork) */
	uint8_t		*id_variant;	/* owned: per id, 0 = whole line, else the
					   prefix variant 1..3 */
	size_t		 nfiles_all;	/* files in all layers */
	uint16_t	*id_file;	/* owned: scan id → gidx */
	struct regex	*id_re;		/* owned: PCRE2 per id for non-exact modes */
	uint8_t		*file_hit;	/* owned: per gidx, for the line being classified */
	bool		 prepared;	/* file_hit is valid (inside lcclass_line) */
	bool		 layer_hit[5];	/* some file of layer k matches (prepared) */
	uint8_t		*file_layer;	/* owned: per gidx, its layer 0..4 */
	uint32_t	*slow;		/* owned: ids Hyperscan cannot decide alone */
	size_t		 nslow;
	/* lcclass's block of lines for multi (one per thread: lcdb_fork) */
	char		*blk;		/* owned: the lines, '\n' between */
	size_t		 blkcap;
	uint32_t	*blkends;	/* owned: where each line ends in blk */
	uint8_t		*blkout;	/* owned: 1 = line not in blk (a '\n') */
};

/* Layer k of db in classification order: cracking.d, cracking.ignore.d,
 * violations.d, violations.ignore.d, ignore.d (k 0..4). */
const struct lc_layer *lcdb_layer(const struct lcdb *db, int k);

/* Parses "paranoid", "server" or "workstation"; -1 if none. */
int	lcdb_level(const char *s, enum lc_level *out);
/* The name of level, as lcdb_level parses it. */
const char *lcdb_level_name(enum lc_level level);

/* Loads the tree at dir.  Returns 0, or -1 when there were errors (listed
 * in db->errors; db must still be freed). */
int	lcdb_load(struct lcdb *db, const char *dir, enum lc_level level,
	    bool cracking_ignore);
/* Frees everything db owns (also after a failed lcdb_load). */
void	lcdb_free(struct lcdb *db);

/* Compiles every rule of the tree into Hyperscan databases (cached in
 * cachedir, may be NULL; see conf/lcdb_scan.c) so a line is scanned once
 * for all files: whole-line rules a block of lines at a time, the rules
 * after the stamp and host on the line's shape or from the memo.
 * Returns 0, or -1 (a warning was printed; PCRE2 stays in use). */
int	lcdb_scan_build(struct lcdb *db, const char *cachedir);

/* Makes PCRE2 fast for the rule files (JIT-compiles their alternations,
 * which lcdb_load leaves to the interpreter since Hyperscan usually
 * decides): call it when PCRE2 alone will classify, i.e. without
 * lcdb_scan_build, which calls it when it fails.  Before other threads
 * use db. */
void	lcdb_use_pcre2(struct lcdb *db);

/* Compiles the PCRE2 form of one rule (src as written) into re, for the
 * rules Hyperscan cannot decide; re->code stays NULL when it does not
 * compile.  re is owned by the caller (match_free). */
void	lcdb_one_regex(struct regex *re, const char *src);

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

/* Makes w a second classifier over db for another thread (check
 * --logcheck --threads 2): w shares db's rules, regexes and Hyperscan
 * databases (borrowed: db must outlive w and not change) and owns its
 * per-line state (scratch line, file hits, Hyperscan scratch, memo of
 * shapes); its limit_errors start at 0.  Returns 0, or -1 when Hyperscan cannot clone
 * a scratch.  Free w with lcdb_fork_free, never lcdb_free. */
int	lcdb_fork(const struct lcdb *db, struct lcdb *w);
void	lcdb_fork_free(struct lcdb *w);

/* Allocates l's arrays for the files of db; lcdb_line_free frees them. */
void	lcdb_line_init(const struct lcdb *db, struct lc_line *l);
void	lcdb_line_free(struct lc_line *l);

#endif
