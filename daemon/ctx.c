/* Loading a group: config, schedule, roster, state. */
#include "ctx.h"
#include "log.h"
#include "tz.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <unistd.h>

void ctx_init(struct ctx *ctx, const char *config_path, int verbose)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->config_path = config_path;
	ctx->verbose = verbose;
	ctx->lock_fd = -1;
}

void ctx_release(struct ctx *ctx)
{
	store_free(ctx->store);
	if (ctx->loaded & CTX_GROUP) {
		schedule_release(&ctx->sched);
		roster_release(&ctx->roster);
	}
	if (ctx->loaded & CTX_CONFIG)
		config_release(&ctx->cfg);
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	ctx_init(ctx, NULL, 0);
}

int ctx_load_config(struct ctx *ctx, struct diag *d)
{
	int rc = config_load(&ctx->cfg, ctx->config_path, d);

	ctx->loaded |= CTX_CONFIG;
	if (rc < 0)
		return EX_CONFIG;
	/* every time shown to the coordinator is the group's local time */
	setenv("TZ", ctx->cfg.timezone, 1);
	tzset();
	return 0;
}

static void cross_check(struct ctx *ctx, struct diag *d)
{
	const char *sched = ctx->cfg.schedule_path;

	for (size_t i = 0; i < ctx->sched.n; i++) {
		const struct meeting *m = &ctx->sched.meetings[i];
		for (size_t g = 0; g < m->n_guests; g++)
			if (!roster_find(&ctx->roster, m->guests[g]))
				diag_add(d, sched, m->line, "[%s]: guest '%s' is not in the roster '%s': add a line"
					 " for them with rolle gæst", m->date, m->guests[g], ctx->cfg.roster_path);
		if (m->moved_from[0] && schedule_find(&ctx->sched, m->moved_from))
			diag_add(d, sched, m->line, "[%s]: moved_from = %s, but [%s] is still in the schedule:"
				 " remove that section", m->date, m->moved_from, m->moved_from);
	}
}

int ctx_load_group(struct ctx *ctx, struct diag *d)
{
	size_t before = d->n;

	schedule_load(&ctx->sched, ctx->cfg.schedule_path, d);
	roster_load(&ctx->roster, ctx->cfg.roster_path, d);
	ctx->loaded |= CTX_GROUP;
	if (d->n == before)
		cross_check(ctx, d);
	return d->n > before ? EX_DATAERR : 0;
}

int ctx_load_all(struct ctx *ctx)
{
	struct diag d;
	int rc;

	diag_init(&d);
	rc = ctx_load_config(ctx, &d);
	if (rc == 0)
		rc = ctx_load_group(ctx, &d);
	diag_print(&d);
	if (rc)
		fprintf(stderr, "tovholder: %zu problem%s found; nothing was sent\n", d.n, d.n == 1 ? "" : "s");
	diag_release(&d);
	return rc;
}

int ctx_open_store(struct ctx *ctx)
{
	struct err err = { "" };

	if (ctx->store)
		return 0;
	ctx->store = store_open(ctx->cfg.state_path, &err);
	if (!ctx->store) {
		log_error("%s", err.msg);
		return EX_CANTCREAT;
	}
	int fixed, wide = store_widened(ctx->store, &fixed);
	if (wide && fixed)
		log_warn("state '%s' could be read by %s: it is now private to its owner (chmod 600)",
			 ctx->cfg.state_path, wide & 07 ? "everyone" : "its group");
	else if (wide)
		log_warn("state '%s' can be read by %s and is not ours to change: run chmod 600 on it and its "
			 "-wal and -shm files", ctx->cfg.state_path, wide & 07 ? "everyone" : "its group");
	return 0;
}

void ctx_unlock(struct ctx *ctx)
{
	if (ctx->lock_fd >= 0)
		close(ctx->lock_fd);
	ctx->lock_fd = -1;
}

void ctx_nudge(const struct ctx *ctx)
{
	char *path = xasprintf("%s.nudge", ctx->cfg.state_path);
	/* closed after writing: the IN_CLOSE_WRITE the service waits for */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0)
		close(fd);
	free(path);
}

int ctx_lock(struct ctx *ctx, int wait)
{
	if (ctx->lock_fd >= 0)
		return 0;
	char *path = xasprintf("%s.lock", ctx->cfg.state_path);
	/* Read-only: flock needs no write access, and closing a file opened for writing is an IN_CLOSE_WRITE in
	 * the directory 'tovholder run' watches for its config: every look at the inbox woke the service once
	 * more, for its own lock. */
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		log_error("cannot open lock '%s': %s", path, strerror(errno));
		free(path);
		return EX_CANTCREAT;
	}
	if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		log_error("another tovholder is sending for this group (lock '%s' is held): try again later", path);
		close(fd);
		free(path);
		return EX_TEMPFAIL;
	}
	free(path);
	ctx->lock_fd = fd;
	return 0;
}

const struct store_meeting *ctx_pick_meeting(struct ctx *ctx, const struct store_snapshot *snap, const char *date)
{
	int y, m, d;

	if (date) {
		if (util_parse_date(date, &y, &m, &d) < 0) {
			log_error("'%s' is not a date: write it as YYYY-MM-DD, e.g. 2027-03-05", date);
			return NULL;
		}
		for (size_t i = 0; i < snap->n; i++)
			if (strcmp(snap->meetings[i].date, date) == 0)
				return &snap->meetings[i];
		log_error("no invitations were sent for %s (see 'tovholder plan')", date);
		return NULL;
	}
	if (snap->n == 0) {
		log_error("no invitations were sent yet: run 'tovholder send' first");
		return NULL;
	}
	time_t now = util_now();
	for (size_t i = 0; i < snap->n; i++) {
		const struct store_meeting *mt = &snap->meetings[i];
		time_t start;
		if (mt->cancelled || util_parse_date(mt->date, &y, &m, &d) < 0 ||
		    tz_local_to_utc(ctx->cfg.timezone, y, m, d, mt->end_min, &start, NULL) < 0)
			continue;
		if (start > now)
			return mt;
	}
	return &snap->meetings[snap->n - 1];
}

int ctx_open_record(struct ctx *ctx, struct store_snapshot *snap)
{
	struct err err = { "" };
	int rc;

	if ((rc = ctx_load_all(ctx)))
		return rc;
	if (access(ctx->cfg.state_path, F_OK) != 0) {
		log_error("no state yet at '%s': run 'tovholder send' first", ctx->cfg.state_path);
		return EX_NOINPUT;
	}
	if ((rc = ctx_open_store(ctx)))
		return rc;
	if (store_load(ctx->store, snap, &err) < 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	return 0;
}
