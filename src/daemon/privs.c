/*
 * privs — start-up as root (see privs.h): set uid/gid, the pid file,
 * logward's directories, then the drop.
 */
#include "daemon/privs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon_int.h"
#include "lib/log.h"
#include "lib/xmem.h"

int
privs_mkdirs(const char *path, mode_t mode)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; rc == 0 && (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (rc == 0 && mkdir(p, mode) == -1 && errno != EEXIST)
		rc = -1;
	if (rc == -1)
		log_warn("cannot create directory %s", p);
	free(p);
	return rc;
}

static uid_t chown_uid;
static gid_t chown_gid;

static int
chown_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (lchown(path, chown_uid, chown_gid) == -1)
		log_warn("chown %s", path);
	return 0;
}

void
privs_chown_tree(const char *dir, uid_t uid, gid_t gid)
{
	chown_uid = uid;
	chown_gid = gid;
	nftw(dir, chown_one, 16, FTW_PHYS | FTW_MOUNT);
}

int
privs_resolve(struct daemon *d)
{
	const struct conf *c = d->conf;
	struct passwd *pw = NULL;
	struct group *gr;
	char *end;

	if (c->uid == NULL && c->gid == NULL)
		return 0;
	if (geteuid() != 0) {
		log_warnx("set uid/gid ignored: not started as root (running "
		    "as uid %ld)", (long)geteuid());
		return 0;
	}
	d->uid = getuid();
	d->gid = getgid();
	if (c->uid != NULL) {
		errno = 0;
		if ((pw = getpwnam(c->uid)) != NULL)
			d->uid = pw->pw_uid;
		else {
			unsigned long v = strtoul(c->uid, &end, 10);

			if (*c->uid == '\0' || *end != '\0') {
				log_warnx("set uid %s: no such user; create it "
				    "(e.g. adduser --system logward) or fix the "
				    "name", c->uid);
				return -1;
			}
			d->uid = (uid_t)v;
		}
		if (pw != NULL)
			d->gid = pw->pw_gid;
	}
	if (c->gid != NULL) {
		if ((gr = getgrnam(c->gid)) != NULL)
			d->gid = gr->gr_gid;
		else {
			unsigned long v = strtoul(c->gid, &end, 10);

			if (*c->gid == '\0' || *end != '\0') {
				log_warnx("set gid %s: no such group", c->gid);
				return -1;
			}
			d->gid = (gid_t)v;
		}
	}
	d->drop = true;
	return 0;
}

int
privs_drop(struct daemon *d)
{
	if (!d->drop)
		return 0;
	if (setgroups(0, NULL) == -1 || setresgid(d->gid, d->gid, d->gid) == -1 ||
	    setresuid(d->uid, d->uid, d->uid) == -1) {
		log_warn("cannot drop privileges to uid %ld gid %ld",
		    (long)d->uid, (long)d->gid);
		return -1;
	}
	if (d->uid != 0 && setuid(0) != -1) {
		log_warnx("privileges could be regained after the drop; "
		    "refusing to run");
		return -1;
	}
	log_info("running as uid %ld gid %ld", (long)d->uid, (long)d->gid);
	return 0;
}

int
privs_pidfile(struct daemon *d)
{
	char num[32];
	int fd;

	if (d->pidfile == NULL)
		return 0;
	fd = open(d->pidfile, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pid file %s", d->pidfile);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_warnx("pid file %s is locked: another logward daemon is "
		    "running", d->pidfile);
		close(fd);
		return -1;
	}
	snprintf(num, sizeof(num), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, num, strlen(num)) !=
	    (ssize_t)strlen(num)) {
		log_warn("pid file %s", d->pidfile);
		close(fd);
		return -1;
	}
	d->pidfd = fd;
	return 0;
}
