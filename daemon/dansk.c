/* Danish forms of dates and times, and the Danish alphabetical order. */
#include "dansk.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const months[] = {
	"januar", "februar", "marts", "april", "maj", "juni",
	"juli", "august", "september", "oktober", "november", "december",
};

static const char *const weekdays[] = {
	"mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
};

const char *dansk_month(int m)
{
	return m >= 1 && m <= 12 ? months[m - 1] : NULL;
}

const char *dansk_weekday(int wd)
{
	return wd >= 0 && wd <= 6 ? weekdays[wd] : NULL;
}

static int date_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= util_days_in_month(y, m);
}

char *dansk_date_long(int y, int m, int d)
{
	if (!date_valid(y, m, d))
		return NULL;
	return xasprintf("%s den %d. %s %d", weekdays[util_weekday(y, m, d)], d, months[m - 1], y);
}

char *dansk_date(int y, int m, int d)
{
	if (!date_valid(y, m, d))
		return NULL;
	return xasprintf("%d. %s %d", d, months[m - 1], y);
}

char *dansk_timespan(int start_min, int end_min)
{
	/* 24.00 is a valid end: a meeting may run until midnight. */
	if (start_min < 0 || start_min >= 24 * 60 || end_min <= start_min || end_min > 24 * 60)
		return NULL;
	return xasprintf("%02d.%02d-%02d.%02d", start_min / 60, start_min % 60, end_min / 60, end_min % 60);
}

char *dansk_period(time_t start, time_t end)
{
	struct tm a, b;
	char *day, *res;

	localtime_r(&start, &a);
	day = dansk_date_long(a.tm_year + 1900, a.tm_mon + 1, a.tm_mday);
	if (end <= start) {
		res = xasprintf("%s kl. %02d.%02d", day, a.tm_hour, a.tm_min);
	} else {
		localtime_r(&end, &b);
		if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday) {
			res = xasprintf("%s kl. %02d.%02d-%02d.%02d", day, a.tm_hour, a.tm_min, b.tm_hour, b.tm_min);
		} else {
			char *day2 = dansk_date_long(b.tm_year + 1900, b.tm_mon + 1, b.tm_mday);
			res = xasprintf("%s kl. %02d.%02d til %s kl. %02d.%02d", day, a.tm_hour, a.tm_min, day2, b.tm_hour,
					b.tm_min);
			free(day2);
		}
	}
	free(day);
	return res;
}

/* --- collation --- */

/* Primary weights: everything that is not a letter or digit sorts first by its code, then the digits, then
 * a-z, then the three Danish letters. Unknown characters follow, by code point, and invalid bytes last. */
enum {
	W_DIGIT = 0x100,
	W_LETTER = 0x200,         /* + 0..25 for a..z */
	W_AE = W_LETTER + 26,
	W_OE = W_LETTER + 27,
	W_AA = W_LETTER + 28,
	W_OTHER = 0x1000,         /* + code point */
	W_BAD = W_OTHER + 0x110000,
};

/* Latin-1 letters (U+00C0 … U+00FF) as the Danish alphabet files them: é as e, ü as y (Danish
 * dictionaries do so), ä with æ and ö with ø. '1' æ, '2' ø, '3' å; 0: not a letter. */
static const char latin1_base[64] = {
	/* C0 */ 'a', 'a', 'a', 'a', '1', '3', '1', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
	/* D0 */ 'd', 'n', 'o', 'o', 'o', 'o', '2', 0, '2', 'u', 'u', 'u', 'y', 'y', 0, 's',
	/* E0 */ 'a', 'a', 'a', 'a', '1', '3', '1', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
	/* F0 */ 'd', 'n', 'o', 'o', 'o', 'o', '2', 0, '2', 'u', 'u', 'u', 'y', 'y', 0, 'y',
};

/* Decodes one UTF-8 character at s (NUL-terminated); sets *ret_len to the bytes used (at least 1). Returns
 * the code point, or -1 for an invalid sequence (then *ret_len is 1). Never reads past the NUL, because a
 * NUL is never a continuation byte. */
static long utf8_next(const unsigned char *s, size_t *ret_len)
{
	size_t n;
	long cp;

	*ret_len = 1;
	if (s[0] < 0x80)
		return s[0];
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return -1;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms and surrogates are not text. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*ret_len = n;
	return cp;
}

static int is_alnum_weight(long w)
{
	return w >= W_DIGIT && w < W_OTHER;
}

static long weight_of(long cp)
{
	if (cp < 0)
		return W_BAD;
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	if (cp >= 'a' && cp <= 'z')
		return W_LETTER + (cp - 'a');
	if (cp >= '0' && cp <= '9')
		return W_DIGIT + (cp - '0');
	if (cp < 0x80)
		return cp;
	if (cp >= 0xC0 && cp <= 0xFF && latin1_base[cp - 0xC0]) {
		char b = latin1_base[cp - 0xC0];
		return b == '1' ? W_AE : b == '2' ? W_OE : b == '3' ? W_AA : W_LETTER + (b - 'a');
	}
	return W_OTHER + cp;
}

/* The next primary weight of the string at *s, advancing *s; 0 at the end. 'prev' is the previous weight
 * (0 at the start): "aa" at the start of a word is the old spelling of å (Aabenraa, Aalborg) and sorts
 * as å; inside a word it is two a's (as in "Kontraalt"). */
static long next_weight(const char **s, long prev)
{
	size_t n;
	long cp, w;

	if (!**s)
		return 0;
	cp = utf8_next((const unsigned char *)*s, &n);
	*s += n;
	w = weight_of(cp);
	if (w == W_LETTER && !is_alnum_weight(prev) && ((*s)[0] == 'a' || (*s)[0] == 'A')) {
		*s += 1;
		return W_AA;
	}
	return w;
}

int dansk_collate(const char *a, const char *b)
{
	const char *pa = a, *pb = b;
	long wa = 0, wb = 0;

	for (;;) {
		wa = next_weight(&pa, wa);
		wb = next_weight(&pb, wb);
		if (wa != wb)
			return wa < wb ? -1 : 1;
		if (!wa)
			break;
	}
	/* Equal letters: fall back to the bytes, which puts upper case first (as Danish dictionaries do) and
	 * plain letters before accented ones, and makes the order total. */
	int c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}
