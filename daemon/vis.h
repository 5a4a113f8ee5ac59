/* Outside text made visible: the one way out to a terminal or the log for text from mail, files and the roster. */
#ifndef TOVHOLDER_VIS_H
#define TOVHOLDER_VIS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

/* The scheme (one for the whole program): each byte of something that could drive a terminal or split a
 * log line is written as "\xNN" (upper-case hex digits), the rest passes as it is. Made visible are: C0 controls 0x00-0x1F (ESC, CR, LF, TAB, BS …),
 * DEL 0x7F, the C1 controls U+0080-U+009F written in UTF-8 (C2 80 … C2 9F: a terminal may take C2 9B as
 * CSI), the bidi embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069 (they reorder what
 * follows on screen, so a subject could hide its own end: "Trojan Source"), and every byte that is not
 * part of well-formed UTF-8 (raw 8-bit C1 bytes, overlong forms, surrogates, cut-off sequences). All
 * other printable UTF-8 — æøå, Arabic with its LRM/RLM marks, emoji, a BOM — passes unchanged. A backslash
 * is not doubled (Markdown's "\&" must stay as it is), so a sender who writes "\x1B" as text is shown
 * the same as an ESC made visible: both are harmless, and the text is not ambiguous about what the
 * terminal received, which is never a control. */

enum vis_flags {
	VIS_LINE = 0,     /* one line: nothing passes that ends or breaks the line */
	VIS_KEEP_NL = 1,  /* a block of text: '\n', "\r\n" (CSV for Excel) and TAB pass as they are; a CR alone,
			     which would return to the start of the line and overwrite it, does not */
};

/* Appends s[0..len) made visible to b. With b->cap set, stops before the first unit that would not fit
 * (never in the middle of an escape or of a UTF-8 character) and returns -1; else 0. */
int vis_add(struct buf *b, const char *s, size_t len, int flags);
/* s made visible as one line (VIS_LINE). Caller frees. */
char *vis_dup(const char *s);
/* printf to f whose format text is ours and is written as it is, while every %s and %c argument is made
 * visible as one line (VIS_LINE): the way to show outside text in a table row or a message. Supports the
 * conversions printf has except %n; returns the number of bytes written, or -1 on a write error. */
int vis_fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vis_vfprintf(FILE *f, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
#define vis_printf(...) vis_fprintf(stdout, __VA_ARGS__)
/* Appends to b what vis_fprintf would write. Returns 0 (-1 when b->cap stopped it). */
int vis_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vis_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Writes a block of text (a report, a document) to f: lines and TABs kept, everything else as above.
 * Returns 0, or -1 on a write error. */
int vis_fputs(const char *s, FILE *f);

#endif
