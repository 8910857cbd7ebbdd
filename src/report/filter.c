/*
 * filter — run a report post-processor (set filter, set csv) with argv,
 * never through a shell.
 */
#include "report/filter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/log.h"

#define MAX_FILTER_OUT	(64 * 1024 * 1024)

/* Runs argv with input on stdin and returns its stdout (owned), or NULL.
 * No shell is involved. */
char *
filter_run(char *const argv[], const char *input, size_t inlen, size_t *outlen)
{
	int in[2], out[2], status;
	pid_t pid;
	struct buf b;
	char tmp[65536];
	size_t off = 0;
	ssize_t n;

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		log_warn("pipe");
		return NULL;
	}
	pid = fork();
	if (pid == -1) {
		log_warn("fork");
		return NULL;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(argv[0], argv);
		fprintf(stderr, "logward: filter %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* small bodies fit the pipe; write in a child-free loop, reading
	 * output as it comes to avoid a deadlock on large ones */
	buf_init(&b, MAX_FILTER_OUT);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (off < inlen) {
		n = write(in[1], input + off, inlen - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			break;
		n = read(out[0], tmp, sizeof(tmp));
		if (n > 0 && buf_add(&b, tmp, (size_t)n) == -1)
			break;
		if (n == 0)
			break;
	}
	close(in[1]);
	while ((n = read(out[0], tmp, sizeof(tmp))) > 0 || (n == -1 && errno == EINTR)) {
		if (n > 0 && buf_add(&b, tmp, (size_t)n) == -1) {
			log_warnx("filter %s: output over %d bytes", argv[0],
			    MAX_FILTER_OUT);
			break;
		}
	}
	close(out[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("filter %s exited with status %d", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	*outlen = b.len;
	return buf_steal(&b);
}

