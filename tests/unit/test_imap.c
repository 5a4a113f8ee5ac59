/* imap: the pure parts — modified UTF-7 folder names (vectors from RFC 3501 5.1.3 and from Python's utf-16
 * codec + base64, an independent encoder), url parsing, and what imap_new and the calls before a connection
 * refuse. The wire side is tested against Dovecot in tests/integration/t4000-imap-tls.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "imap.h"

static const struct utf7_case {
	const char *in, *out;
} utf7_cases[] = {
	{ "INBOX", "INBOX" },
	{ "", "" },
	{ "Tovholder/Behandlet", "Tovholder/Behandlet" },
	{ "Til gennemsyn – æøå", "Til gennemsyn &IBM- &AOYA+ADl-" },
	/* RFC 3501 5.1.3 */
	{ "~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "A&B", "A&-B" },
	{ "&", "&-" },
	{ "Ærø", "&AMY-r&APg-" },
	{ "æ&ø", "&AOY-&-&APg-" },
	{ "ÅÅÅ", "&AMUAxQDF-" },
	/* outside the BMP: a UTF-16 surrogate pair */
	{ "😀", "&2D3eAA-" },
	{ "x😀y", "x&2D3eAA-y" },
	/* control characters are not printable US-ASCII: encoded too */
	{ "Tab\there", "Tab&AAk-here" },
	/* '~' and ' ' are the printable ends, DEL is not */
	{ "~ \x7f", "~ &AH8-" },
};

static void test_utf7_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf7_cases) / sizeof(utf7_cases[0]); i++) {
		char *got = imap_utf7_encode(utf7_cases[i].in);

		assert_non_null(got);
		assert_string_equal(got, utf7_cases[i].out);
		free(got);
	}
}

/* What a server may send during IDLE (RFC 3501 7, RFC 2177; Dovecot's, Exchange's and Gmail's keepalives):
 * only the mailbox's size and message status are news, and so is anything we cannot read. */
static const struct idle_case {
	const char *line;
	int news;
} idle_cases[] = {
	{ "* OK Still here", 0 },                 /* Dovecot, every imap_idle_notify_interval */
	{ "* OK IDLE in progress", 0 },
	{ "* ok still here", 0 },
	{ "* NO [ALERT] quota nearly full", 0 },
	{ "* CAPABILITY IMAP4rev1 IDLE", 0 },
	{ "* FLAGS (\\Answered \\Seen)", 0 },
	{ "* 4 EXISTS", 1 },
	{ "* 1 RECENT", 1 },
	{ "* 2 EXPUNGE", 1 },
	{ "* 3 FETCH (FLAGS (\\Seen))", 1 },
	{ "* BYE Disconnected for inactivity", 1 },
	{ "* OK {5}", 1 },                        /* a literal: libetpan's parser must read it */
	{ "A0007 OK Idle completed", 1 },          /* tagged */
	{ "+ idling", 1 },
	{ "*", 1 },
	{ "", 1 },
	{ "* OKAY", 1 },                          /* not the atom OK */
	{ "*  OK", 1 },
};

/* What a server may send after NOTIFY SET (RFC 5465 5; Dovecot's words): only mail that is there is news — and
 * anything we cannot read, a response code (NOTIFICATIONOVERFLOW: the server stopped telling), BYE. */
static const struct idle_case notify_cases[] = {
	{ "* STATUS Tovholder/Afbud (MESSAGES 2 UIDNEXT 4 UNSEEN 2)", 1 },   /* Dovecot, mail moved in */
	{ "* STATUS Tovholder/Afbud (MESSAGES 0 UIDNEXT 4 UNSEEN 0)", 0 },   /* our pass moved it on */
	{ "* STATUS \"Tovholder/Til gennemsyn\" (UIDNEXT 9 MESSAGES 1)", 1 },
	{ "* STATUS \"Tovholder/A (MESSAGES 0)\" (MESSAGES 3)", 1 },       /* the list is the last parenthesis */
	{ "* STATUS \"Tovholder/A (MESSAGES 1)\" (MESSAGES 0)", 0 },
	{ "* status Tovholder/Fremm&APg-de (messages 0 uidnext 5)", 0 },
	{ "* STATUS Tovholder/Afbud (UIDNEXT 4 UNSEEN 0)", 1 },             /* no MESSAGES: look */
	{ "* STATUS Tovholder/Afbud (MESSAGES x)", 1 },
	{ "* STATUS Tovholder/Afbud (MESSAGES)", 1 },
	{ "* STATUS Tovholder/Afbud (MESSAGES 00)", 0 },
	{ "* STATUS Tovholder/Afbud (MESSAGES 99999999999999999999)", 1 },
	{ "* STATUS Tovholder/Afbud", 1 },
	{ "* STATUS {14}", 1 },                                               /* a literal, not joined */
	/* Dovecot 2.3 names a mailbox beyond ASCII in UTF-8, as a literal; read_news joins it to its line */
	{ "* STATUS {19}\r\nTovholder/Fremm\xc3\xb8" "de (MESSAGES 0 UIDNEXT 5 UNSEEN 0)", 0 },
	{ "* STATUS {19}\r\nTovholder/Fremm\xc3\xb8" "de (MESSAGES 4 UIDNEXT 5 UNSEEN 4)", 1 },
	{ "* 2 EXPUNGE {3}", 1 },
	{ "* 1 EXISTS", 1 },                                                  /* in the selected folder */
	{ "* 0 EXISTS", 0 },
	{ "* 2 EXPUNGE", 0 },
	{ "* 1 RECENT", 0 },
	{ "* 3 FETCH (FLAGS (\\Seen))", 1 },
	{ "*  EXPUNGE", 1 },
	{ "* 2x EXPUNGE", 1 },
	{ "* 99999999999999999999 EXPUNGE", 1 },
	{ "* OK Still here", 0 },
	{ "* OK", 0 },
	{ "* OK [NOTIFICATIONOVERFLOW] too many changes", 1 },
	{ "* NO [ALERT] quota nearly full", 1 },
	{ "* BYE Disconnected for inactivity", 1 },
	{ "* LIST () \"/\" Tovholder/Ny", 1 },
	{ "A0009 OK NOTIFY completed", 1 },
	{ "+ go on", 1 },
	{ "*", 1 },
	{ "", 1 },
};

/* Each line of 'cases' judged by 'is_news' as the table says; 'quiet' names the other answer in a failure. */
static void check_lines(const struct idle_case *cases, size_t n, int (*is_news)(const char *line, size_t len),
			const char *quiet)
{
	for (size_t i = 0; i < n; i++)
		if (is_news(cases[i].line, strlen(cases[i].line)) != cases[i].news)
			fail_msg("'%s': expected %s", cases[i].line, cases[i].news ? "news" : quiet);
}

static void test_notify_lines(void **state)
{
	(void)state;
	check_lines(notify_cases, sizeof(notify_cases) / sizeof(notify_cases[0]), imap_notify_line_is_news, "no news");
}

static void test_idle_lines(void **state)
{
	(void)state;
	check_lines(idle_cases, sizeof(idle_cases) / sizeof(idle_cases[0]), imap_idle_line_is_news, "a keepalive");
}

static void test_utf7_refused(void **state)
{
	static const char *const bad[] = {
		"\xe6" "ble",       /* Latin-1 æ */
		"\xc3",             /* cut short */
		"\xc0\xaf",         /* overlong '/' */
		"\xed\xa0\x80",     /* a UTF-16 surrogate written as UTF-8 */
		"ok\xff",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(imap_utf7_encode(bad[i]));
}

static const struct url_case {
	const char *url;
	const char *host;   /* NULL: refused */
	unsigned port;
	int implicit;
} url_cases[] = {
	{ "imap://mail.example", "mail.example", 143, 0 },
	{ "imap://mail.example:1143", "mail.example", 1143, 0 },
	{ "imaps://mail.example", "mail.example", 993, 1 },
	{ "IMAPS://Mail.Example:10993/", "Mail.Example", 10993, 1 },
	{ "imap://127.0.0.1:143", "127.0.0.1", 143, 0 },
	{ "imaps://[::1]:993", "::1", 993, 1 },
	{ "imap://[2001:db8::7]", "2001:db8::7", 143, 0 },
	{ "imaps://localhost:65535", "localhost", 65535, 1 },
	{ "http://mail.example", NULL, 0, 0 },
	{ "imap://", NULL, 0, 0 },
	{ "imap://:143", NULL, 0, 0 },
	{ "imap://mail.example:0", NULL, 0, 0 },
	{ "imap://mail.example:65536", NULL, 0, 0 },
	{ "imap://mail.example:99999999999999999999", NULL, 0, 0 },
	{ "imap://mail.example:", NULL, 0, 0 },
	{ "imap://mail.example:14x", NULL, 0, 0 },
	{ "imap://mail.example/INBOX", NULL, 0, 0 },
	{ "imap://user@mail.example", NULL, 0, 0 },
	{ "imaps://[::1", NULL, 0, 0 },
	{ "imaps://[]:993", NULL, 0, 0 },
	{ "imaps://[mail.example]", NULL, 0, 0 },
	{ "imaps://::1", NULL, 0, 0 },
	{ "mail.example", NULL, 0, 0 },
	{ "", NULL, 0, 0 },
};

static void test_url_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct err err = { "" };
		char *host = NULL;
		uint16_t port = 0;
		int implicit = -1;
		int rc = imap_parse_url(c->url, &host, &port, &implicit, &err);

		if (!c->host) {
			assert_int_equal(rc, -1);
			assert_null(host);
			assert_true(err.msg[0] != '\0');
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(host, c->host);
		assert_int_equal(port, c->port);
		assert_int_equal(implicit, c->implicit);
		free(host);
	}
}

static void test_new_refused(void **state)
{
	struct server_config sc;
	struct err err = { "" };

	(void)state;
	memset(&sc, 0, sizeof(sc));
	assert_null(imap_new(&sc, "secret", &err));
	assert_non_null(strstr(err.msg, "url"));

	sc.url = "imaps://mail.example";
	assert_null(imap_new(&sc, "secret", &err));
	assert_non_null(strstr(err.msg, "user"));

	sc.url = "pop3://mail.example";
	sc.user = "tovholder@netvaerk.example";
	assert_null(imap_new(&sc, "secret", &err));
	assert_non_null(strstr(err.msg, "pop3://"));
}

/* Before imap_connect nothing may touch the network: every call says "not connected" and tries nothing. */
static void test_not_connected(void **state)
{
	struct server_config sc;
	struct err err = { "" };
	struct imap *im;
	struct imap_msg msg;
	uint32_t v = 7, n = 7;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.url = "imaps://mail.example";
	sc.user = "tovholder@netvaerk.example";
	sc.tls = TLS_IMPLICIT;
	im = imap_new(&sc, "secret", &err);
	assert_non_null(im);
	assert_null(imap_login_mechanism(im));
	assert_string_equal(imap_capabilities(im), "");

	assert_int_equal(imap_select(im, "INBOX", &v, &n, &err), IMAP_UNREACHABLE);
	assert_non_null(strstr(err.msg, "not connected"));
	assert_int_equal(v, 7);
	assert_int_equal(n, 7);
	assert_int_equal(imap_move(im, 1, "Tovholder/Behandlet", &err), IMAP_UNREACHABLE);
	memset(&msg, 0, sizeof(msg));
	inmail_init(&msg.mail);
	assert_int_equal(imap_fetch_part(im, &msg, &msg.mail.root, &err), IMAP_UNREACHABLE);
	{
		const char *const folders[] = { "Tovholder/Afbud" };
		int waiting = 7;

		assert_int_equal(imap_has_notify(im), 0);
		assert_int_equal(imap_notify_set(im, folders, 1, &waiting, &err), IMAP_UNREACHABLE);
		assert_int_equal(waiting, 7);
	}
	inmail_release(&msg.mail);
	imap_free(im);
	imap_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf7_table),
		cmocka_unit_test(test_utf7_refused),
		cmocka_unit_test(test_idle_lines),
		cmocka_unit_test(test_notify_lines),
		cmocka_unit_test(test_url_table),
		cmocka_unit_test(test_new_refused),
		cmocka_unit_test(test_not_connected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
