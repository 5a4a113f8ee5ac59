/* Outgoing mail (iMIP, RFC 6047): the RFC 5322 message with text, HTML and the calendar part. No I/O. */
#ifndef TOVHOLDER_MIME_H
#define TOVHOLDER_MIME_H

#include <stddef.h>
#include <time.h>

#include "err.h"

struct mime_message {
	const char *from_name;    /* UTF-8, may be "" */
	const char *from_email;
	const char *to_name;
	const char *to_email;
	const char *subject;      /* UTF-8; RFC 2047 encoded when not plain ASCII */
	const char *message_id;   /* without angle brackets: "local@domain" */
	const char *in_reply_to;  /* or NULL */
	time_t date;
	const char *text;         /* text/plain body, UTF-8, LF or CRLF line ends */
	const char *html;         /* text/html body, or NULL */
	const char *ical;         /* the VCALENDAR text, or NULL for a plain (non-calendar) mail */
	const char *ical_method;  /* "REQUEST" / "CANCEL": must equal the body's METHOD */
	const char *cc_name;      /* a Cc: mailbox, or cc_email NULL (the envelope decides who gets a copy) */
	const char *cc_email;
	const char *attachment;   /* one attached file (bytes), or NULL */
	size_t attachment_len;
	const char *attachment_type; /* its MIME type: type/subtype, token characters */
	const char *attachment_name; /* its file name, UTF-8 (RFC 2231 filename*= when not plain ASCII) */
};

/* Builds the message with CRLF line ends and no line over 998 octets: multipart/alternative of text/plain
 * (quoted-printable), text/html (quoted-printable) and text/calendar; charset=UTF-8; method=… (base64);
 * without ical/html the message is the remaining part(s) only. With an attachment the whole is
 * multipart/mixed: that body first, then the file in base64 as Content-Disposition: attachment. Calendar mail also gets "Content-Class:
 * urn:content-classes:calendarmessage". Date is m->date in +0000 (0: now). Caller frees; NULL with err on bad
 * input: an invalid address or message id, non-UTF-8 text, control characters in a header value, or an ical
 * whose METHOD line is missing or differs from ical_method (Outlook rejects such a mismatch). */
char *mime_build(const struct mime_message *m, size_t *ret_len, struct err *err);

/* RFC 2047 encoded-word(s) for a header value, or a copy when it is printable ASCII. Encoded values are
 * folded ("\r\n ") so that each line stays within 76 characters after a header name as long as "Subject: ".
 * Caller frees. */
char *mime_encode_header(const char *utf8);
/* "<32 hex digits>.tovholder@domain" (128 random bits from getrandom), without angle brackets; caller frees.
 * NULL when domain is not a plain host name or the kernel gives no random bytes. */
char *mime_new_message_id(const char *domain);

#endif
