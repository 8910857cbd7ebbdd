/*
 * disk — disk and inode space from the mount table (see disk.h).
 */
#include "input/disk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "lib/xmem.h"

static const char *const default_exclude[] = {
	/* logwatch's df -x list */
	"tmpfs", "devtmpfs", "udf", "iso9660", "squashfs",
	/* pseudo file systems that hold no data */
	"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs",
	"tracefs", "securityfs", "pstore", "bpf", "autofs", "configfs",
	"fusectl", "hugetlbfs", "binfmt_misc", "rpc_pipefs", "nsfs",
	"efivarfs", "selinuxfs", "ramfs", "nfsd", "fuse.gvfsd-fuse",
	"fuse.portal", "fuse.lxcfs", "rootfs",
	NULL
};

/* Undoes the mount table's octal escapes (\040 for a blank) in place. */
static void
unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 +
			    (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

static bool
excluded(const char *type, char *const *exclude)
{
	size_t i;

	if (exclude == NULL) {
		for (i = 0; default_exclude[i] != NULL; i++)
			if (strcmp(type, default_exclude[i]) == 0)
				return true;
		return false;
	}
	for (i = 0; exclude[i] != NULL; i++)
		if (strcmp(type, exclude[i]) == 0)
			return true;
	return false;
}

/* ceil(a * 100 / b), b > 0 */
static int
pct(uint64_t a, uint64_t b)
{
	unsigned __int128 x = (unsigned __int128)a * 100;

	return (int)((x + b - 1) / b);
}

static void
stat_row(struct disk_row *r)
{
	struct statvfs sv;
	uint64_t bs, used_blocks;

	r->use_pct = -1;
	r->inode_pct = -1;
	if (statvfs(r->mount, &sv) == -1) {
		r->err = errno != 0 ? errno : EIO;
		return;
	}
	bs = sv.f_frsize != 0 ? sv.f_frsize : sv.f_bsize;
	used_blocks = sv.f_blocks >= sv.f_bfree ? sv.f_blocks - sv.f_bfree : 0;
	r->size = (uint64_t)sv.f_blocks * bs;
	r->used = used_blocks * bs;
	r->avail = (uint64_t)sv.f_bavail * bs;
	r->use_pct = used_blocks + sv.f_bavail > 0 ?
	    pct(used_blocks, used_blocks + sv.f_bavail) : 0;
	if (sv.f_files > 0 && sv.f_files >= sv.f_ffree)
		r->inode_pct = pct(sv.f_files - sv.f_ffree, sv.f_files);
}

int
disk_read(struct disk_table *t, const char *path, char *const *exclude)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;

	memset(t, 0, sizeof(*t));
	fp = fopen(path != NULL ? path : DISK_MOUNTS, "re");
	if (fp == NULL) {
		t->err = errno;
		return -1;
	}
	while (getline(&line, &cap, fp) != -1) {
		char *save = NULL, *dev, *mnt, *type;
		struct disk_row r;

		dev = strtok_r(line, " \t\n", &save);
		mnt = strtok_r(NULL, " \t\n", &save);
		type = strtok_r(NULL, " \t\n", &save);
		if (dev == NULL || mnt == NULL || type == NULL || dev[0] == '#')
			continue;
		unescape(dev);
		unescape(mnt);
		unescape(type);
		if (excluded(type, exclude)) {
			t->excluded++;
			continue;
		}
		if (t->n >= DISK_MAX_ROWS) {
			t->over++;
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.device = xstrdup(dev);
		r.mount = xstrdup(mnt);
		r.fstype = xstrdup(type);
		stat_row(&r);
		if (r.err == 0 && r.size == 0) {
			/* no blocks at all: a pseudo file system */
			free(r.device);
			free(r.mount);
			free(r.fstype);
			t->excluded++;
			continue;
		}
		t->rows = xreallocarray(t->rows, t->n + 1, sizeof(*t->rows));
		t->rows[t->n++] = r;
	}
	free(line);
	if (ferror(fp)) {
		t->err = EIO;
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

void
disk_free(struct disk_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->rows[i].device);
		free(t->rows[i].mount);
		free(t->rows[i].fstype);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

enum disk_level
disk_level(const struct disk_row *r, unsigned warn, unsigned crit)
{
	int top;

	if (r->err != 0 || r->use_pct < 0)
		return DISK_UNREADABLE;
	top = r->use_pct > r->inode_pct ? r->use_pct : r->inode_pct;
	if (crit > 0 && top >= (int)crit)
		return DISK_CRIT;
	if (warn > 0 && top >= (int)warn)
		return DISK_WARN;
	return DISK_OK;
}

const char *
disk_level_name(enum disk_level l)
{
	switch (l) {
	case DISK_OK:
		return "OK";
	case DISK_WARN:
		return "WARNING";
	case DISK_CRIT:
		return "CRITICAL";
	case DISK_UNREADABLE:
		return "UNREADABLE";
	}
	return "?";
}

void
disk_human(char *dst, size_t size, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(dst, size, "%llu", (unsigned long long)bytes);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	/* df -h rounds up: one decimal below 10, none above */
	if (v < 10) {
		double r = (double)(long long)(v * 10);

		if (r < v * 10)
			r += 1;
		if (r >= 100)
			snprintf(dst, size, "%d%c", 10, units[u]);
		else
			snprintf(dst, size, "%.1f%c", r / 10, units[u]);
	} else {
		long long r = (long long)v;

		if ((double)r < v)
			r++;
		if (r >= 1024 && u < 5)
			snprintf(dst, size, "1.0%c", units[u + 1]);
		else
			snprintf(dst, size, "%lld%c", r, units[u]);
	}
}
