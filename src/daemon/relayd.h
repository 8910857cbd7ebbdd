/*
 * relayd — `logward relay`: receives syslog on the configured listeners
 * (`set listen`, in_syslog) and appends each message to the Redis stream
 * of its host's partition, PREFIX:{P}:in with P = in_redis_partition(host)
 * (fields h HOST and l LINE, the line as the daemon would have read it).
 *
 * The relay never trims a stream: only the owners' commits do, up to what
 * they committed.  `set redis_max_stream N` caps a partition's stream
 * instead: a batch that would pass it (or that Redis cannot take) is kept
 * and tried again every 100 ms, and meanwhile the listeners are not read,
 * so TCP senders wait (rsyslog keeps the lines in its queue) and UDP
 * datagrams pile up in the kernel, whose drops are counted.  The relay
 * holds no state of its own: two or more can run behind a load balancer.
 * What a relay holds in memory when it is killed is lost, as with any
 * plain syslog receiver (at most once); a TERM sends it first.
 */
#ifndef LOGWARD_RELAYD_H
#define LOGWARD_RELAYD_H

struct relayd_opts {
	const char	*conf_path;	/* -c */
	int		 verbose;
};

/* Runs the relay until TERM/INT.  Returns the exit status (1 when it
 * cannot start, logged). */
int	relayd_run(const struct relayd_opts *o);

#endif
