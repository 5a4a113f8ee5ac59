/* Unit tests for reason.c: every review reason has a stable key, an English and a Danish text; the Danish one
 * is Danish; the detail survives the store and shows a date the Danish way. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "reason.h"

/* English words that no Danish sentence of ours contains */
static const char *const english[] = { "the", "a", "an", "is", "not", "of", "ours", "could", "answer", "answered",
				       "proposes", "recorded", "wrote", "which", "without", "meeting", "reply", "from",
				       "and", "but", "no", "none", "has", "was", "it", "sent", "put", "there", "too",
				       "large", "unclear", "calendar", "sender", "request", "names", "fits", "held",
				       "read", "fetched", "decoded", "possible", "forgery", "invited", "report", NULL };

static int is_english_word(const char *w, size_t n)
{
	for (size_t i = 0; english[i]; i++)
		if (strlen(english[i]) == n && strncasecmp(english[i], w, n) == 0)
			return 1;
	return 0;
}

/* The first English word of s (into out), else 0. Letters are ASCII letters and any UTF-8 byte (æ, ø, å). */
static int english_word_in(const char *s, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t len = 0;
		while (p[len] && (isalpha(p[len]) || p[len] >= 0x80))
			len++;
		if (len && is_english_word((const char *)p, len)) {
			snprintf(out, n, "%.*s", (int)len, (const char *)p);
			return 1;
		}
		p += len ? len : 1;
	}
	return 0;
}

/* Every %N and %DN within 1..nargs, and no other %. */
static void check_placeholders(enum reason_code c, const char *f)
{
	for (const char *p = f; (p = strchr(p, '%')); p++) {
		const char *d = p + 1 + (p[1] == 'D');
		if (*d < '1' || *d > '0' + reason_nargs(c))
			fail_msg("reason %d (%s): '%s' has a bad placeholder at '%s'", c, reason_key(c), f, p);
	}
}

static void test_table(void **state)
{
	(void)state;
	assert_string_equal(reason_key(REASON_NONE), "");
	for (int c = 1; c < REASON_COUNT; c++) {
		const char *key = reason_key(c), *en = reason_format(c, 0), *da = reason_format(c, 1);
		char word[64];

		if (!key[0] || !en || !da || !en[0] || !da[0])
			fail_msg("reason %d has no key, English or Danish text", c);
		if (reason_of_key(key) != (enum reason_code)c)
			fail_msg("reason %d: key '%s' is not unique", c, key);
		if (strcmp(en, da) == 0)
			fail_msg("reason %d (%s): the Danish text is the English one", c, key);
		if (english_word_in(da, word, sizeof(word)))
			fail_msg("reason %d (%s): the Danish text '%s' has the English word '%s'", c, key, da, word);
		if (reason_nargs(c) < 0 || reason_nargs(c) > REASON_MAX_ARGS)
			fail_msg("reason %d (%s): %d arguments", c, key, reason_nargs(c));
		check_placeholders(c, en);
		check_placeholders(c, da);
	}
	assert_null(reason_format(REASON_COUNT, 1));
	assert_int_equal(reason_of_key("no-such-reason"), REASON_NONE);
	assert_int_equal(reason_of_key(""), REASON_NONE);
	assert_int_equal(reason_of_key(NULL), REASON_NONE);
}

/* The check itself can fail: an English sentence is caught. */
static void test_english_is_caught(void **state)
{
	char word[64];

	(void)state;
	assert_true(english_word_in("unclear answer for 2027-03-05: no afbud or acceptance", word, sizeof(word)));
	assert_string_equal(word, "unclear");
	assert_false(english_word_in("Svaret på mødet fredag den 5. marts 2027 er ikke klart.", word, sizeof(word)));
}

static void test_text(void **state)
{
	struct reason r;
	char out[512];

	(void)state;
	reason_set(&r, REASON_NOT_INVITED, "ukendt@andet.example", "2027-03-05");
	reason_text(&r, 0, out, sizeof(out));
	assert_string_equal(out, "ukendt@andet.example answered for 2027-03-05 but was not invited");
	reason_text(&r, 1, out, sizeof(out));
	assert_string_equal(out, "ukendt@andet.example har svaret på mødet fredag den 5. marts 2027, men er ikke inviteret.");
	/* a NULL argument reads "?"; outside text stays as it came in the log's text, and a line break in it is a
	 * blank where the arguments are stored one a line */
	reason_set(&r, REASON_COUNTER, (const char *)NULL, "2027-03-05", "2027-03-04 09:30", "a\nb");
	reason_text(&r, 0, out, sizeof(out));
	assert_string_equal(out, "? proposes a new time for 2027-03-05: 2027-03-04 09:30 to a\nb");
	char *args = reason_args_join(&r);
	assert_string_equal(args, "?\n2027-03-05\n2027-03-04 09:30\na b");
	free(args);
	/* an unclear text keeps afbud.c's English reason in the log, and says it in Danish */
	reason_set(&r, reason_unclear("conditional wording"), "2027-03-05");
	reason_text(&r, 0, out, sizeof(out));
	assert_string_equal(out, "unclear answer for 2027-03-05: conditional wording");
	reason_text(&r, 1, out, sizeof(out));
	assert_string_equal(out, "Svaret på mødet fredag den 5. marts 2027 er ikke klart: det afhænger af noget (fx »hvis«).");
	reason_set(&r, reason_unclear(NULL), "2027-03-05", "no afbud or acceptance");
	reason_text(&r, 0, out, sizeof(out));
	assert_string_equal(out, "unclear answer for 2027-03-05: no afbud or acceptance");
	reason_text(&r, 1, out, sizeof(out));
	assert_string_equal(out, "Svaret på mødet fredag den 5. marts 2027 er ikke klart.");
}

static void test_stored(void **state)
{
	struct reason r;
	char *args, *da;

	(void)state;
	reason_set(&r, REASON_FOLDER_NOT_INVITED, "Tovholder/Afbud", "x@y.example", "2027-05-07");
	args = reason_args_join(&r);
	assert_string_equal(args, "Tovholder/Afbud\nx@y.example\n2027-05-07");
	da = reason_danish(reason_key(r.code), args, "ignored");
	assert_string_equal(da, "Lagt i Tovholder/Afbud, men afsenderen x@y.example er ikke inviteret til mødet "
				"fredag den 7. maj 2027.");
	free(da);
	free(args);
	/* a row from before the codes, or from a newer version: its English text */
	da = reason_danish("", "", "unclear answer for 2027-03-05: no afbud or acceptance");
	assert_string_equal(da, "unclear answer for 2027-03-05: no afbud or acceptance");
	free(da);
	da = reason_danish("from-the-future", "x", "some reason");
	assert_string_equal(da, "some reason");
	free(da);
	da = reason_danish(NULL, NULL, NULL);
	assert_string_equal(da, "");
	free(da);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_english_is_caught),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
