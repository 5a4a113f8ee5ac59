/* The state store: what was sent to whom, and the outbox. The ONLY module that includes sqlite3.h.
 * SQLite in WAL mode, so CLI commands read while the service writes; schema versioned by PRAGMA user_version. */
#ifndef TOVHOLDER_STORE_H
#define TOVHOLDER_STORE_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct store;

/* A person's invitation to one meeting, as last sent. */
struct store_invitation {
	char *email;
	char *name;
	char *org;
	char *role;           /* "medlem", "sekretær", "gæst" */
	int invited;          /* 1: holds the invitation; 0: was sent a CANCEL */
	int sequence;         /* SEQUENCE of the last message queued to this person */
};

/* A meeting as last sent: the content of the invitation, so a change can be seen and described. */
struct store_meeting {
	long long id;         /* 0 for a meeting not yet stored */
	char *uid;
	char date[11];
	int sequence;         /* the highest SEQUENCE used */
	int cancelled;
	int start_min, end_min;
	char *place;
	char *online_url;     /* "" when none */
	char *agenda;         /* items joined by '\n' */
	char *organizer;      /* "Name <addr>" */
	char *summary;
	struct store_invitation *inv;
	size_t n_inv;
};

/* The Teams meeting of a "place = teams" meeting, made through Microsoft Graph (graph.c). A row is written with
 * the calendar UID before Graph is asked (graph_id NULL until it answers), so the UID is reserved. */
struct store_online {
	char *uid;            /* the meeting's calendar UID */
	int owned;            /* 1: made by us for place = teams (moved and deleted with the meeting); 0: a link
				 written by hand, found in Graph only for its attendance */
	char date[11];        /* the meeting's date when the row was last written */
	char *graph_id;       /* Graph's onlineMeeting id, NULL while not made */
	char *join_url;       /* "" while not made */
	time_t start, end;    /* UTC, as last sent to Graph */
	char *subject;
	int deleted;          /* deleted in Graph (the meeting was cancelled) */
	time_t attendance_next; /* when to look for the attendance report next (0: after the meeting ends) */
	int attendance_tries;
	int attendance_done;  /* recorded from Graph */
};

struct store_snapshot {
	struct store_meeting *meetings; /* by date */
	size_t n;
	struct store_online *online;    /* the Teams meetings made through Graph, by date */
	size_t n_online;
};

/* One message in the outbox. Sending = intent recorded here before the SMTP transaction, result after. */
struct store_outmsg {
	long long id;
	long long meeting_id; /* 0 when not about one meeting */
	char date[11];        /* the meeting's date, "" when none (read back by store_queued) */
	char *email;
	char *kind;           /* "request", "cancel", … */
	int sequence;
	char *message_id;     /* without angle brackets */
	char *message;        /* the whole RFC 5322 message */
	size_t len;
	int attempts;
	time_t next_try;
	char *last_error;
	time_t created_at;    /* when it was queued (read back by store_queued) */
	int keep_queued;      /* store_queue: do not supersede older queued messages (reminders) */
};

/* Opens (creating and migrating) the database at path. NULL with err on failure. The file and its -wal and
 * -shm are created 0600 whatever the umask, and an existing one group or others could read is narrowed to
 * that (see store_widened). */
struct store *store_open(const char *path, struct err *err);
/* The group/other mode bits the state files had when store_open found them (0: none), and whether they were
 * taken away (0: the process does not own the file, so they could not be). */
int store_widened(const struct store *st, int *ret_fixed);
void store_free(struct store *st);
/* Gives back SQLite's cache of database pages (a service about to sleep: the next pass reads the few pages
 * it needs again, from the kernel's page cache). NULL is a no-op. */
void store_release_memory(struct store *st);

/* Transactions; store_begin takes the write lock at once (BEGIN IMMEDIATE). */
int store_begin(struct store *st, struct err *err);
int store_commit(struct store *st, struct err *err);
void store_rollback(struct store *st);
/* Durability of the commits that follow: 1 (the default) = synchronous=FULL, a commit that returned is on
 * disk; 0 = NORMAL, it survives a crash of the process but not of the machine until the next durable commit or
 * store_sync. For runs of small writes whose loss only repeats work (outbox marks, the mailbox position). */
int store_set_durable(struct store *st, int durable, struct err *err);
/* Makes every earlier commit durable (a WAL checkpoint: fsync of the log, then of the database). */
int store_sync(struct store *st, struct err *err);

/* Every stored meeting with its invitations, by date. Release with store_snapshot_release. */
int store_load(struct store *st, struct store_snapshot *ret, struct err *err);
void store_snapshot_release(struct store_snapshot *s);
void store_meeting_release(struct store_meeting *m);

/* Inserts (m->id == 0; sets m->id) or updates a meeting row; invitations are not touched. An update that
 * changes the date or the start time forgets which reminders were sent, so they are due again before the
 * new start. */
int store_put_meeting(struct store *st, struct store_meeting *m, struct err *err);
/* Inserts or replaces one person's invitation row. */
int store_put_invitation(struct store *st, long long meeting_id, const struct store_invitation *inv,
			 struct err *err);

/* Queues a message (sets m->id). Older queued messages to the same person about the same meeting are marked
 * superseded: each iTIP message carries the whole event, so only the newest needs to arrive. */
int store_queue(struct store *st, struct store_outmsg *m, struct err *err);
/* How many messages of 'kind' to 'email' about meeting_id were queued at or after 'since' (whatever became of
 * them) into *ret_n. */
int store_queued_since(struct store *st, long long meeting_id, const char *email, const char *kind, time_t since,
		       int *ret_n, struct err *err);
/* The queued messages with next_try <= before (before < 0: all), oldest first. */
int store_queued(struct store *st, time_t before, struct store_outmsg **ret, size_t *ret_n, struct err *err);
void store_outmsgs_free(struct store_outmsg *v, size_t n);
int store_mark_sent(struct store *st, long long id, time_t when, struct err *err);
/* A temporary failure: attempts + 1, next_try and the server's reply kept. */
int store_mark_retry(struct store *st, long long id, time_t next_try, const char *error, struct err *err);
/* A permanent failure: the message leaves the queue; the reply is kept for `status`. */
int store_mark_failed(struct store *st, long long id, const char *error, struct err *err);
/* Counts by outbox status: queued and failed. */
int store_outbox_counts(struct store *st, int *ret_queued, int *ret_failed, struct err *err);

/* Where reading the inbox got to: the mailbox's UIDVALIDITY and the highest UID handled (0, 0 when new). */
int store_mailbox_get(struct store *st, const char *name, unsigned long *ret_uidvalidity,
		      unsigned long *ret_last_uid, struct err *err);
int store_mailbox_set(struct store *st, const char *name, unsigned long uidvalidity, unsigned long last_uid,
		      struct err *err);

/* One person's answer for one meeting. */
struct store_answer {
	long long meeting_id;
	const char *email;
	const char *answer;      /* "tilsagn", "afbud", "tentativ", "ukendt" */
	const char *source;      /* "kalender", "mail", "manuel" */
	time_t at;               /* when the person answered (DTSTAMP, else Date; manual: when it was set) */
	const char *substitute;  /* or NULL */
	const char *note;        /* or NULL */
	const char *message_id;  /* or NULL */
	int force;               /* a manual answer: replaces whatever is recorded */
};

/* Records an answer unless a newer one is recorded (or a->force). Returns 1 when recorded, 0 when older, -1 on error. */
int store_answer_put(struct store *st, const struct store_answer *a, struct err *err);
/* Notes an automatic reply ("autosvar") from a person about a meeting. */
int store_autoreply_put(struct store *st, long long meeting_id, const char *email, time_t at, const char *detail,
			struct err *err);
/* Notes that mail to this address bounced. */
int store_bounce_put(struct store *st, const char *email, time_t at, const char *detail, struct err *err);
/* Forgets a bounce noted for the address at or before 'upto' (an answer from the person since, or the
 * coordinator's `set`). Returns 1 when one was forgotten, 0 when none, -1 on error. */
int store_bounce_clear(struct store *st, const char *email, time_t upto, struct err *err);
/* 1 when the outbox sent mail to 'email' at or after 'since', 0 when not, -1 on error. */
int store_mailed_since(struct store *st, const char *email, time_t since, struct err *err);
/* Every address the outbox ever sent mail to, distinct, in strcmp order (for bsearch): for the inbox's look at
 * a new mail's senders; the caller frees each and the array. 0, or -1 on error. */
int store_mailed_addresses(struct store *st, char ***ret, size_t *ret_n, struct err *err);

/* A mail waiting for a human decision. */
struct store_review {
	long long id;
	char *message_id;
	char *sender;
	char *subject;
	time_t date;
	char *reason;         /* in English (the log, `tovholder review`) */
	char *reason_code;    /* reason.h's key, "" for an item stored before the codes; NULL on add: none */
	char *reason_args;    /* its detail (reason_args_join), or NULL */
};
/* A new time someone proposed for a meeting (a COUNTER, or a REPLY that carries a proposed time), kept per
 * meeting UID and person: the newest by 'at' wins. Read by status, review and (through store_proposals) the
 * status mail's template. */
struct store_proposal {
	char *uid;            /* the meeting's UID */
	char *email;
	time_t start, end;    /* UTC; end 0 when the proposal named none */
	char *comment;        /* the person's comment, or NULL; outside text: show it through vis */
	char *message_id;     /* the mail that proposed it */
	time_t at;
};
int store_proposal_put(struct store *st, const struct store_proposal *p, struct err *err);
/* The proposals for the meeting with 'uid' (NULL: every meeting), by proposed start. */
int store_proposals(struct store *st, const char *uid, struct store_proposal **ret, size_t *ret_n, struct err *err);
void store_proposals_free(struct store_proposal *v, size_t n);
/* Adds a review item; the same Message-ID twice is one item. */
int store_review_add(struct store *st, const struct store_review *r, struct err *err);
int store_reviews(struct store *st, struct store_review **ret, size_t *ret_n, struct err *err);
void store_reviews_free(struct store_review *v, size_t n);
int store_review_count(struct store *st, int *ret_n, struct err *err);
/* Whether the Teams report mail with that Message-ID was answered (1 yes, 0 no, -1 error); and recording that it
 * was, inside the transaction that queues the answer. */
int store_report_answered(struct store *st, const char *message_id, struct err *err);
int store_report_answered_put(struct store *st, const char *message_id, long long meeting_id, struct err *err);
/* Removes the review item of that Message-ID (a decision by folder). Returns how many were removed. */
int store_review_forget(struct store *st, const char *message_id, struct err *err);
/* Removes review item 'id' (as store_reviews lists it), or all with id 0.
 * Returns how many were removed. */
int store_review_done(struct store *st, long long id, struct err *err);

/* Which meeting and person one of our messages was about. 1 found, 0 not ours, -1 error; ret_email freed by
 * the caller. */
int store_thread_lookup(struct store *st, const char *message_id, long long *ret_meeting_id, char **ret_email,
			struct err *err);

/* The attendance record of one meeting: every person ever invited, with what came back. */
struct store_person_record {
	char *email;
	int invited;             /* still holds the invitation */
	char *answer;            /* NULL: no answer */
	char *source;
	time_t at;
	char *substitute;
	char *note;
	char *autoreply;         /* the automatic reply's detail, or NULL */
	time_t autoreply_at;
	char *bounce;            /* why mail to this address failed, or NULL */
};

struct store_record {
	struct store_person_record *people;
	size_t n;
};

int store_record_load(struct store *st, long long meeting_id, struct store_record *ret, struct err *err);
void store_record_release(struct store_record *r);

/* The Teams meetings made through Microsoft Graph (store_load reads them into the snapshot too). */
int store_online_load(struct store *st, struct store_online **ret, size_t *ret_n, struct err *err);
/* Inserts or replaces the row of o->uid. */
int store_online_put(struct store *st, const struct store_online *o, struct err *err);
void store_online_free(struct store_online *v, size_t n);

/* Whether the reminder 'offset' seconds before meeting_id was sent or skipped: 1 yes, 0 no, -1 error. */
int store_reminder_status(struct store *st, long long meeting_id, long offset, struct err *err);
/* Records it as "sent" or "skipped" (once; a second mark changes nothing). */
int store_reminder_mark(struct store *st, long long meeting_id, long offset, const char *status, struct err *err);
/* The mails to the referent and the tovholder about a meeting, by kind ("draft", "status", "attendance"):
 * what was last done ("sent", "skipped", "baseline") and the hash of what was sent (attendance: its lines).
 * 1 found (*ret_status and *ret_hash, when not NULL, are the caller's to free), 0 nothing yet, -1 error. */
int store_paper_get(struct store *st, long long meeting_id, const char *kind, char **ret_status, char **ret_hash,
		    struct err *err);
/* Records it, replacing what was there. */
int store_paper_put(struct store *st, long long meeting_id, const char *kind, const char *status, const char *hash,
		    struct err *err);
/* The earliest retry time of a queued message, 0 when the queue is empty. */
int store_next_try(struct store *st, time_t *ret, struct err *err);

/* The handover (tovholder overdrag / modtag). store_export: the group's record as text, read in one snapshot —
 * what a handover carries, a whitelist: every meeting with its UID and SEQUENCE and every invitation (who holds
 * which SEQUENCE), the answers, automatic replies, bounces, reminders sent, attendance, and our sent and failed
 * messages without their bodies (whom they went to, and the Message-IDs answers quote). Not exported: the
 * mailbox position and the review items, which belong to the old mailbox, messages still queued, and any table
 * or column not on the list. Returns the text (caller frees), or NULL with err. */
char *store_export(struct store *st, size_t *ret_len, struct err *err);
/* 1 when the state holds a record (a row in any table of the group: a meeting, a message, a bounce…), 0 when
 * it is fresh, -1 on error. */
int store_has_record(struct store *st, struct err *err);
/* Reads store_export's text in one transaction: all of it or nothing. Data only, never an action: a table or
 * column off the whitelist, a message to send or the text of one, an address roster.csv would refuse, or a
 * text that can reach a mail (names, place, summary, agenda…) with control characters is refused with the
 * line and the reason in err. A state that already holds a
 * record is refused, unless 'replace', which first deletes that record (the mailbox position and review items
 * stay). A record from a newer schema, or a damaged one, is refused with the reason in err. */
int store_import(struct store *st, const char *buf, size_t len, int replace, struct err *err);
/* Imports the text into a fresh database in memory and forgets it: 0 when store_import would take it, else -1
 * with its reason. Touches no file: modtag checks the whole file before it writes anything. */
int store_check_record(const char *buf, size_t len, struct err *err);
/* store_check_record, and then every address the record still invites to a meeting on or after from_date
 * (YYYY-MM-DD, not cancelled) must pass may_mail(arg, address): those are whom plan and the reminders mail.
 * The first that does not is refused with the reason in err. */
int store_check_handover(const char *buf, size_t len, const char *from_date, int (*may_mail)(void *, const char *),
			 void *arg, struct err *err);

/* Confirmed attendance: who was at a meeting, from a Teams report or entered by hand. */
struct store_attendance {
	char *email;          /* an invitee of the meeting */
	int present;
	char *source;         /* "teams", "manuel" */
	long duration_s;      /* time in the meeting; -1 when not known */
	char *first_join;     /* as the report wrote it, or NULL */
	char *report_name;    /* the name the report gave the person, or NULL */
	time_t at;            /* when it was recorded */
};

/* A participant who is not an invitee, or a report row nobody could be matched to. */
struct store_attendance_extra {
	char *kind;           /* "guest", "organizer", "unmatched" */
	char *source;         /* "teams", "manuel" */
	char *name;           /* unmatched: the row as the report wrote it */
	char *org;            /* "" when not known (a guest found on the roster has one) */
	char *email;          /* "" when the report has none */
	long duration_s;      /* -1 when not known */
	char *first_join;     /* or NULL */
	int line;             /* the line of the report, 0 when none */
	char *detail;         /* unmatched: why; else NULL */
};

struct store_attendance_list {
	struct store_attendance *people;        /* by e-mail */
	size_t n;
	struct store_attendance_extra *extra;   /* in the order recorded */
	size_t n_extra;
};

/* Records one invitee's attendance (a->at is set by the store). A "teams" row never replaces a "manuel" one:
 * a correction by hand wins over the report. Returns 1 when recorded, 0 when a manual row was kept, -1 on
 * error. */
int store_attendance_put(struct store *st, long long meeting_id, const struct store_attendance *a,
			 struct err *err);
/* Adds a guest, the organizer or an unmatched row. */
int store_attendance_extra_add(struct store *st, long long meeting_id, const struct store_attendance_extra *x,
			       struct err *err);
/* Forgets what was recorded for the meeting from 'source' ("teams": before a report is imported again). */
int store_attendance_clear(struct store *st, long long meeting_id, const char *source, struct err *err);
/* Everything recorded for the meeting; an empty list when nothing is. Release with store_attendance_release. */
int store_attendance_load(struct store *st, long long meeting_id, struct store_attendance_list *ret,
			  struct err *err);
void store_attendance_release(struct store_attendance_list *l);

#endif
