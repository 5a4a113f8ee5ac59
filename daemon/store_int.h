/* Internal to the store*.c files (the state store, split by concern): nothing else includes it. The connection
 * and the helpers they share; the module's API is store.h. */
#ifndef TOVHOLDER_STORE_INT_H
#define TOVHOLDER_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

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

/* The schema version the migrations (store.c, the only list of them) bring a database to. */
int store_schema_latest(void);
/* Brings st's database up to store_schema_latest(), one transaction a step. 0, or -1 with err (a database
 * written by a newer tovholder is refused). */
int store_migrate(struct store *st, struct err *err);

/* Sets err to "state 'PATH': what: SQLite's last message" and returns -1. */
int store_db_err(struct store *st, struct err *err, const char *what);
/* Runs SQL text that returns no rows (several statements may follow each other). 0, or -1 with err. */
int store_exec(struct store *st, const char *sql, struct err *err);
/* A new statement, the caller's to finalize (sqlite3_finalize, or store_step_done); NULL with err when SQLite
 * refuses the text. */
sqlite3_stmt *store_prep(struct store *st, const char *sql, struct err *err);
/* Runs a statement that returns no rows, and is done with it (finalized, or reset when kept). 0, or -1 with
 * err. */
int store_step_done(struct store *st, sqlite3_stmt *s, struct err *err);

/* A copy of text column i, "" for NULL; the caller frees it. */
char *store_col_str(sqlite3_stmt *s, int i);
/* A copy of a nullable text column: NULL for NULL; the caller frees it. */
char *store_col_opt(sqlite3_stmt *s, int i);
/* A query with one row of one integer column (NULL → *ret_null = 1, *ret = 0; ret_null may be NULL). 'what'
 * names it in an error. 0, or -1 with err. */
int store_query_int(struct store *st, const char *sql, long long *ret, int *ret_null, const char *what,
		    struct err *err);
/* The first column of every row of 'sql' that 'keep' (NULL: every one) accepts, copied; 'what' names it in an
 * error. 0, or -1 with err (nothing returned). Freed with store_names_free. */
int store_column_strings(struct store *st, const char *sql, int (*keep)(const char *), const char *what,
			 char ***ret, size_t *ret_n, struct err *err);
/* Frees the n strings of v and v; NULL with n = 0 is a no-op. */
void store_names_free(char **v, size_t n);

#endif
