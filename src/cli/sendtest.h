/*
 * sendtest — logward send-test.
 */
#ifndef LOGWARD_SENDTEST_H
#define LOGWARD_SENDTEST_H

/* logward send-test: argc/argv from the command word on; returns the
 * exit status (0 when the relay accepted the mail). */
int	sendtest_main(int argc, char **argv);

#endif
