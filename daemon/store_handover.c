/* The state store: the record a handover carries (store_export / store_import), and what each of its values
 * must be before it is written; read as the outside input it is. */
#include "store_int.h"
#include "buf.h"
#include "config.h"
#include "schedule.h"
#include "util.h"
#include "vis.h"

#include <stdlib.h>
#include <string.h>

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


static int group_table(const char *name)
{
	return handed_over(name) && ident_valid(name);
}

/* The tables of a group's record: all but the machine's own (not_handed_over). A forced import empties them
 * all, so that nothing of an earlier group is left to collide with the new record. */
static int group_tables(struct store *st, char ***ret, size_t *ret_n, struct err *err)
{
	return store_column_strings(st, "SELECT name FROM sqlite_master WHERE type = 'table'"
				  " ORDER BY name = 'meeting' DESC, name", group_table, "read tables", ret, ret_n, err);
}

/* A table's columns in order, without the row id alias "id": ids are local to a database. */
static int table_columns(struct store *st, const char *table, char ***ret, size_t *ret_n, struct err *err)
{
	char *sql = xasprintf("PRAGMA table_info(\"%s\")", table);
	sqlite3_stmt *s = store_prep(st, sql, err);
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
		store_names_free(v, n);
		return store_db_err(st, err, "read columns");
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
	if (!(s = store_prep(st, sql.data, err)))
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
		store_db_err(st, err, "read for the handover");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	store_names_free(have, n_have);
	buf_release(&sql);
	buf_release(&row);
	return rc;
}

static void uid_map_release(struct uid_map *m)
{
	store_names_free(m->uid, m->n);
	free(m->id);
	memset(m, 0, sizeof(*m));
}

static int uid_map_load(struct store *st, struct uid_map *m, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "SELECT id, uid FROM meeting", err);
	int rc;

	if (!s)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m->id = xrealloc(m->id, (m->n + 1) * sizeof(*m->id));
		m->uid = xrealloc(m->uid, (m->n + 1) * sizeof(*m->uid));
		m->id[m->n] = sqlite3_column_int64(s, 0);
		m->uid[m->n++] = store_col_str(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_db_err(st, err, "read meetings");
}

char *store_export(struct store *st, size_t *ret_len, struct err *err)
{
	struct uid_map map = { 0 };
	long long version;
	struct buf b;
	char *ret = NULL;

	buf_init(&b);
	/* one read transaction: the service may be writing while the handover is made */
	if (store_exec(st, "BEGIN", err) < 0)
		goto out_nolock;
	if (store_query_int(st, "PRAGMA user_version", &version, NULL, "read schema", err) < 0 ||
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
		rc = store_query_int(st, sql, &rows, NULL, "read the record", err);
		free(sql);
	}
	store_names_free(tables, n);
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
	if (!(im->ins = store_prep(im->st, sql.data, err)))
		goto out;
	im->n_cols = n - 2;
	rc = 0;
out:
	buf_release(&sql);
	store_names_free(cols, n_cols);
	return rc;
}

static int bind_meeting(struct importer *im, int i, const char *uid, struct err *err)
{
	int step;

	if (!im->find_uid && !(im->find_uid = store_prep(im->st, "SELECT id FROM meeting WHERE uid = ?1", err)))
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
	const int latest = store_schema_latest();
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
		rc = store_exec(st, sql, err);
		free(sql);
	}
	store_names_free(tables, n);
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
	    store_exec(st, "INSERT OR IGNORE INTO paperwork (meeting_id, kind, status, hash, at)"
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
	sqlite3_stmt *s = store_prep(st, "SELECT m.date, i.email FROM invitation i JOIN meeting m ON m.id = i.meeting_id"
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
		rc = store_db_err(st, err, "read the handover's invitations");
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
	if (store_exec(st, "PRAGMA foreign_keys=ON", err) < 0 || store_migrate(st, err) < 0)
		goto out;
	rc = store_import(st, buf, len, 0, err);
	if (rc == 0 && may_mail)
		rc = check_invitees(st, from_date, may_mail, arg, err);
out:
	store_free(st);
	return rc;
}
