/* What a command works on: the config, the schedule and roster it names, and the state store. */
#ifndef TOVHOLDER_CTX_H
#define TOVHOLDER_CTX_H

#include "config.h"
#include "err.h"
#include "roster.h"
#include "schedule.h"
#include "store.h"

struct ctx {
	const char *config_path;
	int verbose;
	struct config cfg;
	struct schedule sched;
	struct roster roster;
	struct store *store;
	int lock_fd;
	unsigned loaded;   /* CTX_CONFIG | CTX_GROUP */
};

enum { CTX_CONFIG = 1, CTX_GROUP = 2 };

void ctx_init(struct ctx *ctx, const char *config_path, int verbose);
void ctx_release(struct ctx *ctx);
/* Loads the config; problems go into d. Returns 0 or a sysexits code (EX_CONFIG). */
int ctx_load_config(struct ctx *ctx, struct diag *d);
/* Loads schedule and roster and checks them against each other (guests in the roster, moved_from).
 * Every problem goes into d. Returns 0 or EX_DATAERR. */
int ctx_load_group(struct ctx *ctx, struct diag *d);
/* Config, schedule and roster; prints every problem and returns its sysexits code, or 0. */
int ctx_load_all(struct ctx *ctx);
/* Opens the state store (creating it). Prints the error and returns EX_CANTCREAT on failure. */
int ctx_open_store(struct ctx *ctx);
/* Takes the lock next to the state file, so only one process sends at a time. wait=0: fail at once when another
 * holds it. Returns 0 or EX_TEMPFAIL (printed). */
int ctx_lock(struct ctx *ctx, int wait);
/* Releases the lock ctx_lock took (no-op when not held). */
void ctx_unlock(struct ctx *ctx);
/* Tells a running `tovholder run` that the record changed (attendance or an answer set by hand), so that it
 * mails what follows from it (the confirmed attendance) at once: writes the empty file STATE.nudge, which the
 * service watches. Best effort: without the service, the next `send` does the same. */
void ctx_nudge(const struct ctx *ctx);

/* The stored meeting on 'date' ("YYYY-MM-DD"), or with date NULL the next one that has not started (else the
 * last one). Prints a clear error and returns NULL when there is none. Points into snap. */
const struct store_meeting *ctx_pick_meeting(struct ctx *ctx, const struct store_snapshot *snap, const char *date);
/* Config, group, store and the snapshot of what was sent: the start of every reporting command. Returns 0
 * or a sysexits code (printed). */
int ctx_open_record(struct ctx *ctx, struct store_snapshot *snap);

#endif
