/* Incoming mail (RFC 5322 + MIME): a tree of parts whose bodies may be absent, decoding, and the facts the
 * reply logic needs (calendar part, human text, TNEF). No I/O. Bounces are read in bounce.c, automatic replies
 * recognised in autoreply.c. */
#ifndef TOVHOLDER_INMAIL_H
#define TOVHOLDER_INMAIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define INMAIL_MAX_SIZE        (25u * 1024 * 1024) /* larger messages (and decoded bodies) are refused */
#define INMAIL_MAX_DEPTH       16                  /* multipart / message nesting below the root */
#define INMAIL_MAX_PARTS       256                 /* parts in the whole tree, enclosed messages included */
#define INMAIL_MAX_HEADERS     1000                /* header fields per header block; the rest are dropped */
#define INMAIL_MAX_HEADER_LEN  65536               /* octets of one unfolded header value; longer ones are cut */
#define INMAIL_MAX_PARAMS      64                  /* parameters per part (Content-Type + Content-Disposition) */

enum inmail_flag {
	INMAIL_TRUNCATED       = 1 << 0, /* a multipart without its close delimiter: cut short; parts kept */
	INMAIL_TOO_DEEP        = 1 << 1, /* nesting over INMAIL_MAX_DEPTH: deeper parts are not parsed */
	INMAIL_TOO_MANY_PARTS  = 1 << 2, /* over INMAIL_MAX_PARTS: later parts are not in the tree */
	INMAIL_TOO_MANY_HEADERS = 1 << 3, /* a header block over INMAIL_MAX_HEADERS fields */
	INMAIL_LONG_HEADER     = 1 << 4, /* a header value over INMAIL_MAX_HEADER_LEN, cut */
	INMAIL_MALFORMED       = 1 << 5, /* a multipart without boundary parameter or without any delimiter */
};

/* One header field: name as written, value unfolded (the CRLF of each fold removed, the white space kept),
 * trimmed, NOT RFC 2047-decoded (use inmail_decode_words). NUL octets in a value become spaces. */
struct inmail_header {
	char *name;
	char *value;
};

struct inmail_param {
	char *name;   /* lower-cased */
	char *value;  /* RFC 2231 (continuations, charset'lang'%XX) decoded to UTF-8; RFC 2047 words decoded too */
};

struct inmail_part {
	struct inmail_header *headers;   /* this entity's own header block (for a root: the message header) */
	size_t n_headers;
	char *type, *subtype;            /* lower-cased: "text", "calendar"; default text/plain */
	struct inmail_param *params;     /* Content-Type parameters, then Content-Disposition ones ("filename") */
	size_t n_params;
	char *encoding;                  /* lower-cased Content-Transfer-Encoding, "7bit" when absent */
	char *disposition;               /* "attachment", "inline" (lower-cased) or NULL */
	/* IMAP section (RFC 3501 6.4.5). A message root (top-level or enclosed) carries the section of the
	 * message itself: "" for the top level, "2" for the message enclosed in part 2. Children of a multipart
	 * with section S are S.1, S.2, … ("1", "2" at the top). So for a NON-multipart root the IMAP body
	 * section is S.1: "1" for a single-part mail, "2.1" for a single-part message enclosed in part 2. */
	char section[64];
	size_t size;                     /* body octets, still transfer-encoded */
	const char *body;                /* the encoded body (not NUL-terminated) or NULL when not fetched */
	size_t body_len;
	struct inmail_part *children;    /* multipart: the body parts, in order */
	size_t n_children;
	struct inmail_part *message;     /* message/rfc822, message/global: the enclosed message's root, or NULL */
};

struct inmail_blob;

/* A parsed message. It owns everything it points to: inmail_parse copies the raw message, so the caller's
 * buffer may be freed at once, and every body points into that copy (or into a copy made by
 * inmail_part_set_body). The message header is root.headers. */
struct inmail {
	struct inmail_part root;
	unsigned flags;          /* enum inmail_flag */
	size_t n_parts;          /* parts in the tree, root and enclosed roots included */
	char *raw;               /* the copy of the raw message (NUL-terminated), or NULL */
	size_t raw_len;
	struct inmail_blob *blobs; /* bodies copied in by inmail_part_set_body */
};

/* An e-mail address from an address list. */
struct inmail_addr {
	char *name;   /* display name, RFC 2047-decoded UTF-8, unquoted; "" if none */
	char *addr;   /* lower-cased local@domain */
};

/* An empty message (root text/plain, no body): the starting point for building a tree from IMAP
 * BODYSTRUCTURE. inmail_release frees it. */
void inmail_init(struct inmail *m);
/* Parses a whole raw message (LF or CRLF). Refuses over INMAIL_MAX_SIZE (-1, err); anything else parses,
 * however broken, with problems noted in m->flags. 'raw' is copied. Release m even after -1. */
int inmail_parse(struct inmail *m, const char *raw, size_t len, struct err *err);
void inmail_release(struct inmail *m);

/* First header 'name' (case-insensitive) of the message / of one part, or NULL. Value as in inmail_header. */
const char *inmail_header(const struct inmail *m, const char *name);
const char *inmail_part_header(const struct inmail_part *p, const char *name);
/* A parameter of a part (Content-Type or Content-Disposition), name case-insensitive, or NULL. */
const char *inmail_part_param(const struct inmail_part *p, const char *name);
/* 1 when the part is type/subtype (both lower-case). */
int inmail_part_is(const struct inmail_part *p, const char *type, const char *subtype);

/* Building a tree from IMAP (ENVELOPE + BODYSTRUCTURE, then BODY.PEEK[section] of the parts needed). */
/* Parses a fetched header block (BODY.PEEK[HEADER] or HEADER.FIELDS) into root.headers (replacing them). */
void inmail_set_headers(struct inmail *m, const char *raw, size_t len);
/* Gives 'p' n zeroed children (text/plain, 7bit) with their sections set, and returns the array; NULL (and
 * a flag) over the depth or part caps. Call once per part: the array is not reallocated afterwards. */
struct inmail_part *inmail_part_add_children(struct inmail *m, struct inmail_part *p, size_t n);
/* Gives a message/rfc822 part its enclosed root; NULL over the caps. */
struct inmail_part *inmail_part_add_message(struct inmail *m, struct inmail_part *p);
/* Set the MIME fields from header-style values, e.g. "text/calendar; charset=\"utf-8\"; method=REPLY"
 * (parameter values quoted with \" and \\ escaped), "attachment; filename=invite.ics", "base64". */
void inmail_part_set_content_type(struct inmail_part *p, const char *value);
void inmail_part_set_disposition(struct inmail_part *p, const char *value);
void inmail_part_set_encoding(struct inmail_part *p, const char *value);
/* Copies a fetched (still encoded) body into m and points p->body at it; size is set too. */
void inmail_part_set_body(struct inmail *m, struct inmail_part *p, const char *data, size_t len);

/* One header block inside a body (the per-recipient blocks of a delivery-status part, the headers a bounce
 * returns): parsed into ret->headers (ret is zeroed first; only its headers are used), unfolded as in
 * inmail_header. Returns where the block ends: after its blank line, or after one line when it has no field.
 * Release with inmail_header_block_release. */
const char *inmail_parse_header_block(const char *p, const char *end, struct inmail_part *ret);
void inmail_header_block_release(struct inmail_part *p);

/* RFC 2047 encoded-words (B and Q, any charset iconv knows) → UTF-8; white space between adjacent words is
 * dropped; malformed words and unknown charsets are left as written; other 8-bit text becomes UTF-8 (kept if
 * valid UTF-8, else read as Windows-1252). Caller frees. */
char *inmail_decode_words(const char *value);
/* Converts text in 'charset' (NULL or "": UTF-8 if valid, else Windows-1252) to UTF-8, invalid sequences
 * replaced by U+FFFD and NUL by U+FFFD; ISO-8859-1 is read as Windows-1252. An unknown charset is read as
 * if missing. Never fails; the result is cut at 3 * INMAIL_MAX_SIZE. Caller frees. */
char *inmail_to_utf8(const char *in, size_t len, const char *charset, size_t *ret_len);

/* The code point of a Windows-1252 octet (0x80-0x9F differ from Latin-1; HTML5 reads &#128;-&#159; so too). */
uint32_t inmail_cp1252(unsigned char c);

/* The mailboxes of an address header (From, To, Cc, Reply-To, Sender): groups, comments, quoted names with
 * commas, angle-less addresses, a "(Name)" comment as name. Entries without '@' are skipped; at most 1000.
 * Returns 0 with *ret (NULL if none) and *ret_n set; free with inmail_addrs_free. value NULL → 0 entries. */
int inmail_parse_address_list(const char *value, struct inmail_addr **ret, size_t *ret_n);
void inmail_addrs_free(struct inmail_addr *a, size_t n);
/* The first address of header 'name' (lower-cased, caller frees), or NULL. */
char *inmail_first_address(const struct inmail *m, const char *name);

/* Message-ID / In-Reply-To / References → ids without angle brackets (white space inside removed), in order,
 * at most 256. Without any <…>, bare words containing '@' are taken. Returns 0; free with inmail_strv_free. */
int inmail_parse_msgids(const char *value, char ***ret_ids, size_t *ret_n);
void inmail_strv_free(char **v, size_t n);
/* An RFC 5322 date (also obsolete forms: no weekday, 2-digit years, named zones, no seconds, comments, the
 * asctime order) → time_t UTC, or -1 when it is not a valid date. */
time_t inmail_parse_date(const char *value);

/* Transfer decoding: 7bit, 8bit, binary (as is), base64 (white space and junk skipped, padding optional),
 * quoted-printable (soft breaks, lower-case hex, a stray '=' kept). Unknown encoding, a body not fetched or
 * more than INMAIL_MAX_SIZE → NULL with err. The result is NUL-terminated; caller frees. */
char *inmail_part_decode(const struct inmail_part *p, size_t *ret_len, struct err *err);
/* Transfer decoding + the charset parameter → UTF-8 (see inmail_to_utf8; a leading BOM is dropped). Fails
 * only like inmail_part_decode, never for bad bytes. Caller frees. */
char *inmail_part_text(const struct inmail_part *p, struct err *err);

/* The iCalendar part: in the whole tree but never inside an enclosed message (a bounce quoting our invitation
 * is not a reply). The first text/calendar that is in a multipart/alternative or not an attachment, else the
 * first text/calendar, else application/ics (or text/x-vcalendar), else any part named *.ics. NULL if none. */
const struct inmail_part *inmail_find_calendar(const struct inmail *m);
/* The body a human wrote: the first text/plain that is not an attachment, else the first such text/html
 * (*ret_is_html = 1); not inside enclosed messages. NULL if none. */
const struct inmail_part *inmail_find_text(const struct inmail *m, int *ret_is_html);
/* 1 when the mail has an application/ms-tnef (or vnd.ms-tnef) part or a winmail.dat attachment. */
int inmail_has_tnef(const struct inmail *m);

#endif
