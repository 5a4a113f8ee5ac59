/* The state store: the Teams meetings made through Microsoft Graph (graph.c), one row each. */
#include "store_int.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	sqlite3_stmt *s = store_prep(st, "SELECT uid, date, graph_id, join_url, start_utc, end_utc, subject, deleted,"
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
		o->uid = store_col_str(s, 0);
		snprintf(o->date, sizeof(o->date), "%s", (const char *)sqlite3_column_text(s, 1));
		o->graph_id = sqlite3_column_type(s, 2) == SQLITE_NULL ? NULL : store_col_str(s, 2);
		o->join_url = store_col_str(s, 3);
		o->start = (time_t)sqlite3_column_int64(s, 4);
		o->end = (time_t)sqlite3_column_int64(s, 5);
		o->subject = store_col_str(s, 6);
		o->deleted = sqlite3_column_int(s, 7);
		o->attendance_next = (time_t)sqlite3_column_int64(s, 8);
		o->attendance_tries = sqlite3_column_int(s, 9);
		o->attendance_done = sqlite3_column_int(s, 10);
		o->owned = sqlite3_column_int(s, 11);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		store_online_free(v, n);
		return store_db_err(st, err, "read online meetings");
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int store_online_put(struct store *st, const struct store_online *o, struct err *err)
{
	sqlite3_stmt *s = store_prep(st, "INSERT OR REPLACE INTO online_meeting (uid, date, graph_id, join_url, start_utc,"
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
	return store_step_done(st, s, err);
}
