/* The state store on SQLite: opening, the schema and its migrations, meetings, invitations, the outbox, answers
 * and the review. Teams meetings are in store_teams.c, the handover's record in store_handover.c, confirmed
 * attendance in store_attendance.c; every SQL statement of the program lives in these store*.c files. */
#include "store_int.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int store_schema_latest(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

int store_db_err(struct store *st, struct err *err, const char *what)
{
	return err_set(err, "state '%s': %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

int store_exec(struct store *st, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "state '%s': %s", st->path, msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

sqlite3_stmt *store_prep(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_db_err(st, err, "prepare");
		return NULL;
	}
	return s;
}

/* A kept statement, ready to bind and step; done() hands it back. 'sql' must be static text (STORE_KEPT).
 * Full (a new statement kept by someone): an ordinary statement, which done() finalizes. */
static sqlite3_stmt *prep_kept(struct store *st, const char *sql, struct err *err)
{
	sqlite3_stmt *s = NULL;

	for (size_t i = 0; i < st->n_kept; i++)
		if (st->kept[i].sql == sql)
			return st->kept[i].s;
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		store_db_err(st, err, "prepare");
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
int store_step_done(struct store *st, sqlite3_stmt *s, struct err *err)
{
	int rc = sqlite3_step(s);

	done(st, s);
	if (rc != SQLITE_DONE)
		return store_db_err(st, err, "write");
	return 0;
}

char *store_col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return xstrdup(t ? (const char *)t : "");
}

int store_migrate(struct store *st, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "PRAGMA user_version", err);
	int version;
	const int latest = store_schema_latest();

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
		if (store_exec(st, migrations[version], err) < 0 || store_exec(st, pragma, err) < 0) {
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
	if (store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err) < 0 ||
	    store_migrate(st, err) < 0)
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
	return store_exec(st, "BEGIN IMMEDIATE", err);
}

int store_commit(struct store *st, struct err *err)
{
	return store_exec(st, "COMMIT", err);
}

void store_rollback(struct store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_set_durable(struct store *st, int durable, struct err *err)
{
	/* WAL with synchronous=NORMAL writes the commit to the log without an fsync: it survives the death of the
	 * process (the kernel has it), not a power cut. The next FULL commit or store_sync makes it durable. */
	return store_exec(st, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", err);
}

int store_sync(struct store *st, struct err *err)
{
	int log_frames = -1, done = -1;

	/* A checkpoint fsyncs the log before it copies it into the database, and the database after. FULL, not
	 * PASSIVE: a passive one skips the fsync when a reader holds back every frame; this one waits for them
	 * (busy timeout) until all can be copied. */
	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_FULL, &log_frames, &done) != SQLITE_OK)
		return store_db_err(st, err, "sync");
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

	s = store_prep(st, "SELECT id, uid, date, sequence, cancelled, start_min, end_min, place, online_url, agenda,"
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
		m->uid = store_col_str(s, 1);
		snprintf(m->date, sizeof(m->date), "%s", (const char *)sqlite3_column_text(s, 2));
		m->sequence = sqlite3_column_int(s, 3);
		m->cancelled = sqlite3_column_int(s, 4);
		m->start_min = sqlite3_column_int(s, 5);
		m->end_min = sqlite3_column_int(s, 6);
		m->place = store_col_str(s, 7);
		m->online_url = store_col_str(s, 8);
		m->agenda = store_col_str(s, 9);
		m->organizer = store_col_str(s, 10);
		m->summary = store_col_str(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	s = store_prep(st, "SELECT meeting_id, email, name, org, role, invited, sequence FROM invitation"
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
		inv->email = store_col_str(s, 1);
		inv->name = store_col_str(s, 2);
		inv->org = store_col_str(s, 3);
		inv->role = store_col_str(s, 4);
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
	store_db_err(st, err, "read");
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
		sqlite3_stmt *s = store_prep(st, sql[i], err);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, m->id);
		sqlite3_bind_text(s, 2, m->date, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, m->start_min);
		if (store_step_done(st, s, err) < 0)
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
		s = store_prep(st, "UPDATE meeting SET uid=?1, date=?2, sequence=?3, cancelled=?4, start_min=?5,"
			       " end_min=?6, place=?7, online_url=?8, agenda=?9, organizer=?10, summary=?11,"
			       " updated_at=?12 WHERE id=?13", err);
	else
		s = store_prep(st, "INSERT INTO meeting (uid, date, sequence, cancelled, start_min, end_min, place,"
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
	if (store_step_done(st, s, err) < 0)
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
	return store_step_done(st, s, err);
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
		if (store_step_done(st, s, err) < 0)
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
	if (store_step_done(st, s, err) < 0)
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
	return rc == SQLITE_ROW ? 0 : store_db_err(st, err, "read outbox");
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
	sqlite3_stmt *s = store_prep(st, "SELECT o.id, o.meeting_id, o.email, o.kind, o.sequence, o.message_id, o.message,"
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
		m->email = store_col_str(s, 2);
		m->kind = store_col_str(s, 3);
		m->sequence = sqlite3_column_int(s, 4);
		m->message_id = store_col_str(s, 5);
		blob = sqlite3_column_blob(s, 6);
		m->len = (size_t)sqlite3_column_bytes(s, 6);
		m->message = xstrndup(blob ? blob : "", m->len);
		m->attempts = sqlite3_column_int(s, 7);
		m->next_try = (time_t)sqlite3_column_int64(s, 8);
		m->last_error = sqlite3_column_type(s, 9) == SQLITE_NULL ? NULL : store_col_str(s, 9);
		if (sqlite3_column_text(s, 10))
			snprintf(m->date, sizeof(m->date), "%s", (const char *)sqlite3_column_text(s, 10));
		m->created_at = (time_t)sqlite3_column_int64(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_outmsgs_free(v, n);
		return store_db_err(st, err, "read outbox");
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
	return store_step_done(st, s, err);
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
	sqlite3_stmt *s = store_prep(st, "SELECT COALESCE(SUM(status='queued'),0), COALESCE(SUM(status='failed'),0)"
				     " FROM outbox", err);

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_db_err(st, err, "read outbox");
	}
	*ret_queued = sqlite3_column_int(s, 0);
	*ret_failed = sqlite3_column_int(s, 1);
	sqlite3_finalize(s);
	return 0;
}

int store_mailbox_get(struct store *st, const char *name, unsigned long *ret_uidvalidity,
		      unsigned long *ret_last_uid, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "SELECT uidvalidity, last_uid FROM mailbox WHERE name = ?1", err);
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
		return store_db_err(st, err, "read mailbox");
	return 0;
}

int store_mailbox_set(struct store *st, const char *name, unsigned long uidvalidity, unsigned long last_uid,
		      struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "INSERT OR REPLACE INTO mailbox (name, uidvalidity, last_uid) VALUES (?1,?2,?3)",
				     err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)uidvalidity);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)last_uid);
	return store_step_done(st, s, err);
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
	if (store_step_done(st, s, err) < 0)
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
	return store_step_done(st, s, err);
}

int store_bounce_put(struct store *st, const char *email, time_t at, const char *detail, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "INSERT OR REPLACE INTO bounce (email, at, detail) VALUES (?1,?2,?3)", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)at);
	sqlite3_bind_text(s, 3, detail, -1, SQLITE_STATIC);
	return store_step_done(st, s, err);
}

int store_bounce_clear(struct store *st, const char *email, time_t upto, struct err *err)
{
	sqlite3_stmt *s = prep_kept(st, "DELETE FROM bounce WHERE email = ?1 AND at <= ?2", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)upto);
	if (store_step_done(st, s, err) < 0)
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
		return store_db_err(st, err, "read outbox");
	return rc == SQLITE_ROW;
}

void store_names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The first column of every row of 'sql' that 'keep' (NULL: every one) accepts, copied; 'what' names it in an
 * error. 0, or -1 with err (nothing returned). */
int store_column_strings(struct store *st, const char *sql, int (*keep)(const char *), const char *what,
			 char ***ret, size_t *ret_n, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, sql, err);
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
		store_names_free(v, n);
		return store_db_err(st, err, what);
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_mailed_addresses(struct store *st, char ***ret, size_t *ret_n, struct err *err)
{
	return store_column_strings(st, "SELECT DISTINCT email FROM outbox WHERE status = 'sent' ORDER BY email", NULL,
				    "read outbox", ret, ret_n, err);
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
	return store_step_done(st, s, err);
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
	sqlite3_stmt *s = store_prep(st, "SELECT uid, email, start_at, end_at, comment, message_id, at FROM proposal"
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
		v[n].uid = store_col_str(s, 0);
		v[n].email = store_col_str(s, 1);
		v[n].start = (time_t)sqlite3_column_int64(s, 2);
		v[n].end = (time_t)sqlite3_column_int64(s, 3);
		v[n].comment = sqlite3_column_type(s, 4) == SQLITE_NULL ? NULL : store_col_str(s, 4);
		v[n].message_id = store_col_str(s, 5);
		v[n].at = (time_t)sqlite3_column_int64(s, 6);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_proposals_free(v, n);
		return store_db_err(st, err, "read proposal");
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
	return store_step_done(st, s, err);
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
	sqlite3_stmt *s = store_prep(st, "SELECT message_id, sender, subject, date, reason, id, reason_code, reason_args FROM review"
				     " ORDER BY id",
				     err);
	struct store_review *v = NULL;
	size_t n = 0;
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n].message_id = store_col_str(s, 0);
		v[n].sender = store_col_str(s, 1);
		v[n].subject = store_col_str(s, 2);
		v[n].date = (time_t)sqlite3_column_int64(s, 3);
		v[n].reason = store_col_str(s, 4);
		v[n].id = sqlite3_column_int64(s, 5);
		v[n].reason_code = store_col_str(s, 6);
		v[n].reason_args = store_col_str(s, 7);
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_reviews_free(v, n);
		return store_db_err(st, err, "read review");
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
		*ret_email = store_col_str(s, 1);
	}
	done(st, s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_err(st, err, "read outbox");
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
char *store_col_opt(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NULL : store_col_str(s, i);
}

int store_record_load(struct store *st, long long meeting_id, struct store_record *ret, struct err *err)
{
	/* one row per invitation ever sent for the meeting, with what came back */
	sqlite3_stmt *s = store_prep(st,
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
		p->email = store_col_str(s, 0);
		p->invited = sqlite3_column_int(s, 1);
		p->answer = store_col_opt(s, 2);
		p->source = store_col_opt(s, 3);
		p->at = (time_t)sqlite3_column_int64(s, 4);
		p->substitute = store_col_opt(s, 5);
		p->note = store_col_opt(s, 6);
		p->autoreply = store_col_opt(s, 7);
		p->autoreply_at = (time_t)sqlite3_column_int64(s, 8);
		p->bounce = store_col_opt(s, 9);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_record_release(&rec);
		return store_db_err(st, err, "read answers");
	}
	*ret = rec;
	return 0;
}

/* A query with one row of one integer column (NULL → *ret_null = 1, *ret = 0). */
int store_query_int(struct store *st, const char *sql, long long *ret, int *ret_null, const char *what,
		    struct err *err)
{
	sqlite3_stmt *s = store_prep(st, sql, err);

	*ret = 0;
	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_db_err(st, err, what);
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

	if (store_query_int(st, "SELECT count(*) FROM review", &n, NULL, "read review", err) < 0)
		return -1;
	*ret_n = (int)n;
	return 0;
}

int store_review_done(struct store *st, long long id, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, id ? "DELETE FROM review WHERE id = ?1" : "DELETE FROM review", err);

	if (!s)
		return -1;
	if (id)
		sqlite3_bind_int64(s, 1, id);
	if (store_step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db);
}

int store_report_answered(struct store *st, const char *message_id, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "SELECT 1 FROM report_answer WHERE message_id = ?1", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_err(st, err, "read report answers");
	return rc == SQLITE_ROW;
}

int store_report_answered_put(struct store *st, const char *message_id, long long meeting_id, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "INSERT OR REPLACE INTO report_answer (message_id, meeting_id, at) VALUES (?1,?2,?3)",
				     err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, meeting_id);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)util_now());
	return store_step_done(st, s, err);
}

int store_review_forget(struct store *st, const char *message_id, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "DELETE FROM review WHERE message_id = ?1", err);

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
	if (store_step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db);
}

int store_reminder_status(struct store *st, long long meeting_id, long offset, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "SELECT 1 FROM reminder WHERE meeting_id = ?1 AND offset_s = ?2", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_int64(s, 2, offset);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_err(st, err, "read reminders");
	return rc == SQLITE_ROW;
}

int store_reminder_mark(struct store *st, long long meeting_id, long offset, const char *status, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "INSERT OR IGNORE INTO reminder (meeting_id, offset_s, status, at)"
				     " VALUES (?1,?2,?3,?4)", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_int64(s, 2, offset);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)util_now());
	return store_step_done(st, s, err);
}

int store_paper_get(struct store *st, long long meeting_id, const char *kind, char **ret_status, char **ret_hash,
		    struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "SELECT status, hash FROM paperwork WHERE meeting_id = ?1 AND kind = ?2", err);
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
		return store_db_err(st, err, "read paperwork");
	return rc == SQLITE_ROW;
}

int store_paper_put(struct store *st, long long meeting_id, const char *kind, const char *status, const char *hash,
		    struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "INSERT OR REPLACE INTO paperwork (meeting_id, kind, status, hash, at)"
				     " VALUES (?1,?2,?3,?4,?5)", err);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, hash ? hash : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)util_now());
	return store_step_done(st, s, err);
}

int store_next_try(struct store *st, time_t *ret, struct err *err)
{
	long long t;

	if (store_query_int(st, "SELECT MIN(next_try) FROM outbox WHERE status = 'queued'", &t, NULL, "read outbox", err) < 0)
		return -1;
	*ret = (time_t)t; /* MIN over no rows is NULL, read as 0: an empty queue */
	return 0;
}
