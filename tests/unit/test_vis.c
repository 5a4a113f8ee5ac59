/* Unit tests for vis.c: outside text shown as text (controls, C1 in UTF-8, bidi, broken UTF-8), and the
 * printf that shows its string arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "vis.h"

/* A literal that holds NUL bytes, and its length. */
#define LIT(s) s, sizeof(s) - 1

static const struct vis_case {
	const char *label;
	const char *in;
	size_t len;
	const char *line;   /* VIS_LINE */
	const char *block;  /* VIS_KEEP_NL; NULL: as line */
} vis_cases[] = {
	{ "plain ASCII", LIT("Afbud: Møde 12. marts"), "Afbud: Møde 12. marts", NULL },
	{ "Danish letters pass", LIT("Æblegård, Østerø, Åse — “citat” €"), "Æblegård, Østerø, Åse — “citat” €", NULL },
	{ "other printable UTF-8 passes (Arabic with RLM, emoji, CJK)", LIT("سلام\xE2\x80\x8F 🎉 会議"),
	  "سلام\xE2\x80\x8F 🎉 会議", NULL },
	{ "ESC sequence (CSI clear screen)", LIT("Re: \x1b[2J\x1b[Hok"), "Re: \\x1B[2J\\x1B[Hok", NULL },
	{ "OSC title + BEL", LIT("\x1b]0;pwned\x07x"), "\\x1B]0;pwned\\x07x", NULL },
	{ "newline + journal priority", LIT("uid@x\n<0>panic"), "uid@x\\x0A<0>panic", "uid@x\n<0>panic" },
	{ "CR overwrites the line", LIT("tilsagn\rafbud"), "tilsagn\\x0Dafbud", "tilsagn\\x0Dafbud" },
	{ "CRLF ends a CSV line", LIT("a;b\r\nc\r"), "a;b\\x0D\\x0Ac\\x0D", "a;b\r\nc\\x0D" },
	{ "BOM passes", LIT("\xEF\xBB\xBFnavn"), "\xEF\xBB\xBFnavn", NULL },
	{ "TAB", LIT("a\tb"), "a\\x09b", "a\tb" },
	{ "backspace, NUL, 0x1F", LIT("a\b\0\x1f" "b"), "a\\x08\\x00\\x1Fb", NULL },
	{ "DEL", LIT("x\x7fy"), "x\\x7Fy", NULL },
	{ "C1 CSI as UTF-8 (U+009B)", LIT("a\xC2\x9B" "2Jb"), "a\\xC2\\x9B2Jb", NULL },
	{ "C1 range ends U+0080 and U+009F", LIT("\xC2\x80\xC2\x9F"), "\\xC2\\x80\\xC2\\x9F", NULL },
	{ "U+00A0 and U+00E6 are not C1", LIT("\xC2\xA0\xC3\xA6"), "\xC2\xA0\xC3\xA6", NULL },
	{ "raw 8-bit C1 byte (not UTF-8)", LIT("a\x9b" "b"), "a\\x9Bb", NULL },
	{ "Windows-1252 æ (not UTF-8)", LIT("K\xE6rgaard"), "K\\xE6rgaard", NULL },
	{ "cut-off sequence at the end", LIT("ab\xC3"), "ab\\xC3", NULL },
	{ "cut-off sequence then ASCII", LIT("\xE2\x82" "x"), "\\xE2\\x82x", NULL },
	{ "overlong slash", LIT("\xC0\xAF"), "\\xC0\\xAF", NULL },
	{ "overlong 3-byte NUL", LIT("\xE0\x80\x80"), "\\xE0\\x80\\x80", NULL },
	{ "surrogate", LIT("\xED\xA0\x80"), "\\xED\\xA0\\x80", NULL },
	{ "above U+10FFFF", LIT("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80", NULL },
	{ "RLO hides the end (U+202E)", LIT("faktura\xE2\x80\xAEtxt.exe"), "faktura\\xE2\\x80\\xAEtxt.exe", NULL },
	{ "LRE and PDF (U+202A, U+202C)", LIT("\xE2\x80\xAA" "a\xE2\x80\xAC"), "\\xE2\\x80\\xAAa\\xE2\\x80\\xAC", NULL },
	{ "isolates (U+2066, U+2069)", LIT("\xE2\x81\xA6" "a\xE2\x81\xA9"), "\\xE2\\x81\\xA6a\\xE2\\x81\\xA9", NULL },
	{ "U+2065 and U+202F are not bidi controls", LIT("\xE2\x81\xA5\xE2\x80\xAF"), "\xE2\x81\xA5\xE2\x80\xAF", NULL },
	{ "a backslash passes (Markdown escapes)", LIT("Digitale løsninger \\& AI"), "Digitale løsninger \\& AI", NULL },
	{ "empty", LIT(""), "", NULL },
};

static void test_vis_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vis_cases) / sizeof(vis_cases[0]); i++) {
		const struct vis_case *c = &vis_cases[i];
		struct buf b;

		print_message("%s\n", c->label);
		buf_init(&b);
		assert_int_equal(vis_add(&b, c->in, c->len, VIS_LINE), 0);
		assert_string_equal(b.data, c->line);
		buf_reset(&b);
		assert_int_equal(vis_add(&b, c->in, c->len, VIS_KEEP_NL), 0);
		assert_string_equal(b.data, c->block ? c->block : c->line);
		buf_release(&b);
	}
}

/* Whatever the input, no byte of the result is a control byte, a C1 in UTF-8 or a broken sequence. */
static void test_vis_every_byte(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		char in[3] = { 'a', (char)c, 'b' };
		struct buf b;

		buf_init(&b);
		vis_add(&b, in, sizeof(in), VIS_LINE);
		for (size_t i = 0; i < b.len; i++) {
			unsigned char o = (unsigned char)b.data[i];
			assert_true(o >= 0x20 && o < 0x7F);   /* a lone byte is never valid UTF-8 beyond ASCII */
		}
		buf_release(&b);
	}
}

/* 1 when s holds a byte or sequence vis must never let through. */
static int unsafe(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7F)
			return 1;
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)
			return 1;
		if (s[i] == 0xE2 && i + 2 < n && ((s[i + 1] == 0x80 && s[i + 2] >= 0xAA && s[i + 2] <= 0xAE) ||
						   (s[i + 1] == 0x81 && s[i + 2] >= 0xA6 && s[i + 2] <= 0xA9)))
			return 1;
	}
	return 0;
}

/* 50,000 random strings built from the pieces that matter (controls, lead and continuation bytes, C1 and
 * bidi sequences, Danish letters): the result is never unsafe, always UTF-8, and showing it again changes
 * nothing (nothing of the output is itself escaped a second time). */
static void test_vis_random(void **state)
{
	static const char *const pieces[] = { "a", " ", "\\", "\x1b", "\n", "\r", "\t", "\x7f", "\x00", "\xC2",
		"\x9B", "\x80", "\xBF", "\xE2", "\x80\xAE", "\xF0", "\xF4\x90", "\xED\xA0", "\xC2\x9B", "æ", "ø",
		"å", "\xE2\x80\xAE", "\xE2\x81\xA6", "€", "🎉", "\xEF\xBB\xBF", "<0>" };
	unsigned long seed = 42;

	(void)state;
	for (int round = 0; round < 50000; round++) {
		struct buf in, out, again;
		buf_init(&in);
		buf_init(&out);
		buf_init(&again);
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		for (int k = (int)(seed >> 59); k > 0; k--) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			const char *p = pieces[(seed >> 33) % (sizeof(pieces) / sizeof(pieces[0]))];
			buf_add(&in, p, *p ? strlen(p) : 1);
		}
		vis_add(&out, in.data, in.len, VIS_LINE);
		assert_false(unsafe((const unsigned char *)out.data, out.len));
		assert_int_equal(strlen(out.data), out.len);
		assert_true(config_utf8_valid(out.data, out.len));
		vis_add(&again, out.data, out.len, VIS_LINE);
		assert_string_equal(again.data, out.data);
		buf_release(&in);
		buf_release(&out);
		buf_release(&again);
	}
}

static void test_vis_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	b.cap = 6;
	/* "æø" is 4 bytes, then an escape of 4 would pass the cap: it is left out whole. */
	assert_int_equal(vis_add(&b, LIT("æø\x1b" "x"), VIS_LINE), -1);
	assert_string_equal(b.data, "æø");
	buf_release(&b);
	buf_init(&b);
	b.cap = 3;
	/* "ab" fits, "å" (2 bytes) would not: never half a character. */
	assert_int_equal(vis_add(&b, LIT("abå"), VIS_LINE), -1);
	assert_string_equal(b.data, "ab");
	buf_release(&b);
}

static void test_vis_dup(void **state)
{
	char *s = vis_dup("Re: \x1b[31mRødt\x1b[0m");

	(void)state;
	assert_string_equal(s, "Re: \\x1B[31mRødt\\x1B[0m");
	free(s);
}

/* The format is ours and passes; every %s and %c argument is made visible; numbers as printf has them. */
static void test_vis_addf(void **state)
{
	struct buf b;
	long long id = 42;
	size_t n = 7;

	(void)state;
	buf_init(&b);
	vis_addf(&b, "%3lld  %s\n       %s\n", id, "\x1b[2Jfra Åse", "uid\n<0>x");
	assert_string_equal(b.data, " 42  \\x1B[2Jfra Åse\n       uid\\x0A<0>x\n");
	buf_reset(&b);
	vis_addf(&b, "[%-6s|%6s|%.3s|%.*s|%c|%c]", "ab", "cd", "æøå", 2, "xyz", 'q', '\a');
	/* %.3s cuts bytes of the input as printf would: "æ" and half of "ø", whose lone byte is shown escaped */
	assert_string_equal(b.data, "[ab    |    cd|æ\\xC3|xy|q|\\x07]");
	buf_reset(&b);
	vis_addf(&b, "%d %u %ld %lu %zu %zd %x %05.1f %%", -3, 3u, -4L, 4UL, n, (ssize_t)-5, 255, 2.25);
	assert_string_equal(b.data, "-3 3 -4 4 7 -5 ff 002.2 %");
	buf_reset(&b);
	vis_addf(&b, "%*d|%-*s|%hhd|%hu|%lld|%llu|%jd|%p", 4, 7, 3, "a", (signed char)-5, (unsigned short)7000, -9LL,
		 9ULL, (intmax_t)-1, (void *)NULL);
	char want[64];
	snprintf(want, sizeof(want), "   7|a  |-5|7000|-9|9|-1|%p", (void *)NULL);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

static void test_vis_fprintf_fputs(void **state)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(vis_fprintf(f, "%s: %s\n", "Emne", "\x1b]0;x\x07"), (int)strlen("Emne: \\x1B]0;x\\x07\n"));
	assert_int_equal(vis_fputs("linje 1\n\tlinje 2\x1b[K\rX\r\n", f), 0);
	fclose(f);
	assert_string_equal(mem, "Emne: \\x1B]0;x\\x07\nlinje 1\n\tlinje 2\\x1B[K\\x0DX\r\n");
	free(mem);
}

/* What log.c writes for one message, in journald form (JOURNAL_STREAM set). Caller frees. */
static char *logged(const char *uid, const char *subject)
{
	char path[] = "/tmp/test_vis_XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);   /* cmocka's summary goes to stderr after the test */
	char *got = calloc(1, 8192);
	FILE *f;

	assert_true(fd >= 0 && saved >= 0 && got);
	close(fd);
	setenv("JOURNAL_STREAM", "8:1", 1);
	log_init(0);
	assert_non_null(freopen(path, "w", stderr));
	log_error("uid '%s' subject '%s'", uid, subject);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(got, 1, 8191, f);
	got[n] = '\0';
	fclose(f);
	unlink(path);
	return got;
}

/* log.c sends every message through the same helper: one line, no control byte, even for journald. */
static void test_log_line(void **state)
{
	char *got = logged("a@x\n<0>emergency", "\x1b[2J\xC2\x9B" "31m");

	(void)state;
	assert_string_equal(got, "<3>uid 'a@x\\x0A<0>emergency' subject '\\x1B[2J\\xC2\\x9B31m'\n");
	free(got);
}

/* A huge subject is cut at the cap, whole characters only, and marked: still one line. */
static void test_log_line_cap(void **state)
{
	char subject[3000];
	char *got;

	(void)state;
	for (size_t i = 0; i + 2 < sizeof(subject); i += 2)
		memcpy(subject + i, "ø", 2);
	subject[sizeof(subject) - 1] = '\0';
	got = logged("u", subject);
	size_t len = strlen(got);
	assert_true(len > 1500 && len < 2100);
	assert_int_equal(strcmp(got + len - strlen("ø…\n"), "ø…\n"), 0);
	assert_ptr_equal(strchr(got, '\n'), got + len - 1);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vis_table),
		cmocka_unit_test(test_vis_every_byte),
		cmocka_unit_test(test_vis_random),
		cmocka_unit_test(test_vis_cap),
		cmocka_unit_test(test_vis_dup),
		cmocka_unit_test(test_vis_addf),
		cmocka_unit_test(test_vis_fprintf_fputs),
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_log_line_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
