/* CSV cells for Excel, written so that opening the file never runs a formula from a roster or a mail. */
#include "csv.h"

#include <string.h>

static int formula_start(char c)
{
	return c && strchr("=+-@\t\r", c) != NULL;
}

/* -3, +4,5, 12.50: what Excel reads as a number, and never as a formula. */
static int plain_number(const char *s)
{
	int digits = 0, sep = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if ((*s == ',' || *s == '.') && digits && !sep)
			sep = 1;
		else
			return 0;
	}
	return digits > 0 && s[-1] != ',' && s[-1] != '.';
}

/* 1 when s is apostrophes and then a formula character: the shape csv_cell guards and csv_unguard undoes. */
static int guarded_shape(const char *s)
{
	s += strspn(s, "'");
	return formula_start(*s);
}

void csv_cell(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	int guard = guarded_shape(s) && !plain_number(s);
	int quote = strpbrk(s, ";\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));

	if (quote)
		buf_addch(b, '"');
	if (guard)
		buf_addch(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_addch(b, '"');
		buf_addch(b, *s);
	}
	if (quote)
		buf_addch(b, '"');
}

char *csv_unguard(char *s)
{
	if (s[0] == '\'' && guarded_shape(s + 1) && !plain_number(s + 1))
		memmove(s, s + 1, strlen(s));
	return s;
}
