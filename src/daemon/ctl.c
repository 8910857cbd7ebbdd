/*
 * ctl — the control socket: listening, and the client (logward status,
 * flush, reload, reopen); the daemon's side of a connection is control.c.
 */
#include "daemon/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/str.h"

static int
addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		log_warnx("control socket path too long (%zu bytes, at most "
		    "%zu): %s", strlen(path), sizeof(sun->sun_path) - 1, path);
		return -1;
	}
	str_lcpy(sun->sun_path, path, sizeof(sun->sun_path));
	return 0;
}

int
ctl_listen(const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sun;
	int fd, probe;

	if (addr(&sun, path) == -1)
		return -1;
	/* a socket somebody answers on belongs to a running daemon */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
	    sizeof(sun)) == 0) {
		close(probe);
		log_warnx("%s: another logward daemon is running (its control "
		    "socket answers)", path);
		return -1;
	}
	if (probe != -1)
		close(probe);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("cannot remove stale control socket %s", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		log_warn("socket");
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) &&
	    chown(path, uid, gid) == -1) || listen(fd, 16) == -1) {
		log_warn("control socket %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int
ctl_request(const char *path, const char *cmd, FILE *out)
{
	struct sockaddr_un sun;
	char tmp[4096];
	bool first = true, error = false;
	ssize_t n;
	int fd;

	if (addr(&sun, path) == -1)
		return 2;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("cannot reach the daemon at %s (is 'logward run' "
		    "running with the same statedir/control setting?)", path);
		if (fd != -1)
			close(fd);
		return 2;
	}
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) ||
	    write(fd, "\n", 1) != 1) {
		log_warn("%s", path);
		close(fd);
		return 2;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0 || (n == -1 && errno == EINTR)) {
		if (n <= 0)
			continue;
		if (first && n >= 7 && memcmp(tmp, "error: ", 7) == 0)
			error = true;
		first = false;
		fwrite(tmp, 1, (size_t)n, out);
	}
	close(fd);
	return error ? 1 : 0;
}
