/*
 * disk — disk and inode space of the mounted file systems: the mount
 * table (/proc/self/mounts, or a file in the same format for tests),
 * statvfs(2) on each mount point (no df, no locale), pseudo file systems
 * left out, and the threshold level of each row.
 *
 * Use % is df's: used / (used + available to users), rounded up, so the
 * numbers agree with `df -P`.  A mount that statvfs cannot read is a row
 * that says why, never left out silently.
 */
#ifndef LOGWARD_DISK_H
#define LOGWARD_DISK_H

#include <stddef.h>
#include <stdint.h>

#define DISK_MOUNTS	"/proc/self/mounts"
#define DISK_MAX_ROWS	4096	/* mounts read at most (the rest counted) */

struct disk_row {
	char		*device;	/* owned */
	char		*mount;		/* owned */
	char		*fstype;	/* owned */
	uint64_t	 size;		/* bytes */
	uint64_t	 used;		/* bytes */
	uint64_t	 avail;		/* bytes available to users */
	int		 use_pct;	/* 0..100, -1 when unreadable */
	int		 inode_pct;	/* 0..100, -1 when the fs has no inode count */
	int		 err;		/* errno of statvfs, 0 = fine */
};

struct disk_table {
	struct disk_row	*rows;		/* owned array, mount table order */
	size_t		 n;
	size_t		 excluded;	/* pseudo / excluded file systems skipped */
	size_t		 over;		/* mounts past DISK_MAX_ROWS */
	int		 err;		/* errno: the mount table could not be read */
};

enum disk_level {
	DISK_OK,
	DISK_WARN,
	DISK_CRIT,
	DISK_UNREADABLE,
};

/* Reads the mount table at path (NULL = DISK_MOUNTS) and statvfs's each
 * mount, leaving out file systems of the types in exclude (NULL-terminated;
 * NULL = the default list: tmpfs, devtmpfs, proc, sysfs, cgroup, ... and
 * logwatch's udf, iso9660, squashfs) and those of size 0.  Fills t (which
 * it initialises); returns 0, or -1 when the table could not be read
 * (t->err says why). */
int	disk_read(struct disk_table *t, const char *path, char *const *exclude);
void	disk_free(struct disk_table *t);

/* The level of r for thresholds warn and crit (percent, 0 = none): the
 * higher of space and inode use compared with >=. */
enum disk_level disk_level(const struct disk_row *r, unsigned warn,
	    unsigned crit);

/* "OK", "WARNING", "CRITICAL" or "UNREADABLE" (static). */
const char *disk_level_name(enum disk_level l);

/* Formats bytes as df -h does (1024 powers, "17G", "3.5M") into dst. */
void	disk_human(char *dst, size_t size, uint64_t bytes);

#endif
