/* The service loop. It sleeps in poll() until something needs doing: a signal, a changed file, mail in the
 * inbox (IMAP IDLE, RFC 2177), mail in a decision folder (IMAP NOTIFY, RFC 5465), or its next timer — a retry,
 * a reminder, the IDLE renewal, a reconnect, the watchdog. No busy waiting and no fixed sleeps.
 *
 * Sending and reading each take the state lock only while they work, so the CLI commands run beside the
 * service and see its writes at once (SQLite WAL); a second `run` for the same group is refused. */
#include "loop.h"
#include "ctx.h"
#include "folders.h"
#include "imap.h"
#include "inbox.h"
#include "log.h"
#include "reply.h"
#include "sender.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#define IDLE_RENEW      (25 * 60)  /* RFC 2177: servers may drop an IDLE after 30 minutes; renew before */
#define NOTIFY_RENEW    IDLE_RENEW /* the same autologout ends a connection waiting for NOTIFY: a pass before */
#define RECONNECT_MIN   5
#define RECONNECT_MAX   300
#define RELOAD_SETTLE_MS 300       /* editors write a file in several steps: wait for them to finish */

struct loop {
	const char *config_path;
	int verbose;
	struct ctx ctx;
	int sfd;                   /* signalfd: SIGTERM, SIGINT, SIGHUP */
	int ifd;                   /* inotify on the directories of the config, schedule and roster */
	int run_lock;
	struct imap *imap;         /* NULL when not connected */
	int idling;
	long long idle_renew_ms;   /* when to renew the IDLE */
	long long poll_ms;         /* without IDLE: when to look at the mailbox again */
	long long folders_ms;      /* when to look at the decision folders again (IDLE does not see them) */
	struct imap *folders_imap; /* their connection (NULL: made at the next look); kept between looks without NOTIFY */
	struct imap *watch_imap;   /* with NOTIFY: a connection that only waits for news of the decision folders */
	int folders_notify;        /* 1: NOTIFY worked since the login (said once in the log); -1: the server refused it */
	long long watch_renew_ms;  /* when watch_imap is made afresh (with a pass) */
	long long reconnect_ms;    /* when to connect to IMAP again (0: now) */
	int reconnect_delay;
	long long send_ms;         /* next retry or reminder (0: none) */
	long long reload_ms;       /* a reload waiting for the files to settle (0: none) */
	long long watchdog_ms;     /* next WATCHDOG=1 (0: no watchdog) */
	long long watchdog_every;
	int reload_all;            /* after a reload, deliver every queued message, not only the due ones */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asked between messages and during transfers: a SIGTERM or SIGINT is waiting (they are blocked, so
 * sigpending sees them before the signalfd is read). */
static int stop_requested(void *arg)
{
	sigset_t pending;

	(void)arg;
	return sigpending(&pending) == 0 && (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT));
}

static void status(struct loop *l)
{
	struct store_snapshot snap = { 0 };
	struct store_record rec = { 0 };
	struct err err = { "" };
	int queued = 0, failed = 0, missing = 0;
	const struct store_meeting *next = NULL;
	char today[11];
	time_t now = util_now();
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	if (store_load(l->ctx.store, &snap, &err) < 0 ||
	    store_outbox_counts(l->ctx.store, &queued, &failed, &err) < 0) {
		store_snapshot_release(&snap);
		return;
	}
	for (size_t i = 0; i < snap.n && !next; i++)
		if (!snap.meetings[i].cancelled && strcmp(snap.meetings[i].date, today) >= 0)
			next = &snap.meetings[i];
	if (next && store_record_load(l->ctx.store, next->id, &rec, &err) == 0)
		for (size_t i = 0; i < rec.n; i++)
			missing += rec.people[i].invited && (!rec.people[i].answer ||
							     strcmp(rec.people[i].answer, "ukendt") == 0);
	if (next)
		sd_notifyf(0, "STATUS=next meeting %s, %d answer%s missing; %d message%s waiting%s%s", next->date,
			   missing, missing == 1 ? "" : "s", queued, queued == 1 ? "" : "s",
			   l->imap ? "" : "; inbox not connected", failed ? "; some messages failed (see status)" : "");
	else
		sd_notifyf(0, "STATUS=no meeting ahead; %d message%s waiting", queued, queued == 1 ? "" : "s");
	store_record_release(&rec);
	store_snapshot_release(&snap);
}

/* Reconcile, queue reminders, deliver what is due; then schedule the next retry or reminder. */
static void send_cycle(struct loop *l)
{
	struct outbox_result res;
	struct err err = { "" };
	time_t now = util_now(), next_reminder = 0, next_paper = 0, next_try = 0, next = 0, next_teams = 0;

	if (ctx_lock(&l->ctx, 1))
		return;
	int queued = sender_teams(&l->ctx, now, 1, &next_teams) >= 0 && sender_queue_changes(&l->ctx, now) >= 0 &&
		     sender_queue_reminders(&l->ctx, now, &next_reminder) >= 0;

	/* the paperwork (referat draft, status, attendance) after the Teams step (it may have recorded who was
	 * there) and apart: its failure (a template) must not hold up the invitations; it is logged and tried
	 * again a minute later */
	if (sender_queue_paperwork(&l->ctx, now, &next_paper) < 0 && !next_paper)
		next_paper = now + 60;
	if (queued && sender_deliver(&l->ctx, now, l->reload_all, stop_requested, NULL, &res) == 0) {
		if (res.sent || res.waiting || res.failed)
			log_info("sent %d, waiting %d, refused %d", res.sent, res.waiting, res.failed);
		if (res.stop != SMTP_OK && !res.stopped)
			log_warn("[smtp] %s: %s; retrying later", l->ctx.cfg.smtp.url, res.stop_reason);
		l->reload_all = 0;
	}
	if (store_next_try(l->ctx.store, &next_try, &err) < 0)
		log_error("%s", err.msg);
	ctx_unlock(&l->ctx);
	next = next_try;
	if (next_reminder && (!next || next_reminder < next))
		next = next_reminder;
	if (next_teams && (!next || next_teams < next))
		next = next_teams;
	if (next_paper && (!next || next_paper < next))
		next = next_paper;
	now = util_now();
	l->send_ms = next ? now_ms() + (next > now ? (long long)(next - now) * 1000 : 0) : 0;
	/* a retry that is due right away (a failed state write) must not spin */
	if (l->send_ms && l->send_ms < now_ms() + 1000)
		l->send_ms = now_ms() + 1000;
	status(l);
}

/* The decision folders' connections closed, and whether the server takes NOTIFY asked again at the next login
 * (the inbox's connection was lost, or the settings reloaded). */
static void folders_close(struct loop *l)
{
	imap_free(l->folders_imap);
	l->folders_imap = NULL;
	imap_free(l->watch_imap);
	l->watch_imap = NULL;
	l->folders_notify = 0;
}

static void imap_lost(struct loop *l, const char *why)
{
	int jitter;

	log_warn("[imap] %s: %s; reconnecting in about %d s", l->ctx.cfg.imap.url, why, l->reconnect_delay);
	imap_free(l->imap);
	l->imap = NULL;
	folders_close(l);
	l->idling = 0;
	/* ±20 % so many services do not come back at the same instant */
	jitter = (int)(util_now() % 5) - 2;
	l->reconnect_ms = now_ms() + (long long)l->reconnect_delay * (1000 + jitter * 100);
	l->reconnect_delay = l->reconnect_delay * 2 > RECONNECT_MAX ? RECONNECT_MAX : l->reconnect_delay * 2;
	status(l);
}

/* Reads the inbox once, then waits in IDLE (or schedules the next look). */
static void inbox_cycle(struct loop *l)
{
	struct inbox_result res;
	struct err err = { "" };

	if (!l->imap)
		return;
	if (l->idling) {
		l->idling = 0;
		if (imap_idle_done(l->imap, &err) != IMAP_OK) {
			imap_lost(l, err.msg);
			return;
		}
	}
	if (ctx_lock(&l->ctx, 1))
		return;
	log_debug("inbox: looking for new mail");
	int rc = inbox_pass(&l->ctx, l->imap, util_now(), stop_requested, NULL, &res);
	ctx_unlock(&l->ctx);
	if (rc < 0)
		log_error("the inbox pass stopped on a state error; trying again at the next mail");
	if (!res.no_new && rc == 0)
		log_info("inbox: %d answers, %d automatic, %d bounces, %d delay warnings, %d for review, %d not ours",
			 res.counts[REPLY_ANSWER], res.counts[REPLY_AUTOREPLY], res.counts[REPLY_BOUNCE],
			 res.counts[REPLY_DELAYED], res.counts[REPLY_REVIEW], res.counts[REPLY_NOT_OURS]);
	if (res.stop == IMAP_UNREACHABLE) {
		imap_lost(l, res.stop_reason);
		return;
	}
	if (res.stop == IMAP_REFUSED)
		log_error("[imap] %s", res.stop_reason);
	if (stop_requested(NULL))
		return;
	if (imap_has_idle(l->imap)) {
		if (imap_idle_start(l->imap, &err) != IMAP_OK) {
			imap_lost(l, err.msg);
			return;
		}
		l->idling = 1;
		l->idle_renew_ms = now_ms() + IDLE_RENEW * 1000LL;
	} else {
		l->poll_ms = now_ms() + l->ctx.cfg.imap.poll_interval * 1000LL;
	}
	if (!res.no_new)
		status(l);
}

static void watch_drop(struct loop *l)
{
	imap_free(l->watch_imap);
	l->watch_imap = NULL;
}

/* When to look again after a lost connection: after poll_interval, but not later than a reconnect of the inbox
 * would (with NOTIFY nothing else would bring the next look). */
static long long folders_retry_ms(const struct loop *l)
{
	long long wait = l->ctx.cfg.imap.poll_interval < RECONNECT_MAX ? l->ctx.cfg.imap.poll_interval : RECONNECT_MAX;

	return now_ms() + wait * 1000LL;
}

/* The folders' connection is lost or could not be made. */
static void folders_drop(struct loop *l)
{
	imap_free(l->folders_imap);
	l->folders_imap = NULL;
	watch_drop(l);
	l->folders_ms = folders_retry_ms(l);
}

/* After a pass, where the server offers NOTIFY: a connection of its own that asks once to be told of mail in the
 * decision folders and then only listens (Dovecot 2.3 tells nothing after a second NOTIFY SET on a session, nor
 * of a folder selected on it). What arrives there during a pass is read after it, so no mail slips between. The
 * next look is then on news, or after NOTIFY_RENEW (a fresh watch before the server's autologout); mail already
 * waiting by the server's answer (it came just now, or a pass could not move it) is looked at once more at once.
 * Else, and on a server that refuses NOTIFY, after poll_interval as before. */
static void watch_open(struct loop *l)
{
	const struct server_config *sc = &l->ctx.cfg.imap;
	const char *const folders[] = { sc->decline, sc->accept, sc->ignore, sc->attendance };
	struct err err = { "" };
	int waiting = 0;

	if (l->watch_imap || l->folders_notify < 0 || !imap_has_notify(l->folders_imap))
		return;
	if (inbox_connect(&l->ctx, &l->watch_imap, &err)) {
		l->watch_imap = NULL;
		log_warn("[imap] the decision folders: %s; looking every poll_interval until it works", err.msg);
		return;
	}
	switch (imap_notify_set(l->watch_imap, folders, sizeof(folders) / sizeof(folders[0]), &waiting, &err)) {
	case IMAP_OK:
		if (!l->folders_notify)
			log_info("[imap] the decision folders: looked at when mail arrives there (NOTIFY)");
		log_debug("decision folders: watching (NOTIFY)");
		l->folders_notify = 1;
		l->watch_renew_ms = now_ms() + NOTIFY_RENEW * 1000LL;
		l->folders_ms = waiting ? now_ms() : l->watch_renew_ms;
		if (waiting)
			log_debug("decision folders: %d hold mail", waiting);
		break;
	case IMAP_REFUSED:
		log_warn("[imap] %s; looking into the decision folders every poll_interval instead", err.msg);
		watch_drop(l);
		l->folders_notify = -1;
		break;
	case IMAP_UNREACHABLE:
		log_warn("[imap] the decision folders: %s; looking every poll_interval until it works", err.msg);
		watch_drop(l);
		break;
	}
}

/* The server closed the watch (its autologout, a restart): the next look, which makes a new one, comes as after
 * a lost connection — a pass at once could meet a server that closes every watch at once, again and again. */
static void watch_closed(struct loop *l)
{
	watch_drop(l);
	l->folders_ms = folders_retry_ms(l);
	log_info("[imap] the server closed the watch of the decision folders; looking again in %lld s",
		 (l->folders_ms - now_ms() + 999) / 1000);
}

/* The decision folders, on a connection of their own: IDLE watches the inbox only, and selecting other folders
 * on the idling connection stopped Dovecot's keepalives in IDLE (t5060). A pass at the first look, then on
 * NOTIFY news (watch_open), or every poll_interval on a server without NOTIFY; there the connection is kept between
 * looks (a login a minute would also run an OAuth2 token_command a minute). 'renew': the watch is made afresh. */
static void folders_cycle(struct loop *l, int renew)
{
	struct folders_result res;
	struct err err = { "" };

	l->folders_ms = now_ms() + l->ctx.cfg.imap.poll_interval * 1000LL;
	if (!l->imap)
		return;   /* the inbox's connection is down: so is the server, most likely */
	if (renew)
		watch_drop(l);
	if (!l->folders_imap && inbox_connect(&l->ctx, &l->folders_imap, &err)) {
		l->folders_imap = NULL;
		log_warn("[imap] the decision folders: %s; trying again later", err.msg);
		folders_drop(l);
		return;
	}
	if (ctx_lock(&l->ctx, 1))
		return;
	log_debug("decision folders: looking");
	if (folders_pass(&l->ctx, l->folders_imap, util_now(), stop_requested, NULL, &res) < 0)
		log_error("the decision folders stopped on a state error; trying again at the next look");
	ctx_unlock(&l->ctx);
	if (res.answers || res.ignored || res.reports || res.returned) {
		log_info("decided by folder: %d answers, %d ignored, %d Teams reports, %d back to review",
			 res.answers, res.ignored, res.reports, res.returned);
		l->send_ms = now_ms();   /* what follows a decision is sent now (send_cycle) */
	}
	if (res.stop != IMAP_OK)
		log_warn("[imap] %s; trying again later", res.stop_reason);
	if (res.stop == IMAP_UNREACHABLE) {
		folders_drop(l);
		return;
	}
	if (!l->watch_imap)
		watch_open(l);
	/* With a watch, looks are rare (news, or every NOTIFY_RENEW): the connection is made for each and closed
	 * after it, so an idle service holds two connections to the server, not three (a Dovecot process each; a
	 * region of 50 groups on one server is 100 instead of 150). */
	if (l->watch_imap) {
		l->folders_ms = l->watch_renew_ms;
		imap_free(l->folders_imap);
		l->folders_imap = NULL;
	}
}

static void imap_open(struct loop *l)
{
	struct err err = { "" };
	int rc;

	l->reconnect_ms = 0;
	if (!l->ctx.cfg.imap.present)
		return;
	rc = inbox_connect(&l->ctx, &l->imap, &err);
	if (rc) {
		l->imap = NULL;
		imap_lost(l, err.msg);
		return;
	}
	log_info("[imap] connected to %s%s", l->ctx.cfg.imap.url, imap_has_idle(l->imap) ? " (IDLE)" : "");
	l->reconnect_delay = RECONNECT_MIN;
	inbox_cycle(l);
	folders_cycle(l, 1);   /* also creates the folders on the first start */
}

static void watch_dir_of(struct loop *l, const char *path)
{
	char *dir = util_dirname(path);

	if (inotify_add_watch(l->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0)
		log_warn("cannot watch '%s' for changes (%s): send SIGHUP after editing", dir, strerror(errno));
	free(dir);
}

static void watch_files(struct loop *l)
{
	if (l->ifd >= 0)
		close(l->ifd);
	l->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->ifd < 0) {
		log_warn("inotify unavailable (%s): send SIGHUP after editing the files", strerror(errno));
		return;
	}
	watch_dir_of(l, l->config_path);
	watch_dir_of(l, l->ctx.cfg.schedule_path);
	watch_dir_of(l, l->ctx.cfg.roster_path);
	watch_dir_of(l, l->ctx.cfg.state_path);  /* STATE.nudge: ctx_nudge */
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

enum { CHANGED_FILES = 1, CHANGED_RECORD = 2 };

/* Drains inotify; CHANGED_FILES when one of our three files changed, CHANGED_RECORD when a command nudged us
 * (ctx_nudge: attendance or an answer recorded). */
static int files_changed(struct loop *l)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	char *nudge = xasprintf("%s.nudge", base_name(l->ctx.cfg.state_path));
	int ours = 0;
	ssize_t n;

	while ((n = read(l->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && (strcmp(ev->name, base_name(l->config_path)) == 0 ||
					strcmp(ev->name, base_name(l->ctx.cfg.schedule_path)) == 0 ||
					strcmp(ev->name, base_name(l->ctx.cfg.roster_path)) == 0))
				ours |= CHANGED_FILES;
			if (ev->len && strcmp(ev->name, nudge) == 0 && (ev->mask & IN_CLOSE_WRITE))
				ours |= CHANGED_RECORD;
			p += sizeof(*ev) + ev->len;
		}
	}
	free(nudge);
	return ours;
}

/* A new config, schedule and roster, all checked before the running ones are replaced. */
static void reload(struct loop *l)
{
	struct ctx next;

	l->reload_ms = 0;
	sd_notify(0, "RELOADING=1");
	ctx_init(&next, l->config_path, l->verbose);
	if (ctx_load_all(&next) || ctx_open_store(&next)) {
		log_error("the changed files have problems (above): still running with the previous ones");
		ctx_release(&next);
		sd_notify(0, "READY=1");
		return;
	}
	ctx_release(&l->ctx);
	l->ctx = next;
	log_info("reloaded %s", l->config_path);
	watch_files(l);
	/* the IMAP settings may have changed: log in again with the new ones */
	if (l->imap) {
		if (l->idling) {
			struct err err = { "" };
			imap_idle_done(l->imap, &err);
		}
		imap_free(l->imap);
		l->imap = NULL;
		l->idling = 0;
	}
	folders_close(l);
	l->reconnect_delay = RECONNECT_MIN;
	l->reconnect_ms = now_ms();
	l->reload_all = 1;
	sd_notify(0, "READY=1");
	send_cycle(l);
}

static void handle_signals(struct loop *l, int *stop)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: reloading");
			reload(l);
		} else {
			log_info("%s: stopping", si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			*stop = 1;
		}
	}
}

/* Before the service sleeps, what the last pass left behind goes back to the kernel: SQLite's page cache and
 * the heap's free pages. glibc returns only the top of the heap by itself, and one long-lived allocation above
 * a pass's transient ones (a TLS login checks the server's certificate against the system's trust store, some
 * 4 MB while it lasts) pins the rest: measured with imaps, an idle service's private memory 6.4 MB without
 * this, 2.9 MB with it. Both calls cost microseconds on a heap this size. */
static void release_memory(struct loop *l)
{
	store_release_memory(l->ctx.store);
	malloc_trim(0);
}

static long long earliest(const struct loop *l)
{
	long long t[] = { l->send_ms, l->reload_ms, l->watchdog_ms, l->imap ? 0 : l->reconnect_ms,
			  l->idling ? l->idle_renew_ms : 0, l->imap && !l->idling ? l->poll_ms : 0,
			  l->imap ? l->folders_ms : 0 };
	long long best = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] && (!best || t[i] < best))
			best = t[i];
	return best;
}

static void timers(struct loop *l)
{
	long long now = now_ms();

	if (l->watchdog_ms && now >= l->watchdog_ms) {
		sd_notify(0, "WATCHDOG=1");
		l->watchdog_ms = now + l->watchdog_every;
	}
	if (l->reload_ms && now >= l->reload_ms)
		reload(l);
	if (l->send_ms && now >= l->send_ms) {
		l->send_ms = 0;
		send_cycle(l);
	}
	if (!l->imap && l->reconnect_ms && now >= l->reconnect_ms && l->ctx.cfg.imap.present)
		imap_open(l);
	if (l->imap && l->idling && now >= l->idle_renew_ms)
		inbox_cycle(l); /* DONE, a look, and a fresh IDLE */
	if (l->imap && l->folders_ms && now >= l->folders_ms)
		folders_cycle(l, l->watch_imap && now >= l->watch_renew_ms);   /* a fresh watch before the autologout */
	if (l->imap && !l->idling && l->poll_ms && now >= l->poll_ms) {
		l->poll_ms = 0;
		inbox_cycle(l);
	}
}

static int setup(struct loop *l)
{
	sigset_t mask;
	uint64_t usec = 0;
	char *lock_path;
	int rc;

	if ((rc = ctx_load_all(&l->ctx)))
		return rc;
	lock_path = xasprintf("%s.run", l->ctx.cfg.state_path);
	l->run_lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l->run_lock < 0 || flock(l->run_lock, LOCK_EX | LOCK_NB) < 0) {
		log_error("another 'tovholder run' is already running for this group (lock '%s')", lock_path);
		free(lock_path);
		return EX_TEMPFAIL;
	}
	free(lock_path);
	if ((rc = ctx_open_store(&l->ctx)))
		return rc;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	l->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return EX_OSERR;
	}
	watch_files(l);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		l->watchdog_every = (long long)(usec / 2000);
		l->watchdog_ms = now_ms() + l->watchdog_every;
	}
	return 0;
}

/* The service holds the mailbox password or token for as long as it runs: no core dump may carry it, and
 * no other process of the same user may read its memory (ptrace, /proc/PID/mem). The unit's LimitCORE=0
 * says the same; under its system call filter setrlimit is refused (EPERM), which is no error here. */
static void no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn("cannot mark the service non-dumpable: %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &none) < 0)
		log_debug("setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
}

int loop_run(const char *config_path, int verbose)
{
	struct loop l;
	int rc, stop = 0;

	no_core_dumps();
	memset(&l, 0, sizeof(l));
	l.config_path = config_path;
	l.verbose = verbose;
	l.sfd = l.ifd = l.run_lock = -1;
	l.reconnect_delay = RECONNECT_MIN;
	ctx_init(&l.ctx, config_path, verbose);
	if ((rc = setup(&l)))
		goto out;
	sd_notify(0, "READY=1");
	log_info("running for %s (%s)", l.ctx.cfg.group_name, config_path);
	l.reload_all = 1;
	send_cycle(&l);
	imap_open(&l);
	while (!stop) {
		struct pollfd pfd[4] = { { l.sfd, POLLIN, 0 }, { l.ifd, POLLIN, 0 }, { -1, POLLIN, 0 }, { -1, POLLIN, 0 } };
		long long next = earliest(&l), wait_ms = -1;
		int ready;

		if (l.idling && imap_idle_pending(l.imap) && imap_idle_news(l.imap, 0)) {
			inbox_cycle(&l);
			continue;
		}
		if (l.watch_imap && imap_idle_pending(l.watch_imap) && imap_notify_news(l.watch_imap, 0)) {
			folders_cycle(&l, 0);
			continue;
		}
		if (l.idling)
			pfd[2].fd = imap_fd(l.imap);
		if (l.watch_imap)
			pfd[3].fd = imap_fd(l.watch_imap);
		if (next)
			wait_ms = next > now_ms() ? next - now_ms() : 0;
		release_memory(&l);
		ready = poll(pfd, 4, wait_ms > INT_MAX ? INT_MAX : (int)wait_ms);
		if (ready < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			rc = EX_OSERR;
			break;
		}
		if (ready > 0 && (pfd[0].revents & POLLIN))
			handle_signals(&l, &stop);
		if (stop)
			break;
		if (ready > 0 && (pfd[1].revents & POLLIN)) {
			int changed = files_changed(&l);
			if (changed & CHANGED_FILES)
				l.reload_ms = now_ms() + RELOAD_SETTLE_MS;
			if (changed & CHANGED_RECORD)
				l.send_ms = now_ms();  /* the paperwork that follows (send_cycle) */
		}
		/* A keepalive ("* OK Still here") is read and dropped without leaving the IDLE. */
		if (ready > 0 && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ((pfd[2].revents & (POLLHUP | POLLERR)) || imap_idle_news(l.imap, 1)))
			inbox_cycle(&l);
		/* The same for the decision folders: only mail that is there wakes a pass (an expunge does not). */
		if (ready > 0 && l.watch_imap && (pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    ((pfd[3].revents & (POLLHUP | POLLERR)) || imap_notify_news(l.watch_imap, 1))) {
			if ((pfd[3].revents & (POLLHUP | POLLERR)) || imap_fd(l.watch_imap) < 0)
				watch_closed(&l);
			else {
				log_debug("decision folders: news from the server");
				folders_cycle(&l, 0);
			}
		}
		timers(&l);
	}
	sd_notify(0, "STOPPING=1");
	if (l.imap && l.idling) {
		struct err err = { "" };
		imap_idle_done(l.imap, &err);
	}
	imap_free(l.imap); /* LOGOUT */
	imap_free(l.folders_imap);
	imap_free(l.watch_imap);
	if (!rc)
		log_info("stopped");
out:
	ctx_release(&l.ctx);
	if (l.sfd >= 0)
		close(l.sfd);
	if (l.ifd >= 0)
		close(l.ifd);
	if (l.run_lock >= 0)
		close(l.run_lock);
	return rc;
}
