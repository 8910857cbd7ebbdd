/*
 * in_file_rotated — the rotated names of a tailed path (PATH.N,
 * PATH.N.gz, PATH-DATE, PATH-DATE.gz): listing them oldest first,
 * finding the file that holds a saved position among them, and planning
 * the rotations to read — after a rotation seen while running, and after
 * a restart (in_file_rotated_locate).  Only in_file's files include it.
 */
#ifndef LOGWARD_IN_FILE_ROTATED_H
#define LOGWARD_IN_FILE_ROTATED_H

#include <stdbool.h>
#include <stddef.h>

#include "input/in_file.h"

struct cand;			/* a rotated name (in_file_rotated.c) */
struct in_file;
struct rd;

/* Lists the rotated names of the path, oldest first, the newest
 * IN_FILE_MAXCAND of them; skips the file now at the path, a .gz whose
 * uncompressed twin exists (being written) and further hard links.
 * Returns the count, *out owned. */
size_t	in_file_rotated_list(const struct in_file *f, struct cand **out);

/* Frees the n names of a list and the list. */
void	in_file_rotated_free(struct cand *v, size_t n);

/* Finds the newest candidate holding want's content at want's offset
 * (plain files with want's identity first), except index skip.  Returns
 * its index with *out an owned reader positioned there, or -1. */
int	in_file_rotated_find(const struct in_file *f, const struct cand *v,
	    size_t n, const struct in_file_pos *want, int skip,
	    struct rd **out);

/* copytruncate when the writer went on between logrotate's copy and its
 * truncation and those lines were read from the live file: finds the
 * newest plain candidate that ends before what r read and holds a prefix
 * of it (r's first bytes, and r's bytes before the candidate's end where
 * r still has them).  Returns its index with its size in *size and its
 * name in *name (borrowed from v), or -1. */
int	in_file_rotated_find_prefix(const struct in_file *f,
	    const struct cand *v, size_t n, const struct rd *r, uint64_t *size,
	    const char **name);

/* Returns the index of the candidate that is the file open in r (its
 * identity; or, compressed, its first bytes and the gzip trailer's size),
 * or -1. */
int	in_file_rotated_index_of(const struct in_file *f,
	    const struct cand *v, size_t n, const struct rd *r);

/* Queues v[from..n) (rotations not seen yet) after old, from their
 * start; old need not wait for late writes then. */
void	in_file_rotated_plan_newer(struct in_file *f, const struct cand *v,
	    size_t n, size_t from);

/* After a restart: locates the saved file(s) of saved among the rotated
 * names and p (the file at the path, opened, or NULL), and queues in
 * f->plan the oldest one located and every newer rotation.  path_unknown:
 * the path could not be opened; a saved cur not found elsewhere is then
 * kept in f->resume, decided once the path is readable.  Logs what was
 * not found.  Returns true when p holds a saved position (p is positioned
 * there); p stays owned by the caller. */
bool	in_file_rotated_locate(struct in_file *f,
	    const struct in_file_save *saved, struct rd *p, bool path_unknown);

#endif
