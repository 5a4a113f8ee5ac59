/* libFuzzer: the calendar path with a time budget (tests/fuzz/run gives this target -timeout=2): an iCalendar
 * object as itip_parse reads it, then as the calendar part of a reply mail from an invitee through
 * reply_decide, against the one-meeting snapshot of fuzz_reply.c. The corpus holds the VTIMEZONE bombs of
 * issue 15 (a zone that repeats every second, minute or hour, many BYHOUR values, thousands of RDATEs), which
 * made libical work for hours: any input that takes seconds is a failure here. */
#include <stdlib.h>

#include <libical/ical.h>

#include "buf.h"
#include "fuzz.h"
#include "itip.h"
#include "reply.h"

#define UID      "tovholder-20270305-bestyrelse-7c1e2a90@kommune.example"
#define ATTENDEE "birthe.lauridsen@borger.example"
#define NOW      1802347200   /* 2027-02-12 */

static struct store_invitation invitations[] = {
	{ ATTENDEE, "Birthe Lauridsen", "Køge", "medlem", 1, 0 },
};
static struct store_meeting meetings[] = {
	{ .id = 7, .uid = UID, .date = "2027-03-05", .sequence = 0, .place = "online", .online_url = "",
	  .agenda = "", .organizer = "Karin Lund <tovholder@kommune.example>", .summary = "Bestyrelsesmøde",
	  .inv = invitations, .n_inv = 1 },
};
static const struct store_snapshot sent = { .meetings = meetings, .n = 1 };

static void as_mail(const uint8_t *data, size_t size)
{
	struct reply_env env = { .sent = &sent, .now = NOW, .fallback_message_id = "imap-1-1@INBOX", .received = NOW };
	struct reply_decision d;
	struct inmail m;
	struct err err = { "" };
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "From: Birthe Lauridsen <" ATTENDEE ">\r\nTo: tovholder@kommune.example\r\n"
		     "Subject: Accepteret: Bestyrelsesmøde\r\nDate: Fri, 12 Feb 2027 09:00:00 +0100\r\n"
		     "Message-ID: <fuzz@borger.example>\r\nMIME-Version: 1.0\r\n"
		     "Content-Type: text/calendar; method=REPLY; charset=UTF-8\r\n\r\n");
	buf_add(&b, data, size);
	env.size = b.len;
	if (inmail_parse(&m, b.data, b.len, &err) == 0) {
		reply_decide(&m, &env, &d);
		if (d.outcome == REPLY_ANSWER && (!d.email || !d.answer || d.meeting_id != 7))
			abort();
		reply_decision_release(&d);
	}
	inmail_release(&m);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct itip_reply r = { 0 };
	struct err err = { "" };
	char *buf = xmalloc(size ? size : 1);

	if (size)
		memcpy(buf, data, size);
	if (itip_parse(buf, size, &r, &err) == 0) {
		if (!r.uid || r.n_attendees > ITIP_PARSE_ATTENDEES_MAX)
			abort();
		itip_reply_release(&r);
	}
	free(buf);
	as_mail(data, size);
	icalmemory_free_ring();   /* see fuzz_itip.c */
	return 0;
}
