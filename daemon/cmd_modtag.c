/* tovholder modtag FILE [--force]: takes over a group from a handover file (tovholder overdrag) on the new
 * tovholder's machine. Writes the schedule and the roster where the new config names them and the record into
 * its state, so the next send updates every calendar entry (same UID, new ORGANIZER, higher SEQUENCE) instead of
 * inviting anew. */
#include "cmd.h"
#include "handover.h"
#include "log.h"
#include "util.h"
#include "vis.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sysexits.h>
#include <unistd.h>

static const char *const required[] = { "info", "schedule", "roster", "record" };

/* The value of "key = value" in the info section, or NULL. Caller frees. */
static char *info_value(const struct handover_section *info, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = info->data; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > klen + 3 && strncmp(p, key, klen) == 0 && strncmp(p + klen, " = ", 3) == 0)
			return xstrndup(p + klen + 3, n - klen - 3);
		p += n + (nl ? 1 : 0);
	}
	return NULL;
}

/* The file's sections parse with this tovholder, under the names the new config gives them. The roster is
 * kept in 'r' (the caller releases it): the record may invite no one else. */
static int check_files(const struct ctx *ctx, const struct handover_section *sched,
		       const struct handover_section *roster, struct roster *r)
{
	struct schedule s = { 0 };
	struct diag d;
	int rc = 0;

	diag_init(&d);
	schedule_parse_buf(&s, sched->data, sched->len, ctx->cfg.schedule_path, &d);
	roster_parse_buf(r, roster->data, roster->len, ctx->cfg.roster_path, &d);
	if (d.n) {
		diag_print(&d);
		log_error("the handed-over schedule or roster has %zu problem%s with this tovholder: nothing was "
			  "changed", d.n, d.n == 1 ? "" : "s");
		rc = EX_DATAERR;
	}
	schedule_release(&s);
	diag_release(&d);
	return rc;
}

static int on_roster(void *arg, const char *email)
{
	return roster_find(arg, email) != NULL;
}

/* 1 when 'path' exists and holds other bytes than 'sec', 0 when it is the same or absent, -1 unreadable. */
static int differs(const char *path, const struct handover_section *sec)
{
	struct err err = { "" };
	size_t len;
	char *have;
	int rc;

	if (access(path, F_OK) != 0)
		return 0;
	if (!(have = util_read_file(path, CONFIG_FILE_MAX, &len, &err))) {
		log_error("%s", err.msg);
		return -1;
	}
	rc = len != sec->len || memcmp(have, sec->data, len) != 0;
	free(have);
	return rc;
}

/* Every reason not to go on without --force, all at once. Returns 0 or a sysexits code. */
static int refusals(struct ctx *ctx, const struct handover_section *sched, const struct handover_section *roster,
		    int force)
{
	struct err err = { "" };
	const char *what[2] = { "schedule", "roster" };
	const char *path[2] = { ctx->cfg.schedule_path, ctx->cfg.roster_path };
	const struct handover_section *sec[2] = { sched, roster };
	int n = 0, has;

	for (int i = 0; i < 2; i++) {
		int d = differs(path[i], sec[i]);
		if (d < 0)
			return EX_IOERR;
		if (d && !force) {
			log_error("refusing to overwrite the %s '%s': it differs from the handed-over one", what[i],
				  path[i]);
			n++;
		}
	}
	if ((has = store_has_record(ctx->store, &err)) < 0) {
		log_error("%s", err.msg);
		return EX_SOFTWARE;
	}
	if (has && !force) {
		log_error("refusing to replace the record in '%s': this machine already sent for a group (what it "
			  "sent would be forgotten)", ctx->cfg.state_path);
		n++;
	}
	if (n) {
		log_error("nothing was changed; 'tovholder modtag --force FILE' replaces %s", n == 1 ? "it" : "them");
		return EX_CANTCREAT;
	}
	return 0;
}

/* The new config should call the group what the old one did: the title is in every calendar entry. */
static void compare_config(const struct ctx *ctx, const struct handover_section *info)
{
	static const struct {
		const char *key;
		size_t off;
		const char *why;
	} keys[] = {
		{ "group", offsetof(struct config, group_name), "every calendar entry gets the new title" },
		{ "timezone", offsetof(struct config, timezone), "meeting times are read in another zone" },
		{ "secretary", offsetof(struct config, secretary), "the referat names another referent" },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *old = info_value(info, keys[i].key);
		const char *now = *(char *const *)((const char *)&ctx->cfg + keys[i].off);
		if (old && strcmp(old, now ? now : "") != 0)
			log_warn("the old config has %s = %s, yours %s: %s", keys[i].key, old, now ? now : "(none)",
				 keys[i].why);
		free(old);
	}
}

/* The schedule and roster, each as a temp file beside its place (NULL where the file there is already the
 * same): renamed into place only once the record is in the state. */
struct staged {
	const char *path[2];
	char *tmp[2];
};

static void unstage(struct staged *sg)
{
	for (int i = 0; i < 2; i++) {
		if (sg->tmp[i])
			unlink(sg->tmp[i]);
		free(sg->tmp[i]);
		sg->tmp[i] = NULL;
	}
}

static int stage_files(struct ctx *ctx, const struct handover_section *sched, const struct handover_section *roster,
		       struct staged *sg)
{
	const struct handover_section *sec[2] = { sched, roster };
	struct err err = { "" };

	sg->path[0] = ctx->cfg.schedule_path;
	sg->path[1] = ctx->cfg.roster_path;
	for (int i = 0; i < 2; i++) {
		int d = differs(sg->path[i], sec[i]);
		if (d < 0) {
			unstage(sg);
			return EX_IOERR;
		}
		/* readable by the service's user, like the files a coordinator writes by hand */
		if ((d || access(sg->path[i], F_OK) != 0) &&
		    util_write_temp(sg->path[i], sec[i]->data, sec[i]->len, 0644, &sg->tmp[i], &err) < 0) {
			log_error("%s", err.msg);
			unstage(sg);
			return EX_CANTCREAT;
		}
	}
	return 0;
}

static int place_files(struct staged *sg)
{
	for (int i = 0; i < 2; i++) {
		if (sg->tmp[i] && rename(sg->tmp[i], sg->path[i]) < 0) {
			log_error("cannot write '%s': %s (the record is in the state: run 'tovholder modtag --force' "
				  "again)", sg->path[i], strerror(errno));
			unstage(sg);
			return EX_CANTCREAT;
		}
		free(sg->tmp[i]);
		sg->tmp[i] = NULL;
	}
	return 0;
}

/* A state that this modtag created and could not fill is removed again, with its lock: a refused handover leaves
 * nothing behind that the next plan or modtag would take for a group. */
static void remove_new_state(struct ctx *ctx, int had_state, int had_lock)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };

	store_free(ctx->store);
	ctx->store = NULL;
	for (size_t i = 0; !had_state && i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		char *p = xasprintf("%s%s", ctx->cfg.state_path, suffix[i]);
		unlink(p);
		free(p);
	}
	if (!had_lock) {
		char *p = xasprintf("%s.lock", ctx->cfg.state_path);
		unlink(p);
		free(p);
	}
}

static void summary(struct ctx *ctx, const struct handover_section *info)
{
	struct store_snapshot snap = { 0 };
	struct err err = { "" };
	size_t n_inv = 0, n_answers = 0;
	char *old = info_value(info, "organizer");

	if (store_load(ctx->store, &snap, &err) < 0) {
		log_error("%s", err.msg);
		free(old);
		return;
	}
	for (size_t i = 0; i < snap.n; i++) {
		struct store_record r = { 0 };
		for (size_t k = 0; k < snap.meetings[i].n_inv; k++)
			n_inv += snap.meetings[i].inv[k].invited;
		if (store_record_load(ctx->store, snap.meetings[i].id, &r, &err) == 0)
			for (size_t k = 0; k < r.n; k++)
				n_answers += r.people[k].answer != NULL;
		store_record_release(&r);
	}
	vis_printf("took over the group '%s' from %s: schedule '%s', roster '%s', %zu meetings, %zu invitations and "
	       "%zu answers recorded\n", ctx->cfg.group_name, old ? old : "the old tovholder", ctx->cfg.schedule_path,
	       ctx->cfg.roster_path, snap.n, n_inv, n_answers);
	printf("next: 'tovholder check --online', then 'tovholder plan' (each future meeting: an update with the "
	       "new organizer, no new invitations), then 'tovholder send'\n");
	free(old);
	store_snapshot_release(&snap);
}

int cmd_modtag(int argc, char **argv, struct ctx *ctx)
{
	struct handover h;
	struct err err = { "" };
	struct diag d;
	const struct handover_section *sec[4];
	struct staged sg = { { NULL, NULL }, { NULL, NULL } };
	struct roster roster = { 0 };
	char today[11];
	const char *file = NULL;
	char *buf = NULL, *lock_path = NULL;
	size_t len;
	int force = 0, bad_arg = 0, had_state = 1, had_lock = 1, rc;

	handover_init(&h);
	diag_init(&d);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			bad_arg = 1;
	}
	rc = EX_USAGE;
	if (!file || bad_arg) {
		fprintf(stderr, "usage: tovholder modtag FILE [--force]\n");
		goto out;
	}
	rc = EX_NOINPUT;
	if (!(buf = util_read_file(file, HANDOVER_MAX, &len, &err))) {
		log_error("%s", err.msg);
		goto out;
	}
	rc = EX_DATAERR;
	if (handover_read(&h, buf, len, &err) != HANDOVER_OK) {
		log_error("'%s': %s", file, err.msg);
		goto out;
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!(sec[i] = handover_get(&h, required[i]))) {
			log_error("'%s': the file has no section '%s': it was not written by 'tovholder overdrag'", file,
				  required[i]);
			goto out;
		}
	if ((rc = ctx_load_config(ctx, &d))) {
		diag_print(&d);
		goto out;
	}
	if ((rc = check_files(ctx, sec[1], sec[2], &roster)))
		goto out;
	/* all of the file is checked before anything is written: a refused row leaves no schedule and roster
	 * beside an empty state, which the next plan would take for a new group (new UIDs, a second entry in
	 * every calendar). The record is history, never a list of whom to mail: from today on it may invite only
	 * the roster's people, or plan would send a CANCEL with the file's text to anyone it names. */
	rc = EX_DATAERR;
	util_local_date(util_now(), today);
	if (store_check_handover(sec[3]->data, sec[3]->len, today, on_roster, &roster, &err) < 0) {
		log_error("'%s': %s", file, err.msg);
		log_error("nothing was written: ask the old tovholder for a new file from 'tovholder overdrag'");
		goto out;
	}
	lock_path = xasprintf("%s.lock", ctx->cfg.state_path);
	had_lock = access(lock_path, F_OK) == 0;
	had_state = access(ctx->cfg.state_path, F_OK) == 0;
	if ((rc = ctx_lock(ctx, 0)) || (rc = ctx_open_store(ctx)) || (rc = refusals(ctx, sec[1], sec[2], force)) ||
	    (rc = stage_files(ctx, sec[1], sec[2], &sg))) {
		if (rc != EX_TEMPFAIL)
			remove_new_state(ctx, had_state, had_lock);
		goto out;
	}
	/* the record in one transaction, then the files: a failure before the rename leaves the old ones */
	if (store_import(ctx->store, sec[3]->data, sec[3]->len, force, &err) < 0) {
		log_error("'%s': %s", file, err.msg);
		log_error("nothing was written");
		unstage(&sg);
		remove_new_state(ctx, had_state, had_lock);
		rc = EX_DATAERR;
		goto out;
	}
	if ((rc = place_files(&sg)))
		goto out;
	compare_config(ctx, sec[0]);
	summary(ctx, sec[0]);
	rc = 0;
out:
	free(buf);
	free(lock_path);
	handover_release(&h);
	roster_release(&roster);
	diag_release(&d);
	return rc;
}
