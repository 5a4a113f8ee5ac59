/* A growable byte buffer (strbuf style): always NUL-terminated, with an optional cap for outside input. */
#ifndef TOVHOLDER_BUF_H
#define TOVHOLDER_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data;   /* never NULL after buf_init: "" when empty */
	size_t len;
	size_t alloc;
	size_t cap;   /* 0: no cap; else appends that would exceed it fail and set 'overflow' */
	int overflow;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Return 0, or -1 when the cap would be exceeded (then nothing is appended and b->overflow is set). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
/* Code point cp as UTF-8; NUL, surrogates and anything over U+10FFFF become U+FFFD. */
int buf_add_utf8(struct buf *b, uint32_t cp);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the string to the caller (to free) and leaves the buffer empty. */
char *buf_detach(struct buf *b, size_t *ret_len);

#endif
