/*
 * in_file_rd — the reader of the tailer: one open file (plain, or .gz
 * read decompressed) behind a stream buffer, its position and the
 * fingerprints that identify it (head and tail hashes).  struct rd is in
 * in_file_int.h; only in_file's files include this header.
 */
#ifndef LOGWARD_IN_FILE_RD_H
#define LOGWARD_IN_FILE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "input/in_file.h"

struct rd;
struct stat;

/* 64-bit FNV-1a: stable across versions (positions are saved). */
uint64_t in_file_rd_fnv(const void *p, size_t n);

/* Reads n bytes of fd at offset at (retrying EINTR); returns the count,
 * less than n at end of file, or -1 (errno set). */
ssize_t	in_file_rd_pread_all(int fd, void *p, size_t n, uint64_t at);

/* Opens name (gz: decompressed); returns an owned reader, or NULL with
 * errno set. */
struct rd *in_file_rd_open(const char *name, bool gz, size_t max_line);

/* Closes r and frees it; NULL is ignored. */
void	in_file_rd_free(struct rd *r);

/* Positions r at content offset: reads the head and the tail bytes before
 * offset.  With want, also checks that the head and the tail match it.
 * Returns 0, 1 when the file is shorter than offset or does not match,
 * -1 on a read error (errno set). */
int	in_file_rd_seek(struct rd *r, uint64_t offset,
	    const struct in_file_pos *want);

/* The position of r: what has been delivered from it.  A head shorter
 * than IN_FILE_HEAD is completed from the file when it still starts with
 * it (a stronger identity for the checkpoint). */
void	in_file_rd_pos(const struct rd *r, struct in_file_pos *p);

/* Reads more after dropping what is no longer needed; returns bytes
 * read, 0 at end of file, -1 (errno set). */
ssize_t	in_file_rd_fill(struct rd *r, time_t now);

/* Whether the file under r was truncated (or truncated and regrown):
 * smaller than what was read, or different bytes before that point or
 * at its start.  Extends the head fingerprint while the file is short. */
bool	in_file_rd_truncated(struct rd *r, const struct stat *st);

#endif
