/* Bounces: RFC 3464 delivery status notifications (with or without a usable status part), text bounces that
 * name the address in X-Failed-Recipients (Exim, Gmail), Exchange and Office 365 non-delivery reports, and
 * delay warnings. What kind of report it is, which of our mails it returns (their Message-IDs) and which
 * addresses it names. Pure: whether a Message-ID or an address is ours is the caller's question (reply.c). */
#ifndef TOVHOLDER_BOUNCE_H
#define TOVHOLDER_BOUNCE_H

#include <stddef.h>

#include "inmail.h"

#define BOUNCE_MAX_PARTS 3   /* parts bounce_read needs: the status, the returned headers, the text */
#define BOUNCE_MAX_IDS   32  /* Message-IDs kept from one bounce */
#define BOUNCE_MAX_ADDRS 64  /* addresses kept from one bounce */
#define BOUNCE_SCAN_MAX  (1024 * 1024) /* octets of the text searched for a quoted Message-ID */

enum bounce_kind {
	BOUNCE_FAILED,   /* delivery failed for good (or the report does not say it is only a warning) */
	BOUNCE_DELAYED,  /* a warning: the server still tries (Action: delayed, "still being retried") */
	BOUNCE_REPORT,   /* a report that says delivered, relayed or expanded: nothing failed */
};

struct bounce_info {
	enum bounce_kind kind;
	int server;      /* a server's shape: null envelope sender (Return-Path: <>), or From MAILER-DAEMON,
	                    postmaster or Exchange's system mailbox on a mail without Return-Path */
	char **msgids;   /* Message-IDs of the mail it is about: of a returned message/rfc822 or text/rfc822-headers
	                    part, quoted in the text ("Message-ID: <…>"), or its own In-Reply-To/References */
	size_t n_msgids;
	char **addrs;    /* the recipients the report gives for its kind (Final-/Original-Recipient of the failed
	                    or delayed blocks, X-Failed-Recipients), lower-cased */
	size_t n_addrs;
};

/* 1 when headers and structure alone show a bounce: a multipart/report of delivery-status (RFC 3464, RFC 6533),
 * an X-Failed-Recipients field, Exchange's X-MS-Exchange-Message-Is-Ndr, or a MAILER-DAEMON, postmaster or
 * Exchange system sender. A null Return-Path alone is not enough: RFC 3834 §3.3 asks auto-replies for it too. */
int bounce_shape(const struct inmail *m);
/* The parts whose bodies bounce_read reads (at most BOUNCE_MAX_PARTS), in ret; returns how many. A returned
 * message/rfc822 part is named for its header only (imap_fetch.c fetches S.HEADER for it). */
size_t bounce_parts(const struct inmail *m, const struct inmail_part **ret);
/* Reads a mail bounce_shape accepted, with the parts bounce_parts named filled in (a part not fetched is
 * skipped). Never fails. Release with bounce_info_release. */
void bounce_read(const struct inmail *m, struct bounce_info *ret);
void bounce_info_release(struct bounce_info *b);

/* The header fields bounce_shape and bounce_read look at (NULL-terminated), for the IMAP header fetch. */
extern const char *const bounce_header_fields[];

#endif
