/* Reading the organizer's inbox for a group: shared by `fetch` and the service. */
#ifndef TOVHOLDER_INBOX_H
#define TOVHOLDER_INBOX_H

#include <time.h>

#include "ctx.h"
#include "imap.h"
#include "reply.h"

struct inbox_result {
	int counts[7];           /* by enum reply_outcome (reply.h: REPLY_OUTCOMES) */
	int refreshes;           /* invitations asked for again (queued, and sent when the server is there) */
	int refreshes_noted;     /* … and not sent again: the person had it within the last day */
	int no_new;              /* nothing above the remembered UID: no per-message work was done */
	int structures;          /* mails handled whose structure was asked for (the rest: by their headers alone) */
	enum imap_result stop;   /* IMAP_OK, or why the pass stopped early */
	char stop_reason[512];   /* room for a server reply (err.msg) and its context */
	int state_error;
};

/* The header fields fetched for every new mail (NULL-terminated). */
extern const char *const inbox_header_fields[];

/* The meeting whose invitation the mail answers (In-Reply-To, else References, newest first, names one of our
 * Message-IDs), else 0. Reads the headers only. */
long long inbox_thread_meeting(struct store *st, const struct inmail *m);
/* Who may change an answer, as the config says ([imap] authserv_id, url, trusted_relays). ret points into cfg. */
void inbox_trust(const struct config *cfg, struct reply_trust *ret);
/* Password (or OAuth2 token), connect, verify, log in. 0, or EX_CONFIG / EX_TEMPFAIL / EX_UNAVAILABLE with err
 * set. */
int inbox_connect(struct ctx *ctx, struct imap **ret, struct err *err);
/* One pass over the configured mailbox on an open connection: SELECT, read every mail above the remembered
 * UID, record, move. 'stop' (may be NULL) is asked between mails. -1 on a state error (logged), else 0 with
 * the result in res (res->stop says whether the server went away). */
int inbox_pass(struct ctx *ctx, struct imap *imap, time_t now, int (*stop)(void *arg), void *arg,
	       struct inbox_result *res);

#endif
