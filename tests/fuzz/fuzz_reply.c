/* libFuzzer: what an incoming mail means (reply.c) against a small fixed snapshot of one sent meeting, the
 * same as tests/unit/test_reply.c. An input is decided either with every body present (inmail_parse) or as
 * fetch sees it, with only the bodies of the parts reply_parts_needed asked for. */
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "fuzz.h"
#include "reply.h"
#include "util.h"

/* The fixtures' values (tests/fixtures/make-fixtures.py), so the seeds from tests/fixtures/ reach every path. */
#define UID      "tovholder-20270305-bestyrelse-7c1e2a90@kommune.example"
#define ATTENDEE "birthe.lauridsen@borger.example"
#define MSGID    "invitation-20270305-7c1e2a90.1@kommune.example"

static struct store_invitation invitations[] = {
	{ ATTENDEE, "Birthe Lauridsen", "Køge", "medlem", 1, 0 },
	{ "gaest@region.example", "Gæst Gæstesen", "Region Sjælland", "gæst", 0, 1 },
};
static struct store_meeting meetings[] = {
	{ .id = 7, .uid = UID, .date = "2027-03-05", .sequence = 0, .place = "online", .online_url = "",
	  .agenda = "", .organizer = "Karin Lund <tovholder@kommune.example>", .summary = "Bestyrelsesmøde",
	  .inv = invitations, .n_inv = 2 },
	{ .id = 8, .uid = "tovholder-20270611-x@kommune.example", .date = "2027-06-11", .sequence = 2,
	  .cancelled = 1, .place = "Rådhuset", .online_url = "", .agenda = "",
	  .organizer = "Karin Lund <tovholder@kommune.example>", .summary = "Bestyrelsesmøde",
	  .inv = invitations, .n_inv = 1 },
};
static const struct store_snapshot sent = { .meetings = meetings, .n = 2 };

/* The outbox of the fixed snapshot: our invitation to the attendee, sent lately. */
static char *outbox_to(void *arg, const char *id)
{
	(void)arg;
	return strcmp(id, MSGID) == 0 ? xstrdup(ATTENDEE) : NULL;
}

static int mailed_since(void *arg, const char *email, time_t since)
{
	(void)arg;
	(void)since;
	return strcmp(email, ATTENDEE) == 0;
}

static int needed(const struct inmail_part *p, const struct inmail_part *const *parts, int n)
{
	for (int i = 0; i < n; i++)
		if (parts[i] == p)
			return 1;
	return 0;
}

/* Drops the bodies fetch would not have fetched (they point into m->raw, which still owns them). */
static void drop_bodies(struct inmail_part *p, const struct inmail_part *const *parts, int n)
{
	if (!needed(p, parts, n)) {
		p->body = NULL;
		p->body_len = 0;
	}
	for (size_t i = 0; i < p->n_children; i++)
		drop_bodies(&p->children[i], parts, n);
	if (p->message)
		drop_bodies(p->message, parts, n);
}

/* As Google's mailbox with a trusted relay: the Authentication-Results path (authres.c) is read for every mail
 * that names a person. */
static char *relays[] = { "invitations-noreply@sky.borger.example" };
static const struct reply_trust trust = { AUTHRES_SERVICE_ID, "mx.google.com", "mx.google.com", relays, 1 };

static void decide(struct inmail *m, size_t size, int as_fetch)
{
	const char *irt = inmail_header(m, "In-Reply-To");
	struct reply_env env = { &sent, irt && strstr(irt, MSGID) ? 7 : 0, size, 1802347200, "imap-1-1@INBOX",
				 outbox_to, mailed_since, NULL, 0, as_fetch ? &trust : NULL, NULL };
	const struct inmail_part *parts[REPLY_MAX_PARTS];
	struct reply_decision d;

	int n = reply_parts_needed(m, &env, parts);
	if (n < 0)
		return;
	if (n > REPLY_MAX_PARTS)
		abort();
	if (as_fetch)
		drop_bodies(&m->root, parts, n);
	reply_decide(m, &env, &d);
	if (d.outcome == REPLY_ANSWER && (!d.email || !d.answer || !d.meeting_id))
		abort();
	reply_decision_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inmail m;
	struct err err = { "" };

	/* One of the two per input (the afbud classifier makes a decision costly): by the length's parity, so
	 * each seed and its mutations take both paths. */
	if (inmail_parse(&m, (const char *)data, size, &err) == 0)
		decide(&m, size, (int)(size & 1));
	inmail_release(&m);
	/* libical keeps its temporary strings in a ring that it frees only when the ring wraps. Emptied here,
	 * each input frees what it allocated, and libFuzzer's per-input leak check stays cheap. */
	icalmemory_free_ring();
	return 0;
}
