/* Authentication-Results (RFC 8601): what the organizer's own mail service found out about a mail's sender
 * (SPF, DKIM, DMARC), read from the header field it adds, and whether that confirms the From domain. Pure. */
#ifndef TOVHOLDER_AUTHRES_H
#define TOVHOLDER_AUTHRES_H

#include <stddef.h>

#define AUTHRES_MAX_FIELDS   64   /* Authentication-Results fields looked at per mail, from the top */
#define AUTHRES_MAX_RESULTS  16   /* resinfo entries kept per field; more mark the field AUTHRES_TOO_MANY */
#define AUTHRES_MAX_PROPS    6    /* ptype.property=value entries kept per result; more are dropped */
#define AUTHRES_MAX_VALUE    255  /* octets of an id, a method, a result or a property value */
#define AUTHRES_MAX_COMMENT_DEPTH 8

/* Whose header field is trusted: the mailbox's provider, named by [imap] url or authserv_id. */
enum authres_service {
	AUTHRES_SERVICE_NONE,     /* nobody's: From alone decides */
	AUTHRES_SERVICE_EXCHANGE, /* Exchange Online: the topmost field, written without an authserv-id */
	AUTHRES_SERVICE_ID,       /* the topmost field whose authserv-id is the configured one (Google, Postfix) */
};

enum authres_flag {
	AUTHRES_MALFORMED = 1 << 0, /* syntax the parser could not follow: the field is not used */
	AUTHRES_TOO_MANY  = 1 << 1, /* over AUTHRES_MAX_RESULTS results, or a value over AUTHRES_MAX_VALUE */
};

struct authres_prop {
	char name[24];                   /* "smtp.mailfrom", "header.from", "header.d", "header.i", lower-case */
	char value[AUTHRES_MAX_VALUE + 1];
};

struct authres_result {
	char method[32];                 /* "spf", "dkim", "dmarc", lower-case, version dropped */
	char result[32];                 /* "pass", "fail", "none", "bestguesspass", …, lower-case */
	struct authres_prop props[AUTHRES_MAX_PROPS];
	size_t n_props;
};

/* One parsed field. */
struct authres {
	char authserv_id[AUTHRES_MAX_VALUE + 1]; /* lower-case; "" when the field has none (Exchange Online) */
	struct authres_result results[AUTHRES_MAX_RESULTS];
	size_t n_results;
	unsigned flags;                  /* enum authres_flag */
};

/* Parses one field value (unfolded; comments and quoted strings allowed anywhere RFC 8601 allows CFWS).
 * Also reads Exchange Online's form, which has no authserv-id and "action=" words. 0, or -1 with
 * AUTHRES_MALFORMED set (ret still holds what was read before the problem). */
int authres_parse(const char *value, struct authres *ret);

/* The field the service added, among the message's Authentication-Results values in header order (topmost
 * first; at most AUTHRES_MAX_FIELDS are looked at): for EXCHANGE the topmost field when it has no
 * authserv-id, for ID the topmost whose authserv-id is 'authserv_id' (case-insensitive). The sender may
 * write such fields too, but below the service's own: only the topmost counts. Returns its index and fills
 * ret, or -1 when there is none or it is malformed. */
int authres_find(const char *const *values, size_t n, enum authres_service service, const char *authserv_id,
		 struct authres *ret);

enum authres_verdict {
	AUTHRES_CONFIRMED,   /* DMARC pass for the From domain, or SPF/DKIM pass aligned with it */
	AUTHRES_DMARC_FAIL,  /* the service says DMARC fails for the From domain */
	AUTHRES_UNALIGNED,   /* no DMARC pass and no aligned SPF or DKIM pass: nothing confirms the sender */
};

/* What the field says about 'from_domain' (lower-case). A dmarc=fail counts whatever else the field says.
 * DMARC's relaxed alignment without the public suffix list: the same domain, or one a subdomain of the
 * other where the shorter has a dot ("kommune.dk" aligns with "mail.kommune.dk", "dk" with nothing).
 * 'why' (may be NULL) gets a short English description of the deciding result, e.g. "dmarc=fail". */
enum authres_verdict authres_verdict(const struct authres *a, const char *from_domain, char *why, size_t n);

/* 1 when 'a' and 'b' are aligned in the sense above. */
int authres_aligned(const char *a, const char *b);

#endif
