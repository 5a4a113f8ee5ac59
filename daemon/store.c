/* The state store on SQLite. Every SQL statement of the program lives in this file. */
#include "store.h"
#include "buf.h"
#include "config.h"
#include "schedule.h"
#include "util.h"
#include "vis.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Statements run once per mail or per message (answers, bounces, review items, thread lookups, the outbox)
 * are prepared once and kept: measured on a first fetch of 10,000 mails (bench/, row 1), preparing them anew
 * each time was 8 % of the CPU, SQLite parsing the same UPSERT a thousand times. Keyed by the address of
 * their SQL text, so that text must be static (a string literal), never built at run time. */
#define STORE_KEPT 16

struct store {
	sqlite3 *db;
	char *path;
	int widened;   /* the mode bits for group and others an existing file had before store_open took them */
	struct {
		const char *sql;
		sqlite3_stmt *s;
	} kept[STORE_KEPT];
	size_t n_kept;
};

/* Each entry migrates from version i to i + 1; PRAGMA user_version records how far a database has come.
 * Never edit a released step: add a new one. */
static const char *const migrations[] = {
	/* 0 → 1: meetings, invitations, outbox */
	"CREATE TABLE meeting ("
	"  id INTEGER PRIMARY KEY,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  date TEXT NOT NULL,"
	"  sequence INTEGER NOT NULL,"
	"  cancelled INTEGER NOT NULL DEFAULT 0,"
	"  start_min INTEGER NOT NULL, end_min INTEGER NOT NULL,"
	"  place TEXT NOT NULL, online_url TEXT NOT NULL, agenda TEXT NOT NULL,"
	"  organizer TEXT NOT NULL, summary TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE INDEX meeting_date ON meeting(date);"
	"CREATE TABLE invitation ("
	"  meeting_id INTEGER NOT NULL REFERENCES meeting(id),"
	"  email TEXT NOT NULL,"
	"  name TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,"
	"  invited INTEGER NOT NULL,"
	"  sequence INTEGER NOT NULL,"
	"  PRIMARY KEY (meeting_id, email));"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  meeting_id INTEGER,"
	"  email TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  sequence INTEGER NOT NULL,"
	"  message_id TEXT NOT NULL,"
	"  message BLOB NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('queued','sent','failed','superseded')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  done_at INTEGER);"
	"CREATE INDEX outbox_queue ON outbox(status, next_try);"
	"CREATE INDEX outbox_person ON outbox(meeting_id, email);"
	"CREATE UNIQUE INDEX outbox_msgid ON outbox(message_id);",
	/* 1 → 2: what comes back — answers, automatic replies, bounces, mail for review, the mailbox position */
	"CREATE TABLE answer ("
	"  meeting_id INTEGER NOT NULL REFERENCES meeting(id),"
	"  email TEXT NOT NULL,"
	"  answer TEXT NOT NULL CHECK (answer IN ('tilsagn','afbud','tentativ','ukendt')),"
	"  source TEXT NOT NULL CHECK (source IN ('kalender','mail','manuel')),"
	"  at INTEGER NOT NULL,"
	"  substitute TEXT, note TEXT, message_id TEXT,"
	"  recorded_at INTEGER NOT NULL,"
	"  PRIMARY KEY (meeting_id, email));"
	"CREATE TABLE autoreply ("
	"  meeting_id INTEGER NOT NULL, email TEXT NOT NULL, at INTEGER NOT NULL, detail TEXT,"
	"  PRIMARY KEY (meeting_id, email));"
	"CREATE TABLE bounce (email TEXT PRIMARY KEY, at INTEGER NOT NULL, detail TEXT);"
	"CREATE TABLE review ("
	"  id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, sender TEXT NOT NULL, subject TEXT NOT NULL,"
	"  date INTEGER NOT NULL, reason TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE mailbox (name TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL, last_uid INTEGER NOT NULL);",
	/* 2 → 3: reminders, each sent (or skipped) once per meeting and offset (again after a move:
	 * store_put_meeting) */
	"CREATE TABLE reminder ("
	"  meeting_id INTEGER NOT NULL, offset_s INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('sent','skipped')), at INTEGER NOT NULL,"
	"  PRIMARY KEY (meeting_id, offset_s));",
	/* 3 → 4: confirmed attendance after a meeting (a Teams report or by hand), and the report's other rows:
	 * guests not on the roster, the organizer, and rows nobody could be matched to (kept, never dropped) */
	"CREATE TABLE attendance ("
	"  meeting_id INTEGER NOT NULL REFERENCES meeting(id),"
	"  email TEXT NOT NULL,"
	"  present INTEGER NOT NULL CHECK (present IN (0,1)),"
	"  source TEXT NOT NULL CHECK (source IN ('teams','manuel')),"
	"  duration_s INTEGER, first_join TEXT, report_name TEXT,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (meeting_id, email));"
	"CREATE TABLE attendance_extra ("
	"  id INTEGER PRIMARY KEY,"
	"  meeting_id INTEGER NOT NULL REFERENCES meeting(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('guest','organizer','unmatched')),"
	"  source TEXT NOT NULL CHECK (source IN ('teams','manuel')),"
	"  name TEXT NOT NULL, org TEXT NOT NULL, email TEXT NOT NULL,"
	"  duration_s INTEGER, first_join TEXT, line INTEGER NOT NULL, detail TEXT,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX attendance_extra_meeting ON attendance_extra(meeting_id);",
	/* 4 → 5: the Teams meeting made through Microsoft Graph for a "place = teams" meeting, keyed by the
	 * calendar UID (reserved here before the meeting is ever sent, so a crash between Graph's createOrGet and
	 * the first invitation finds the same UID, the same externalId and so the same Teams meeting); a Teams
	 * link written by hand in schedule.ini gets a row too (owned 0: never moved or deleted by us), found by its
	 * join link, for its attendance; and when the attendance report is looked for next */
	"CREATE TABLE online_meeting ("
	"  uid TEXT PRIMARY KEY,"
	"  date TEXT NOT NULL,"
	"  owned INTEGER NOT NULL DEFAULT 1,"
	"  graph_id TEXT, join_url TEXT,"
	"  start_utc INTEGER NOT NULL DEFAULT 0, end_utc INTEGER NOT NULL DEFAULT 0, subject TEXT,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  attendance_next INTEGER NOT NULL DEFAULT 0, attendance_tries INTEGER NOT NULL DEFAULT 0,"
	"  attendance_done INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL);",
	/* 5 → 6: a new time someone proposed (COUNTER, or a REPLY with a proposed time), the newest per person and
	 * meeting; by the meeting's UID, and not handed over (it points to mail in the organizer's mailbox) */
	"CREATE TABLE proposal ("
	"  uid TEXT NOT NULL, email TEXT NOT NULL,"
	"  start_at INTEGER NOT NULL, end_at INTEGER, comment TEXT, message_id TEXT NOT NULL, at INTEGER NOT NULL,"
	"  PRIMARY KEY (uid, email));",
	/* 6 → 7: the mails to the referent and the tovholder about each meeting: the referat draft ('draft') and
	 * the status mail ('status'), each once (again after a move, like the reminders), and the confirmed
	 * attendance ('attendance') with the hash of its lines as last sent, so that only a change mails again.
	 * Attendance recorded before this step is 'baseline': its lines as they are count as sent, so an upgrade
	 * does not mail the referent about every past meeting. */
	"CREATE TABLE paperwork ("
	"  meeting_id INTEGER NOT NULL REFERENCES meeting(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('draft','status','attendance')),"
	"  status TEXT NOT NULL CHECK (status IN ('sent','skipped','baseline')),"
	"  hash TEXT NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY (meeting_id, kind));"
	"INSERT INTO paperwork (meeting_id, kind, status, hash, at)"
	"  SELECT DISTINCT meeting_id, 'attendance', 'baseline', '', CAST(strftime('%s','now') AS INTEGER)"
	"  FROM attendance;",
	/* 7 → 8: a review item's reason as a code and its detail (reason.h), so the mails say it in Danish; an
	 * item stored before keeps its English text alone (no code). The review table is not handed over. */
	"ALTER TABLE review ADD COLUMN reason_code TEXT;"
	"ALTER TABLE review ADD COLUMN reason_args TEXT;",
	/* 8 → 9: the answers to the Teams reports the tovholder moved into the attendance folder (folders.c), by
	 * the report mail's Message-ID: a mail read again (a crash before it was moved on) is answered once. Not
	 * handed over: it points to mail in the old organizer's mailbox. */
	"CREATE TABLE report_answer ("
	"  message_id TEXT PRIMARY KEY,"
	"  meeting_id INTEGER NOT NULL REFERENCES meeting(id),"
	"  at INTEGER NOT NULL);",
};

static int db_err(struct store *st, struct err *err, const char *what)
{
	return err_set(err, "state '%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

static int exec(struct store *st, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "state '%s': %s", st->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *prep(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		db_err(st, err, "prepare");
		return NULL;
	}
	return s;
}

/* A kept statement, ready to bind and step; done() hands it back. 'sql' must be static text (see above).
 * Full (a new statement kept by someone): an ordinary statement, which done() finalizes. */
static sqlite3_stmt *prep_kept(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt *s = NULL;

	for (size_t i = 0; i < st->n_kept; i++)
		if (st->kept[i].sql == sql)
			return st->kept[i].s;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		db_err(st, err, "prepare");
		return NULL;
	}
	if (st->n_kept < STORE_KEPT) {
		st->kept[st->n_kept].sql = sql;
		st->kept[st->n_kept++].s = s;
	}
	return s;
}

/* The end of a statement's use: a kept one is reset and its bindings cleared (the text bound with
 * SQLITE_STATIC is the caller's, and goes away), any other finalized. */
static void done(struct store *st, sqlite3_stmt *s)
{
	for (size_t i = 0; i < st->n_kept; i++)
		if (st->kept[i].s == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return;
		}
	sqlite3_finalize(s);
}

/* Runs a statement that returns no rows, and is done with it. */
static int step_done(struct store *st, sqlite3_stmt *s, struct err *err)
{
	int rc = sqlite3_step(s);

	done(st, s);
	if (rc != SQLITE_DONE)
		return db_err(st, err, "write");
	return 0;
}

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

static int migrate(struct store *st, struct err *err)
{
	sqlite3_stmt *s = prep(st, "PRAGMA user_version", err);
	int version;
	const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));

	if (!s)
		return -1;
	version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	if (version > latest)
		return err_set(err, "state '%s' was written by a newer tovholder (schema %d, this one knows %d): "
			       "upgrade tovholder", st->path, version, latest);
	for (; version < latest; version++) {
		char pragma[64];

		if (store_begin(st, err) < 0)
			return -1;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
		if (exec(st, migrations[version], err) < 0 || exec(st, pragma, err) < 0) {
			store_rollback(st);
			return -1;
		}
		if (store_commit(st, err) < 0)
			return -1;
	}
	return 0;
}

/* The state holds names, addresses, answers and copies of sent mail: only its owner may read it, whatever the
 * umask. SQLite creates a database 0644 & ~umask and gives its -wal and -shm the mode of the database, so
 * the database is created here first, 0600. A file that group or others may already read (made by a command
 * run under root's umask 022 before this was so) is narrowed to 0600 (the service and the commands run as
 * one user, so nobody loses what they need); its old bits go to 'widened'. Not being the owner, which
 * leaves chmod impossible, is no error: the caller warns. */
static int tighten(const char *path, int create, int *widened, struct err *err)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (create ? O_CREAT : 0), 0600);

	if (fd < 0)
		return create || errno != ENOENT ? err_set(err, "cannot open state '%s': %s", path, strerror(errno)) : 0;
	if (fstat(fd, &sb) == 0 && (sb.st_mode & 077)) {
		*widened |= (int)(sb.st_mode & 077);
		if (fchmod(fd, sb.st_mode & 0700) == 0)
			*widened |= 01000;   /* fixed */
	}
	close(fd);
	return 0;
}

int store_widened(const struct store *st, int *ret_fixed)
{
	*ret_fixed = (st->widened & 01000) != 0;
	return st->widened & 077;
}

struct store *store_open(const char *path, struct err *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	static const char *const sides[] = { "-wal", "-shm", "-journal" };

	st->path = xstrdup(path);
	/* ":memory:" is SQLite's database in memory (fuzz_handover opens one): no file to create or tighten */
	if (strcmp(path, ":memory:") != 0 && tighten(path, 1, &st->widened, err) < 0)
		goto fail;
	for (size_t i = 0; strcmp(path, ":memory:") != 0 && i < sizeof(sides) / sizeof(sides[0]); i++) {
		char *side = xasprintf("%s%s", path, sides[i]);
		int rc = tighten(side, 0, &st->widened, err);
		free(side);
		if (rc < 0)
			goto fail;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		err_set(err, "cannot open state '%s': %s", path,
			st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	/* WAL: readers (status, referat) never block the writer. synchronous=FULL: a commit that returned is on
	 * disk, which is what "recorded after the server's 250" promises. */
	if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err) < 0 ||
	    migrate(st, err) < 0)
		goto fail;
	return st;
fail:
	store_free(st);
	return NULL;
}

void store_release_memory(struct store *st)
{
	if (st)
		sqlite3_db_release_memory(st->db);
}

void store_free(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_kept; i++)
		sqlite3_finalize(st->kept[i].s);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

int store_begin(struct store *st, struct err *err)
{
	return exec(st, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, struct err *err)
{
	return exec(st, "COMMIT", err);
}

void store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_set_durable(struct store *st, int durable, struct err *err)
{
	/* WAL with synchronous=NORMAL writes the commit to the log without an fsync: it survives the death of the
	 * process (the kernel has it), not a power cut. The next FULL commit or store_sync makes it durable. */
	return exec(st, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", err);
}

int store_sync(struct store *st, struct err *err)
{
	int log_frames = -1, done = -1;

	/* A checkpoint fsyncs the log before it copies it into the database, and the database after. FULL, not
	 * PASSIVE: a passive one skips the fsync when a reader holds back every frame; this one waits for them
	 * (busy timeout) until all can be copied. */
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_FULL, &log_frames, &done) != SQLITE_OK)
		return db_err(st, err, "sync");
	return 0;
}

void store_meeting_release(struct store_meeting *m)
{
	free(m->uid);
	free(m->place);
	free(m->online_url);
	free(m->agenda);
	free(m->organizer);
	free(m->summary);
	for (size_t i = 0; i < m->n_inv; i++) {
		free(m->inv[i].email);
		free(m->inv[i].name);
		free(m->inv[i].org);
		free(m->inv[i].role);
	}
	free(m->inv);
	memset(m, 0, sizeof(*m));
}

void store_snapshot_release(struct store_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		store_meeting_release(&s->meetings[i]);
	free(s->meetings);
	s->meetings = NULL;
	s->n = 0;
	store_online_free(s->online, s->n_online);
	s->online = NULL;
	s->n_online = 0;
}

/* ---- Teams meetings made through Microsoft Graph ---- */

void store_online_free(struct store_online *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].uid);
		free(v[i].graph_id);
		free(v[i].join_url);
		free(v[i].subject);
	}
	free(v);
}

int store_online_load(struct store *st, struct store_online **ret, size_t *ret_n, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT uid, date, graph_id, join_url, start_utc, end_utc, subject, deleted,"
			       " attendance_next, attendance_tries, attendance_done, owned FROM online_meeting"
			       " ORDER BY date, uid", err);
	struct store_online *v = NULL;
	size_t n = 0;
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_online *o;

		v = xrealloc(v, (n + 1) * sizeof(*v));
		o = &v[n++];
		memset(o, 0, sizeof(*o));
		o->uid = col_str(s, 0);
		snprintf(o->date, sizeof(o->date), "%s", (const char *)sqlite3_column_text(s, 1));
		o->graph_id = sqlite3_column_type(s, 2) == SQLITE_NULL ? NULL : col_str(s, 2);
		o->join_url = col_str(s, 3);
		o->start = (time_t)sqlite3_column_int64(s, 4);
		o->end = (time_t)sqlite3_column_int64(s, 5);
		o->subject = col_str(s, 6);
		o->deleted = sqlite3_column_int(s, 7);
		o->attendance_next = (time_t)sqlite3_column_int64(s, 8);
		o->attendance_tries = sqlite3_column_int(s, 9);
		o->attendance_done = sqlite3_column_int(s, 10);
		o->owned = sqlite3_column_int(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_online_free(v, n);
		return db_err(st, err, "read online meetings");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_online_put(struct store *st, const struct store_online *o, struct err *err)
{
	sqlite3_stmt *s = prep(st, "INSERT OR REPLACE INTO online_meeting (uid, date, graph_id, join_url, start_utc,"
			       " end_utc, subject, deleted, attendance_next, attendance_tries, attendance_done,"
			       " updated_at, owned) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, o->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, o->date, -1, SQLITE_STATIC);
	if (o->graph_id)
		sqlite3_bind_text(s, 3, o->graph_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, o->join_url ? o->join_url : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)o->start);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)o->end);
	sqlite3_bind_text(s, 7, o->subject ? o->subject : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 8, o->deleted);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)o->attendance_next);
	sqlite3_bind_int(s, 10, o->attendance_tries);
	sqlite3_bind_int(s, 11, o->attendance_done);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)util_now());
	sqlite3_bind_int(s, 13, o->owned);
	return step_done(st, s, err);
}

static struct store_meeting *find_by_id(struct store_snapshot *s, long long id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->meetings[i].id == id)
			return &s->meetings[i];
	return NULL;
}

int store_load(struct store *st, struct store_snapshot *ret, struct err *err)
{
	struct store_snapshot snap = { 0 };
	sqlite3_stmt *s;
	size_t alloc = 0;
	int rc;

	s = prep(st, "SELECT id, uid, date, sequence, cancelled, start_min, end_min, place, online_url, agenda,"
		 " organizer, summary FROM meeting ORDER BY date, id", err);
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_meeting *m;

		if (snap.n == alloc) {
			alloc = alloc ? 2 * alloc : 16;
			snap.meetings = xrealloc(snap.meetings, alloc * sizeof(*snap.meetings));
		}
		m = &snap.meetings[snap.n++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(s, 0);
		m->uid = col_str(s, 1);
		snprintf(m->date, sizeof(m->date), "%s", (const char *)sqlite3_column_text(s, 2));
		m->sequence = sqlite3_column_int(s, 3);
		m->cancelled = sqlite3_column_int(s, 4);
		m->start_min = sqlite3_column_int(s, 5);
		m->end_min = sqlite3_column_int(s, 6);
		m->place = col_str(s, 7);
		m->online_url = col_str(s, 8);
		m->agenda = col_str(s, 9);
		m->organizer = col_str(s, 10);
		m->summary = col_str(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	s = prep(st, "SELECT meeting_id, email, name, org, role, invited, sequence FROM invitation"
		 " ORDER BY meeting_id, rowid", err);
	if (!s)
		goto fail_quiet;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_meeting *m = find_by_id(&snap, sqlite3_column_int64(s, 0));
		struct store_invitation *inv;

		if (!m)
			continue;
		m->inv = xrealloc(m->inv, (m->n_inv + 1) * sizeof(*m->inv));
		inv = &m->inv[m->n_inv++];
		inv->email = col_str(s, 1);
		inv->name = col_str(s, 2);
		inv->org = col_str(s, 3);
		inv->role = col_str(s, 4);
		inv->invited = sqlite3_column_int(s, 5);
		inv->sequence = sqlite3_column_int(s, 6);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	if (store_online_load(st, &snap.online, &snap.n_online, err) < 0)
		goto fail_quiet;
	*ret = snap;
	return 0;
fail:
	db_err(st, err, "read");
fail_quiet:
	store_snapshot_release(&snap);
	return -1;
}

/* A meeting that moves (another date or start time) has its reminders again, at their times before the new
 * start: the rows that say they were sent (or skipped) were for the old one. */
static int reopen_reminders_if_moved(struct store *st, const struct store_meeting *m, struct err *err)
{
	static const char *const sql[] = {
		"DELETE FROM reminder WHERE meeting_id = ?1 AND EXISTS (SELECT 1 FROM meeting"
		" WHERE id = ?1 AND (date <> ?2 OR start_min <> ?3))",
		/* the referat draft and the status mail, too (the confirmed attendance is about what happened) */
		"DELETE FROM paperwork WHERE meeting_id = ?1 AND kind IN ('draft','status') AND EXISTS (SELECT 1"
		" FROM meeting WHERE id = ?1 AND (date <> ?2 OR start_min <> ?3))",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *s = prep(st, sql[i], err);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, m->id);
		sqlite3_bind_text(s, 2, m->date, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, m->start_min);
		if (step_done(st, s, err) < 0)
			return -1;
	}
	return 0;
}

int store_put_meeting(struct store *st, struct store_meeting *m, struct err *err)
{
	sqlite3_stmt *s;

	if (m->id && reopen_reminders_if_moved(st, m, err) < 0)
		return -1;
	if (m->id)
		s = prep(st, "UPDATE meeting SET uid=?1, date=?2, sequence=?3, cancelled=?4, start_min=?5,"
			 " end_min=?6, place=?7, online_url=?8, agenda=?9, organizer=?10, summary=?11,"
			 " updated_at=?12 WHERE id=?13", err);
	else
		s = prep(st, "INSERT INTO meeting (uid, date, sequence, cancelled, start_min, end_min, place,"
			 " online_url, agenda, organizer, summary, updated_at)"
			 " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)", err);
	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, m->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, m->date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, m->sequence);
	sqlite3_bind_int(s, 4, m->cancelled);
	sqlite3_bind_int(s, 5, m->start_min);
	sqlite3_bind_int(s, 6, m->end_min);
	sqlite3_bind_text(s, 7, m->place ? m->place : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, m->online_url ? m->online_url : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, m->agenda ? m->agenda : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, m->organizer ? m->organizer : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, m->summary ? m->summary : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 12, (sqlite3_int64)util_now());
	if (m->id)
		sqlite3_bind_int64(s, 13, m->id);
	if (step_done(st, s, err) < 0)
		return -1;
	if (!m->id)
		m->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_put_invitation(struct store *st, long long meeting_id, const struct store_invitation *inv,
			 struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "INSERT OR REPLACE INTO invitation (meeting_id, email, name, org, role, invited,"
			       " sequence) VALUES (?1,?2,?3,?4,?5,?6,?7)", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, inv->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, inv->name ? inv->name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, inv->org ? inv->org : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, inv->role ? inv->role : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, inv->invited);
	sqlite3_bind_int(s, 7, inv->sequence);
	return step_done(st, s, err);
}

int store_queue(struct store *st, struct store_outmsg *m, struct err *err)
{
	sqlite3_stmt *s;

	if (m->meeting_id && !m->keep_queued) {
		/* only calendar messages replace each other; a queued reminder stays */
		s = prep_kept(st, "UPDATE outbox SET status='superseded', done_at=?3 WHERE status='queued'"
			 " AND meeting_id=?1 AND email=?2 AND kind NOT IN ('reminder','practical','draft','status',"
			 "'attendance')", err);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, m->meeting_id);
		sqlite3_bind_text(s, 2, m->email, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, (sqlite3_int64)util_now());
		if (step_done(st, s, err) < 0)
			return -1;
	}
	s = prep_kept(st, "INSERT INTO outbox (meeting_id, email, kind, sequence, message_id, message, status,"
		 " next_try, created_at) VALUES (?1,?2,?3,?4,?5,?6,'queued',0,?7)", err);
	if (!s)
		return -1;
	if (m->meeting_id)
		sqlite3_bind_int64(s, 1, m->meeting_id);
	else
		sqlite3_bind_null(s, 1);
	sqlite3_bind_text(s, 2, m->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, m->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, m->sequence);
	sqlite3_bind_text(s, 5, m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 6, m->message, m->len, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)util_now());
	if (step_done(st, s, err) < 0)
		return -1;
	m->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_queued_since(struct store *st, long long meeting_id, const char *email, const char *kind, time_t since,
		       int *ret_n, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "SELECT count(*) FROM outbox WHERE meeting_id = ?1 AND email = ?2 AND kind = ?3"
				    " AND created_at >= ?4", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)since);
	rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		*ret_n = sqlite3_column_int(s, 0);
	done(st, s);
	return rc == SQLITE_ROW ? 0 : db_err(st, err, "read outbox");
}

void store_outmsgs_free(struct store_outmsg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].email);
		free(v[i].kind);
		free(v[i].message_id);
		free(v[i].message);
		free(v[i].last_error);
	}
	free(v);
}

int store_queued(struct store *st, time_t before, struct store_outmsg **ret, size_t *ret_n, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT o.id, o.meeting_id, o.email, o.kind, o.sequence, o.message_id, o.message,"
			       " o.attempts, o.next_try, o.last_error, m.date, o.created_at FROM outbox o"
			       " LEFT JOIN meeting m"
			       " ON m.id = o.meeting_id WHERE o.status='queued' AND (?1 < 0 OR o.next_try <= ?1)"
			       " ORDER BY o.id", err);
	struct store_outmsg *v = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)before);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_outmsg *m;
		const void *blob;

		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 32;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		m = &v[n++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(s, 0);
		m->meeting_id = sqlite3_column_int64(s, 1);
		m->email = col_str(s, 2);
		m->kind = col_str(s, 3);
		m->sequence = sqlite3_column_int(s, 4);
		m->message_id = col_str(s, 5);
		blob = sqlite3_column_blob(s, 6);
		m->len = (size_t)sqlite3_column_bytes(s, 6);
		m->message = xstrndup(blob ? blob : "", m->len);
		m->attempts = sqlite3_column_int(s, 7);
		m->next_try = (time_t)sqlite3_column_int64(s, 8);
		m->last_error = sqlite3_column_type(s, 9) == SQLITE_NULL ? NULL : col_str(s, 9);
		if (sqlite3_column_text(s, 10))
			snprintf(m->date, sizeof(m->date), "%s", (const char *)sqlite3_column_text(s, 10));
		m->created_at = (time_t)sqlite3_column_int64(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_outmsgs_free(v, n);
		return db_err(st, err, "read outbox");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int outbox_update(struct store *st, const char *sql, long long id, long long t, const char *error,
			 struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, sql, err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, t);
	sqlite3_bind_text(s, 3, error ? error : "", -1, SQLITE_STATIC);
	return step_done(st, s, err);
}

int store_mark_sent(struct store *st, long long id, time_t when, struct err *err)
{
	return outbox_update(st, "UPDATE outbox SET status='sent', done_at=?2, attempts=attempts+1,"
			     " last_error=NULLIF(?3,'') WHERE id=?1", id, (long long)when, NULL, err);
}

int store_mark_retry(struct store *st, long long id, time_t next_try, const char *error, struct err *err)
{
	return outbox_update(st, "UPDATE outbox SET attempts=attempts+1, next_try=?2, last_error=?3 WHERE id=?1",
			     id, (long long)next_try, error, err);
}

int store_mark_failed(struct store *st, long long id, const char *error, struct err *err)
{
	return outbox_update(st, "UPDATE outbox SET status='failed', attempts=attempts+1, done_at=?2,"
			     " last_error=?3 WHERE id=?1", id, (long long)util_now(), error, err);
}

int store_outbox_counts(struct store *st, int *ret_queued, int *ret_failed, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT COALESCE(SUM(status='queued'),0), COALESCE(SUM(status='failed'),0)"
			       " FROM outbox", err);

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return db_err(st, err, "read outbox");
	}
	*ret_queued = sqlite3_column_int(s, 0);
	*ret_failed = sqlite3_column_int(s, 1);
	sqlite3_finalize(s);
	return 0;
}

int store_mailbox_get(struct store *st, const char *name, unsigned long *ret_uidvalidity,
		      unsigned long *ret_last_uid, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT uidvalidity, last_uid FROM mailbox WHERE name = ?1", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret_uidvalidity = (unsigned long)sqlite3_column_int64(s, 0);
		*ret_last_uid = (unsigned long)sqlite3_column_int64(s, 1);
	} else {
		*ret_uidvalidity = 0;
		*ret_last_uid = 0;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read mailbox");
	return 0;
}

int store_mailbox_set(struct store *st, const char *name, unsigned long uidvalidity, unsigned long last_uid,
		      struct err *err)
{
	sqlite3_stmt *s = prep(st, "INSERT OR REPLACE INTO mailbox (name, uidvalidity, last_uid) VALUES (?1,?2,?3)",
			       err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)uidvalidity);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)last_uid);
	return step_done(st, s, err);
}

int store_answer_put(struct store *st, const struct store_answer *a, struct err *err)
{
	sqlite3_stmt *s;
	int changed;

	/* Newest wins (by when the person answered, not when we read it): an older reply arriving late, or the
	 * same reply read twice, changes nothing. A manual answer is stamped with the time it was set. */
	s = prep_kept(st, "INSERT INTO answer (meeting_id, email, answer, source, at, substitute, note, message_id,"
		 " recorded_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"
		 " ON CONFLICT (meeting_id, email) DO UPDATE SET answer=excluded.answer, source=excluded.source,"
		 " at=excluded.at, substitute=excluded.substitute, note=excluded.note,"
		 " message_id=excluded.message_id, recorded_at=excluded.recorded_at"
		 " WHERE excluded.at > answer.at OR ?10",
		 err);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, a->meeting_id);
	sqlite3_bind_text(s, 2, a->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, a->answer, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, a->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)a->at);
	sqlite3_bind_text(s, 6, a->substitute, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, a->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, a->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 9, (sqlite3_int64)util_now());
	sqlite3_bind_int(s, 10, a->force);
	if (step_done(st, s, err) < 0)
		return -1;
	changed = sqlite3_changes(st->db) > 0;
	return changed;
}

int store_autoreply_put(struct store *st, long long meeting_id, const char *email, time_t at, const char *detail,
			struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "INSERT OR REPLACE INTO autoreply (meeting_id, email, at, detail)"
			       " VALUES (?1,?2,?3,?4)", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)at);
	sqlite3_bind_text(s, 4, detail, -1, SQLITE_STATIC);
	return step_done(st, s, err);
}

int store_bounce_put(struct store *st, const char *email, time_t at, const char *detail, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "INSERT OR REPLACE INTO bounce (email, at, detail) VALUES (?1,?2,?3)", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	sqlite3_bind_text(s, 3, detail, -1, SQLITE_STATIC);
	return step_done(st, s, err);
}

int store_bounce_clear(struct store *st, const char *email, time_t upto, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "DELETE FROM bounce WHERE email = ?1 AND at <= ?2", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)upto);
	if (step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int store_mailed_since(struct store *st, const char *email, time_t since, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "SELECT 1 FROM outbox WHERE email = ?1 AND status = 'sent' AND done_at >= ?2"
			       " LIMIT 1", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)since);
	rc = sqlite3_step(s);
	done(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read outbox");
	return rc == SQLITE_ROW;
}

int store_proposal_put(struct store *st, const struct store_proposal *p, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "INSERT INTO proposal (uid, email, start_at, end_at, comment, message_id, at)"
				    " VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT (uid, email) DO UPDATE SET"
				    " start_at=excluded.start_at, end_at=excluded.end_at, comment=excluded.comment,"
				    " message_id=excluded.message_id, at=excluded.at WHERE excluded.at >= proposal.at", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, p->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)p->start);
	if (p->end)
		sqlite3_bind_int64(s, 4, (sqlite3_int64)p->end);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_text(s, 5, p->comment, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, (sqlite3_int64)p->at);
	return step_done(st, s, err);
}

void store_proposals_free(struct store_proposal *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].uid);
		free(v[i].email);
		free(v[i].comment);
		free(v[i].message_id);
	}
	free(v);
}

int store_proposals(struct store *st, const char *uid, struct store_proposal **ret, size_t *ret_n, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT uid, email, start_at, end_at, comment, message_id, at FROM proposal"
			       " WHERE ?1 IS NULL OR uid = ?1 ORDER BY start_at, email", err);
	struct store_proposal *v = NULL;
	size_t n = 0;
	int rc;

	if (!s)
		return -1;
	if (uid)
		sqlite3_bind_text(s, 1, uid, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].uid = col_str(s, 0);
		v[n].email = col_str(s, 1);
		v[n].start = (time_t)sqlite3_column_int64(s, 2);
		v[n].end = (time_t)sqlite3_column_int64(s, 3);
		v[n].comment = sqlite3_column_type(s, 4) == SQLITE_NULL ? NULL : col_str(s, 4);
		v[n].message_id = col_str(s, 5);
		v[n].at = (time_t)sqlite3_column_int64(s, 6);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_proposals_free(v, n);
		return db_err(st, err, "read proposal");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_review_add(struct store *st, const struct store_review *r, struct err *err)
{
	/* keyed by Message-ID: the same mail seen twice (a fetch interrupted before the move) is one item */
	sqlite3_stmt *s = prep_kept(st, "INSERT OR IGNORE INTO review (message_id, sender, subject, date, reason,"
			       " created_at, reason_code, reason_args) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, r->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, r->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, r->subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)r->date);
	sqlite3_bind_text(s, 5, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)util_now());
	sqlite3_bind_text(s, 7, r->reason_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, r->reason_args, -1, SQLITE_STATIC);
	return step_done(st, s, err);
}

void store_reviews_free(struct store_review *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].message_id);
		free(v[i].sender);
		free(v[i].subject);
		free(v[i].reason);
		free(v[i].reason_code);
		free(v[i].reason_args);
	}
	free(v);
}

int store_reviews(struct store *st, struct store_review **ret, size_t *ret_n, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT message_id, sender, subject, date, reason, id, reason_code, reason_args FROM review"
			       " ORDER BY id",
			       err);
	struct store_review *v = NULL;
	size_t n = 0;
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].message_id = col_str(s, 0);
		v[n].sender = col_str(s, 1);
		v[n].subject = col_str(s, 2);
		v[n].date = (time_t)sqlite3_column_int64(s, 3);
		v[n].reason = col_str(s, 4);
		v[n].id = sqlite3_column_int64(s, 5);
		v[n].reason_code = col_str(s, 6);
		v[n].reason_args = col_str(s, 7);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_reviews_free(v, n);
		return db_err(st, err, "read review");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_thread_lookup(struct store *st, const char *message_id, long long *ret_meeting_id, char **ret_email,
			struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "SELECT meeting_id, email FROM outbox WHERE message_id = ?1", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret_meeting_id = sqlite3_column_int64(s, 0);
		*ret_email = col_str(s, 1);
	}
	done(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read outbox");
	return rc == SQLITE_ROW;
}

void store_record_release(struct store_record *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct store_person_record *p = &r->people[i];
		free(p->email);
		free(p->answer);
		free(p->source);
		free(p->substitute);
		free(p->note);
		free(p->autoreply);
		free(p->bounce);
	}
	free(r->people);
	memset(r, 0, sizeof(*r));
}

/* Copies a nullable text column. */
static char *col_opt(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NULL : col_str(s, i);
}

int store_record_load(struct store *st, long long meeting_id, struct store_record *ret, struct err *err)
{
	/* one row per invitation ever sent for the meeting, with what came back */
	sqlite3_stmt *s = prep(st,
		"SELECT i.email, i.invited, a.answer, a.source, a.at, a.substitute, a.note, r.detail, r.at,"
		" COALESCE(b.detail, (SELECT o.last_error FROM outbox o WHERE o.meeting_id = i.meeting_id"
		"   AND o.email = i.email AND o.status = 'failed' ORDER BY o.id DESC LIMIT 1))"
		" FROM invitation i"
		" LEFT JOIN answer a ON a.meeting_id = i.meeting_id AND a.email = i.email"
		" LEFT JOIN autoreply r ON r.meeting_id = i.meeting_id AND r.email = i.email"
		" LEFT JOIN bounce b ON b.email = i.email"
		" WHERE i.meeting_id = ?1 ORDER BY i.rowid", err);
	struct store_record rec = { 0 };
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_person_record *p;

		rec.people = xrealloc(rec.people, (rec.n + 1) * sizeof(*rec.people));
		p = &rec.people[rec.n++];
		memset(p, 0, sizeof(*p));
		p->email = col_str(s, 0);
		p->invited = sqlite3_column_int(s, 1);
		p->answer = col_opt(s, 2);
		p->source = col_opt(s, 3);
		p->at = (time_t)sqlite3_column_int64(s, 4);
		p->substitute = col_opt(s, 5);
		p->note = col_opt(s, 6);
		p->autoreply = col_opt(s, 7);
		p->autoreply_at = (time_t)sqlite3_column_int64(s, 8);
		p->bounce = col_opt(s, 9);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_record_release(&rec);
		return db_err(st, err, "read answers");
	}
	*ret = rec;
	return 0;
}

/* A query with one row of one integer column (NULL → *ret_null = 1, *ret = 0). */
static int query_int(struct store *st, const char *sql, long long *ret, int *ret_null, const char *what,
		     struct err *err)
{
	sqlite3_stmt *s = prep(st, sql, err);

	*ret = 0;
	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return db_err(st, err, what);
	}
	if (ret_null)
		*ret_null = sqlite3_column_type(s, 0) == SQLITE_NULL;
	*ret = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return 0;
}

int store_review_count(struct store *st, int *ret_n, struct err *err)
{
	long long n;

	if (query_int(st, "SELECT count(*) FROM review", &n, NULL, "read review", err) < 0)
		return -1;
	*ret_n = (int)n;
	return 0;
}

int store_review_done(struct store *st, long long id, struct err *err)
{
	sqlite3_stmt *s = prep(st, id ? "DELETE FROM review WHERE id = ?1" : "DELETE FROM review", err);

	if (!s)
		return -1;
	if (id)
		sqlite3_bind_int64(s, 1, id);
	if (step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db);
}

int store_report_answered(struct store *st, const char *message_id, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT 1 FROM report_answer WHERE message_id = ?1", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read report answers");
	return rc == SQLITE_ROW;
}

int store_report_answered_put(struct store *st, const char *message_id, long long meeting_id, struct err *err)
{
	sqlite3_stmt *s = prep(st, "INSERT OR REPLACE INTO report_answer (message_id, meeting_id, at) VALUES (?1,?2,?3)",
			       err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, meeting_id);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)util_now());
	return step_done(st, s, err);
}

int store_review_forget(struct store *st, const char *message_id, struct err *err)
{
	sqlite3_stmt *s = prep(st, "DELETE FROM review WHERE message_id = ?1", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	if (step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db);
}

int store_reminder_status(struct store *st, long long meeting_id, long offset, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT 1 FROM reminder WHERE meeting_id = ?1 AND offset_s = ?2", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_int64(s, 2, offset);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read reminders");
	return rc == SQLITE_ROW;
}

int store_reminder_mark(struct store *st, long long meeting_id, long offset, const char *status, struct err *err)
{
	sqlite3_stmt *s = prep(st, "INSERT OR IGNORE INTO reminder (meeting_id, offset_s, status, at)"
			       " VALUES (?1,?2,?3,?4)", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_int64(s, 2, offset);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)util_now());
	return step_done(st, s, err);
}

int store_paper_get(struct store *st, long long meeting_id, const char *kind, char **ret_status, char **ret_hash,
		    struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT status, hash FROM paperwork WHERE meeting_id = ?1 AND kind = ?2", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (ret_status)
			*ret_status = xstrdup((const char *)sqlite3_column_text(s, 0));
		if (ret_hash)
			*ret_hash = xstrdup((const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_err(st, err, "read paperwork");
	return rc == SQLITE_ROW;
}

int store_paper_put(struct store *st, long long meeting_id, const char *kind, const char *status, const char *hash,
		    struct err *err)
{
	sqlite3_stmt *s = prep(st, "INSERT OR REPLACE INTO paperwork (meeting_id, kind, status, hash, at)"
			       " VALUES (?1,?2,?3,?4,?5)", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, hash ? hash : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)util_now());
	return step_done(st, s, err);
}

int store_next_try(struct store *st, time_t *ret, struct err *err)
{
	long long t;

	if (query_int(st, "SELECT MIN(next_try) FROM outbox WHERE status = 'queued'", &t, NULL, "read outbox", err) < 0)
		return -1;
	*ret = (time_t)t; /* MIN over no rows is NULL, read as 0: an empty queue */
	return 0;
}

/* ---- The record for a handover (store_export / store_import) ----
 * One line per table and row, fields split by tabs: "table NAME COL…", then "row VALUE…" with each value
 * typed: N (NULL), i123, f1.5, t<text>, b<hex>, and m<uid> for a meeting_id, because row ids are local to a
 * database and meetings travel by their UID. Text escapes \\, \t, \n and \r.
 *
 * The file comes from outside: anyone can recompute its SHA-256. So what travels is a whitelist of data the
 * new tovholder's record needs, each column with the check its values must pass, and nothing of it can ever
 * be an action: the outbox travels only as the history of what was sent (whom, which Message-ID, sent or
 * failed), never a message body or a message still to send; every address is one a roster may hold; every
 * text that can reach a mail we send (names, organisations, place, agenda, summary, organizer) is UTF-8
 * without control characters. A table or column outside the list is refused, not guessed at: a migration
 * that adds history which must travel adds it here, with its check. */
#define RECORD_MAGIC "tovholder-record 1"
#define RECORD_TEXT_MAX 4096          /* a line of schedule.ini or roster.csv (CONFIG_LINE_MAX) */
#define RECORD_LINES_MAX (64 * 1024)  /* an agenda, a note, a bounce's detail */
#define RECORD_ID_MAX 255             /* a UID (ITIP_UID_MAX), a Message-ID */

enum rv_kind {
	RV_INT,      /* any integer: times, counts, SEQUENCE */
	RV_BOOL,     /* 0 or 1 */
	RV_MINUTE,   /* minutes after midnight, 0-1440 */
	RV_TEXT,     /* one line of UTF-8 text, no control character but TAB */
	RV_LINES,    /* the same, line breaks allowed */
	RV_NOTE,     /* text the old machine took from outside mail or a Teams report and only ever shows (through
		      * vis.h), never sends: any bytes within the cap. A forged reply on the old machine must not
		      * make its next handover unreadable. */
	RV_EMAIL,    /* one plain address, lower-case, as roster.csv holds them */
	RV_EMAIL0,   /* the same, or "" (a Teams row without one) */
	RV_MAILBOX,  /* "Name <address>" (the organizer) */
	RV_DATE,     /* YYYY-MM-DD */
	RV_ID,       /* a UID or Message-ID: visible ASCII, no blank (it goes into headers and calendars verbatim) */
	RV_URL,      /* "" or an http(s) link without blanks */
	RV_TEAMS_URL, /* "" or a Teams join link (https://teams.microsoft.com/…): it goes into invitations we send */
	RV_WORD,     /* one of 'words' */
	RV_NO_BODY,  /* an empty blob: a sent message's text never travels */
	RV_MEETING,  /* a reference to a meeting, by its UID */
};

struct rv_col {
	const char *name;
	enum rv_kind kind;
	int nullable;
	const char *const *words;  /* RV_WORD: NULL-terminated */
};

#define RV_COLS(c) c, sizeof(c) / sizeof(c[0])

static const char *const w_role[] = { "medlem", "sekretær", "gæst", NULL };
static const char *const w_answer[] = { "tilsagn", "afbud", "tentativ", "ukendt", NULL };
static const char *const w_answer_source[] = { "kalender", "mail", "manuel", NULL };
static const char *const w_sent[] = { "sent", "failed", NULL };
static const char *const w_unsent[] = { "queued", "superseded", NULL };  /* never sent: refused */
static const char *const w_kind[] = { "invite", "update", "cancel", "remove", "reminder", "practical", "refresh",
				      "request", "draft", "status", "attendance", "import", NULL };
static const char *const w_reminder[] = { "sent", "skipped", NULL };
static const char *const w_att_source[] = { "teams", "manuel", NULL };
static const char *const w_extra[] = { "guest", "organizer", "unmatched", NULL };
static const char *const w_paper_kind[] = { "draft", "status", "attendance", NULL };
static const char *const w_paper_status[] = { "sent", "skipped", "baseline", NULL };

static const struct rv_col c_meeting[] = {
	{ "uid", RV_ID, 0, NULL }, { "date", RV_DATE, 0, NULL }, { "sequence", RV_INT, 0, NULL },
	{ "cancelled", RV_BOOL, 0, NULL }, { "start_min", RV_MINUTE, 0, NULL }, { "end_min", RV_MINUTE, 0, NULL },
	{ "place", RV_TEXT, 0, NULL }, { "online_url", RV_URL, 0, NULL }, { "agenda", RV_LINES, 0, NULL },
	{ "organizer", RV_MAILBOX, 0, NULL }, { "summary", RV_TEXT, 0, NULL }, { "updated_at", RV_INT, 0, NULL },
};
static const struct rv_col c_invitation[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "email", RV_EMAIL, 0, NULL }, { "name", RV_TEXT, 0, NULL },
	{ "org", RV_TEXT, 0, NULL }, { "role", RV_WORD, 0, w_role }, { "invited", RV_BOOL, 0, NULL },
	{ "sequence", RV_INT, 0, NULL },
};
/* the history of what was sent: whom, which Message-ID (answers and bounces quote it), sent or failed */
static const struct rv_col c_outbox[] = {
	{ "meeting_id", RV_MEETING, 1, NULL }, { "email", RV_EMAIL, 0, NULL }, { "kind", RV_WORD, 0, w_kind },
	{ "sequence", RV_INT, 0, NULL }, { "message_id", RV_ID, 0, NULL }, { "message", RV_NO_BODY, 0, NULL },
	{ "status", RV_WORD, 0, w_sent }, { "attempts", RV_INT, 0, NULL }, { "next_try", RV_INT, 0, NULL },
	{ "last_error", RV_NOTE, 1, NULL }, { "created_at", RV_INT, 0, NULL }, { "done_at", RV_INT, 1, NULL },
};
static const struct rv_col c_answer[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "email", RV_EMAIL, 0, NULL },
	{ "answer", RV_WORD, 0, w_answer }, { "source", RV_WORD, 0, w_answer_source }, { "at", RV_INT, 0, NULL },
	{ "substitute", RV_NOTE, 1, NULL }, { "note", RV_NOTE, 1, NULL }, { "message_id", RV_ID, 1, NULL },
	{ "recorded_at", RV_INT, 0, NULL },
};
static const struct rv_col c_autoreply[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "email", RV_EMAIL, 0, NULL }, { "at", RV_INT, 0, NULL },
	{ "detail", RV_NOTE, 1, NULL },
};
static const struct rv_col c_bounce[] = {
	{ "email", RV_EMAIL, 0, NULL }, { "at", RV_INT, 0, NULL }, { "detail", RV_NOTE, 1, NULL },
};
static const struct rv_col c_reminder[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "offset_s", RV_INT, 0, NULL },
	{ "status", RV_WORD, 0, w_reminder }, { "at", RV_INT, 0, NULL },
};
static const struct rv_col c_attendance[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "email", RV_EMAIL, 0, NULL }, { "present", RV_BOOL, 0, NULL },
	{ "source", RV_WORD, 0, w_att_source }, { "duration_s", RV_INT, 1, NULL },
	{ "first_join", RV_NOTE, 1, NULL }, { "report_name", RV_NOTE, 1, NULL }, { "at", RV_INT, 0, NULL },
};
static const struct rv_col c_attendance_extra[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "kind", RV_WORD, 0, w_extra },
	{ "source", RV_WORD, 0, w_att_source }, { "name", RV_NOTE, 0, NULL }, { "org", RV_NOTE, 0, NULL },
	{ "email", RV_EMAIL0, 0, NULL }, { "duration_s", RV_INT, 1, NULL }, { "first_join", RV_NOTE, 1, NULL },
	{ "line", RV_INT, 0, NULL }, { "detail", RV_NOTE, 1, NULL }, { "at", RV_INT, 0, NULL },
};
/* the Teams meeting Graph made for a place = teams meeting: its id travels, so the new tovholder never makes a
 * second one; its link goes into invitations, so only a Teams link passes */
static const struct rv_col c_online_meeting[] = {
	{ "uid", RV_ID, 0, NULL }, { "date", RV_DATE, 0, NULL }, { "owned", RV_BOOL, 0, NULL },
	{ "graph_id", RV_ID, 1, NULL }, { "join_url", RV_TEAMS_URL, 1, NULL }, { "start_utc", RV_INT, 0, NULL }, { "end_utc", RV_INT, 0, NULL },
	{ "subject", RV_TEXT, 1, NULL }, { "deleted", RV_BOOL, 0, NULL }, { "attendance_next", RV_INT, 0, NULL },
	{ "attendance_tries", RV_INT, 0, NULL }, { "attendance_done", RV_BOOL, 0, NULL },
	{ "updated_at", RV_INT, 0, NULL },
};

/* which mails the referent and the tovholder had about each meeting: the new tovholder's service does not send
 * them again (data: a row can only keep a mail from being sent) */
static const struct rv_col c_paperwork[] = {
	{ "meeting_id", RV_MEETING, 0, NULL }, { "kind", RV_WORD, 0, w_paper_kind },
	{ "status", RV_WORD, 0, w_paper_status }, { "hash", RV_TEXT, 0, NULL }, { "at", RV_INT, 0, NULL },
};

/* What a handover carries, "meeting" first (the others refer to it). Not here: the mailbox position and the
 * review items (they belong to the old mailbox), messages still queued, and any table a later migration adds
 * until it is listed with its checks. */
static const struct rv_table {
	const char *name;
	const struct rv_col *cols;
	size_t n;
	const char *where;   /* the rows that travel */
} record_tables[] = {
	{ "meeting", RV_COLS(c_meeting), NULL },
	{ "invitation", RV_COLS(c_invitation), NULL },
	{ "outbox", RV_COLS(c_outbox), "status IN ('sent', 'failed')" },
	{ "answer", RV_COLS(c_answer), NULL },
	{ "autoreply", RV_COLS(c_autoreply), NULL },
	{ "bounce", RV_COLS(c_bounce), NULL },
	{ "reminder", RV_COLS(c_reminder), NULL },
	{ "attendance", RV_COLS(c_attendance), NULL },
	{ "attendance_extra", RV_COLS(c_attendance_extra), NULL },
	{ "online_meeting", RV_COLS(c_online_meeting), NULL },
	{ "paperwork", RV_COLS(c_paperwork), NULL },
};

static const struct rv_table *record_table(const char *name)
{
	for (size_t i = 0; i < sizeof(record_tables) / sizeof(record_tables[0]); i++)
		if (strcmp(record_tables[i].name, name) == 0)
			return &record_tables[i];
	return NULL;
}

static const struct rv_col *record_col(const struct rv_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

/* the position in the old organizer's mailbox, and mail that lies in that mailbox's review folder: they belong
 * to the machine, so a forced import keeps them and store_has_record does not count them */
static const char *const not_handed_over[] = { "mailbox", "review" };

static int handed_over(const char *table)
{
	if (strncmp(table, "sqlite_", 7) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(not_handed_over) / sizeof(not_handed_over[0]); i++)
		if (strcmp(table, not_handed_over[i]) == 0)
			return 0;
	return 1;
}

/* Names that may be put into SQL text: a file could hold anything. */
static int ident_valid(const char *s)
{
	if (!*s || strlen(s) > 64 || !((*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The first column of every row of 'sql' that 'keep' (NULL: every one) accepts, copied; 'what' names it in an
 * error. 0, or -1 with err (nothing returned). */
static int column_strings(struct store *st, const char *sql, int (*keep)(const char *), const char *what,
			  char ***ret, size_t *ret_n, struct err *err)
{
	sqlite3_stmt *s = prep(st, sql, err);
	char **v = NULL;
	size_t n = 0;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(s, 0);
		if (!text || (keep && !keep(text)))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(text);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		names_free(v, n);
		return db_err(st, err, what);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_mailed_addresses(struct store *st, char ***ret, size_t *ret_n, struct err *err)
{
	return column_strings(st, "SELECT DISTINCT email FROM outbox WHERE status = 'sent' ORDER BY email", NULL,
			      "read outbox", ret, ret_n, err);
}

static int group_table(const char *name)
{
	return handed_over(name) && ident_valid(name);
}

/* The tables of a group's record: all but the machine's own (not_handed_over). A forced import empties them
 * all, so that nothing of an earlier group is left to collide with the new record. */
static int group_tables(struct store *st, char ***ret, size_t *ret_n, struct err *err)
{
	return column_strings(st, "SELECT name FROM sqlite_master WHERE type = 'table'"
				  " ORDER BY name = 'meeting' DESC, name", group_table, "read tables", ret, ret_n, err);
}

/* A table's columns in order, without the row id alias "id": ids are local to a database. */
static int table_columns(struct store *st, const char *table, char ***ret, size_t *ret_n, struct err *err)
{
	char *sql = xasprintf("PRAGMA table_info(\"%s\")", table);
	sqlite3_stmt *s = prep(st, sql, err);
	char **v = NULL;
	size_t n = 0;
	int rc;

	free(sql);
	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);
		const char *type = (const char *)sqlite3_column_text(s, 2);
		if (!name || (strcmp(name, "id") == 0 && sqlite3_column_int(s, 5) && type &&
			      sqlite3_stricmp(type, "INTEGER") == 0))
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = xstrdup(name);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		names_free(v, n);
		return db_err(st, err, "read columns");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* 1 when the local table has that column. */
static int has_column(char **cols, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cols[i], name) == 0)
			return 1;
	return 0;
}

static void put_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\': buf_adds(b, "\\\\"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		default: buf_addch(b, s[i]);
		}
	}
}

struct uid_map {
	long long *id;
	char **uid;
	size_t n;
};

static const char *uid_of(const struct uid_map *m, long long id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->id[i] == id)
			return m->uid[i];
	return NULL;
}

/* One column value of a row; 0, or 1 when the row refers to a meeting that is gone (the row is left out). */
static int export_value(struct buf *b, sqlite3_stmt *s, int i, const char *col, const struct uid_map *map)
{
	int type = sqlite3_column_type(s, i);

	buf_addch(b, '\t');
	if (type == SQLITE_NULL) {
		buf_addch(b, 'N');
	} else if (strcmp(col, "meeting_id") == 0) {
		const char *uid = uid_of(map, sqlite3_column_int64(s, i));
		if (!uid)
			return 1;
		buf_addch(b, 'm');
		put_escaped(b, uid, strlen(uid));
	} else if (type == SQLITE_INTEGER) {
		buf_addf(b, "i%lld", (long long)sqlite3_column_int64(s, i));
	} else if (type == SQLITE_FLOAT) {
		buf_addf(b, "f%.17g", sqlite3_column_double(s, i));
	} else if (type == SQLITE_BLOB) {
		const unsigned char *p = sqlite3_column_blob(s, i);
		int n = sqlite3_column_bytes(s, i);
		buf_addch(b, 'b');
		for (int k = 0; k < n; k++)
			buf_addf(b, "%02x", p[k]);
	} else {
		buf_addch(b, 't');
		put_escaped(b, (const char *)sqlite3_column_text(s, i), (size_t)sqlite3_column_bytes(s, i));
	}
	return 0;
}

/* The listed columns this state has, and the rows that travel. */
static int export_table(struct store *st, struct buf *b, const struct rv_table *t, const struct uid_map *map,
			struct err *err)
{
	char **have = NULL;
	const char *cols[32];
	size_t n_have = 0, n = 0;
	struct buf sql, row;
	sqlite3_stmt *s = NULL;
	int rc = -1, step;

	buf_init(&sql);
	buf_init(&row);
	if (table_columns(st, t->name, &have, &n_have, err) < 0)
		goto out;
	for (size_t i = 0; i < t->n && n < sizeof(cols) / sizeof(cols[0]); i++)
		if (has_column(have, n_have, t->cols[i].name))
			cols[n++] = t->cols[i].name;
	rc = 0;
	if (n == 0)
		goto out;   /* a state older than the table */
	rc = -1;
	buf_addf(b, "table\t%s", t->name);
	buf_adds(&sql, "SELECT ");
	for (size_t i = 0; i < n; i++) {
		buf_addf(b, "\t%s", cols[i]);
		/* a sent message's body stays behind: the new machine needs only whom it went to, and its
		 * Message-ID, to place an answer that quotes it */
		if (record_col(t, cols[i])->kind == RV_NO_BODY)
			buf_addf(&sql, "%sX''", i ? ", " : "");
		else
			buf_addf(&sql, "%s\"%s\"", i ? ", " : "", cols[i]);
	}
	buf_addch(b, '\n');
	buf_addf(&sql, " FROM \"%s\"%s%s ORDER BY rowid", t->name, t->where ? " WHERE " : "", t->where ? t->where : "");
	if (!(s = prep(st, sql.data, err)))
		goto out;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		int dangling = 0;

		buf_reset(&row);
		buf_adds(&row, "row");
		for (size_t i = 0; i < n && !dangling; i++)
			dangling = export_value(&row, s, (int)i, cols[i], map);
		if (!dangling)
			buf_addf(b, "%s\n", row.data);
	}
	if (step != SQLITE_DONE) {
		db_err(st, err, "read for the handover");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	names_free(have, n_have);
	buf_release(&sql);
	buf_release(&row);
	return rc;
}

static void uid_map_release(struct uid_map *m)
{
	names_free(m->uid, m->n);
	free(m->id);
	memset(m, 0, sizeof(*m));
}

static int uid_map_load(struct store *st, struct uid_map *m, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT id, uid FROM meeting", err);
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m->id = xrealloc(m->id, (m->n + 1) * sizeof(*m->id));
		m->uid = xrealloc(m->uid, (m->n + 1) * sizeof(*m->uid));
		m->id[m->n] = sqlite3_column_int64(s, 0);
		m->uid[m->n++] = col_str(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : db_err(st, err, "read meetings");
}

char *store_export(struct store *st, size_t *ret_len, struct err *err)
{
	struct uid_map map = { 0 };
	long long version;
	struct buf b;
	char *ret = NULL;

	buf_init(&b);
	/* one read transaction: the service may be writing while the handover is made */
	if (exec(st, "BEGIN", err) < 0)
		goto out_nolock;
	if (query_int(st, "PRAGMA user_version", &version, NULL, "read schema", err) < 0 ||
	    uid_map_load(st, &map, err) < 0)
		goto out;
	buf_addf(&b, "%s\nschema\t%lld\n", RECORD_MAGIC, version);
	for (size_t i = 0; i < sizeof(record_tables) / sizeof(record_tables[0]); i++)
		if (export_table(st, &b, &record_tables[i], &map, err) < 0)
			goto out;
	ret = buf_detach(&b, ret_len);
out:
	store_rollback(st);
out_nolock:
	uid_map_release(&map);
	buf_release(&b);
	return ret;
}

int store_has_record(struct store *st, struct err *err)
{
	char **tables = NULL;
	size_t n = 0;
	long long rows = 0;
	int rc = 0;

	/* every table of the group, not only meetings and messages: a forced import clears what this finds,
	 * and a bounce or an answer left behind would make the imported record collide with it */
	if (group_tables(st, &tables, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0 && rows == 0; i++) {
		char *sql = xasprintf("SELECT EXISTS (SELECT 1 FROM \"%s\")", tables[i]);
		rc = query_int(st, sql, &rows, NULL, "read the record", err);
		free(sql);
	}
	names_free(tables, n);
	return rc < 0 ? -1 : rows > 0;
}

/* Splits a line at tabs in place. */
static size_t split_tabs(char *line, char **f, size_t max)
{
	size_t n = 0;

	for (char *p = line; n < max;) {
		f[n++] = p;
		if (!(p = strchr(p, '\t')))
			break;
		*p++ = '\0';
	}
	return n;
}

/* Undoes put_escaped in place; -1 on a bad escape. */
static int unescape(char *s, size_t *ret_len)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		switch (*++r) {
		case '\\': *w++ = '\\'; break;
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		default: return -1;
		}
	}
	*w = '\0';
	*ret_len = (size_t)(w - s);
	return 0;
}

/* ---- What a value from a handover must be ---- */

/* Why s is no text of its kind, or NULL: valid UTF-8 within 'cap' bytes, with no control character (C0, DEL,
 * C1: config_find_control, as schedule.ini and roster.csv are read) but TAB, and LF only where 'lf' allows
 * line breaks. */
static const char *text_problem(const char *s, size_t len, size_t cap, int lf)
{
	long c;

	if (len > cap)
		return "is longer than a value of it can be";
	if (!config_utf8_valid(s, len))
		return "is not UTF-8 text";
	if ((c = config_find_control(s, len, lf ? "\t\n" : "\t")) >= 0)
		return c == '\r' || c == '\n' ? "holds a line break" : "holds a control character";
	return NULL;
}

/* The address rules of roster.csv: one plain address (util_email_valid), lower-case as roster.c stores it. */
static int plain_address(const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return 0;
	return util_email_valid(s);
}

static int one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

/* Why the text value s (len bytes) is not what column c holds, or NULL. */
static const char *text_value_problem(const struct rv_col *c, const char *s, size_t len)
{
	const char *why;
	char *name = NULL, *addr = NULL;
	int y, m, d, ok;

	switch (c->kind) {
	case RV_TEXT:
		return text_problem(s, len, RECORD_TEXT_MAX, 0);
	case RV_LINES:
		return text_problem(s, len, RECORD_LINES_MAX, 1);
	case RV_NOTE:
		return len > RECORD_LINES_MAX ? "is longer than a value of it can be" : NULL;
	case RV_EMAIL0:
		if (len == 0)
			return NULL;
		/* fall through */
	case RV_EMAIL:
		return strlen(s) == len && plain_address(s) ? NULL :
			"is not one plain address such as navn@kommune.dk, as roster.csv holds them";
	case RV_MAILBOX:
		if ((why = text_problem(s, len, RECORD_TEXT_MAX, 0)))
			return why;
		ok = util_parse_mailbox(s, &name, &addr) == 0 && plain_address(addr) && *name;
		free(name);
		free(addr);
		return ok ? NULL : "is not 'Name <address>'";
	case RV_DATE:
		return len == 10 && util_parse_date(s, &y, &m, &d) == 0 ? NULL : "is not a date YYYY-MM-DD";
	case RV_ID:
		if (len == 0 || len > RECORD_ID_MAX)
			return "is empty or too long for an identifier";
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
				return "holds a blank or a character an identifier never has";
		return NULL;
	case RV_URL:
		return len == 0 || (strlen(s) == len && schedule_url_valid(s)) ? NULL :
			"is not an http(s) link without blanks";
	case RV_TEAMS_URL:
		return len == 0 || (strlen(s) == len && schedule_teams_url_valid(s)) ? NULL :
			"is not a Teams join link (https://teams.microsoft.com/...)";
	case RV_WORD:
		return strlen(s) == len && one_of(s, c->words) ? NULL : "is not one of the values it can have";
	default:
		return "is text where a number belongs";
	}
}

/* Why the number x is not what column c holds, or NULL. */
static const char *int_value_problem(const struct rv_col *c, long long x)
{
	switch (c->kind) {
	case RV_INT:
		return NULL;
	case RV_BOOL:
		return x == 0 || x == 1 ? NULL : "is not 0 or 1";
	case RV_MINUTE:
		return x >= 0 && x <= 24 * 60 ? NULL : "is not a time of day";
	default:
		return "is a number where text belongs";
	}
}

/* The import's state between lines. */
struct importer {
	struct store *st;
	sqlite3_stmt *ins;              /* the current table's INSERT */
	sqlite3_stmt *find_uid;         /* meeting id by UID */
	const struct rv_table *table;   /* the current table */
	const struct rv_col *cols[32];  /* its columns, in the file's order */
	size_t n_cols;
	int line;
	int schema_seen;
};

static int bad(struct importer *im, struct err *err, const char *why)
{
	return err_set(err, "the handover's record is damaged: line %d: %s", im->line, why);
}

/* A value the whitelist refuses: names the line, the column and why, and shows the value made visible (vis.h). */
static int refused(struct importer *im, const struct rv_col *c, const char *value, const char *why,
		   struct err *err)
{
	struct buf shown;
	int cut;

	buf_init(&shown);
	shown.cap = 80;
	cut = vis_add(&shown, value, strlen(value), VIS_LINE) < 0;
	err_set(err, "the handover's record is refused: line %d: %s.%s '%s%s' %s", im->line, im->table->name, c->name,
		shown.data, cut ? "..." : "", why);
	buf_release(&shown);
	return -1;
}

static int import_table(struct importer *im, char **f, size_t n, struct err *err)
{
	char **cols = NULL;
	size_t n_cols = 0;
	struct buf sql;
	int rc = -1;

	sqlite3_finalize(im->ins);
	im->ins = NULL;
	im->table = NULL;
	if (n < 3 || n - 2 > sizeof(im->cols) / sizeof(im->cols[0]))
		return bad(im, err, "a table line without columns, or with too many");
	if (!(im->table = record_table(f[1])))
		return err_set(err, "the handover's record is refused: line %d: table '%.40s' is not part of a group's "
			       "record (a handover takes over meetings, invitations, answers, attendance, bounces, "
			       "reminders and the history of sent mail, nothing else)", im->line, f[1]);
	if (table_columns(im->st, f[1], &cols, &n_cols, err) < 0)
		return -1;
	buf_init(&sql);
	buf_addf(&sql, "INSERT INTO \"%s\" (", f[1]);
	for (size_t i = 2; i < n; i++) {
		const struct rv_col *c = record_col(im->table, f[i]);
		if (!c) {
			err_set(err, "the handover's record is refused: line %d: column '%.40s' of table '%s' is not "
				"part of a group's record", im->line, f[i], f[1]);
			goto out;
		}
		if (!has_column(cols, n_cols, f[i])) {
			err_set(err, "the handover holds column '%s' of table '%s', which this tovholder does not "
				"know: upgrade it", f[i], f[1]);
			goto out;
		}
		for (size_t k = 2; k < i; k++)
			if (im->cols[k - 2] == c) {
				bad(im, err, "a column named twice");
				goto out;
			}
		im->cols[i - 2] = c;
		buf_addf(&sql, "%s\"%s\"", i > 2 ? ", " : "", f[i]);
	}
	buf_adds(&sql, ") VALUES (");
	for (size_t i = 2; i < n; i++)
		buf_addf(&sql, "%s?%zu", i > 2 ? ", " : "", i - 1);
	buf_addch(&sql, ')');
	if (!(im->ins = prep(im->st, sql.data, err)))
		goto out;
	im->n_cols = n - 2;
	rc = 0;
out:
	buf_release(&sql);
	names_free(cols, n_cols);
	return rc;
}

static int bind_meeting(struct importer *im, int i, const char *uid, struct err *err)
{
	int step;

	if (!im->find_uid && !(im->find_uid = prep(im->st, "SELECT id FROM meeting WHERE uid = ?1", err)))
		return -1;
	sqlite3_reset(im->find_uid);
	sqlite3_bind_text(im->find_uid, 1, uid, -1, SQLITE_TRANSIENT);
	step = sqlite3_step(im->find_uid);
	if (step != SQLITE_ROW)
		return bad(im, err, "a row refers to a meeting the record does not hold");
	sqlite3_bind_int64(im->ins, i, sqlite3_column_int64(im->find_uid, 0));
	return 0;
}

/* The outbox travels as history only: a message to send, or the text of one, is an action from outside. */
static const char no_mail[] = "is mail to send: a handover carries only the history of the old tovholder's mail (whom "
			       "it went to, its Message-ID), never a message to send";

static int bind_value(struct importer *im, int i, char *v, struct err *err)
{
	const struct rv_col *c = im->cols[i - 1];
	const char *why;
	char *end;
	size_t len;

	switch (v[0]) {
	case 'N':
		if (v[1])
			return bad(im, err, "a bad value");
		if (!c->nullable)
			return refused(im, c, "", "is empty (NULL), which it never is", err);
		sqlite3_bind_null(im->ins, i);
		return 0;
	case 'i': {
		long long x = strtoll(v + 1, &end, 10);
		if (end == v + 1 || *end)
			return bad(im, err, "a bad number");
		if ((why = int_value_problem(c, x)))
			return refused(im, c, v + 1, why, err);
		sqlite3_bind_int64(im->ins, i, x);
		return 0;
	}
	case 'b':
		if (c->kind != RV_NO_BODY)
			return refused(im, c, "(bytes)", "is bytes where no column of a record holds any", err);
		if (v[1])
			return refused(im, c, "(a message)", no_mail, err);
		sqlite3_bind_zeroblob(im->ins, i, 0);
		return 0;
	case 'm':
		if (unescape(v + 1, &len) < 0)
			return bad(im, err, "a bad escape in a text");
		if (c->kind != RV_MEETING)
			return refused(im, c, v + 1, "is a meeting where none belongs", err);
		return bind_meeting(im, i, v + 1, err);
	case 't':
		if (unescape(v + 1, &len) < 0)
			return bad(im, err, "a bad escape in a text");
		if (c->kind == RV_NO_BODY)
			return refused(im, c, "(a message)", no_mail, err);
		if (c->words == w_sent && one_of(v + 1, w_unsent))
			return refused(im, c, v + 1, no_mail, err);
		if ((why = text_value_problem(c, v + 1, len)))
			return refused(im, c, v + 1, why, err);
		sqlite3_bind_text(im->ins, i, v + 1, (int)len, SQLITE_TRANSIENT);
		return 0;
	case 'f':
		return refused(im, c, v + 1, "is a fraction where no column of a record holds one", err);
	default:
		return bad(im, err, "a value of unknown type");
	}
}

static int import_row(struct importer *im, char **f, size_t n, struct err *err)
{
	if (!im->ins)
		return bad(im, err, "a row before its table");
	if (n - 1 != im->n_cols)
		return bad(im, err, "a row with the wrong number of values");
	sqlite3_reset(im->ins);
	sqlite3_clear_bindings(im->ins);
	for (size_t i = 1; i < n; i++)
		if (bind_value(im, (int)i, f[i], err) < 0)
			return -1;
	if (sqlite3_step(im->ins) != SQLITE_DONE) {
		err_set(err, "the handover's record does not fit this state: line %d: %s", im->line,
			sqlite3_errmsg(im->st->db));
		return -1;
	}
	return 0;
}

static int import_line(struct importer *im, char *line, struct err *err)
{
	const int latest = (int)(sizeof(migrations) / sizeof(migrations[0]));
	char *f[128];
	size_t n;

	if (im->line == 1)
		return strcmp(line, RECORD_MAGIC) == 0 ? 0 : bad(im, err, "not a record of this version");
	n = split_tabs(line, f, sizeof(f) / sizeof(f[0]));
	if (strcmp(f[0], "schema") == 0 && n == 2 && !im->schema_seen) {
		long v = strtol(f[1], NULL, 10);
		im->schema_seen = 1;
		if (v > latest)
			return err_set(err, "the handover was written by a newer tovholder (state schema %ld, this one "
				       "knows %d): upgrade tovholder on this machine first", v, latest);
		return v > 0 ? 0 : bad(im, err, "a bad schema line");
	}
	if (!im->schema_seen)
		return bad(im, err, "no schema line");
	if (strcmp(f[0], "table") == 0)
		return import_table(im, f, n, err);
	if (strcmp(f[0], "row") == 0)
		return import_row(im, f, n, err);
	return bad(im, err, "a line of unknown kind");
}

/* Deletes the record (every table of the group) for a forced import; answers and the like first. */
static int clear_record(struct store *st, struct err *err)
{
	char **tables = NULL;
	size_t n = 0;
	int rc = 0;

	if (group_tables(st, &tables, &n, err) < 0)
		return -1;
	for (size_t i = n; i-- > 0 && rc == 0;) {
		char *sql = xasprintf("DELETE FROM \"%s\"", tables[i]);
		rc = exec(st, sql, err);
		free(sql);
	}
	names_free(tables, n);
	return rc;
}

/* The import itself, inside the caller's transaction. */
static int import_text(struct store *st, const char *buf, size_t len, struct err *err)
{
	struct importer im = { .st = st };
	const char *p = buf, *end = buf + len;
	int rc = -1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = xstrndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		int lrc;

		p = nl ? nl + 1 : end;
		im.line++;
		lrc = *line || im.line == 1 ? import_line(&im, line, err) : 0;
		free(line);
		if (lrc < 0)
			goto out;
	}
	if (im.line == 0 || !im.schema_seen) {
		err_set(err, "the handover's record is empty");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(im.ins);
	sqlite3_finalize(im.find_uid);
	return rc;
}

int store_import(struct store *st, const char *buf, size_t len, int replace, struct err *err)
{
	int has;

	if (store_begin(st, err) < 0)
		return -1;
	if ((has = store_has_record(st, err)) < 0)
		goto fail;
	if (has && !replace) {
		err_set(err, "state '%s' already holds a record of meetings and messages", st->path);
		goto fail;
	}
	/* attendance that arrives with the record was the old tovholder's to mail: its lines count as sent (as at
	 * the upgrade to step 7), so the file never makes this machine mail a referent about the past */
	if ((has && clear_record(st, err) < 0) || import_text(st, buf, len, err) < 0 ||
	    exec(st, "INSERT OR IGNORE INTO paperwork (meeting_id, kind, status, hash, at)"
		 " SELECT DISTINCT meeting_id, 'attendance', 'baseline', '', CAST(strftime('%s','now') AS INTEGER)"
		 " FROM attendance", err) < 0 || store_commit(st, err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

/* Whom the imported record still invites to a meeting on or after from_date that is not cancelled: plan sends
 * them updates and CANCELs, the reminders go to them. Each must be one the handed-over roster names. */
static int check_invitees(struct store *st, const char *from_date, int (*may_mail)(void *, const char *),
			  void *arg, struct err *err)
{
	sqlite3_stmt *s = prep(st, "SELECT m.date, i.email FROM invitation i JOIN meeting m ON m.id = i.meeting_id"
			       " WHERE i.invited = 1 AND m.cancelled = 0 AND m.date >= ?1 ORDER BY m.date, i.email", err);
	int step, rc = 0;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, from_date, -1, SQLITE_STATIC);
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const char *date = (const char *)sqlite3_column_text(s, 0), *email = (const char *)sqlite3_column_text(s, 1);
		if (!may_mail(arg, email))
			rc = err_set(err, "the handover's record is refused: the meeting %s invites '%s', whom the "
				     "handed-over roster does not name (ask for a file written after 'tovholder send')",
				     date, email);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_err(st, err, "read the handover's invitations");
	sqlite3_finalize(s);
	return rc;
}

int store_check_record(const char *buf, size_t len, struct err *err)
{
	return store_check_handover(buf, len, NULL, NULL, NULL, err);
}

int store_check_handover(const char *buf, size_t len, const char *from_date, int (*may_mail)(void *, const char *),
			 void *arg, struct err *err)
{
	/* a database of its own in memory, not store_open: nothing is created on disk, whatever the file holds */
	struct store *st = xcalloc(1, sizeof(*st));
	int rc = -1;

	st->path = xstrdup("(a check in memory)");
	if (sqlite3_open_v2(":memory:", &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY,
			    NULL) != SQLITE_OK) {
		err_set(err, "cannot check the handover's record: %s", st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	if (exec(st, "PRAGMA foreign_keys=ON", err) < 0 || migrate(st, err) < 0)
		goto out;
	rc = store_import(st, buf, len, 0, err);
	if (rc == 0 && may_mail)
		rc = check_invitees(st, from_date, may_mail, arg, err);
out:
	store_free(st);
	return rc;
}

/* ---- Confirmed attendance ---- */

int store_attendance_put(struct store *st, long long meeting_id, const struct store_attendance *a,
			 struct err *err)
{
	/* the report never overwrites a correction made by hand; a manual row replaces anything */
	sqlite3_stmt *s = prep(st, "INSERT INTO attendance (meeting_id, email, present, source, duration_s,"
			       " first_join, report_name, at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
			       " ON CONFLICT (meeting_id, email) DO UPDATE SET present=excluded.present,"
			       " source=excluded.source, duration_s=excluded.duration_s, first_join=excluded.first_join,"
			       " report_name=excluded.report_name, at=excluded.at"
			       " WHERE excluded.source = 'manuel' OR attendance.source = 'teams'", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, a->email, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, a->present != 0);
	sqlite3_bind_text(s, 4, a->source, -1, SQLITE_STATIC);
	if (a->duration_s >= 0)
		sqlite3_bind_int64(s, 5, a->duration_s);
	else
		sqlite3_bind_null(s, 5);
	sqlite3_bind_text(s, 6, a->first_join, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, a->report_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, (sqlite3_int64)util_now());
	if (step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int store_attendance_extra_add(struct store *st, long long meeting_id, const struct store_attendance_extra *x,
			       struct err *err)
{
	sqlite3_stmt *s = prep(st, "INSERT INTO attendance_extra (meeting_id, kind, source, name, org, email,"
			       " duration_s, first_join, line, detail, at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
			       err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, x->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, x->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, x->name ? x->name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, x->org ? x->org : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, x->email ? x->email : "", -1, SQLITE_STATIC);
	if (x->duration_s >= 0)
		sqlite3_bind_int64(s, 7, x->duration_s);
	else
		sqlite3_bind_null(s, 7);
	sqlite3_bind_text(s, 8, x->first_join, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 9, x->line);
	sqlite3_bind_text(s, 10, x->detail, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)util_now());
	return step_done(st, s, err);
}

int store_attendance_clear(struct store *st, long long meeting_id, const char *source, struct err *err)
{
	static const char *const sql[] = {
		"DELETE FROM attendance WHERE meeting_id = ?1 AND source = ?2",
		"DELETE FROM attendance_extra WHERE meeting_id = ?1 AND source = ?2",
	};

	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *s = prep(st, sql[i], err);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, meeting_id);
		sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
		if (step_done(st, s, err) < 0)
			return -1;
	}
	return 0;
}

void store_attendance_release(struct store_attendance_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->people[i].email);
		free(l->people[i].source);
		free(l->people[i].first_join);
		free(l->people[i].report_name);
	}
	for (size_t i = 0; i < l->n_extra; i++) {
		struct store_attendance_extra *x = &l->extra[i];
		free(x->kind);
		free(x->source);
		free(x->name);
		free(x->org);
		free(x->email);
		free(x->first_join);
		free(x->detail);
	}
	free(l->people);
	free(l->extra);
	memset(l, 0, sizeof(*l));
}

static long col_duration(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(s, i);
}

int store_attendance_load(struct store *st, long long meeting_id, struct store_attendance_list *ret,
			  struct err *err)
{
	struct store_attendance_list l = { 0 };
	sqlite3_stmt *s = prep(st, "SELECT email, present, source, duration_s, first_join, report_name, at"
			       " FROM attendance WHERE meeting_id = ?1 ORDER BY email", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_attendance *a;
		l.people = xrealloc(l.people, (l.n + 1) * sizeof(*l.people));
		a = &l.people[l.n++];
		a->email = col_str(s, 0);
		a->present = sqlite3_column_int(s, 1);
		a->source = col_str(s, 2);
		a->duration_s = col_duration(s, 3);
		a->first_join = col_opt(s, 4);
		a->report_name = col_opt(s, 5);
		a->at = (time_t)sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	s = prep(st, "SELECT kind, source, name, org, email, duration_s, first_join, line, detail"
		 " FROM attendance_extra WHERE meeting_id = ?1 ORDER BY id", err);
	if (!s) {
		store_attendance_release(&l);
		return -1;
	}
	sqlite3_bind_int64(s, 1, meeting_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_attendance_extra *x;
		l.extra = xrealloc(l.extra, (l.n_extra + 1) * sizeof(*l.extra));
		x = &l.extra[l.n_extra++];
		x->kind = col_str(s, 0);
		x->source = col_str(s, 1);
		x->name = col_str(s, 2);
		x->org = col_str(s, 3);
		x->email = col_str(s, 4);
		x->duration_s = col_duration(s, 5);
		x->first_join = col_opt(s, 6);
		x->line = sqlite3_column_int(s, 7);
		x->detail = col_opt(s, 8);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	*ret = l;
	return 0;
fail:
	store_attendance_release(&l);
	return db_err(st, err, "read attendance");
}
