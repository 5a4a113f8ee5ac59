/* config: tovholder.conf from memory (every problem with its exact "file:line: message"), the INI walker's
 * line rules, and config_password against real files and real commands. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "check_diag.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "util.h"

#define F "/etc/tovholder/tovholder.conf"

static char tmpdir[64];

/* Each line number below is relied on by the cases. */
static const char good[] =
	"[group]\n"                                                   /* 1 */
	"name = Netværksgruppe Børn og Unge\n"                       /* 2 */
	"organizer = Karin Lund <Tovholder@Netvaerk.example>\n"      /* 3 */
	"secretary = Jesper Vang (Solrød)\n"                         /* 4 */
	"schedule = schedule.ini\n"                                  /* 5 */
	"roster = /srv/tovholder/roster.csv\n"                       /* 6 */
	"state = state.db ; keep it\n"                               /* 7 */
	"\n"                                                         /* 8 */
	"[smtp]\n"                                                   /* 9 */
	"url = smtp://mail.netvaerk.example:587\n"                   /* 10 */
	"user = tovholder@netvaerk.example\n"                        /* 11 */
	"password_file = secret\n"                                   /* 12 */
	"\n"                                                         /* 13 */
	"[imap]\n"                                                   /* 14 */
	"url = imaps://mail.netvaerk.example:993\n"                  /* 15 */
	"user = tovholder@netvaerk.example\n"                        /* 16 */
	"password_command = pass show \"tovholder imap\"\n";         /* 17 */

/* 'base' with the first occurrence of 'old' replaced by 'new'. Caller frees. */
static char *replace(const char *base, const char *old, const char *new)
{
	const char *at = strstr(base, old);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(base) - strlen(old) + strlen(new) + 1);
	assert_non_null(out);
	memcpy(out, base, (size_t)(at - base));
	strcpy(out + (at - base), new);
	strcat(out, at + strlen(old));
	return out;
}


static void test_good(void **state)
{
	struct config cfg;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(config_parse_buf(&cfg, good, strlen(good), F, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg.path, F);
	assert_string_equal(cfg.dir, "/etc/tovholder");
	assert_string_equal(cfg.group_name, "Netværksgruppe Børn og Unge");
	assert_string_equal(cfg.organizer_name, "Karin Lund");
	assert_string_equal(cfg.organizer_email, "tovholder@netvaerk.example");
	assert_string_equal(cfg.secretary, "Jesper Vang (Solrød)");
	assert_string_equal(cfg.timezone, "Europe/Copenhagen");
	assert_string_equal(cfg.schedule_path, "/etc/tovholder/schedule.ini");
	assert_string_equal(cfg.roster_path, "/srv/tovholder/roster.csv");
	assert_string_equal(cfg.state_path, "/etc/tovholder/state.db");
	assert_null(cfg.templates_dir);
	assert_true(cfg.smtp.present);
	assert_string_equal(cfg.smtp.url, "smtp://mail.netvaerk.example:587");
	assert_int_equal(cfg.smtp.tls, TLS_STARTTLS);
	assert_string_equal(cfg.smtp.user, "tovholder@netvaerk.example");
	assert_string_equal(cfg.smtp.password_file, "/etc/tovholder/secret");
	assert_null(cfg.smtp.password_command);
	assert_null(cfg.smtp.ca_file);
	assert_true(cfg.imap.present);
	assert_int_equal(cfg.imap.tls, TLS_IMPLICIT);
	assert_string_equal(cfg.imap.password_command, "pass show \"tovholder imap\"");
	assert_null(cfg.imap.password_file);
	assert_string_equal(cfg.imap.mailbox, "INBOX");
	assert_string_equal(cfg.imap.processed, "Tovholder/Behandlet");
	assert_string_equal(cfg.imap.review, "Tovholder/Til gennemsyn");
	config_release(&cfg);
	config_release(&cfg); /* released twice: a no-op */
	diag_release(&d);
}

/* Variations that are still valid: what the parser accepts and how it reads it. */
static void test_good_variants(void **state)
{
	struct config cfg;
	struct diag d;
	char *text, *t2;

	(void)state;
	diag_init(&d);

	/* Notepad: BOM and CRLF; indented lines; ':' instead of '='; '#' inside a value is not a comment */
	text = replace(good, "[group]\n", "\xEF\xBB\xBF[group]\r\n  # indented comment\r\n");
	t2 = replace(text, "state = state.db ; keep it\n", "   state: state.db\r\ntemplates = mine#1 # note\n");
	free(text);
	text = replace(t2, "[imap]\n", "[IMAP]\nmailbox = Indbakke\nreview = Til gennemsyn\n");
	free(t2);
	t2 = replace(text, "url = smtp://mail.netvaerk.example:587\n",
		     "url = smtps://mail.netvaerk.example:465\ntls = IMPLICIT\nca_file = /etc/ssl/ca.pem\n");
	free(text);
	assert_int_equal(config_parse_buf(&cfg, t2, strlen(t2), "tovholder.conf", &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg.dir, ".");
	assert_string_equal(cfg.state_path, "./state.db");
	assert_string_equal(cfg.templates_dir, "./mine#1");
	assert_string_equal(cfg.imap.mailbox, "Indbakke");
	assert_string_equal(cfg.imap.review, "Til gennemsyn");
	assert_string_equal(cfg.imap.processed, "Tovholder/Behandlet");
	assert_int_equal(cfg.smtp.tls, TLS_IMPLICIT);
	assert_string_equal(cfg.smtp.ca_file, "/etc/ssl/ca.pem");
	/* the defaults: reminders 7 days and 1 day before, retries for 3 days, polling every minute */
	assert_int_equal(cfg.n_reminders, 2);
	assert_int_equal(cfg.reminders[0], 7 * 86400);
	assert_int_equal(cfg.reminders[1], 86400);
	assert_int_equal(cfg.smtp.retry_for, 3 * 86400);
	assert_int_equal(cfg.imap.poll_interval, 60);
	/* the paperwork: the draft the working day before at 08:00, the status with the last reminder (1 day),
	 * the attendance on; the decision folders */
	assert_int_equal(cfg.referat_mail_days, 1);
	assert_int_equal(cfg.referat_mail_min, 8 * 60);
	assert_int_equal(cfg.attendance_mail, 1);
	assert_int_equal(cfg.report_mail, 1);
	assert_int_equal(cfg.status_mail, CONFIG_STATUS_LAST);
	assert_int_equal(config_status_offset(&cfg), 86400);
	assert_string_equal(cfg.imap.decline, "Tovholder/Afbud");
	assert_string_equal(cfg.imap.accept, "Tovholder/Tilsagn");
	assert_string_equal(cfg.imap.ignore, "Tovholder/Ignorer");
	assert_string_equal(cfg.imap.attendance, "Tovholder/Fremmøde");
	config_release(&cfg);
	free(t2);

	/* each paperwork mail re-timed or off */
	text = replace(good, "state = state.db ; keep it\n", "state = state.db\nreferat_mail = 2 7:30\n"
		       "status_mail = 3h\nattendance_mail = off\nreport_mail = off\nreminders = 2d, 4h\n");
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(cfg.referat_mail_days, 2);
	assert_int_equal(cfg.referat_mail_min, 7 * 60 + 30);
	assert_int_equal(cfg.attendance_mail, 0);
	assert_int_equal(cfg.report_mail, 0);
	assert_int_equal(config_status_offset(&cfg), 3 * 3600);
	config_release(&cfg);
	free(text);
	text = replace(good, "state = state.db ; keep it\n", "state = state.db\nreferat_mail = off\n"
		       "status_mail = off\n");
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(cfg.referat_mail_days, -1);
	assert_int_equal(config_status_offset(&cfg), 0);
	config_release(&cfg);
	free(text);
	text = replace(good, "state = state.db ; keep it\n", "state = state.db\nreminders = 7d, 2h\n");
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(config_status_offset(&cfg), 2 * 3600);  /* with the last reminder */
	config_release(&cfg);
	free(text);

	/* reminders in any order come out largest first; none means none */
	text = replace(good, "state = state.db ; keep it\n", "state = state.db\nreminders = 2h, 14d, 90m\n");
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(cfg.n_reminders, 3);
	assert_int_equal(cfg.reminders[0], 14 * 86400);
	assert_int_equal(cfg.reminders[1], 7200);
	assert_int_equal(cfg.reminders[2], 5400);
	config_release(&cfg);
	free(text);
	text = replace(good, "state = state.db ; keep it\n", "state = state.db\nreminders = none\n");
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(cfg.n_reminders, 0);
	config_release(&cfg);
	free(text);

	/* no [imap]: allowed, present = 0; tls = none on a plain url to this machine; an explicit timezone */
	text = replace(good, "[imap]\nurl = imaps://mail.netvaerk.example:993\nuser = tovholder@netvaerk.example\n"
		       "password_command = pass show \"tovholder imap\"\n", "");
	t2 = replace(text, "url = smtp://mail.netvaerk.example:587\nuser = tovholder@netvaerk.example\n"
		     "password_file = secret\n", "url = smtp://127.0.0.1:2525\ntls = none\n");
	free(text);
	text = replace(t2, "schedule = ", "timezone = America/Nuuk\nschedule = ");
	free(t2);
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(d.n, 0);
	assert_false(cfg.imap.present);
	assert_int_equal(cfg.smtp.tls, TLS_NONE);
	assert_null(cfg.smtp.user);
	assert_string_equal(cfg.timezone, "America/Nuuk");
	config_release(&cfg);
	free(text);
	diag_release(&d);
}

static const struct bad_case {
	const char *label;
	const char *old, *new; /* applied to 'good' */
	const char *want[6];
} bad_cases[] = {
	{ "typo in a key", "organizer =", "organiser =",
	  { F ":3: unknown key 'organiser' in [group]: did you mean 'organizer'?",
	    F ":1: [group] has no 'organizer': add organizer = Name <address>" } },
	{ "unknown key, nothing close", "state = state.db ; keep it", "state = state.db\nfarve = blå",
	  { F ":8: unknown key 'farve' in [group]: the keys are name, organizer, secretary, timezone, schedule, "
	      "roster, state, templates, reminders, referat_mail, attendance_mail, status_mail, report_mail" } },
	{ "a bad referat_mail", "state = state.db ; keep it", "state = state.db\nreferat_mail = 08:00",
	  { F ":8: bad referat_mail '08:00': write the working days before the meeting and the time, e.g. "
	      "referat_mail = 1 08:00 (0 to 10 days), or off" } },
	{ "referat_mail too early", "state = state.db ; keep it", "state = state.db\nreferat_mail = 11 8:00",
	  { F ":8: bad referat_mail '11 8:00': write the working days before the meeting and the time, e.g. "
	      "referat_mail = 1 08:00 (0 to 10 days), or off" } },
	{ "a bad status_mail", "state = state.db ; keep it", "state = state.db\nstatus_mail = dagen før",
	  { F ":8: bad status_mail 'dagen før': write last (with the last reminder), a time before the meeting "
	      "such as 2d or 3h, or off" } },
	{ "a bad attendance_mail", "state = state.db ; keep it", "state = state.db\nattendance_mail = måske",
	  { F ":8: bad attendance_mail 'måske': write on or off" } },
	{ "a bad report_mail", "state = state.db ; keep it", "state = state.db\nreport_mail = nej tak",
	  { F ":8: bad report_mail 'nej tak': write on or off" } },
	{ "imap key in [smtp]", "password_file = secret\n", "password_file = secret\nmailbox = INBOX\n",
	  { F ":13: unknown key 'mailbox' in [smtp]: the keys are url, tls, user, password_file, "
	      "password_command, ca_file, retry_for, auth, token_file, token_command" } },
	{ "a bad reminder", "state = state.db ; keep it", "state = state.db\nreminders = 7d, en uge",
	  { F ":8: bad reminder 'en' in reminders: write e.g. reminders = 7d, 1d (d days, h hours, m minutes), "
	      "or none",
	    F ":8: bad reminder 'uge' in reminders: write e.g. reminders = 7d, 1d (d days, h hours, m minutes), "
	      "or none" } },
	{ "the same reminder twice", "state = state.db ; keep it", "state = state.db\nreminders = 1d, 24h",
	  { F ":8: the same reminder time twice (1440 minutes before): give each time once" } },
	{ "a bad retry_for", "password_file = secret\n", "password_file = secret\nretry_for = 3 dage\n",
	  { F ":13: bad retry_for '3 dage': write a number and a unit, e.g. 3d, 12h, 90m, 30s" } },
	{ "poll_interval belongs to [imap]", "password_file = secret\n", "password_file = secret\npoll_interval = 5m\n",
	  { F ":13: unknown key 'poll_interval' in [smtp]: the keys are url, tls, user, password_file, "
	      "password_command, ca_file, retry_for, auth, token_file, token_command" } },
	{ "missing required key", "name = Netværksgruppe Børn og Unge\n", "",
	  { F ":1: [group] has no 'name': add name = <the group's name>" } },
	{ "missing state", "state = state.db ; keep it\n", "",
	  { F ":1: [group] has no 'state': add state = state.db" } },
	{ "duplicate key", "organizer =", "name = Anden gruppe\norganizer =",
	  { F ":3: 'name' is already set at line 2: keep one of them" } },
	{ "empty value", "state = state.db ; keep it", "state =",
	  { F ":7: 'state' is empty: give it a value or remove the line" } },
	{ "organizer without a name", "Karin Lund <Tovholder@Netvaerk.example>", "tovholder@netvaerk.example",
	  { F ":3: bad organizer 'tovholder@netvaerk.example': write it as Name <address>" } },
	{ "organizer with a bad address", "<Tovholder@Netvaerk.example>", "<tovholder@netvaerk>",
	  { F ":3: bad organizer 'Karin Lund <tovholder@netvaerk>': write it as Name <address>" } },
	{ "secretary without organisation", "Jesper Vang (Solrød)", "Jesper Vang",
	  { F ":4: bad secretary 'Jesper Vang': write it as Name (Organisation)" } },
	{ "secretary with empty organisation", "Jesper Vang (Solrød)", "Jesper Vang ( )",
	  { F ":4: bad secretary 'Jesper Vang ( )': write it as Name (Organisation)" } },
	{ "unknown timezone", "schedule = ", "timezone = Europe/Kobenhavn\nschedule = ",
	  { F ":5: unknown timezone 'Europe/Kobenhavn': use a tz database name such as Europe/Copenhagen" } },
	{ "timezone climbing out", "schedule = ", "timezone = ../Europe/Copenhagen\nschedule = ",
	  { F ":5: unknown timezone '../Europe/Copenhagen': use a tz database name such as Europe/Copenhagen" } },
	{ "implicit tls on smtp://", "user = tovholder@netvaerk.example\npassword_file",
	  "tls = implicit\nuser = tovholder@netvaerk.example\npassword_file",
	  { F ":11: tls = implicit needs smtps://host:465: smtp:// starts in plain text (use tls = starttls to "
	      "upgrade it)" } },
	{ "starttls on smtps://", "url = smtp://mail.netvaerk.example:587",
	  "url = smtps://mail.netvaerk.example:465\ntls = starttls",
	  { F ":11: tls = starttls does not fit smtps://, which always starts with TLS: remove the tls line, or "
	      "use smtp:// for starttls" } },
	{ "tls = none for a server elsewhere ([smtp])", "url = smtp://mail.netvaerk.example:587",
	  "url = smtp://mail.netvaerk.example:587\ntls = none",
	  { F ":11: tls = none sends the login and the mail unencrypted, so it is only for a server on this machine "
	      "(localhost, 127.x.x.x or ::1), not 'mail.netvaerk.example': remove the tls line to use STARTTLS" } },
	{ "tls = none for a server elsewhere ([imap], an address)", "url = imaps://mail.netvaerk.example:993",
	  "url = imap://192.0.2.7:143\ntls = NONE",
	  { F ":16: tls = none sends the login and the mail unencrypted, so it is only for a server on this machine "
	      "(localhost, 127.x.x.x or ::1), not '192.0.2.7': remove the tls line to use STARTTLS" } },
	{ "tls = none: a name that only looks local", "url = smtp://mail.netvaerk.example:587",
	  "url = smtp://u:p@ss@localhost.netvaerk.example:25/\ntls = none",
	  { F ":11: tls = none sends the login and the mail unencrypted, so it is only for a server on this machine "
	      "(localhost, 127.x.x.x or ::1), not 'localhost.netvaerk.example': remove the tls line to use STARTTLS" } },
	{ "bad tls word", "url = smtp://mail.netvaerk.example:587", "url = smtp://mail.netvaerk.example:587\ntls = ja",
	  { F ":11: bad tls 'ja': use starttls, implicit or none" } },
	{ "imap url in [smtp]", "url = smtp://mail.netvaerk.example:587", "url = imap://mail.netvaerk.example:143",
	  { F ":10: bad url 'imap://mail.netvaerk.example:143' in [smtp]: write smtp://host:587 or "
	      "smtps://host:465" } },
	{ "url without host", "url = imaps://mail.netvaerk.example:993", "url = imaps://:993",
	  { F ":15: bad url 'imaps://:993' in [imap]: write imap://host:143 or imaps://host:993" } },
	{ "both password sources", "password_file = secret\n", "password_file = secret\npassword_command = pass x\n",
	  { F ":13: password_file and password_command are both set in [smtp]: keep one" } },
	{ "user without password", "password_file = secret\n", "",
	  { F ":11: user 'tovholder@netvaerk.example' has no password: add password_file or password_command" } },
	{ "password without user", "user = tovholder@netvaerk.example\npassword_file", "password_file",
	  { F ":11: password_file without user: add user = <login>" } },
	{ "unclosed quote in password_command", "\"tovholder imap\"", "\"tovholder imap",
	  { F ":17: bad password_command 'pass show \"tovholder imap': a \" quote is not closed" } },
	{ "[graph] without a token", "password_command = pass show \"tovholder imap\"\n",
	  "password_command = pass show \"tovholder imap\"\n[graph]\n",
	  { F ":18: [graph] needs an access token for Microsoft Graph: add token_command = <a command that prints "
	      "one> or token_file = <a file that holds one>" } },
	{ "[graph] over plain http", "password_command = pass show \"tovholder imap\"\n",
	  "password_command = pass show \"tovholder imap\"\n[graph]\nurl = http://graph.example/v1.0\ntoken_file = t\n",
	  { F ":19: bad url 'http://graph.example/v1.0' in [graph]: write https://graph.microsoft.com/v1.0 or "
	      "leave it out" } },
	{ "[graph] with both token sources", "password_command = pass show \"tovholder imap\"\n",
	  "password_command = pass show \"tovholder imap\"\n[graph]\ntoken_file = t\ntoken_command = x\n",
	  { F ":20: token_file and token_command are both set in [graph]: keep one" } },
	{ "[graph] takes no password", "password_command = pass show \"tovholder imap\"\n",
	  "password_command = pass show \"tovholder imap\"\n[graph]\ntoken_file = t\npassword_file = s\n",
	  { F ":20: unknown key 'password_file' in [graph]: the keys are url, ca_file, token_file, token_command, "
	      "attendance_for" } },
	{ "typo in a section", "[smtp]", "[smpt]",
	  { F ":9: unknown section [smpt]: did you mean [smtp]?",
	    F ": no [smtp] section: add one with url = smtp://host:587" } },
	{ "unknown section", "[imap]", "[pop3]",
	  { F ":14: unknown section [pop3]: the sections are [group], [smtp], [imap] and [graph]" } },
	{ "repeated section", "[imap]", "[smtp]",
	  { F ":14: section [smtp] is already at line 9: merge the two" } },
	{ "bad section header", "[group]", "[group",
	  { F ":1: bad section header '[group': write it as [name]",
	    F ": no [group] section: add one with name, organizer, secretary, schedule, roster and state" } },
	{ "key before any section", "[group]\n", "timezone = Europe/Copenhagen\n[group]\n",
	  { F ":1: 'timezone' is outside any section: move it below a [section] line" } },
	{ "line without '='", "organizer = Karin", "organizer Karin",
	  { F ":3: expected 'key = value', not 'organizer Karin Lund <Tovholder@Netvaerk.example>'",
	    F ":1: [group] has no 'organizer': add organizer = Name <address>" } },
	{ "missing key name", "state = state.db ; keep it", "state = state.db\n= x",
	  { F ":8: a key name is missing before '=': write it as key = value" } },
	{ "Latin-1 text", "name = Netværksgruppe", "name = Netv\xE6rksgruppe",
	  { F ":2: not valid UTF-8 text: save the file as UTF-8",
	    F ":1: [group] has no 'name': add name = <the group's name>" } },
	{ "several problems at once", "schedule = schedule.ini\nroster", "tidszone = CET\nroster",
	  { F ":5: unknown key 'tidszone' in [group]: did you mean 'timezone'?",
	    F ":1: [group] has no 'schedule': add schedule = schedule.ini" } },
};

static void test_loopback(void **state)
{
	static const struct {
		const char *host;
		int loopback;
	} cases[] = {
		{ "localhost", 1 }, { "LocalHost", 1 }, { "localhost.", 1 }, { "127.0.0.1", 1 }, { "127.255.3.9", 1 },
		{ "::1", 1 }, { "0:0:0:0:0:0:0:1", 1 }, { "128.0.0.1", 0 }, { "126.255.255.255", 0 }, { "127.1", 0 },
		{ "localhost.example", 0 }, { "127.0.0.1.nip.io", 0 }, { "::2", 0 }, { "::", 0 }, { "0.0.0.0", 0 },
		{ "mail.netvaerk.example", 0 }, { "", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("%s\n", cases[i].host);
		assert_int_equal(config_host_loopback(cases[i].host), cases[i].loopback);
	}
}

static void test_tls_none_loopback(void **state)
{
	static const char *const urls[] = { "smtp://localhost:2525", "smtp://user@127.0.0.1:25/",
					    "smtp://[::1]:2525", "smtp://127.8.9.10" };
	(void)state;
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		char with[128];
		snprintf(with, sizeof(with), "url = %s\ntls = none", urls[i]);
		char *text = replace(good, "url = smtp://mail.netvaerk.example:587", with);
		struct config cfg;
		struct diag d;

		diag_init(&d);
		assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
		assert_int_equal(cfg.smtp.tls, TLS_NONE);
		config_release(&cfg);
		diag_release(&d);
		free(text);
	}
}

/* Each case applied to 'good' must fail to parse with exactly its messages. */
static void check_bad_cases(const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &cases[i];
		char *text = replace(good, c->old, c->new);
		struct config cfg;
		struct diag d;

		diag_init(&d);
		assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), -1);
		check_diag(&d, c->want, c->label);
		assert_null(cfg.group_name); /* a failed parse leaves nothing to use */
		config_release(&cfg);
		diag_release(&d);
		free(text);
	}
}

static void test_bad(void **state)
{
	(void)state;
	check_bad_cases(bad_cases, sizeof(bad_cases) / sizeof(bad_cases[0]));
}

static void test_line_limits(void **state)
{
	struct config cfg;
	struct diag d;
	char *text, *big = malloc(CONFIG_FILE_MAX + 2);
	char line[5000];
	char want[128];

	(void)state;
	diag_init(&d);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "name = ", 7);
	text = replace(good, "name = Netværksgruppe Børn og Unge", line);
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), -1);
	snprintf(want, sizeof(want), F ":2: line is %zu bytes long: the limit is 4096", strlen(line));
	assert_int_equal(d.n, 2);
	assert_string_equal(d.msgs[0], want);
	free(text);
	diag_release(&d);

	/* exactly 4096 bytes is allowed */
	line[4096] = '\0';
	text = replace(good, "name = Netværksgruppe Børn og Unge", line);
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(strlen(cfg.group_name), 4096 - 7);
	config_release(&cfg);
	free(text);

	/* more than 1 MB: refused before reading */
	assert_non_null(big);
	memset(big, '\n', CONFIG_FILE_MAX + 1);
	assert_int_equal(config_parse_buf(&cfg, big, CONFIG_FILE_MAX + 1, F, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], F ": the file is larger than 1048576 bytes");
	free(big);
	diag_release(&d);

	/* a NUL byte in the middle of a line */
	text = strdup(good);
	text[5] = '\0';
	assert_int_equal(config_parse_buf(&cfg, text, strlen(good), F, &d), -1);
	assert_string_equal(d.msgs[0], F ":1: not valid UTF-8 text: save the file as UTF-8");
	free(text);
	diag_release(&d);
}

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
		{ "plain", 1 },
		{ "Sekretær Åse, Ølstykke", 1 },
		{ "\xF0\x9F\x93\x85 kalender", 1 },   /* U+1F4C5 */
		{ "\xC3", 0 },                        /* cut short */
		{ "\xC0\xAF", 0 },                    /* overlong '/' */
		{ "\xE0\x80\xAF", 0 },                /* overlong '/' */
		{ "\xED\xA0\x80", 0 },                /* surrogate U+D800 */
		{ "\xF4\x90\x80\x80", 0 },            /* U+110000 */
		{ "\xE6\xF8\xE5", 0 },                /* æøå in Latin-1 */
		{ "\x80", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(config_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid);
	assert_int_equal(config_utf8_valid("a\0b", 3), 0);
}

static void test_suggest_and_shorten(void **state)
{
	static const char *const names[] = { "organizer", "secretary", "timezone", "url" };
	char out[80];
	char long_value[100];

	(void)state;
	assert_string_equal(config_suggest("organiser", names, 4), "organizer");
	assert_string_equal(config_suggest("Secretry", names, 4), "secretary");
	assert_string_equal(config_suggest("uri", names, 4), "url");
	assert_null(config_suggest("password", names, 4));
	assert_null(config_suggest("", names, 4));

	assert_string_equal(config_shorten("kort", out, sizeof(out)), "kort");
	memset(long_value, 'a', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	long_value[59] = '\xC3'; /* "æ" straddling the cut: it must not be split */
	long_value[60] = '\xA6';
	config_shorten(long_value, out, sizeof(out));
	assert_int_equal(strlen(out), 59 + 3);
	assert_string_equal(out + 59, "...");
}

/* ---- config_password --------------------------------------------------------------------------------- */

static char *write_secret(const char *name, const char *content, mode_t mode)
{
	char *path = util_path_join(tmpdir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void test_password_file(void **state)
{
	struct server_config sc = { 0 };
	struct err err;
	char *pw, want[512];

	(void)state;
	sc.password_file = write_secret("good", "hemmelig kode\r\nline two\n", 0600);
	pw = config_password(&sc, &err);
	assert_non_null(pw);
	assert_string_equal(pw, "hemmelig kode");
	free(pw);
	free(sc.password_file);

	sc.password_file = write_secret("open", "hemmelig\n", 0644);
	assert_null(config_password(&sc, &err));
	snprintf(want, sizeof(want), "'%s' is readable by others: run chmod 600 %s", sc.password_file,
		 sc.password_file);
	assert_string_equal(err.msg, want);
	free(sc.password_file);

	sc.password_file = write_secret("groupwrite", "hemmelig\n", 0620);
	assert_null(config_password(&sc, &err));
	snprintf(want, sizeof(want), "'%s' is writable by others: run chmod 600 %s", sc.password_file,
		 sc.password_file);
	assert_string_equal(err.msg, want);
	free(sc.password_file);

	sc.password_file = write_secret("empty", "\n", 0600);
	assert_null(config_password(&sc, &err));
	snprintf(want, sizeof(want), "password_file '%s' is empty: put the password on its first line",
		 sc.password_file);
	assert_string_equal(err.msg, want);
	free(sc.password_file);

	sc.password_file = util_path_join(tmpdir, "missing");
	assert_null(config_password(&sc, &err));
	snprintf(want, sizeof(want), "cannot open password_file '%s': No such file or directory", sc.password_file);
	assert_string_equal(err.msg, want);
	free(sc.password_file);

	sc.password_file = tmpdir;
	assert_null(config_password(&sc, &err));
	snprintf(want, sizeof(want), "password_file '%s' is not a regular file", tmpdir);
	assert_string_equal(err.msg, want);

	sc.password_file = NULL;
	assert_null(config_password(&sc, &err));
	assert_string_equal(err.msg, "no password_file or password_command is set");
}

static const struct command_case {
	const char *command;
	const char *password; /* NULL: must fail with 'error' */
	const char *error;
} command_cases[] = {
	{ "printf 'hemmelig\\nsecond line'", "hemmelig", NULL },
	{ "printf \"%s\\r\\n\" \"kode med \\\"citat\\\"\"", "kode med \"citat\"", NULL },
	{ "false", NULL, "password_command 'false' failed with exit status 1" },
	{ "true", NULL, "password_command 'true' printed no password" },
	{ "sh -c 'echo top\"\"secret; exit 3'", NULL, "password_command 'sh -c 'echo top\"\"secret; exit 3'' "
	  "failed with exit status 3" },
	{ "sh -c 'kill -TERM $$'", NULL, "password_command 'sh -c 'kill -TERM $$'' was killed by signal 15" },
	{ "/nonexistent/tovholder-secret", NULL, "password_command '/nonexistent/tovholder-secret' could not be "
	  "run (exit status 127): is it installed?" },
	{ "head -c 5000 /dev/zero", NULL, "password_command 'head -c 5000 /dev/zero' printed more than 4096 "
	  "bytes" },
	{ "pass show 'tovholder", NULL, "bad password_command 'pass show 'tovholder': a ' quote is not closed" },
	{ "   ", NULL, "bad password_command '   ': no command" },
};

static void test_password_command(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(command_cases) / sizeof(command_cases[0]); i++) {
		const struct command_case *c = &command_cases[i];
		struct server_config sc = { .password_command = (char *)c->command };
		struct err err = { "" };
		char *pw = config_password(&sc, &err);

		if (c->password) {
			if (!pw)
				print_error("'%s': %s\n", c->command, err.msg);
			assert_non_null(pw);
			assert_string_equal(pw, c->password);
			free(pw);
		} else {
			assert_null(pw);
			assert_string_equal(err.msg, c->error);
			assert_null(strstr(err.msg, "topsecret")); /* what it printed is never echoed */
		}
	}
}

/* ---- OAuth2: auth, token_file, token_command, config_secret -------------------------------------------- */

static const struct bad_case auth_cases[] = {
	{ "a bad auth word", "password_file = secret\n", "auth = oauth2\npassword_file = secret\n",
	  { F ":12: bad auth 'oauth2': use password, xoauth2 or oauthbearer" } },
	{ "auth without a token source", "password_file = secret\n", "auth = xoauth2\n",
	  { F ":12: auth = xoauth2 needs an access token: add token_command = <a command that prints one> or "
	      "token_file = <a file that holds one>" } },
	{ "auth without user", "user = tovholder@netvaerk.example\npassword_file = secret\n",
	  "auth = oauthbearer\ntoken_command = oama access x\n",
	  { F ":11: auth = oauthbearer needs the mailbox's address: add user = <address>" } },
	{ "a token with auth = password", "password_file = secret\n", "password_file = secret\ntoken_file = tok\n",
	  { F ":13: token_file is only used with auth = xoauth2 or auth = oauthbearer: add one to [smtp] or "
	      "remove token_file" } },
	{ "a password with auth = oauthbearer", "password_file = secret\n",
	  "password_file = secret\nauth = oauthbearer\ntoken_file = tok\n",
	  { F ":12: password_file is not used with auth = oauthbearer (the access token is the login): remove it" } },
	{ "both token sources", "password_file = secret\n", "auth = xoauth2\ntoken_file = t\ntoken_command = x\n",
	  { F ":14: token_file and token_command are both set in [smtp]: keep one" } },
	{ "unclosed quote in token_command", "password_command = pass show \"tovholder imap\"",
	  "auth = xoauth2\ntoken_command = oama access 'tovholder",
	  { F ":18: bad token_command 'oama access 'tovholder': a ' quote is not closed" } },
};

static void test_auth_config(void **state)
{
	struct config cfg;
	struct diag d;
	char *text, *t2;

	(void)state;
	diag_init(&d);
	text = replace(good, "password_file = secret\n", "auth = XOAUTH2\ntoken_command = oama access \"a b\"\n");
	t2 = replace(text, "password_command = pass show \"tovholder imap\"\n", "auth = oauthbearer\ntoken_file = tok\n");
	if (config_parse_buf(&cfg, t2, strlen(t2), F, &d) < 0)
		diag_print(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(cfg.smtp.auth, CONFIG_AUTH_XOAUTH2);
	assert_string_equal(cfg.smtp.token_command, "oama access \"a b\"");
	assert_null(cfg.smtp.token_file);
	assert_null(cfg.smtp.password_file);
	assert_int_equal(cfg.imap.auth, CONFIG_AUTH_OAUTHBEARER);
	assert_string_equal(cfg.imap.token_file, "/etc/tovholder/tok");
	assert_null(cfg.imap.token_command);
	assert_string_equal(config_auth_name(cfg.imap.auth), "oauthbearer");
	config_release(&cfg);
	free(text);
	free(t2);
	/* the default stays password */
	assert_int_equal(config_parse_buf(&cfg, good, strlen(good), F, &d), 0);
	assert_int_equal(cfg.smtp.auth, CONFIG_AUTH_PASSWORD);
	assert_string_equal(config_auth_name(cfg.smtp.auth), "password");
	config_release(&cfg);
	diag_release(&d);

	check_bad_cases(auth_cases, sizeof(auth_cases) / sizeof(auth_cases[0]));
}

static const struct token_case {
	const char *command;
	const char *token;     /* NULL: must fail with 'error' */
	const char *error;
	int temporary;
} token_cases[] = {
	{ "printf 'ya29.a0Af-_~+/x=\\nsecond line'", "ya29.a0Af-_~+/x=", NULL, 0 },
	{ "sh -c 'echo top\"\"secret-tok; exit 1'", NULL, "token_command 'sh -c 'echo top\"\"secret-tok; exit 1'' failed "
	  "with exit status 1", 0 },
	{ "sh -c 'echo top\"\"secret-tok; exit 75'", NULL, "token_command 'sh -c 'echo top\"\"secret-tok; exit 75'' failed "
	  "with exit status 75 (temporary failure)", 1 },
	{ "true", NULL, "token_command 'true' printed no token", 0 },
	{ "printf 'Bearer top%ssecret-tok'", NULL, "the token from token_command has blanks or characters outside "
	  "ASCII: the first line must be the bare access token", 0 },
	{ "printf 'top%ssecret-t\\303\\270k'", NULL, "the token from token_command has blanks or characters outside "
	  "ASCII: the first line must be the bare access token", 0 },
	{ "head -c 20000 /dev/zero", NULL, "token_command 'head -c 20000 /dev/zero' printed more than 16384 bytes",
	  0 },
	{ "/nonexistent/tovholder-token", NULL, "token_command '/nonexistent/tovholder-token' could not be run "
	  "(exit status 127): is it installed?", 0 },
};

static void test_token_command(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(token_cases) / sizeof(token_cases[0]); i++) {
		const struct token_case *c = &token_cases[i];
		struct server_config sc = { .auth = CONFIG_AUTH_XOAUTH2, .token_command = (char *)c->command };
		struct err err = { "" };
		int temporary = -1;
		char *tok = config_secret(&sc, &temporary, &err);

		if (c->token) {
			if (!tok)
				print_error("'%s': %s\n", c->command, err.msg);
			assert_non_null(tok);
			assert_string_equal(tok, c->token);
			assert_int_equal(temporary, 0);
			free(tok);
		} else {
			assert_null(tok);
			assert_string_equal(err.msg, c->error);
			assert_int_equal(temporary, c->temporary);
			assert_null(strstr(err.msg, "topsecret-t")); /* what it printed is never echoed */
		}
	}
}

static void test_graph_config(void **state)
{
	struct config cfg;
	struct diag d;
	char *text;

	(void)state;
	diag_init(&d);
	/* without [graph], nothing of Graph is used */
	assert_int_equal(config_parse_buf(&cfg, good, strlen(good), F, &d), 0);
	assert_false(cfg.graph.present);
	assert_null(cfg.graph.url);
	assert_int_equal(cfg.graph.retry_for, 14 * 86400);
	config_release(&cfg);
	text = replace(good, "password_command = pass show \"tovholder imap\"\n",
		       "password_command = pass show \"tovholder imap\"\n[Graph]\ntoken_command = oama access graph\n"
		       "attendance_for = 3d\n");
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_true(cfg.graph.present);
	assert_string_equal(cfg.graph.url, "https://graph.microsoft.com/v1.0");
	assert_string_equal(cfg.graph.token_command, "oama access graph");
	assert_int_equal(cfg.graph.retry_for, 3 * 86400);
	config_release(&cfg);
	free(text);
	diag_release(&d);
}

static void test_token_file(void **state)
{
	struct server_config sc = { .auth = CONFIG_AUTH_OAUTHBEARER };
	struct err err = { "" };
	char *tok, *big, want[512];

	(void)state;
	/* longer than a password may be: Entra ID tokens with many claims */
	big = malloc(10001);
	assert_non_null(big);
	memset(big, 'A', 10000);
	big[10000] = '\0';
	sc.token_file = write_secret("token", big, 0600);
	tok = config_secret(&sc, NULL, &err);
	assert_non_null(tok);
	assert_string_equal(tok, big);
	free(tok);
	free(big);
	/* read each time: a service that refreshes the file is seen at the next login */
	free(sc.token_file);
	sc.token_file = write_secret("token", "fresh-token\n", 0600);
	tok = config_secret(&sc, NULL, &err);
	assert_string_equal(tok, "fresh-token");
	free(tok);
	free(sc.token_file);

	sc.token_file = write_secret("token-open", "topsecret-tok\n", 0640);
	assert_null(config_secret(&sc, NULL, &err));
	snprintf(want, sizeof(want), "'%s' is readable by others: run chmod 600 %s", sc.token_file, sc.token_file);
	assert_string_equal(err.msg, want);
	free(sc.token_file);

	sc.token_file = write_secret("token-empty", "", 0600);
	assert_null(config_secret(&sc, NULL, &err));
	snprintf(want, sizeof(want), "token_file '%s' is empty: put the token on its first line", sc.token_file);
	assert_string_equal(err.msg, want);
	free(sc.token_file);

	sc.token_file = NULL;
	assert_null(config_secret(&sc, NULL, &err));
	assert_string_equal(err.msg, "auth = oauthbearer needs token_command or token_file");

	/* auth = password: config_secret is config_password */
	sc.auth = CONFIG_AUTH_PASSWORD;
	sc.password_command = "printf hemmelig";
	tok = config_secret(&sc, NULL, &err);
	assert_string_equal(tok, "hemmelig");
	free(tok);
}

/* Whose Authentication-Results count: by [imap] url for Exchange Online and Google, by authserv_id for the
 * rest, nobody's without either; and the relays whose Reply-To names the person. */
static void test_sender_trust(void **state)
{
	static const struct {
		const char *imap_lines; /* replaces the url line of [imap] in 'good' */
		enum authres_service service;
		const char *id, *label;
	} cases[] = {
		{ "url = imaps://mail.netvaerk.example:993\n", AUTHRES_SERVICE_NONE, NULL, "none" },
		{ "url = imaps://outlook.office365.com:993\n", AUTHRES_SERVICE_EXCHANGE, NULL, "Exchange Online" },
		{ "url = imaps://Outlook.Office365.com\n", AUTHRES_SERVICE_EXCHANGE, NULL, "Exchange Online" },
		{ "url = imaps://imap.gmail.com:993\n", AUTHRES_SERVICE_ID, "mx.google.com", "Google" },
		{ "url = imaps://imap.gmail.com.angriber.example:993\n", AUTHRES_SERVICE_NONE, NULL, "none" },
		{ "url = imaps://mail.netvaerk.example:993\nauthserv_id = MX.Netvaerk.example\n", AUTHRES_SERVICE_ID,
		  "mx.netvaerk.example", "authserv_id" },
		{ "url = imaps://imap.gmail.com:993\nauthserv_id = none\n", AUTHRES_SERVICE_NONE, NULL, "none" },
		{ "url = imaps://mail.netvaerk.example:993\nauthserv_id = exchange-online\n", AUTHRES_SERVICE_EXCHANGE,
		  NULL, "Exchange Online" },
	};
	struct config cfg;
	struct diag d;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = replace(good, "url = imaps://mail.netvaerk.example:993\n", cases[i].imap_lines);
		const char *id, *label;
		diag_init(&d);
		if (config_parse_buf(&cfg, text, strlen(text), F, &d) < 0)
			diag_print(&d);
		assert_int_equal(d.n, 0);
		assert_int_equal(config_sender_trust(&cfg.imap, &id, &label), cases[i].service);
		if (cases[i].id)
			assert_string_equal(id, cases[i].id);
		else
			assert_null(id);
		assert_string_equal(label, cases[i].label);
		config_release(&cfg);
		diag_release(&d);
		free(text);
	}

	char *text = replace(good, "url = imaps://mail.netvaerk.example:993\n", "url = imaps://mail.netvaerk.example:993\n"
			     "trusted_relays = Invitations-Noreply@sky.faxe.example, noreply@sky.greve.example\n");
	diag_init(&d);
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), 0);
	assert_int_equal(cfg.imap.n_trusted_relays, 2);
	assert_string_equal(cfg.imap.trusted_relays[0], "invitations-noreply@sky.faxe.example");
	assert_string_equal(cfg.imap.trusted_relays[1], "noreply@sky.greve.example");
	config_release(&cfg);
	diag_release(&d);
	free(text);
}

static const struct bad_case trust_cases[] = {
	{ "a bad authserv_id", "url = imaps://mail.netvaerk.example:993\n",
	  "url = imaps://mail.netvaerk.example:993\nauthserv_id = mx.kommune.dk; dmarc=pass\n",
	  { F ":16: bad authserv_id 'mx.kommune.dk; dmarc=pass': write the name your mail server puts first in "
	      "its Authentication-Results header (e.g. mx.kommune.dk), exchange-online or none" } },
	{ "a bad relay address", "url = imaps://mail.netvaerk.example:993\n",
	  "url = imaps://mail.netvaerk.example:993\ntrusted_relays = sky.faxe.example\n",
	  { F ":16: bad address 'sky.faxe.example' in trusted_relays: write the relay's own From addresses, e.g. "
	      "invitations-noreply@sky.kommune.dk" } },
	{ "authserv_id belongs to [imap]", "password_file = secret\n", "password_file = secret\nauthserv_id = mx\n",
	  { F ":13: unknown key 'authserv_id' in [smtp]: the keys are url, tls, user, password_file, "
	      "password_command, ca_file, retry_for, auth, token_file, token_command" } },
};

static void test_sender_trust_bad(void **state)
{
	(void)state;
	check_bad_cases(trust_cases, sizeof(trust_cases) / sizeof(trust_cases[0]));
	/* more than CONFIG_MAX_RELAYS */
	struct buf b;
	buf_init(&b);
	buf_adds(&b, "url = imaps://mail.netvaerk.example:993\ntrusted_relays =");
	for (int i = 0; i <= CONFIG_MAX_RELAYS; i++)
		buf_addf(&b, " r%d@sky.example", i);
	buf_adds(&b, "\n");
	char *text = replace(good, "url = imaps://mail.netvaerk.example:993\n", b.data);
	struct config cfg;
	struct diag d;
	diag_init(&d);
	assert_int_equal(config_parse_buf(&cfg, text, strlen(text), F, &d), -1);
	assert_non_null(strstr(d.msgs[0], "more than 16 addresses in trusted_relays"));
	config_release(&cfg);
	diag_release(&d);
	free(text);
	buf_release(&b);
}

/* The shipped example must stay valid. */
static void test_example_file(void **state)
{
	char *dir = util_dirname(__FILE__);
	char *path = xasprintf("%s/../../config/tovholder.conf", dir);
	struct config cfg;
	struct diag d;

	(void)state;
	free(dir);
	if (access(path, R_OK) != 0) {
		free(path);
		skip();
	}
	diag_init(&d);
	if (config_load(&cfg, path, &d) < 0)
		diag_print(&d);
	assert_int_equal(d.n, 0);
	assert_string_equal(cfg.group_name, "Netværksgruppe Børn og Unge");
	assert_string_equal(cfg.organizer_email, "tovholder@netvaerk.example");
	assert_true(cfg.imap.present);
	config_release(&cfg);
	diag_release(&d);
	free(path);
}

static int setup(void **state)
{
	char *zone;
	FILE *f;

	(void)state;
	strcpy(tmpdir, "/tmp/test_config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* a tz database of our own, so the tests do not depend on the machine's tzdata */
	zone = util_path_join(tmpdir, "Europe");
	mkdir(zone, 0755);
	free(zone);
	zone = util_path_join(tmpdir, "America");
	mkdir(zone, 0755);
	free(zone);
	for (int i = 0; i < 2; i++) {
		zone = util_path_join(tmpdir, i ? "America/Nuuk" : "Europe/Copenhagen");
		f = fopen(zone, "w");
		free(zone);
		if (!f)
			return -1;
		fputs("TZif", f);
		fclose(f);
	}
	return setenv("TZDIR", tmpdir, 1);
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	(void)state;
	free(cmd);
	return rc == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_good_variants),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_tls_none_loopback),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_suggest_and_shorten),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_password_command),
		cmocka_unit_test(test_auth_config),
		cmocka_unit_test(test_token_command),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_graph_config),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_sender_trust),
		cmocka_unit_test(test_sender_trust_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
