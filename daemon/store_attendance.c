/* The state store: confirmed attendance, from the Teams report or corrected by hand, and who else came. */
#include "store_int.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int store_attendance_put(struct store *st, long long meeting_id, const struct store_attendance *a,
			 struct err *err)
{
	/* the report never overwrites a correction made by hand; a manual row replaces anything */
	sqlite3_stmt *s = store_prep(st, "INSERT INTO attendance (meeting_id, email, present, source, duration_s,"
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
	if (store_step_done(st, s, err) < 0)
		return -1;
	return sqlite3_changes(st->db) > 0;
}

int store_attendance_extra_add(struct store *st, long long meeting_id, const struct store_attendance_extra *x,
			       struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "INSERT INTO attendance_extra (meeting_id, kind, source, name, org, email,"
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
	return store_step_done(st, s, err);
}

int store_attendance_clear(struct store *st, long long meeting_id, const char *source, struct err *err)
{
	static const char *const sql[] = {
		"DELETE FROM attendance WHERE meeting_id = ?1 AND source = ?2",
		"DELETE FROM attendance_extra WHERE meeting_id = ?1 AND source = ?2",
	};

	for (size_t i = 0; i < 2; i++) {
		sqlite3_stmt *s = store_prep(st, sql[i], err);
		if (!s)
			return -1;
		sqlite3_bind_int64(s, 1, meeting_id);
		sqlite3_bind_text(s, 2, source, -1, SQLITE_STATIC);
		if (store_step_done(st, s, err) < 0)
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
	sqlite3_stmt *s = store_prep(st, "SELECT email, present, source, duration_s, first_join, report_name, at"
				     " FROM attendance WHERE meeting_id = ?1 ORDER BY email", err);
	int rc;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, meeting_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_attendance *a;
		l.people = xrealloc(l.people, (l.n + 1) * sizeof(*l.people));
		a = &l.people[l.n++];
		a->email = store_col_str(s, 0);
		a->present = sqlite3_column_int(s, 1);
		a->source = store_col_str(s, 2);
		a->duration_s = col_duration(s, 3);
		a->first_join = store_col_opt(s, 4);
		a->report_name = store_col_opt(s, 5);
		a->at = (time_t)sqlite3_column_int64(s, 6);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	s = store_prep(st, "SELECT kind, source, name, org, email, duration_s, first_join, line, detail"
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
		x->kind = store_col_str(s, 0);
		x->source = store_col_str(s, 1);
		x->name = store_col_str(s, 2);
		x->org = store_col_str(s, 3);
		x->email = store_col_str(s, 4);
		x->duration_s = col_duration(s, 5);
		x->first_join = store_col_opt(s, 6);
		x->line = sqlite3_column_int(s, 7);
		x->detail = store_col_opt(s, 8);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		goto fail;
	*ret = l;
	return 0;
fail:
	store_attendance_release(&l);
	return store_db_err(st, err, "read attendance");
}
