/* The service (`tovholder run`): one event loop on poll() over a signalfd, an inotify descriptor, the IMAP
 * socket in IDLE, and the next timer. */
#ifndef TOVHOLDER_LOOP_H
#define TOVHOLDER_LOOP_H

/* Runs until SIGTERM or SIGINT; returns the exit code (0 after a clean stop, a sysexits code when it cannot
 * start). */
int loop_run(const char *config_path, int verbose);

#endif
