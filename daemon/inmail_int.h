/* The helpers the inmail*.c files share (the module inmail, split along its concerns); internal to those
 * files: nothing else includes it. The public API is inmail.h. */
#ifndef TOVHOLDER_INMAIL_INT_H
#define TOVHOLDER_INMAIL_INT_H

#include <stddef.h>

#include "buf.h"
#include "inmail.h"

/* inmail.c: small helpers */
/* 1 for space, tab, CR and LF: the white space of a header value, folds included. */
int inmail_is_ws(char c);
/* Append to b unless it already overflowed its cap, so a capped result is cut, never garbled. */
void inmail_add(struct buf *b, const void *data, size_t len);
void inmail_addch(struct buf *b, char c);
/* Strips white space (inmail_is_ws) at both ends of s in place, in linear time. Returns s. */
char *inmail_trim(char *s);

/* inmail_decode.c: charsets and transfer encodings */
/* Appends n octets in 'charset' to b as UTF-8 (bad octets and NUL as U+FFFD). -1, nothing appended, for a
 * charset iconv does not know: the caller picks the fallback, usually inmail_from_auto. */
int inmail_convert(struct buf *b, const char *s, size_t n, const char *charset);
/* Appends n octets of text without a usable charset to b: as UTF-8 when valid, else as Windows-1252. */
void inmail_from_auto(struct buf *b, const char *s, size_t n);
/* 1 for a transfer encoding whose body is used as is: absent, "", 7bit, 8bit, binary (lower-cased). */
int inmail_encoding_identity(const char *enc);

/* inmail_field.c: structured field values and MIME fields */
/* p at '(': returns the position after the matching ')' (or the end of the string); nested comments and
 * quoted pairs are followed. The comment's text (without the outer parentheses) goes to 'text' if given. */
const char *inmail_skip_comment(const char *p, struct buf *text);
/* p at '"': appends the unescaped content to 'out' (if given); returns the position after the closing '"'. */
const char *inmail_read_quoted(const char *p, struct buf *out);
/* Sets a new part's MIME fields to the defaults text/plain, 7bit (allocated; old values are not freed). */
void inmail_part_defaults(struct inmail_part *p);
/* Frees a part's parameters (Content-Type and Content-Disposition); the part is left with none. */
void inmail_part_free_params(struct inmail_part *p);

#endif
