/* What an incoming mail means for the attendance record: a calendar answer, a Danish afbud or acceptance, an
 * automatic reply, a bounce, something for a human to review, or nothing of ours. Pure: the caller fetches the
 * parts this module asks for, and records the decision. */
#ifndef TOVHOLDER_REPLY_H
#define TOVHOLDER_REPLY_H

#include <stddef.h>
#include <time.h>

#include "afbud.h"
#include "authres.h"
#include "inmail.h"
#include "reason.h"
#include "store.h"

/* Who may change an answer (README "How answers are read"): the single From address of the mail, confirmed by
 * the Authentication-Results field the organizer's own mail service added, when there is such a service. */
struct reply_trust {
	enum authres_service service;       /* NONE: From alone decides */
	const char *authserv_id;            /* for AUTHRES_SERVICE_ID */
	const char *label;                  /* the service, for review reasons: "Exchange Online", an id */
	char *const *relays;                /* From addresses (lower-case) whose single Reply-To names the person */
	size_t n_relays;
};

struct reply_env {
	const struct store_snapshot *sent;  /* the meetings sent, with their invitations */
	long long thread_meeting_id;        /* the meeting whose invitation the mail answers (In-Reply-To or
					       References names one of our Message-IDs), else 0 */
	size_t size;                        /* the message's size on the server */
	time_t now;
	const char *fallback_message_id;    /* for a mail without Message-ID: a stand-in (mailbox, UIDVALIDITY, UID) */
	/* What ties a bounce to us (NULL: nothing does): the address our outbox sent Message-ID 'id' to (the
	 * caller's to free) or NULL, and whether we sent mail to 'email' at or after 'since'. */
	char *(*outbox_to)(void *arg, const char *id);
	int (*mailed_since)(void *arg, const char *email, time_t since);
	void *lookup_arg;
	time_t received;                    /* when the server received the mail (IMAP INTERNALDATE); 0: unknown,
					       and 'now' stands in */
	const struct reply_trust *trust;    /* NULL: From alone decides, no relays */
	/* whether our outbox ever sent mail to 'email' (NULL: nobody counts as known) */
	int (*known)(void *arg, const char *email);
};

/* A server's report that returns none of our headers counts only for an address we sent mail to within
 * this many days (a server gives up after 5 days at most: Postfix's maximal_queue_lifetime). */
#define REPLY_BOUNCE_DAYS 7

/* Whether the mail may be ours, from its header fields alone (never its part tree, so the answer is the same
 * whether or not the structure was fetched): in a thread of ours; From, Reply-To or Sender an invitee or an
 * address our outbox mailed; the shape of a bounce (bounce_shape of the top level); a top-level calendar
 * (text/calendar, application/ics, text/x-vcalendar, a name or filename *.ics in Content-Type or
 * Content-Disposition) or report type; or a Subject that names one of our meetings' titles (case-insensitive).
 * reply_parts_needed and reply_decide apply it first: a mail it refuses is REPLY_NOT_OURS whatever its parts
 * hold (a stranger's multipart with a calendar inside stays in the inbox), so reading every new mail's
 * structure, or only that of the mails it lets through, decides every mail alike. Needs only the fields of
 * inbox_header_fields. */
int reply_may_be_ours(const struct inmail *m, const struct reply_env *env);

/* The parts whose bodies reply_decide needs (at most REPLY_MAX_PARTS) and returns their count, or -1 when the
 * mail is not ours: refused by reply_may_be_ours, or no calendar part, not a bounce, and neither from an invitee
 * nor in a thread of ours. Reads only the headers and the part tree, so the caller fetches nothing for mail that
 * is not ours. */
#define REPLY_MAX_PARTS 4
int reply_parts_needed(const struct inmail *m, const struct reply_env *env, const struct inmail_part **ret_parts);

enum reply_outcome {
	REPLY_NOT_OURS,   /* leave it in the inbox, untouched */
	REPLY_ANSWER,     /* record the answer */
	REPLY_AUTOREPLY,  /* note "autosvar" */
	REPLY_BOUNCE,     /* note the failed addresses */
	REPLY_REFRESH,    /* send the invitation again */
	REPLY_REVIEW,     /* a human decides: move to the review folder with the reason */
	REPLY_DELAYED,    /* a delay warning (or a delivery report) about mail of ours: noted, nothing marked */
};
#define REPLY_OUTCOMES 7

struct reply_decision {
	enum reply_outcome outcome;
	long long meeting_id;
	char *email;              /* the person (ANSWER, AUTOREPLY, REFRESH) */
	/* AUTOREPLY: meeting_id 0 when the person has no meeting ahead (nothing to note it on; moved all the same) */
	const char *answer;       /* "tilsagn", "afbud", "tentativ" */
	const char *source;       /* "kalender", "mail" */
	time_t at;                /* DTSTAMP, else Date, else now; never later than env->received (or now): the
				     sender's clock does not choose which answer is newest */
	char *substitute;
	char *note;               /* an attendee comment */
	char **bounced;           /* BOUNCE: the failed addresses that are ours; DELAYED: the delayed ones */
	size_t n_bounced;
	char *sender;             /* the (first) From address, for review and logs */
	char *subject;            /* decoded */
	char *message_id;         /* the mail's Message-ID, or the stand-in from the env */
	char reason[256];         /* REVIEW, AUTOREPLY, BOUNCE and DELAYED: why, for the log (reason.c's English
				     text for a review; the sender-trust ones keep "afsenderen kunne ikke bekræftes") */
	struct reason why;        /* REVIEW, and an ANSWER with review_too: the reason's code and detail, stored
				     with the review item so the mails say it in Danish */
	int review_too;           /* ANSWER that also asks a question: record it, and let a human read it */
	time_t proposed_start;    /* ANSWER (a tentative REPLY) or REVIEW (a COUNTER) from the invitee it names:
				     the new time proposed, UTC, with meeting_id, email and the comment in note;
				     else 0 */
	time_t proposed_end;      /* 0 when none was named */
};

/* Decides, with the bodies of the parts reply_parts_needed named filled in. Never fails: anything it cannot
 * read becomes REPLY_REVIEW with the reason. Release with reply_decision_release. */
void reply_decide(const struct inmail *m, const struct reply_env *env, struct reply_decision *ret);
/* REPLY_REVIEW with reason 'code' (one without detail), from the headers alone: for a mail that must not be
 * read again (it stopped the service last time). Release with reply_decision_release. */
void reply_unread(const struct inmail *m, const struct reply_env *env, enum reason_code code,
		  struct reply_decision *d);
void reply_decision_release(struct reply_decision *d);

/* What the text a person wrote says: HTML made text, quoted text cut (afbud_newest_text), then afbud_classify
 * with the subject. Takes ownership of 'text'; release *ret with afbud_result_release. */
void reply_classify_text(const char *subject, char *text, int is_html, struct afbud_result *ret);

#endif
