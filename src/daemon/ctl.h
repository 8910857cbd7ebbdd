/*
 * ctl — the control socket of a running daemon (a unix stream socket).
 * A client sends one command line ("status", "flush [QUEUE]", "reload")
 * and reads the reply up to end of file.  A reply that starts with
 * "error: " reports a failure.
 */
#ifndef LOGWARD_CTL_H
#define LOGWARD_CTL_H

#include <stdio.h>
#include <sys/types.h>

/* Binds and listens on path (a stale socket is replaced; a live one is
 * an error: another daemon runs).  Mode 0660; owned by uid/gid unless
 * they are -1.  Returns the listening fd or -1 (logged). */
int	ctl_listen(const char *path, uid_t uid, gid_t gid);

/* Client side: sends cmd to the daemon at path and copies the reply to
 * out.  Returns 0, 1 when the reply is an error, 2 when the daemon
 * cannot be reached (logged). */
int	ctl_request(const char *path, const char *cmd, FILE *out);

#endif
