/* teams: the Teams attendance report in each layout and encoding (fixtures in tests/fixtures/teams, written by
 * make-teams-fixtures.py), headers in English, Danish and a language we do not know, durations, time stamps,
 * names, and garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "teams.h"
#include "util.h"

#define LIT(s) s, sizeof(s) - 1

static char *fixture(const char *name, size_t *ret_len)
{
	const char *dir = getenv("TOVHOLDER_FIXTURES");
	char *path = xasprintf("%s/teams/%s", dir && *dir ? dir : "tests/fixtures", name);
	struct err err = { "" };
	char *data = util_read_file(path, TEAMS_MAX_INPUT, ret_len, &err);

	if (!data)
		fail_msg("%s", err.msg);
	free(path);
	return data;
}

struct want_person {
	const char *name, *email;
	long duration_s;
	const char *first_join;
	int line;
};

struct want_bad {
	int line;
	const char *reason;   /* the reason starts with this */
};

struct report_case {
	const char *label;
	const char *file;       /* a fixture, or NULL: 'text' */
	const char *text;
	size_t len;             /* 0: strlen(text) */
	enum teams_format format;
	const char *title, *start;
	int count;
	struct want_person people[8];
	size_t n;
	struct want_bad bad[4];
	size_t n_bad;
	const struct teams_meeting *mt;   /* NULL: the report alone */
	int day_ok;                       /* checked when mt is given */
};

/* The meetings the reports are of: 10.00-13.00 on 5 March and 7 May 2027; one a day later. */
static const struct teams_meeting mar5 = { 2027, 3, 5, 13 * 3600L, -1 };
static const struct teams_meeting mar6 = { 2027, 3, 6, 13 * 3600L, -1 };
static const struct teams_meeting may7 = { 2027, 5, 7, 13 * 3600L, -1 };
static const struct teams_meeting mar13 = { 2027, 3, 13, 13 * 3600L, -1 };
/* 13.00 in Copenhagen is 12.00 UTC */
static const struct teams_meeting mar5_utc = { 2027, 3, 5, 13 * 3600L, 1804248000LL };

/* The people of the French, Portuguese and Indonesian fixtures: the same whatever meeting they are checked
 * against; what changes is the open interval (Lise Holm's second visit, Wati Contoh's join). */
#define FR_PEOPLE                                                                               \
	{ { "Karin Lund", "tovholder@netvaerk.example", 11068, "05/03/27 à 09:58:12", 11 },      \
	  { "Anne Mose Dahl", "anne.dahl@faxe.example", 10835, "05/03/27 à 09:59:30", 12 },      \
	  { "Kragh, Dennis", "dennis.kragh@holbaek.example", 7318, "05/03/27 à 10:01:02", 13 },  \
	  { "Mette Ravn", "mette.ravn@odsherred.example", 9160, "05/03/27 à 10:30:00", 14 },     \
	  { "Tue Bilde", "tue.bilde@region.example", 2700, "05/03/27 à 11:00:00", 15 } },        \
	5, { { 0, NULL } }, 0
#define PT_PEOPLE(lise)                                                                         \
	{ { "Karin Lund", "tovholder@netvaerk.example", 11000, "07/05/2027 09:57:40", 8 },       \
	  { "Lise Holm", "lise.holm@koege.example", (lise), "07/05/2027 10:02:00", 9 },          \
	  { "Ørsted, Søren", "", 9000, "07/05/2027 10:05:00", 10 },                             \
	  { "Bo Aagaard", "bo.aagaard@greve.example", 7200, "07/05/2027 10:00:00", 12 } },       \
	4, { { 0, NULL } }, 0
#define ID_PEOPLE(wati)                                                                         \
	{ { "Ani Contoh", "", 1800, "05/03/2027 10.00.00", 2 },                                  \
	  { "Budi Contoh", "", 10800, "05/03/2027 09.58.12", 4 },                                \
	  { "Karin Lund", "", 11068, "05/03/2027 09.58.12", 6 },                                 \
	  { "Wati Contoh", "", (wati), "05/03/2027 12.30.00", 8 },                               \
	  { "Yusuf Contoh", "", 900, "05/03/2027 10.05.00", 9 } },                               \
	5, { { 0, NULL } }, 0

static const struct report_case reports[] = {
	{ "en-US, UTF-16 LE with BOM, TAB: section 2 read, section 3 not added again", "sections-en-us.csv", NULL, 0,
	  TEAMS_SECTIONS, "Netværksgruppe Børn og Unge", "3/5/27, 9:58:12 AM", 6,
	  { { "Karin Lund", "tovholder@netvaerk.example", 11068, "3/5/27, 9:58:12 AM", 11 },
	    { "Anne Mose Dahl", "anne.dahl@faxe.example", 10835, "3/5/27, 9:59:30 AM", 12 },
	    { "Kragh, Dennis", "dennis.kragh@holbaek.example", 7318, "3/5/27, 10:01:02 AM", 13 },
	    { "Søren Ørsted", "", 5400, "3/5/27, 10:05:00 AM", 14 },
	    { "Vera Konsulent", "vera@konsulent.example", 2745, "3/5/27, 10:30:00 AM", 15 },
	    { "+4512****34", "", 710, "3/5/27, 10:40:10 AM", 16 } }, 6, { { 0, NULL } }, 0, NULL, 0 },
	{ "en-GB in UTC, Excel's UTF-8 with BOM and commas, quotes, an engagement column, a broken line",
	  "sections-en-gb-utf8.csv", NULL, 0, TEAMS_SECTIONS, "Netværksgruppe Børn og Unge", "05/03/2027, 08:58:12", 4,
	  { { "Dahl, Anne Mose", "anne.dahl@faxe.example", 10835, "05/03/2027, 08:59:30", 9 },
	    { "Lise Holm", "lise.holm@koege.example", 10680, "05/03/2027, 09:02:00", 10 },
	    { "Tue Bilde", "", 2400, "05/03/2027, 10:00:00", 12 } }, 3,
	  { { 11, "text after a closing quote" } }, 1, NULL, 0 },
	{ "Danish headers, Danish dates and units", "sections-da.csv", NULL, 0, TEAMS_SECTIONS,
	  "Netværksgruppe Børn og Unge", "05-03-2027 09.58.12", 4,
	  { { "Karin Lund", "tovholder@netvaerk.example", 11068, "05-03-2027 09.58.12", 10 },
	    { "Mette Ravn", "mette.ravn@odsherred.example", 10677, "05-03-2027 10.00.03", 11 },
	    { "Ørsted, Søren", "", 5400, "05-03-2027 10.05.00", 12 },
	    { "Tue Bilde", "tue.bilde@region.example", 1830, "05-03-2027 10.20.00", 13 } }, 4, { { 0, NULL } }, 0, NULL, 0 },
	{ "2020-21: Meeting Summary, one row per join, a rejoin summed", "legacy-summary.csv", NULL, 0,
	  TEAMS_SUMMARY_TABLE, "Netværksgruppe Børn og Unge", "3/5/2027, 9:58:12 AM", 3,
	  { { "Karin Lund", "tovholder@netvaerk.example", 11068, "3/5/2027, 9:58:12 AM", 9 },
	    { "Lise Holm", "lise.holm@koege.example", 10080, "3/5/2027, 10:02:00 AM", 10 },
	    { "Frederik Hald", "frederik.hald@koege.example", 10800, "3/5/2027, 10:00:00 AM", 11 } }, 3,
	  { { 0, NULL } }, 0, NULL, 0 },
	{ "2020: Joined/Left log, joined before, never left, an unknown action", "legacy-log.csv", NULL, 0,
	  TEAMS_ACTION_LOG, "", "3/5/2027, 9:58:12 AM", -1,
	  { { "Karin Lund", "", 11068, "3/5/2027, 9:58:12 AM", 2 },
	    { "Bo Aagaard", "", 10800, "3/5/2027, 9:58:12 AM", 3 },
	    { "Lise Holm", "", 10080, "3/5/2027, 10:02:00 AM", 4 },
	    { "Mette Ravn", "", 1960, "3/5/2027, 12:30:00 PM", 10 } }, 4,
	  { { 7, "action 'Waved' not understood" } }, 1, NULL, 0 },
	{ "re-saved by Excel on a Danish Windows: Windows-1252 and ';'", "da-excel-cp1252.csv", NULL, 0,
	  TEAMS_SECTIONS, "Netværksgruppe Børn og Unge", "05-03-2027 09:58", 2,
	  { { "Søren Ørsted", "soeren.oersted@soroe.example", 5400, "05-03-2027 10:05", 9 },
	    { "Frederik Hald", "frederik.hald@koege.example", 10800, "05-03-2027 10:00", 10 } }, 2,
	  { { 0, NULL } }, 0, NULL, 0 },
	{ "UTF-8 without BOM, TAB, LF only, a name and no address", NULL,
	  "1. Summary\nMeeting title\tMøde\nStart time\t3/5/27, 9:58:12 AM\n\n2. Participants\n"
	  "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
	  "Bo Aagaard\t3/5/27, 10:00:00 AM\t3/5/27, 11:00:00 AM\t1h\t\tBo.Aagaard@Greve.example\tAttendee\n"
	  "\t3/5/27, 10:00:00 AM\t3/5/27, 11:00:00 AM\t1h\t\t\tAttendee\n"
	  "Lise Holm\t3/5/27, 10:00:00 AM\t3/5/27, 11:00:00 AM\tabout an hour\tlise.holm@koege.example\t\tAttendee\n",
	  0, TEAMS_SECTIONS, "Møde", "3/5/27, 9:58:12 AM", -1,
	  { { "Bo Aagaard", "bo.aagaard@greve.example", 3600, "3/5/27, 10:00:00 AM", 7 } }, 1,
	  { { 8, "no name and no e-mail address" }, { 9, "duration 'about an hour' not understood" } }, 2, NULL, 0 },
	{ "a language we do not know: section 2's columns found by what they hold", NULL,
	  "1. Resumo\nTítulo da reunião\tAlinhamento\nHora de início\t07/02/26, 10:00:00\n"
	  "Hora de término\t07/02/26, 11:00:00\n\n2. Participantes\n"
	  "Nome\tPrimeiro ingresso\tÚltima saída\tDuração na reunião\tCorreio\tIdentificação\tFunção\n"
	  "Dora Eksempel\t07/02/26, 10:00:00\t07/02/26, 11:00:00\t1h\tdora@eksempel.example\tdora@eksempel.example\t"
	  "Organizador\n"
	  "Eli Eksempel\t07/02/26, 10:10:00\t07/02/26, 10:55:00\t45m\tELI@eksempel.example\t\tParticipante\n",
	  0, TEAMS_SECTIONS, "", "07/02/26, 10:00:00", -1,
	  { { "Dora Eksempel", "dora@eksempel.example", 3600, "07/02/26, 10:00:00", 8 },
	    { "Eli Eksempel", "eli@eksempel.example", 2700, "07/02/26, 10:10:00", 9 } }, 2, { { 0, NULL } }, 0, NULL, 0 },
	{ "a participants table alone, only who attended (no times)", NULL,
	  "Name,Email,Role\r\nBo Aagaard,bo.aagaard@greve.example,Attendee\r\n\"Holm, Lise\",,Attendee\r\n", 0,
	  TEAMS_TABLE, "", "", -1,
	  { { "Bo Aagaard", "bo.aagaard@greve.example", -1, "", 2 }, { "Holm, Lise", "", -1, "", 3 } }, 2,
	  { { 0, NULL } }, 0, NULL, 0 },
	{ "UTF-16 BE with BOM", NULL,
	  LIT("\xFE\xFF\0N\0a\0m\0e\0\t\0E\0m\0a\0i\0l\0\n\0B\0o\0\t\0b\0@\0g\0.\0e\0x\0a\0m\0p\0l\0e\0\n"),
	  TEAMS_TABLE, "", "", -1, { { "Bo", "b@g.example", -1, "", 2 } }, 1, { { 0, NULL } }, 0, NULL, 0 },
	{ "UTF-16 LE without BOM", NULL,
	  LIT("N\0a\0m\0e\0\t\0E\0m\0a\0i\0l\0\n\0\xD8\0r\0s\0t\0e\0d\0\t\0o\0@\0g\0.\0e\0x\0a\0m\0p\0l\0e\0\n\0"),
	  TEAMS_TABLE, "", "", -1, { { "Ørsted", "o@g.example", -1, "", 2 } }, 1, { { 0, NULL } }, 0, NULL, 0 },

	/* ---- by shape, not by language ---- */
	{ "French, Teams' UTF-16 LE: 'à' before the time, no-break spaces, an open interval ends at the report's end",
	  "sections-fr.csv", NULL, 0, TEAMS_SECTIONS, "", "05/03/27 à 09:58:12", -1,
	  FR_PEOPLE,
	  &mar5, 1 },
	{ "French report checked against a meeting a day later", "sections-fr.csv", NULL, 0, TEAMS_SECTIONS, "",
	  "05/03/27 à 09:58:12", -1,
	  FR_PEOPLE,
	  &mar6, 0 },
	{ "Brazilian Portuguese 2020-21, Excel's Windows-1252 and ';': 07/05 is 7 May; open visit ends at 13:00",
	  "legacy-summary-pt-br-cp1252.csv", NULL, 0, TEAMS_SUMMARY_TABLE, "", "07/05/2027 09:57:40", -1,
	  PT_PEOPLE(3480 + 6600),
	  &may7, 1 },
	{ "the same without a meeting: the open visit's end is not known, so neither is the total",
	  "legacy-summary-pt-br-cp1252.csv", NULL, 0, TEAMS_SUMMARY_TABLE, "", "07/05/2027 09:57:40", -1,
	  PT_PEOPLE(-1), NULL, 0 },
	{ "the Portuguese report against a meeting on 5 July (07/05 read month-first): another day",
	  "legacy-summary-pt-br-cp1252.csv", NULL, 0, TEAMS_SUMMARY_TABLE, "", "07/05/2027 09:57:40", -1,
	  PT_PEOPLE(3480 + 6600),
	  &mar5, 0 },
	{ "Indonesian join/leave log, UTF-8 without BOM, sorted by name: words learned, the open join ends at 13:00",
	  "log-id-utf8.csv", NULL, 0, TEAMS_ACTION_LOG, "", "05/03/2027 10.00.00", -1,
	  ID_PEOPLE(1800), &mar5, 1 },
	{ "the Indonesian log alone: the open join ends at the last event, not 22 hours after the last row",
	  "log-id-utf8.csv", NULL, 0, TEAMS_ACTION_LOG, "", "05/03/2027 10.00.00", -1,
	  ID_PEOPLE(1960), NULL, 0 },
	{ "English log sorted by name, Anne joined last and never left: 30 minutes to 13.00, not 22 hours", NULL,
	  "Full Name,User Action,Timestamp\r\nAnne Dahl,Joined,\"3/5/27, 12:30:00 PM\"\r\n"
	  "Bo Aagaard,Joined,\"3/5/27, 10:00:00 AM\"\r\nBo Aagaard,Left,\"3/5/27, 10:20:00 AM\"\r\n", 0,
	  TEAMS_ACTION_LOG, "", "3/5/27, 12:30:00 PM", -1,
	  { { "Anne Dahl", "", 1800, "3/5/27, 12:30:00 PM", 2 }, { "Bo Aagaard", "", 1200, "3/5/27, 10:00:00 AM", 3 } },
	  2, { { 0, NULL } }, 0, &mar5, 1 },
	{ "en-US table, the last row 'joined' with Teams' running duration: ends at the meeting's end", NULL,
	  "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\n"
	  "Bo Aagaard\t3/5/27, 10:00:00 AM\t3/5/27, 11:00:00 AM\t1h\tbo@greve.example\n"
	  "Lise Holm\t3/5/27, 12:30:00\u202fPM\t\t25h 3m\tlise@koege.example\n",
	  0, TEAMS_TABLE, "", "", -1,
	  { { "Bo Aagaard", "bo@greve.example", 3600, "3/5/27, 10:00:00 AM", 2 },
	    { "Lise Holm", "lise@koege.example", 1800, "3/5/27, 12:30:00\u202fPM", 3 } }, 2, { { 0, NULL } }, 0,
	  &mar5, 1 },
	{ "Danish 'kl.' between date and time, ';', no duration column: worked out from join and leave", NULL,
	  "Navn;Første deltagelse;Sidste udtræden;Mail\r\n"
	  "Bo Aagaard;05-03-2027 kl. 10.00;05-03-2027 kl. 11.30;bo.aagaard@greve.example\r\n", 0, TEAMS_TABLE, "", "",
	  -1, { { "Bo Aagaard", "bo.aagaard@greve.example", 5400, "05-03-2027 kl. 10.00", 2 } }, 1, { { 0, NULL } }, 0,
	  &mar5, 1 },
	{ "French re-saved by Excel: UTF-8 with BOM, ';', unnumbered, a day after the 12th decides the order", NULL,
	  "\xEF\xBB\xBFNom;Heure d'arrivée;Heure de départ;Durée;Adresse\r\n"
	  "Bo Aagaard;13/03/2027 à 10:00:00;13/03/2027 à 11:00:00;1\xC2\xA0h;bo@greve.example\r\n", 0, TEAMS_TABLE,
	  "", "", -1, { { "Bo Aagaard", "bo@greve.example", 3600, "13/03/2027 à 10:00:00", 2 } }, 1,
	  { { 0, NULL } }, 0, &mar13, 1 },
	{ "a tenant in UTC: the open visit ends at the meeting's end in UTC, 12.00, not 13.00", NULL,
	  "Name,First join (UTC),Last leave (UTC),Email\r\nBo,\"05/03/2027, 11:00:00\",,bo@greve.example\r\n", 0,
	  TEAMS_TABLE, "", "", -1, { { "Bo", "bo@greve.example", 3600, "05/03/2027, 11:00:00", 2 } }, 1,
	  { { 0, NULL } }, 0, &mar5_utc, 1 },
	{ "en-US month-first with a day after the 12th, against the 13th of March", NULL,
	  "Name,Join,Leave,E-mail\r\nBo,\"3/13/27, 10:00 AM\",\"3/13/27, 10:30 AM\",bo@greve.example\r\n", 0,
	  TEAMS_TABLE, "", "", -1, { { "Bo", "bo@greve.example", 1800, "3/13/27, 10:00 AM", 2 } }, 1,
	  { { 0, NULL } }, 0, &mar13, 1 },
};

static void check_report(const struct report_case *c)
{
	struct teams_report r;
	struct err err = { "" };
	size_t len = c->len ? c->len : c->text ? strlen(c->text) : 0;
	char *data = c->file ? fixture(c->file, &len) : NULL;

	if (teams_parse(data ? data : c->text, len, c->mt, &r, &err) < 0)
		fail_msg("%s: %s", c->label, err.msg);
	if (r.format != c->format || strcmp(r.title, c->title) || strcmp(r.start, c->start) || r.count != c->count)
		fail_msg("%s: format %d title '%s' start '%s' count %d", c->label, r.format, r.title, r.start, r.count);
	if (r.n != c->n || r.n_bad != c->n_bad) {
		for (size_t i = 0; i < r.n; i++)
			print_error("  person '%s' <%s> %ld\n", r.people[i].name, r.people[i].email, r.people[i].duration_s);
		for (size_t i = 0; i < r.n_bad; i++)
			print_error("  bad %d '%s': %s\n", r.bad[i].line, r.bad[i].text, r.bad[i].reason);
		fail_msg("%s: %zu people, %zu bad rows", c->label, r.n, r.n_bad);
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct teams_participant *p = &r.people[i];
		const struct want_person *w = &c->people[i];
		if (strcmp(p->name, w->name) || strcmp(p->email, w->email) || p->duration_s != w->duration_s ||
		    strcmp(p->first_join, w->first_join) || p->line != w->line)
			fail_msg("%s: person %zu is '%s' <%s> %lds '%s' line %d", c->label, i, p->name, p->email,
				 p->duration_s, p->first_join, p->line);
	}
	if (c->mt && r.day_ok != c->day_ok)
		fail_msg("%s: day_ok %d (from '%s'), want %d", c->label, r.day_ok, r.day_stamp, c->day_ok);
	for (size_t i = 0; i < c->n_bad; i++)
		if (r.bad[i].line != c->bad[i].line ||
		    strncmp(r.bad[i].reason, c->bad[i].reason, strlen(c->bad[i].reason)) != 0 || !r.bad[i].text[0])
			fail_msg("%s: bad row %zu is line %d: %s", c->label, i, r.bad[i].line, r.bad[i].reason);
	teams_report_release(&r);
	free(data);
}

static void test_reports(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
		check_report(&reports[i]);
}

/* The role and the UPN are kept: the import tells the organizer apart and matches on either address. */
static void test_role_and_upn(void **state)
{
	struct teams_report r;
	struct err err = { "" };
	size_t len;
	char *data = fixture("sections-en-us.csv", &len);

	(void)state;
	assert_int_equal(teams_parse(data, len, NULL, &r, &err), 0);
	assert_string_equal(r.people[0].role, "Organizer");
	assert_string_equal(r.people[1].upn, "anne.dahl@faxe.example");
	assert_string_equal(r.end, "3/5/27, 1:02:40 PM");
	teams_report_release(&r);
	free(data);
}

static const struct garbage_case {
	const char *label;
	const char *file;
	const char *text;
	size_t len;
	const char *error;   /* the message starts with this */
} garbage[] = {
	{ "a sign-in page saved as .csv: which line, what was expected", "garbage-html.csv", NULL, 0,
	  "no participants table: not a Teams attendance report (line 1 is '<!DOCTYPE html>'): expected a line naming "
	  "the columns, then one line per person" },
	{ "a PNG renamed to .csv", "garbage-binary.csv", NULL, 0, "" },
	{ "empty", NULL, "", 0, "empty file" },
	{ "a summary and no participants", NULL, "1. Summary\nMeeting title\tX\nStart time\t3/5/27, 9:58:12 AM\n", 0,
	  "no participants table" },
	{ "a participants heading with nothing under it", NULL, "1. Summary\n\n2. Participants\n", 0,
	  "no participants table: nothing under '2. Participants' (line 3)" },
	{ "a participants heading with durations where the header should be", NULL,
	  "2. Participantes\n1h\t2h\n", 0, "no participants table: line 2 under '2. Participantes' is not the header" },
	{ "a summary and a table of text: no column of addresses, times or durations", NULL,
	  "Nome\tCidade\tCor\nBo\tGreve\tazul\nLise\tKøge\tverde\n", 0,
	  "no participants table: not a Teams attendance report (line 1 is 'Nome Cidade Cor')" },
	{ "two columns only, words we do not know", NULL, "Nome\tCorreio\nBo\tbo@greve.example\n", 0,
	  "no participants table" },
	{ "a control character in the line quoted", NULL, "\x1b[31mred\n", 0,
	  "no participants table: not a Teams attendance report (line 1 is ' [31mred')" },
	{ "UTF-16 with a lone surrogate", NULL, LIT("\xFF\xFEN\0a\0\x00\xD8m\0e\0"), "not valid UTF-16LE" },
	{ "NUL bytes in UTF-8", NULL, LIT("Name\tEmail\n\0\0\0x"), "binary data" },
	{ "plain prose", NULL, "Kære Karin\nHer er listen over dem der kom.\nMvh Bo\n", 0, "no participants table" },
};

static void test_garbage(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		const struct garbage_case *c = &garbage[i];
		struct teams_report r;
		struct err err = { "" };
		size_t len = c->len ? c->len : c->text ? strlen(c->text) : 0;
		char *data = c->file ? fixture(c->file, &len) : NULL;

		if (teams_parse(data ? data : c->text, len, NULL, &r, &err) == 0)
			fail_msg("%s: parsed", c->label);
		if (!err.msg[0] || strncmp(err.msg, c->error, strlen(c->error)) != 0)
			fail_msg("%s: error '%s'", c->label, err.msg);
		teams_report_release(&r);
		free(data);
	}
}

/* A row too long, too many cells, and a huge input are refused or kept as bad rows, never crash. */
static void test_caps(void **state)
{
	struct teams_report r;
	struct err err = { "" };
	char *big = xmalloc(TEAMS_MAX_INPUT + 2);
	char *row = xmalloc(20000 + 64);

	(void)state;
	memset(big, 'x', TEAMS_MAX_INPUT + 1);
	big[TEAMS_MAX_INPUT + 1] = '\0';
	assert_int_equal(teams_parse(big, TEAMS_MAX_INPUT + 1, NULL, &r, &err), -1);
	assert_non_null(strstr(err.msg, "larger than"));
	teams_report_release(&r);

	strcpy(row, "Name\tEmail\nBo\tb@g.example\n");
	memset(row + strlen(row), 'y', 20000);
	strcpy(row + strlen("Name\tEmail\nBo\tb@g.example\n") + 20000, "\tz@g.example\n");
	assert_int_equal(teams_parse(row, strlen(row), NULL, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.n_bad, 1);
	assert_int_equal(r.bad[0].line, 3);
	assert_string_equal(r.bad[0].reason, "a line longer than 16384 bytes");
	assert_true(strlen(r.bad[0].text) <= 300);
	teams_report_release(&r);

	char wide[400] = "Name\tEmail\nBo";
	for (int i = 0; i < 70; i++)
		strcat(wide, "\tx");
	strcat(wide, "\n");
	assert_int_equal(teams_parse(wide, strlen(wide), NULL, &r, &err), 0);
	assert_int_equal(r.n_bad, 1);
	assert_string_equal(r.bad[0].reason, "more than 64 cells");
	teams_report_release(&r);
	free(big);
	free(row);
}

/* Outside a numbered section 2, at most 32 rows are tried as the table's header (each looks at up to 100
 * rows under it), and a log in a language we do not know learns at most 4 actions. */
static void test_shape_caps(void **state)
{
	struct teams_report r;
	struct err err = { "" };
	struct buf b;

	(void)state;
	for (int junk = 31; junk <= 32; junk++) {
		buf_init(&b);
		for (int i = 0; i < junk; i++)
			buf_adds(&b, "a,b,c\n");
		buf_adds(&b, "Nome,Entrada,Correio\nBo,05/03/27 10:00,bo@greve.example\n");
		int rc = teams_parse(b.data, b.len, NULL, &r, &err);
		if (junk == 31) {
			assert_int_equal(rc, 0);
			assert_int_equal(r.n, 1);
			assert_int_equal(r.people[0].line, 33);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(err.msg, "no participants table"));
		}
		teams_report_release(&r);
		buf_release(&b);
	}

	/* 3 actions in the first 100 rows make it a log; a 4th later is learned, a 5th means none are known */
	for (int extra = 1; extra <= 2; extra++) {
		buf_init(&b);
		buf_adds(&b, "Nama,Tindakan,Waktu\n");
		for (int i = 0; i < 50; i++)
			buf_addf(&b, "P%d,Masuk,05/03/2027 10.00\nP%d,Keluar,05/03/2027 10.30\n", i, i);
		buf_adds(&b, "Q,Masuk lagi,05/03/2027 10.00\nQ,Keluar,05/03/2027 10.10\n");
		for (int i = 0; i < extra; i++)
			buf_addf(&b, "R%d,Lain%d,05/03/2027 11.00\n", i, i);
		assert_int_equal(teams_parse(b.data, b.len, NULL, &r, &err), 0);
		assert_int_equal(r.format, TEAMS_ACTION_LOG);
		if (extra == 1) {
			assert_int_equal(r.n_bad, 0);
			assert_int_equal(r.people[0].duration_s, 1800);
		} else {
			assert_int_equal(r.n, 0);
			assert_int_equal(r.n_bad, 104);
			assert_non_null(strstr(r.bad[0].reason, "action 'Masuk' not understood"));
		}
		teams_report_release(&r);
		buf_release(&b);
	}
}

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		long want;
	} cases[] = {
		{ "3h 23m 20s", 12200 }, { "1h 7s", 3607 }, { "45m", 2700 }, { "8s", 8 }, { "0s", 0 }, { "3h", 10800 },
		{ "3h23m20s", 12200 }, { " 3H 23M 20S", 12200 }, { "2 t 5 min", 7500 }, { "1 time 3 sek.", 3603 },
		{ "3 timer 2 minutter 1 sekund", 10921 }, { "1 hr 2 min", 3720 }, { "1:02:10", 3730 }, { "2:05", 125 },
		{ "12", -1 }, { "", -1 }, { "h", -1 }, { "3h 12", -1 }, { "about 3h", -1 }, { "3s 2h", -1 },
		{ "3h 3h", -1 }, { "1:2:3", -1 }, { "1:02:75", -1 }, { "3 days", -1 }, { "9999999h", -1 },
		{ "1000h", -1 }, { "999h 59m", 999 * 3600L + 59 * 60 }, { "1:02:10:00", -1 },
		/* French, Portuguese, Indonesian; no-break and narrow no-break spaces */
		{ "3\xC2\xA0h\xC2\xA0" "4\xC2\xA0min\xC2\xA0" "28\xC2\xA0s", 11068 }, { "2\xE2\x80\xAFh 1\xE2\x80\xAF" "min", 7260 },
		{ "\xC2\xA0" "45 min", 2700 }, { "1 heure 3 secondes", 3603 }, { "2 horas 5 minutos", 7500 },
		{ "1h 2min 3seg", 3723 }, { "1 jam 5 menit 3 detik", 3903 }, { "1:02:10\xC2\xA0", 3730 },
		{ "3\xC2\xA0", -1 }, { "3 heures 3 heures", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (teams_duration(cases[i].s) != cases[i].want)
			fail_msg("'%s': %ld, want %ld", cases[i].s, teams_duration(cases[i].s), cases[i].want);
}

static void test_time_of_day(void **state)
{
	static const struct {
		const char *s;
		long want;
	} cases[] = {
		{ "3/5/27, 9:58:12 AM", 9 * 3600 + 58 * 60 + 12 }, { "3/5/27, 1:02:40 PM", 13 * 3600 + 160 },
		{ "3/5/27, 12:00:00 AM", 0 }, { "3/5/27, 12:30:00 PM", 12 * 3600 + 1800 },
		{ "05/03/27, 09:58:12", 35892 }, { "05-03-2027 09.58.12", 35892 }, { "05.03.2027 09:58", 35880 },
		{ "2027-03-05T09:58:12Z", 35892 }, { "2027-03-05 09:58:12.345", 35892 }, { "11:02:00 AM", 39720 },
		{ "3/5/27, 2:48:05\xE2\x80\xAFPM", 14 * 3600 + 48 * 60 + 5 }, { "3/5/27, 9:58:12 a.m.", 35892 },
		{ "3/5/27", -1 }, { "", -1 }, { "yesterday", -1 }, { "3/5/27, 25:00:00", -1 }, { "3/5/27, 13:00:00 PM", -1 },
		{ "3/5/27, 0:30:00 AM", -1 }, { "3/5/27, 2:61:00 PM", -1 }, { "3/5/27, 9:58:12 XM", -1 },
		/* a word between the date and the time: French, Portuguese, Danish, Indonesian */
		{ "05/03/27 à 09:58:12", 35892 }, { "05/03/2027 às 09:58:12", 35892 }, { "05-03-2027 kl. 09.58", 35880 },
		{ "5/3/2027 pukul 09.58.12", 35892 }, { "05/03/2027\xC2\xA0\xC3\xA0\xE2\x80\xAF" "09:58:12", 35892 },
		{ "05/03/27 gegen 09:58", 35880 }, { "05/03/27 vraisemblablement 09:58", -1 }, { "05/03/27 à", -1 }, { "05/03/27 àà 09:58", 35880 },
		{ "05/03/27 a b c 09:58", -1 }, { "05/03/27 à09:58", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (teams_time_of_day(cases[i].s) != cases[i].want)
			fail_msg("'%s': %ld, want %ld", cases[i].s, teams_time_of_day(cases[i].s), cases[i].want);
}

static void test_date_matches(void **state)
{
	static const struct {
		const char *s;
		int y, m, d, want;
	} cases[] = {
		{ "3/5/27, 9:58:12 AM", 2027, 3, 5, 1 },    /* en-US, month first */
		{ "05/03/27, 09:58:12", 2027, 3, 5, 1 },    /* en-GB, day first */
		{ "05-03-2027 09.58.12", 2027, 3, 5, 1 },
		{ "2027-03-05T09:58:12Z", 2027, 3, 5, 1 },
		{ "3/5/27, 9:58:12 AM", 2027, 5, 3, 1 },    /* either reading: the report does not say */
		{ "3/5/27, 9:58:12 AM", 2027, 5, 7, 0 },
		{ "13/5/27, 9:58:12 AM", 2027, 5, 13, 1 },
		{ "13/5/27, 9:58:12 AM", 2027, 13, 5, 0 },
		{ "2027-03-06 09:58", 2027, 3, 5, 0 },
		{ "9:58:12 AM", 2027, 3, 5, -1 },
		{ "31/31/27, 9:58", 2027, 3, 5, -1 },
		{ "05/03/27 à 09:58:12", 2027, 3, 5, 1 },
		{ "07/05/2027 09:57:40", 2027, 7, 5, 1 },
		{ "07/05/2027 09:57:40", 2027, 5, 7, 1 },
		{ "2027/03/05 09:58", 2027, 3, 5, 1 },
		{ "", 2027, 3, 5, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = teams_date_matches(cases[i].s, cases[i].y, cases[i].m, cases[i].d);
		if (got != cases[i].want)
			fail_msg("'%s' vs %d-%d-%d: %d, want %d", cases[i].s, cases[i].y, cases[i].m, cases[i].d, got,
				 cases[i].want);
	}
}

static void test_name_match(void **state)
{
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
		{ "Dennis Kragh", "Kragh, Dennis", 2 },
		{ "Dennis Kragh", "DENNIS KRAGH", 2 },
		{ "Søren Ørsted", "Soren Orsted", 2 },
		{ "Søren Ørsted", "Soeren Oersted", 2 },
		{ "Søren Ørsted", "ØRSTED, SØREN", 2 },
		{ "Bo Aagaard", "Bo Ågaard", 2 },
		{ "Anne Mose Dahl", "Anne Mose-Dahl", 2 },
		{ "Rikke K. Laursen", "Rikke Laursen", 2 },
		{ "José Müller", "Jose Mueller", 2 },
		{ "Anne Mose Dahl", "Anne Dahl", 1 },
		{ "Anne Dahl", "Dahl, Anne Mose", 1 },
		{ "Anne Mose Dahl", "Anne", 0 },
		{ "Dennis Kragh", "Dennis Krag", 0 },
		{ "Lise Holm", "Lise Holmberg", 0 },
		{ "Bo Aagaard", "", 0 },
		{ "", "", 0 },
		{ "+4512****34", "Bo Aagaard", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ab = teams_name_match(cases[i].a, cases[i].b), ba = teams_name_match(cases[i].b, cases[i].a);
		if (ab != cases[i].want || ba != cases[i].want)
			fail_msg("'%s' vs '%s': %d/%d, want %d", cases[i].a, cases[i].b, ab, ba, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_role_and_upn),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_shape_caps),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_time_of_day),
		cmocka_unit_test(test_date_matches),
		cmocka_unit_test(test_name_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
