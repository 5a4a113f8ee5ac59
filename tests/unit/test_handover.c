/* handover: the file format (round trip, what mail transport may do to it, damage, a foreign version), the
 * config without secrets, the deltagerliste, and the store's export/import of a group's record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "handover.h"
#include "roster.h"
#include "store.h"
#include "util.h"

/* A literal that holds NUL bytes, and its length. */
#define LIT(s) s, sizeof(s) - 1

/* Three sections: Danish text, bytes of every value (NUL included), and an empty one. */
static char *sample_file(size_t *ret_len)
{
	struct handover h;
	struct err err = { "" };
	char bytes[256], *out = NULL;

	for (int i = 0; i < 256; i++)
		bytes[i] = (char)i;
	handover_init(&h);
	snprintf(h.created, sizeof(h.created), "2026-12-01T09:00:00Z");
	assert_int_equal(handover_add(&h, "schedule", LIT("[2027-03-05]\ntime = 10:00-13:00\nplace = Næstved\n"),
				      &err), 0);
	assert_int_equal(handover_add(&h, "record", bytes, sizeof(bytes), &err), 0);
	assert_int_equal(handover_add(&h, "empty", "", 0, &err), 0);
	assert_int_equal(handover_write(&h, &out, ret_len, &err), 0);
	handover_release(&h);
	return out;
}

static void check_sample(const struct handover *h)
{
	const struct handover_section *s;

	assert_string_equal(h->created, "2026-12-01T09:00:00Z");
	assert_int_equal(h->n, 3);
	s = handover_get(h, "schedule");
	assert_non_null(s);
	assert_string_equal(s->data, "[2027-03-05]\ntime = 10:00-13:00\nplace = Næstved\n");
	s = handover_get(h, "record");
	assert_non_null(s);
	assert_int_equal(s->len, 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal((unsigned char)s->data[i], i);
	s = handover_get(h, "empty");
	assert_non_null(s);
	assert_int_equal(s->len, 0);
	assert_null(handover_get(h, "roster"));
}

static void test_round_trip(void **state)
{
	struct handover h;
	struct err err = { "" };
	size_t len;
	char *text = sample_file(&len);

	(void)state;
	/* what goes by mail: the header first, every line short and 7-bit outside the comments */
	assert_true(strncmp(text, "tovholder-overdragelse 1\n", 25) == 0);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 100);
		if (*p != ';')
			for (const char *q = p; q < nl; q++)
				assert_true((unsigned char)*q < 0x80);
		p = nl + 1;
	}
	handover_init(&h);
	assert_int_equal(handover_read(&h, text, len, &err), HANDOVER_OK);
	check_sample(&h);
	handover_release(&h);
	free(text);
}

/* What mail programs do to a text: none of it may matter. */
static char *transport(const char *text, const char *how)
{
	struct buf b;

	buf_init(&b);
	if (strcmp(how, "text around it") == 0)
		buf_adds(&b, "Hej Ole,\r\n\r\nher er filen:\r\n\r\n");
	if (strcmp(how, "BOM") == 0)
		buf_adds(&b, "\xEF\xBB\xBF");
	for (const char *p = text; *p; p++) {
		if (*p == '\n' && strcmp(how, "CRLF") == 0)
			buf_addch(&b, '\r');
		if (*p == '\n' && strcmp(how, "trailing blanks") == 0)
			buf_adds(&b, "  \t");
		if (*p == '\n' && strcmp(how, "blank lines") == 0)
			buf_addch(&b, '\n');
		buf_addch(&b, *p);
	}
	if (strcmp(how, "text around it") == 0)
		buf_adds(&b, "\r\nVenlig hilsen\r\nKarin\r\n-- \r\nsignatur\r\n");
	if (strcmp(how, "no final newline") == 0)
		b.data[--b.len] = '\0';
	return buf_detach(&b, NULL);
}

static void test_mail_transport(void **state)
{
	static const char *const hows[] = { "CRLF", "trailing blanks", "blank lines", "text around it", "BOM",
					    "no final newline" };
	size_t len;
	char *text = sample_file(&len);

	(void)state;
	for (size_t i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		struct handover h;
		struct err err = { "" };
		char *t = transport(text, hows[i]);
		enum handover_error e;

		handover_init(&h);
		e = handover_read(&h, t, strlen(t), &err);
		if (e != HANDOVER_OK)
			print_error("case '%s': %s\n", hows[i], err.msg);
		assert_int_equal(e, HANDOVER_OK);
		check_sample(&h);
		handover_release(&h);
		free(t);
	}
	free(text);
}

/* Edits of the written file: each must be refused with its kind and a message naming the problem. */
static const struct damage_case {
	const char *label;
	const char *find, *replace;  /* the first occurrence of 'find' becomes 'replace' */
	int cut_at_end;              /* or: the last n bytes are cut off */
	enum handover_error want;
	const char *msg;
} damage_cases[] = {
	{ "one base64 character changed", "WzIwMjctMDMtMDVdCnRp", "WzIwMjctMDMtMDZdCnRp", 0, HANDOVER_DAMAGED,
	  "does not match its SHA-256" },
	{ "the created date changed", "created 2026-12-01T09", "created 2026-12-02T09", 0, HANDOVER_DAMAGED,
	  "does not match its SHA-256" },
	{ "a section renamed", "section empty", "section emptx", 0, HANDOVER_DAMAGED, "does not match" },
	{ "a length changed", "section empty 0", "section empty 1", 0, HANDOVER_DAMAGED,
	  "section 'empty' holds 0 bytes, its header says 1" },
	{ "not base64", "WzIwMjctMDMtMDVdCnRp", "WzIwMjctMDMtMDVdCnR*", 0, HANDOVER_DAMAGED, "is not valid base64" },
	{ "cut off", NULL, NULL, 120, HANDOVER_DAMAGED, "without its 'end' line: it was cut off" },
	{ "no checksum", "end sha256 ", "end md5 ", 0, HANDOVER_DAMAGED, "the end line has no SHA-256" },
	{ "a section twice", "section empty", "section schedule", 0, HANDOVER_DAMAGED, "appears twice" },
	{ "a foreign version", "tovholder-overdragelse 1", "tovholder-overdragelse 2", 0, HANDOVER_FOREIGN,
	  "format 2 of the handover; this tovholder reads format 1: upgrade tovholder" },
	{ "an older version", "tovholder-overdragelse 1", "tovholder-overdragelse 0", 0, HANDOVER_FOREIGN,
	  "format 0 of the handover; this tovholder reads format 1" },
	{ "not a handover", "tovholder-overdragelse 1", "tovholder-something 1", 0, HANDOVER_NOT_OURS,
	  "not a tovholder handover file" },
	{ "a header without a version", "tovholder-overdragelse 1", "tovholder-overdragelse x", 0, HANDOVER_NOT_OURS,
	  "is not a handover header" },
};

static void test_damage(void **state)
{
	size_t len;
	char *text = sample_file(&len);

	(void)state;
	for (size_t i = 0; i < sizeof(damage_cases) / sizeof(damage_cases[0]); i++) {
		const struct damage_case *c = &damage_cases[i];
		struct handover h;
		struct err err = { "" };
		struct buf b;
		enum handover_error e;

		buf_init(&b);
		if (c->find) {
			const char *at = strstr(text, c->find);
			if (!at)
				print_error("case '%s': '%s' not in the file\n", c->label, c->find);
			assert_non_null(at);
			buf_add(&b, text, (size_t)(at - text));
			buf_adds(&b, c->replace);
			buf_adds(&b, at + strlen(c->find));
		} else {
			buf_add(&b, text, len - (size_t)c->cut_at_end);
		}
		handover_init(&h);
		e = handover_read(&h, b.data, b.len, &err);
		if (e != c->want || !strstr(err.msg, c->msg))
			print_error("case '%s': got %d '%s'\n", c->label, (int)e, err.msg);
		assert_int_equal(e, c->want);
		assert_non_null(strstr(err.msg, c->msg));
		handover_release(&h);
		buf_release(&b);
	}
	free(text);
}

static void test_add_refuses(void **state)
{
	struct handover h;
	struct err err = { "" };

	(void)state;
	handover_init(&h);
	assert_int_equal(handover_add(&h, "Roster", "x", 1, &err), -1);
	assert_int_equal(handover_add(&h, "with space", "x", 1, &err), -1);
	assert_int_equal(handover_add(&h, "", "x", 1, &err), -1);
	assert_int_equal(handover_add(&h, "roster", "x", 1, &err), 0);
	assert_int_equal(handover_add(&h, "roster", "y", 1, &err), -1);
	assert_non_null(strstr(err.msg, "twice"));
	for (int i = 1; i < HANDOVER_MAX_SECTIONS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(handover_add(&h, name, "", 0, &err), 0);
	}
	assert_int_equal(handover_add(&h, "onemore", "", 0, &err), -1);
	handover_release(&h);
}

static const struct scrub_case {
	const char *label, *in, *want;
} scrub_cases[] = {
	{ "password lines and the state path are replaced, the rest kept (the secretary too)",
	  "[group]\r\nname = Netværksgruppe Børn og Unge\r\nsecretary = Jesper Vang (Solrød)\r\nstate = /var/lib/tovholder/state.db\r\n"
	  "[smtp]\r\nuser = tovholder@netvaerk.example\r\npassword_file = secret\r\n"
	  "[imap]\r\nPassword_Command = pass show tovholder\r\n",
	  "[group]\nname = Netværksgruppe Børn og Unge\nsecretary = Jesper Vang (Solrød)\n"
	  "; FILL IN: state = (where this machine keeps its record, e.g. state.db)\n"
	  "[smtp]\nuser = tovholder@netvaerk.example\n"
	  "; FILL IN: password_file = (your own; the old one is not handed over)\n"
	  "[imap]\n; FILL IN: password_command = (your own; the old one is not handed over)\n" },
	{ "a token key, comments naming secrets, and an inline comment with one",
	  "; password_command = pass show old\n# the secret is in /root\n; a harmless note\n"
	  "; Who writes the minutes (the secretary)\n[smtp]\n"
	  "token_command = oauth2 --print\nurl = smtp://mail.example:587 ; password is hunter2\ntls = none ; loopback\n",
	  "; a harmless note\n; Who writes the minutes (the secretary)\n[smtp]\n"
	  "; FILL IN: token_command = (your own; the old one is not handed over)\n"
	  "url = smtp://mail.example:587\ntls = none ; loopback\n" },
	{ "user:password@ is cut from a URL, an @ in the path is not",
	  "[smtp]\nurl = smtps://karin:hunter2@mail.example:465\n[imap]\nurl = imap://mail.example/INBOX@x\n",
	  "[smtp]\nurl = smtps://mail.example:465\n[imap]\nurl = imap://mail.example/INBOX@x\n" },
	/* issue 15: the config reader also takes "key: value" (inih), so the scrub must too */
	{ "every secret key in the ':' form, with odd spacing, case and comments",
	  "[group]\nstate:/var/lib/tovholder/state.db\n"
	  "[smtp]\nurl: smtps://karin:hunter2@mail.example:465\n  Password_File :   /root/hunter2.txt   ; hunter2\n"
	  "password_command:pass show hunter2\n"
	  "[imap]\n\tURL\t:\timaps://karin%40x:hunter2@imap.example/ # hunter2 is the password\n"
	  "token_file : /etc/tovholder/hunter2.token\nTOKEN_COMMAND:    oauth2 --secret hunter2\n"
	  "user: karin@netvaerk.example\n",
	  "[group]\n; FILL IN: state = (where this machine keeps its record, e.g. state.db)\n"
	  "[smtp]\nurl = smtps://mail.example:465\n"
	  "; FILL IN: password_file = (your own; the old one is not handed over)\n"
	  "; FILL IN: password_command = (your own; the old one is not handed over)\n"
	  "[imap]\nurl = imaps://imap.example/\n"
	  "; FILL IN: token_file = (your own; the old one is not handed over)\n"
	  "; FILL IN: token_command = (your own; the old one is not handed over)\n"
	  "user = karin@netvaerk.example\n" },
	{ "every secret key in the '=' form, with odd spacing, case and comments",
	  "\xEF\xBB\xBF[Group]\r\n  STATE =state.db\r\n"
	  "[SMTP]\r\nurl=smtp://karin:hunter2@mail.example:587\r\npassword_file= hunter2.txt\r\n"
	  "Password_Command   =   /usr/bin/pass show hunter2 ;hunter2\r\n"
	  "[imap]\r\ntoken_file=/tmp/hunter2\r\ntoken_command = oauth2 hunter2 # note\r\n"
	  "; url = imaps://karin:hunter2@old.example\r\n",
	  "[Group]\n; FILL IN: state = (where this machine keeps its record, e.g. state.db)\n"
	  "[SMTP]\nurl = smtp://mail.example:587\n"
	  "; FILL IN: password_file = (your own; the old one is not handed over)\n"
	  "; FILL IN: password_command = (your own; the old one is not handed over)\n"
	  "[imap]\n; FILL IN: token_file = (your own; the old one is not handed over)\n"
	  "; FILL IN: token_command = (your own; the old one is not handed over)\n"
	  "; url = imaps://old.example\n" },
	{ "a key the reader does not know, a section it does not know, and lines it cannot read, are left out",
	  "[smtp]\nclient_secret = hunter2\napi-key: hunter2\n[vault]\nname = hunter2\nhunter2\n",
	  "[smtp]\n; FILL IN: client_secret = (your own; the old one is not handed over)\n"
	  "; FILL IN: api-key = (your own; the old one is not handed over)\n[vault]\n"
	  "; FILL IN: name = (your own; the old one is not handed over)\n" },
};

static void test_scrub_config(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(scrub_cases) / sizeof(scrub_cases[0]); i++) {
		char *got = handover_scrub_config(scrub_cases[i].in, strlen(scrub_cases[i].in));
		if (strcmp(got, scrub_cases[i].want) != 0)
			print_error("case '%s':\ngot:\n%s\nwant:\n%s\n", scrub_cases[i].label, got, scrub_cases[i].want);
		assert_string_equal(got, scrub_cases[i].want);
		assert_null(strstr(got, "hunter2"));
		free(got);
	}
}

static void test_roster_csv(void **state)
{
	struct roster r = { 0 }, back = { 0 };
	struct diag d;
	const char *remarks[] = { NULL, "Adresse afvist: 550 5.1.1 user unknown; ret adressen", "" };
	size_t len;
	char *csv;

	(void)state;
	diag_init(&d);
	assert_int_equal(roster_parse_buf(&r, LIT("navn,organisation,email,rolle\n"
						  "Anne Mose Dahl,Faxe,anne.dahl@faxe.example,medlem\n"
						  "Bo Aagaard,\"Greve; Vest\",bo.aagaard@greve.example,\n"
						  "Tue \"T\" Bilde,Region Sjælland,tue.bilde@region.example,gæst\n"),
					  "r.csv", &d), 0);
	csv = handover_roster_csv(&r, remarks, &len);
	assert_true(strncmp(csv, "\xEF\xBB\xBFnavn;organisation;email;rolle;bemærkning\r\n", 45) == 0);
	assert_non_null(strstr(csv, "Bo Aagaard;\"Greve; Vest\";bo.aagaard@greve.example;medlem;"
				    "\"Adresse afvist: 550 5.1.1 user unknown; ret adressen\"\r\n"));
	assert_non_null(strstr(csv, "\"Tue \"\"T\"\" Bilde\";Region Sjælland;tue.bilde@region.example;gæst;\r\n"));
	/* the new machine reads it as its roster */
	assert_int_equal(roster_parse_buf(&back, csv, len, "deltagerliste.csv", &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(back.n, r.n);
	for (size_t i = 0; i < r.n; i++) {
		assert_string_equal(back.people[i].name, r.people[i].name);
		assert_string_equal(back.people[i].org, r.people[i].org);
		assert_string_equal(back.people[i].email, r.people[i].email);
		assert_int_equal(back.people[i].role, r.people[i].role);
	}
	free(csv);
	roster_release(&r);
	roster_release(&back);
	diag_release(&d);
}

/* Names Excel would run as formulas are written with Excel's text mark, and modtag's roster reader gives back
 * exactly the names the old roster held. */
static void test_roster_csv_formulas(void **state)
{
	static const char *const names[] = { "=HYPERLINK(\"https://x.example\";\"klik\")", "+45 12 34 56 78", "-",
					     "@SUM(A1)", "'=kept", "-3", "'t Hooft" };
	struct person people[sizeof(names) / sizeof(names[0])];
	struct roster r = { people, sizeof(names) / sizeof(names[0]) }, back = { 0 };
	struct diag d;
	size_t len;
	char *csv;

	(void)state;
	diag_init(&d);
	for (size_t i = 0; i < r.n; i++)
		people[i] = (struct person){ (char *)names[i], i == 1 ? "-Greve" : "Faxe",
					     xasprintf("p%zu@faxe.example", i), ROLE_MEMBER, (int)i + 2 };
	csv = handover_roster_csv(&r, NULL, &len);
	assert_non_null(strstr(csv, "\r\n\"'=HYPERLINK(\"\"https://x.example\"\";\"\"klik\"\")\";Faxe;p0@faxe.example;"));
	assert_non_null(strstr(csv, "\r\n'+45 12 34 56 78;'-Greve;p1@faxe.example;"));
	assert_non_null(strstr(csv, "\r\n'-;Faxe;"));
	assert_non_null(strstr(csv, "\r\n'@SUM(A1);Faxe;"));
	assert_non_null(strstr(csv, "\r\n''=kept;Faxe;"));
	assert_non_null(strstr(csv, "\r\n-3;Faxe;"));
	assert_non_null(strstr(csv, "\r\n't Hooft;Faxe;"));
	assert_int_equal(roster_parse_buf(&back, csv, len, "deltagerliste.csv", &d), 0);
	assert_int_equal(back.n, r.n);
	for (size_t i = 0; i < r.n; i++) {
		assert_string_equal(back.people[i].name, names[i]);
		assert_string_equal(back.people[i].org, people[i].org);
		free(people[i].email);
	}
	free(csv);
	roster_release(&back);
	diag_release(&d);
}

/* ---- the store's record ---- */

static char *tmp_db(const char *tag)
{
	char *dir = xasprintf("%s/test_handover.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	char *path;

	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/%s.db", dir, tag);
	free(dir);
	return path;
}

static void rm_db(char *path)
{
	char *dir = util_dirname(path);
	const char *suffix[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s%s", path, suffix[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	free(dir);
	free(path);
}

/* A group with two meetings (one updated and with tabs and line breaks in its agenda), three people, answers of
 * each kind, a bounce, a reminder, sent/failed/queued messages, a review item and a mailbox position. */
static void fill(struct store *st)
{
	struct err err = { "" };
	struct store_meeting m1 = { .uid = "tovholder-aa@netvaerk.example", .date = "2027-03-05", .sequence = 2,
				    .start_min = 600, .end_min = 780, .place = "online",
				    .online_url = "https://teams.example/x", .agenda = "Velkommen\nNyt\tfra\\Region",
				    .organizer = "Karin Lund <tovholder@netvaerk.example>",
				    .summary = "Netværksgruppe Børn og Unge" };
	struct store_meeting m2 = m1;
	struct store_invitation inv[] = {
		{ "anne.dahl@faxe.example", "Anne Mose Dahl", "Faxe", "medlem", 1, 2 },
		{ "bo.aagaard@greve.example", "Bo Aagaard", "Greve", "medlem", 1, 1 },
		{ "mette.ravn@odsherred.example", "Mette Ravn", "Odsherred", "medlem", 0, 2 },
	};
	struct store_answer a1 = { 0, "anne.dahl@faxe.example", "afbud", "mail", 1796000000, "Birte Holm",
				   "ringede", "<m1@faxe.example>", 0 };
	struct store_answer a2 = { 0, "bo.aagaard@greve.example", "tilsagn", "kalender", 1796000100, NULL, NULL,
				   NULL, 0 };
	struct store_review rv = { 0, "r1@x.example", "bo.aagaard@greve.example", "Spørgsmål", 1796000200,
				   "unclear", NULL, NULL };
	struct store_outmsg o1 = { .email = "anne.dahl@faxe.example", .kind = "request", .sequence = 0,
				   .message_id = "tovholder.1@netvaerk.example", .message = "BODY1", .len = 5 };
	struct store_outmsg o2 = o1, o3 = o1;

	m2.uid = "tovholder-bb@netvaerk.example";
	memcpy(m2.date, "2027-05-07", 11);
	m2.sequence = 0;
	m2.agenda = "Velkommen";
	assert_int_equal(store_begin(st, &err), 0);
	assert_int_equal(store_put_meeting(st, &m1, &err), 0);
	assert_int_equal(store_put_meeting(st, &m2, &err), 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(store_put_invitation(st, m1.id, &inv[i], &err), 0);
	assert_int_equal(store_put_invitation(st, m2.id, &inv[1], &err), 0);
	a1.meeting_id = m1.id;
	a2.meeting_id = m2.id;
	assert_int_equal(store_answer_put(st, &a1, &err), 1);
	assert_int_equal(store_answer_put(st, &a2, &err), 1);
	assert_int_equal(store_autoreply_put(st, m1.id, "bo.aagaard@greve.example", 1796000300, "Ferie", &err), 0);
	assert_int_equal(store_bounce_put(st, "mette.ravn@odsherred.example", 1796000400, "550 5.1.1 unknown",
					  &err), 0);
	assert_int_equal(store_reminder_mark(st, m1.id, 604800, "sent", &err), 0);
	/* confirmed attendance: an invitee and a guest from a Teams report */
	struct store_attendance att = { "anne.dahl@faxe.example", 1, "teams", 5400, "3/5/27, 9:58:01 AM",
					"Anne Dahl", 0 };
	struct store_attendance_extra guest = { "guest", "teams", "Ulla Vest", "", "ulla@vest.example", 3600,
						NULL, 12, NULL };
	assert_int_equal(store_attendance_put(st, m1.id, &att, &err), 1);
	assert_int_equal(store_attendance_extra_add(st, m1.id, &guest, &err), 0);
	assert_int_equal(store_review_add(st, &rv, &err), 0);
	assert_int_equal(store_mailbox_set(st, "INBOX", 7, 42, &err), 0);
	o1.meeting_id = m1.id;
	assert_int_equal(store_queue(st, &o1, &err), 0);
	assert_int_equal(store_mark_sent(st, o1.id, 1796000000, &err), 0);
	o2.meeting_id = m1.id;
	o2.email = "mette.ravn@odsherred.example";
	o2.message_id = "tovholder.2@netvaerk.example";
	assert_int_equal(store_queue(st, &o2, &err), 0);
	assert_int_equal(store_mark_failed(st, o2.id, "550 5.1.1 unknown", &err), 0);
	o3.meeting_id = m2.id;
	o3.message_id = "tovholder.3@netvaerk.example";
	assert_int_equal(store_queue(st, &o3, &err), 0);
	/* the paperwork: the referat draft sent to the referent, and its mark */
	struct store_outmsg o4 = o1;
	o4.kind = "draft";
	o4.email = "jesper.vang@solroed.example";
	o4.message_id = "tovholder.4@netvaerk.example";
	o4.keep_queued = 1;
	assert_int_equal(store_queue(st, &o4, &err), 0);
	assert_int_equal(store_mark_sent(st, o4.id, 1796000000, &err), 0);
	assert_int_equal(store_paper_put(st, m1.id, "draft", "sent", "0123456789abcdef", &err), 0);
	assert_int_equal(store_commit(st, &err), 0);
}

static void check_same_meetings(struct store *a, struct store *b)
{
	struct store_snapshot sa = { 0 }, sb = { 0 };
	struct err err = { "" };

	assert_int_equal(store_load(a, &sa, &err), 0);
	assert_int_equal(store_load(b, &sb, &err), 0);
	assert_int_equal(sa.n, sb.n);
	for (size_t i = 0; i < sa.n; i++) {
		const struct store_meeting *x = &sa.meetings[i], *y = &sb.meetings[i];
		struct store_record ra = { 0 }, rb = { 0 };

		assert_string_equal(x->uid, y->uid);
		assert_string_equal(x->date, y->date);
		assert_int_equal(x->sequence, y->sequence);
		assert_string_equal(x->agenda, y->agenda);
		assert_string_equal(x->organizer, y->organizer);
		assert_int_equal(x->n_inv, y->n_inv);
		for (size_t k = 0; k < x->n_inv; k++) {
			assert_string_equal(x->inv[k].email, y->inv[k].email);
			assert_string_equal(x->inv[k].name, y->inv[k].name);
			assert_int_equal(x->inv[k].invited, y->inv[k].invited);
			assert_int_equal(x->inv[k].sequence, y->inv[k].sequence);
		}
		assert_int_equal(store_record_load(a, x->id, &ra, &err), 0);
		assert_int_equal(store_record_load(b, y->id, &rb, &err), 0);
		assert_int_equal(ra.n, rb.n);
		for (size_t k = 0; k < ra.n; k++) {
			const struct store_person_record *p = &ra.people[k], *q = &rb.people[k];
			assert_string_equal(p->email, q->email);
			assert_true((p->answer == NULL) == (q->answer == NULL));
			if (p->answer) {
				assert_string_equal(p->answer, q->answer);
				assert_string_equal(p->source, q->source);
				assert_int_equal(p->at, q->at);
			}
			assert_true((p->substitute == NULL) == (q->substitute == NULL));
			assert_true((p->autoreply == NULL) == (q->autoreply == NULL));
			assert_true((p->bounce == NULL) == (q->bounce == NULL));
		}
		assert_int_equal(store_reminder_status(a, x->id, 604800, &err),
				 store_reminder_status(b, y->id, 604800, &err));
		struct store_attendance_list la = { 0 }, lb = { 0 };
		assert_int_equal(store_attendance_load(a, x->id, &la, &err), 0);
		assert_int_equal(store_attendance_load(b, y->id, &lb, &err), 0);
		assert_int_equal(la.n, lb.n);
		assert_int_equal(la.n_extra, lb.n_extra);
		for (size_t k = 0; k < la.n; k++) {
			assert_string_equal(la.people[k].email, lb.people[k].email);
			assert_int_equal(la.people[k].present, lb.people[k].present);
			assert_int_equal(la.people[k].duration_s, lb.people[k].duration_s);
			assert_string_equal(la.people[k].report_name, lb.people[k].report_name);
		}
		for (size_t k = 0; k < la.n_extra; k++) {
			assert_string_equal(la.extra[k].name, lb.extra[k].name);
			assert_string_equal(la.extra[k].email, lb.extra[k].email);
		}
		store_attendance_release(&la);
		store_attendance_release(&lb);
		store_record_release(&ra);
		store_record_release(&rb);
	}
	store_snapshot_release(&sa);
	store_snapshot_release(&sb);
}

static void test_store_round_trip(void **state)
{
	char *pa = tmp_db("old"), *pb = tmp_db("new");
	struct err err = { "" };
	struct store *a = store_open(pa, &err), *b = store_open(pb, &err);
	long long mid = 0;
	char *email = NULL, *text;
	size_t len;
	int n_review = -1, queued = -1, failed = -1;
	unsigned long uv = 1, last = 1;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	fill(a);
	assert_int_equal(store_has_record(a, &err), 1);
	assert_int_equal(store_has_record(b, &err), 0);
	text = store_export(a, &len, &err);
	assert_non_null(text);
	assert_null(strstr(text, "BODY1"));          /* message bodies stay behind */
	assert_null(strstr(text, "table\treview"));  /* so do the old mailbox's things */
	assert_null(strstr(text, "table\tmailbox"));
	assert_non_null(strstr(text, "table\tattendance\tmeeting_id\temail\tpresent"));
	assert_non_null(strstr(text, "\ttulla@vest.example\t"));
	assert_int_equal(store_check_record(text, len, &err), 0);
	assert_int_equal(store_import(b, text, len, 0, &err), 0);
	check_same_meetings(a, b);
	/* threading still works for a sent message; what is queued or belongs to the old mailbox did not travel */
	assert_int_equal(store_thread_lookup(b, "tovholder.1@netvaerk.example", &mid, &email, &err), 1);
	assert_string_equal(email, "anne.dahl@faxe.example");
	assert_int_equal(store_thread_lookup(b, "tovholder.3@netvaerk.example", &mid, &email, &err), 0);
	assert_int_equal(store_outbox_counts(b, &queued, &failed, &err), 0);
	assert_int_equal(queued, 0);
	assert_int_equal(failed, 1);
	assert_int_equal(store_review_count(b, &n_review, &err), 0);
	assert_int_equal(n_review, 0);
	assert_int_equal(store_mailbox_get(b, "INBOX", &uv, &last, &err), 0);
	assert_int_equal(uv, 0);
	assert_int_equal(last, 0);
	/* the paperwork travels: the new tovholder's service does not send the draft again */
	{
		char *st_word = NULL, *hash = NULL;
		long long m1 = 0;
		char *who = NULL;
		assert_int_equal(store_thread_lookup(b, "tovholder.4@netvaerk.example", &m1, &who, &err), 1);
		assert_int_equal(store_paper_get(b, m1, "draft", &st_word, &hash, &err), 1);
		assert_string_equal(st_word, "sent");
		assert_string_equal(hash, "0123456789abcdef");
		free(st_word);
		free(hash);
		/* the attendance recorded on the old machine was its to mail: here it counts as sent */
		assert_int_equal(store_paper_get(b, m1, "attendance", &st_word, &hash, &err), 1);
		assert_string_equal(st_word, "baseline");
		free(st_word);
		free(hash);
		free(who);
	}

	/* a second import is refused and changes nothing; with replace it is the same record again */
	assert_int_equal(store_import(b, text, len, 0, &err), -1);
	assert_non_null(strstr(err.msg, "already holds a record"));
	check_same_meetings(a, b);
	assert_int_equal(store_import(b, text, len, 1, &err), 0);
	check_same_meetings(a, b);
	free(email);
	free(text);
	store_free(a);
	store_free(b);
	rm_db(pa);
	rm_db(pb);
}

/* A state holding only a bounce (no meeting, no message) still holds a record: a plain import is refused, and a
 * forced one replaces it. Found by fuzz_handover: a bounce left behind made the forced import collide. */
static void test_store_bounce_only(void **state)
{
	static const char rec[] = "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\n"
				  "row\ttue@region.example\ti1801500100\tt550 5.1.1 no such user\n";
	char *path = tmp_db("bounce");
	struct err err = { "" };
	struct store *st = store_open(path, &err);
	char *dump;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_has_record(st, &err), 0);
	assert_int_equal(store_import(st, rec, strlen(rec), 0, &err), 0);
	assert_int_equal(store_has_record(st, &err), 1);
	assert_int_equal(store_import(st, rec, strlen(rec), 0, &err), -1);
	assert_non_null(strstr(err.msg, "already holds a record"));
	assert_int_equal(store_import(st, rec, strlen(rec), 1, &err), 0);
	dump = store_export(st, NULL, &err);
	assert_non_null(dump);
	assert_non_null(strstr(dump, "\nrow\ttue@region.example\ti1801500100\t"));
	assert_null(strstr(strstr(dump, "\nrow\ttue@") + 1, "\nrow\t"));   /* once, not twice */
	free(dump);
	store_free(st);
	rm_db(path);
}

#define OUTBOX_HEAD "tovholder-record 1\nschema\t1\ntable\toutbox\tmeeting_id\temail\tkind\tsequence\tmessage_id\t" \
	"message\tstatus\tattempts\tnext_try\tlast_error\tcreated_at\tdone_at\n"
#define MEETING_HEAD "tovholder-record 1\nschema\t1\ntable\tmeeting\tuid\tdate\tsequence\tcancelled\tstart_min\t" \
	"end_min\tplace\tonline_url\tagenda\torganizer\tsummary\tupdated_at\n"

static const struct bad_record {
	const char *label, *text, *msg;
} bad_records[] = {
	{ "not a record", "something else\n", "not a record of this version" },
	{ "a newer schema", "tovholder-record 1\nschema\t999\n", "newer tovholder (state schema 999" },
	{ "an unknown table", "tovholder-record 1\nschema\t1\ntable\tpeople\tname\n",
	  "line 3: table 'people' is not part of a group's record" },
	{ "a table that does not travel", "tovholder-record 1\nschema\t1\ntable\treview\tsender\n",
	  "line 3: table 'review' is not part of a group's record" },
	{ "a column off the list", "tovholder-record 1\nschema\t1\ntable\tmeeting\tuid\tid\n",
	  "line 3: column 'id' of table 'meeting' is not part of a group's record" },
	/* the attack of issue 15: a message queued in the file, sent by the next 'send' through the new
	 * tovholder's own SMTP login */
	{ "a queued message", OUTBOX_HEAD "row\tN\ttoffer@angriber.example\ttupdate\ti0\ttx1@angriber.example\tb"
	  "\ttqueued\ti0\ti0\tN\ti1\tN\n",
	  "line 4: outbox.status 'queued' is mail to send: a handover carries only the history" },
	{ "a superseded message", OUTBOX_HEAD "row\tN\ttoffer@angriber.example\ttupdate\ti0\ttx1@angriber.example\tb"
	  "\ttsuperseded\ti0\ti0\tN\ti1\tN\n",
	  "line 4: outbox.status 'superseded' is mail to send: a handover carries only the history" },
	{ "a message body", OUTBOX_HEAD "row\tN\ttoffer@angriber.example\ttupdate\ti0\ttx1@angriber.example"
	  "\tb5375626a6563743a\ttsent\ti0\ti0\tN\ti1\tN\n",
	  "line 4: outbox.message '(a message)' is mail to send: a handover carries only the history" },
	{ "a message body as text", OUTBOX_HEAD "row\tN\ttoffer@angriber.example\ttupdate\ti0\ttx1@angriber.example"
	  "\ttSubject: hi\ttsent\ti0\ti0\tN\ti1\tN\n",
	  "line 4: outbox.message '(a message)' is mail to send: a handover carries only the history" },
	{ "CR/LF in a recipient", OUTBOX_HEAD "row\tN\ttanne@faxe.example\\r\\nRCPT TO:<x@angriber.example>\ttupdate"
	  "\ti0\ttx1@angriber.example\tb\ttsent\ti0\ti0\tN\ti1\tN\n",
	  "line 4: outbox.email 'anne@faxe.example\\x0D\\x0ARCPT TO:<x@angriber.example>' is not one plain address" },
	{ "a line break in a Message-ID", OUTBOX_HEAD "row\tN\ttanne@faxe.example\ttupdate\ti0\ttx1@a.example\\nBcc: y"
	  "\tb\ttsent\ti0\ti0\tN\ti1\tN\n",
	  "line 4: outbox.message_id 'x1@a.example\\x0ABcc: y' holds a blank or a character" },
	{ "an address roster.csv refuses", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\n"
	  "row\ttAnne <anne@faxe.example>\ti1\tN\n", "line 4: bounce.email 'Anne <anne@faxe.example>' is not one plain" },
	{ "an address in capitals", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\n"
	  "row\ttAnne@Faxe.example\ti1\tN\n", "line 4: bounce.email 'Anne@Faxe.example' is not one plain" },
	{ "a line break in a summary (a header of every update)", MEETING_HEAD
	  "row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\tt\tt\ttKarin <k@x.example>"
	  "\ttNetværk\\r\\nBcc: offer@angriber.example\ti1\n",
	  "line 4: meeting.summary 'Netværk\\x0D\\x0ABcc: offer@angriber.example' holds a line break" },
	{ "an escape sequence in a name", MEETING_HEAD
	  "row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\tt\tt\ttKarin <k@x.example>\ttN\ti1\n"
	  "table\tinvitation\tmeeting_id\temail\tname\torg\trole\tinvited\tsequence\n"
	  "row\tmu1@x.example\tta@x.example\ttA\x1b" "[2J\ttX\ttmedlem\ti1\ti0\n",
	  "line 6: invitation.name 'A\\x1B[2J' holds a control character" },
	{ "a C1 control character", MEETING_HEAD
	  "row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\tt\tt\ttKarin <k@x.example>\ttN\xc2\x9b" "2J"
	  "\ti1\n", "line 4: meeting.summary" },
	{ "an organizer that is no mailbox", MEETING_HEAD
	  "row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\tt\tt\ttKarin, offer@angriber.example"
	  "\ttN\ti1\n", "line 4: meeting.organizer 'Karin, offer@angriber.example' is not 'Name <address>'" },
	{ "a link that is no link", MEETING_HEAD
	  "row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\ttjavascript:x\tt\ttK <k@x.example>"
	  "\ttN\ti1\n", "line 4: meeting.online_url 'javascript:x' is not an http(s) link" },
	{ "a Teams link to another site (it goes into every invitation)",
	  "tovholder-record 1\nschema\t1\ntable\tonline_meeting\tuid\tdate\tgraph_id\tjoin_url\tstart_utc\tend_utc"
	  "\tsubject\tdeleted\tattendance_next\tattendance_tries\tattendance_done\tupdated_at\n"
	  "row\ttu1@x.example\tt2027-03-05\ttMSo1\tthttps://teams.evil.example/l/meetup-join/x\ti0\ti0\ttN\ti0\ti0"
	  "\ti0\ti0\ti1\n", "line 4: online_meeting.join_url 'https://teams.evil.example/l/meetup-join/x' is not a "
	  "Teams join link" },
	{ "a role roster.csv does not know", MEETING_HEAD
	  "row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\tt\tt\ttK <k@x.example>\ttN\ti1\n"
	  "table\tinvitation\tmeeting_id\temail\tname\torg\trole\tinvited\tsequence\n"
	  "row\tmu1@x.example\tta@x.example\ttA\ttX\ttchef\ti1\ti0\n",
	  "line 6: invitation.role 'chef' is not one of the values it can have" },
	{ "a flag that is no flag", "tovholder-record 1\nschema\t1\ntable\tattendance_extra\tmeeting_id\tline\n"
	  "row\tN\ti1\n", "line 4: attendance_extra.meeting_id '' is empty (NULL)" },
	{ "a fraction", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\nrow\tta@x.example\tf1.5\tN\n",
	  "line 4: bounce.at '1.5' is a fraction" },
	{ "SQL in a name", "tovholder-record 1\nschema\t1\ntable\tmeeting\tuid\" ; DROP TABLE x; --\n",
	  "column 'uid\" ; DROP TABLE x; --' of table 'meeting'" },
	{ "a reference to no meeting",
	  "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\nrow\ttx@y.example\ti1\tN\n"
	  "table\tinvitation\tmeeting_id\temail\tname\torg\trole\tinvited\tsequence\n"
	  "row\tmnope\ttx@y.example\ttX\tt\ttmedlem\ti1\ti0\n",
	  "line 6: a row refers to a meeting the record does not hold" },
	{ "a value of no type", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\nrow\tx\ti1\tN\n",
	  "a value of unknown type" },
	{ "a bad escape", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\nrow\tt\\q\ti1\tN\n",
	  "a bad escape" },
	{ "too few values", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\nrow\ttx\ti1\n",
	  "wrong number of values" },
	{ "a constraint", "tovholder-record 1\nschema\t1\ntable\tbounce\temail\tat\tdetail\nrow\ttx@y.example\ti1\tN\n"
	  "table\tmeeting\tuid\nrow\ttu\n", "does not fit this state: line 6: NOT NULL constraint failed" },
};

static void test_store_refuses(void **state)
{
	char *path = tmp_db("bad");
	struct err err = { "" };
	struct store *st = store_open(path, &err);

	(void)state;
	assert_non_null(st);
	for (size_t i = 0; i < sizeof(bad_records) / sizeof(bad_records[0]); i++) {
		const struct bad_record *c = &bad_records[i];
		int rc = store_import(st, c->text, strlen(c->text), 0, &err);
		if (rc != -1 || !strstr(err.msg, c->msg))
			print_error("case '%s': rc %d, '%s'\n", c->label, rc, err.msg);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err.msg, c->msg));
		/* modtag's check before it writes anything says the same */
		struct err cerr = { "" };
		assert_int_equal(store_check_record(c->text, strlen(c->text), &cerr), -1);
		assert_non_null(strstr(cerr.msg, c->msg));
		/* all or nothing: a row before the bad line is gone too */
		char *dump = store_export(st, NULL, &err);
		assert_non_null(dump);
		assert_null(strstr(dump, "\nrow\t"));
		free(dump);
	}
	store_free(st);
	rm_db(path);
}

/* Text the old machine took from outside mail or a Teams report, and only ever shows, travels as it was: a
 * forged reply with an escape sequence in its COMMENT must not make the group's next handover unreadable. */
/* SQLite's ":memory:" opens no file (fuzz_handover uses it): none named so appears in the working directory. */
static void test_store_memory(void **state)
{
	struct err err = { "" };
	struct store *st;

	(void)state;
	unlink(":memory:");
	st = store_open(":memory:", &err);
	assert_non_null(st);
	assert_int_equal(store_has_record(st, &err), 0);
	store_free(st);
	assert_int_equal(access(":memory:", F_OK), -1);
}

static void test_store_outside_notes(void **state)
{
	static const char rec[] = MEETING_HEAD
		"row\ttu1@x.example\tt2027-03-05\ti0\ti0\ti600\ti780\ttonline\tt\tt\ttK <k@x.example>\ttN\ti1\n"
		"table\tanswer\tmeeting_id\temail\tanswer\tsource\tat\tsubstitute\tnote\tmessage_id\trecorded_at\n"
		"row\tmu1@x.example\tta@x.example\ttafbud\ttkalender\ti1\ttB\x1b[1m\ttTak\\r\\n\x1b]0;x\x07\tt<m@x.example>\ti1\n"
		"table\tbounce\temail\tat\tdetail\nrow\ttb@x.example\ti1\ttRe: \x1b[2J\\r\\nnej\n";
	char *path = tmp_db("notes");
	struct err err = { "" };
	struct store *st = store_open(path, &err);
	char *dump;

	(void)state;
	assert_non_null(st);
	assert_int_equal(store_check_record(rec, strlen(rec), &err), 0);
	assert_int_equal(store_import(st, rec, strlen(rec), 0, &err), 0);
	dump = store_export(st, NULL, &err);
	assert_non_null(strstr(dump, "\ttTak\\r\\n\x1b]0;x\x07\t"));
	assert_non_null(strstr(dump, "\ttRe: \x1b[2J\\r\\nnej\n"));
	free(dump);
	store_free(st);
	rm_db(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_mail_transport),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_add_refuses),
		cmocka_unit_test(test_scrub_config),
		cmocka_unit_test(test_roster_csv),
		cmocka_unit_test(test_roster_csv_formulas),
		cmocka_unit_test(test_store_round_trip),
		cmocka_unit_test(test_store_refuses),
		cmocka_unit_test(test_store_bounce_only),
		cmocka_unit_test(test_store_outside_notes),
		cmocka_unit_test(test_store_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
