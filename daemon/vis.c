/* Outside text made visible (see vis.h for the scheme). */
#include "vis.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when the bytes there are not one (RFC 3629
 * table: no overlong forms, no surrogates, nothing above U+10FFFF). Stores the code point. */
static size_t utf8_seq(const unsigned char *p, size_t avail, uint32_t *ret_cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;
	uint32_t cp;

	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : 0x80;   /* overlong */
		hi = c == 0xED ? 0x9F : 0xBF;   /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;   /* overlong */
		hi = c == 0xF4 ? 0x8F : 0xBF;   /* above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	cp = (cp << 6) | (p[1] & 0x3F);
	for (size_t i = 2; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	*ret_cp = cp;
	return n;
}

/* Code points that change what a terminal shows beyond their own glyph. */
static int cp_hidden(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static int add_escaped(struct buf *b, const unsigned char *p, size_t n)
{
	char esc[16];

	if (n * 4 > sizeof(esc))
		return -1;
	for (size_t i = 0; i < n; i++)
		snprintf(esc + 4 * i, 5, "\\x%02X", p[i]);
	return buf_add(b, esc, 4 * n);
}

int vis_add(struct buf *b, const char *s, size_t len, int flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		const unsigned char *run = p;
		uint32_t cp = 0;
		size_t n = 0;

		/* The common case, printable ASCII, in one append. */
		while (p < end && *p >= 0x20 && *p < 0x7F)
			p++;
		if (p > run && buf_add(b, run, (size_t)(p - run)) < 0)
			return -1;
		if (p == end)
			break;
		if ((flags & VIS_KEEP_NL) && (*p == '\n' || *p == '\t' || (*p == '\r' && p + 1 < end && p[1] == '\n'))) {
			n = *p == '\r' ? 2 : 1;
			if (buf_add(b, p, n) < 0)
				return -1;
		} else if ((n = utf8_seq(p, (size_t)(end - p), &cp)) > 1 && !cp_hidden(cp)) {
			if (buf_add(b, p, n) < 0)
				return -1;
		} else {
			if (n == 0)
				n = 1;   /* not UTF-8: this byte only, then look again from the next */
			if (add_escaped(b, p, n) < 0)
				return -1;
		}
		p += n;
	}
	return 0;
}

char *vis_dup(const char *s)
{
	struct buf b;

	buf_init(&b);
	vis_add(&b, s, strlen(s), VIS_LINE);
	return buf_detach(&b, NULL);
}

/* ---- a printf that shows its string arguments ---- */

enum vis_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T, LEN_BIG_L };

/* One conversion of the format: the flags and width (with '*' resolved) in 'fw', the precision in 'prec'
 * (-1: none). */
struct vis_spec {
	char fw[40];
	int prec;
	enum vis_len len;
	char conv;
};

static const char *parse_spec(const char *p, struct vis_spec *sp, va_list *ap)
{
	size_t k = 0;

	sp->fw[k++] = '%';
	while (*p && strchr("-+ #0'", *p) && k < 8)
		sp->fw[k++] = *p++;
	if (*p == '*') {
		k += (size_t)snprintf(sp->fw + k, sizeof(sp->fw) - k, "%d", va_arg(*ap, int));
		p++;
	} else {
		while (*p >= '0' && *p <= '9' && k < 20)
			sp->fw[k++] = *p++;
	}
	sp->fw[k] = '\0';
	sp->prec = -1;
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->prec = va_arg(*ap, int);
			p++;
		} else {
			sp->prec = 0;
			while (*p >= '0' && *p <= '9')
				sp->prec = sp->prec * 10 + (*p++ - '0');
		}
	}
	static const struct { const char *s; enum vis_len len; } lens[] = {
		{ "hh", LEN_HH }, { "ll", LEN_LL }, { "h", LEN_H }, { "l", LEN_L }, { "z", LEN_Z }, { "j", LEN_J },
		{ "t", LEN_T }, { "L", LEN_BIG_L },
	};
	sp->len = LEN_NONE;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (strncmp(p, lens[i].s, strlen(lens[i].s)) == 0) {
			sp->len = lens[i].len;
			p += strlen(lens[i].s);
			break;
		}
	sp->conv = *p ? *p++ : '\0';
	return p;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* The spec back as a printf format for 'conv' with the length modifier 'mod'. */
static void spec_format(const struct vis_spec *sp, const char *mod, char *out, size_t n)
{
	if (sp->prec >= 0)
		snprintf(out, n, "%s.%d%s%c", sp->fw, sp->prec, mod, sp->conv);
	else
		snprintf(out, n, "%s%s%c", sp->fw, mod, sp->conv);
}

static int emit_string(struct buf *b, const struct vis_spec *sp, const char *s, size_t n)
{
	struct buf v;
	char f[48];
	int rc;

	buf_init(&v);
	vis_add(&v, s, n, VIS_LINE);
	snprintf(f, sizeof(f), "%ss", sp->fw);
	rc = buf_addf(b, f, v.data);
	buf_release(&v);
	return rc;
}

static int emit_int(struct buf *b, const struct vis_spec *sp, va_list *ap)
{
	char f[64];
	int sgn = sp->conv == 'd' || sp->conv == 'i';

	switch (sp->len) {
	case LEN_L:
		spec_format(sp, "l", f, sizeof(f));
		return sgn ? buf_addf(b, f, va_arg(*ap, long)) : buf_addf(b, f, va_arg(*ap, unsigned long));
	case LEN_LL:
		spec_format(sp, "ll", f, sizeof(f));
		return sgn ? buf_addf(b, f, va_arg(*ap, long long)) : buf_addf(b, f, va_arg(*ap, unsigned long long));
	case LEN_Z:
		spec_format(sp, "z", f, sizeof(f));
		return sgn ? buf_addf(b, f, va_arg(*ap, ssize_t)) : buf_addf(b, f, va_arg(*ap, size_t));
	case LEN_J:
		spec_format(sp, "j", f, sizeof(f));
		return sgn ? buf_addf(b, f, va_arg(*ap, intmax_t)) : buf_addf(b, f, va_arg(*ap, uintmax_t));
	case LEN_T:
		spec_format(sp, "t", f, sizeof(f));
		return buf_addf(b, f, va_arg(*ap, ptrdiff_t));
	default:
		/* char and short arrive promoted to int; printf narrows them again with its own hh/h. */
		spec_format(sp, sp->len == LEN_HH ? "hh" : sp->len == LEN_H ? "h" : "", f, sizeof(f));
		return sgn ? buf_addf(b, f, va_arg(*ap, int)) : buf_addf(b, f, va_arg(*ap, unsigned));
	}
}

static int emit(struct buf *b, const struct vis_spec *sp, va_list *ap)
{
	char f[64];

	switch (sp->conv) {
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		return emit_int(b, sp, ap);
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
		spec_format(sp, sp->len == LEN_BIG_L ? "L" : "", f, sizeof(f));
		return sp->len == LEN_BIG_L ? buf_addf(b, f, va_arg(*ap, long double)) : buf_addf(b, f, va_arg(*ap, double));
	case 'p':
		spec_format(sp, "", f, sizeof(f));
		return buf_addf(b, f, va_arg(*ap, void *));
	case 'c': {
		char c = (char)va_arg(*ap, int);
		return emit_string(b, sp, &c, 1);
	}
	case 's': {
		const char *s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		return emit_string(b, sp, s, sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
	}
	default:
		/* %n and unknown conversions: written as they stand, nothing taken from the arguments. */
		return sp->conv ? buf_addf(b, "%s%c", sp->fw, sp->conv) : buf_adds(b, sp->fw);
	}
}

#pragma GCC diagnostic pop

int vis_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int rc = 0;

	va_copy(cp, ap);
	while (*fmt && rc == 0) {
		const char *pct = strchr(fmt, '%');
		struct vis_spec sp;

		if (!pct) {
			rc = buf_adds(b, fmt);
			break;
		}
		rc = buf_add(b, fmt, (size_t)(pct - fmt));
		if (pct[1] == '%') {
			rc = rc ? rc : buf_addch(b, '%');
			fmt = pct + 2;
			continue;
		}
		fmt = parse_spec(pct + 1, &sp, &cp);
		rc = rc ? rc : emit(b, &sp, &cp);
	}
	va_end(cp);
	return rc;
}

int vis_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vis_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Writes b to f and releases it: its length, or -1 on a write error. */
static int put_buf(struct buf *b, FILE *f)
{
	int rc = fwrite(b->data, 1, b->len, f) == b->len ? (int)b->len : -1;

	buf_release(b);
	return rc;
}

int vis_vfprintf(FILE *f, const char *fmt, va_list ap)
{
	struct buf b;

	buf_init(&b);
	vis_vaddf(&b, fmt, ap);
	return put_buf(&b, f);
}

int vis_fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vis_vfprintf(f, fmt, ap);
	va_end(ap);
	return rc;
}

int vis_fputs(const char *s, FILE *f)
{
	struct buf b;

	buf_init(&b);
	vis_add(&b, s, strlen(s), VIS_KEEP_NL);
	return put_buf(&b, f) < 0 ? -1 : 0;
}
