/* Unit tests for referatdoc.c: heading, place, guests per item, and each format's structure. Every person here
 * is invented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "referatdoc.h"
#include "util.h"

#define YES REFERAT_ACCEPTED
#define NO REFERAT_DECLINED
#define NONE REFERAT_NO_ANSWER
#define HERE REFERAT_PRESENT
#define AWAY REFERAT_ABSENT

/* name, org, email, is_secretary, is_guest, answer, substitute */
static const struct referat_person people[] = {
	{ "Anne Mose Dahl", "Faxe", "anne@faxe.example", 0, 0, HERE, NULL },
	{ "Bo Aagaard", "Greve", "bo@greve.example", 0, 0, NO, NULL },
	{ "Dennis Kragh", "Holbæk", "dennis@holbaek.example", 0, 0, AWAY, "Lone Krat" },
	{ "Frederik Hald", "Køge", "frederik@koege.example", 0, 0, AWAY, NULL },
	{ "Jesper Vang", "Solrød", "jesper@solroed.example", 1, 0, HERE, NULL },
	{ "Gitte Fog", "Aalborg Universitet", "gitte@aau.example", 0, 1, HERE, NULL },
	{ "Tue Bilde", "Region Sjælland", "tue@region.example", 0, 1, HERE, NULL },
	{ "Ida Smed", "Næstved Kommune", "ida@naestved.example", 0, 1, HERE, NULL },
	{ "Ole Brun", "Næstved Kommune", "ole@naestved.example", 0, 1, HERE, NULL },
	{ "Pia Lund", "Rammeaftale Sjælland", "pia@ramme.example", 0, 1, NO, NULL },
	{ "Åge Ris", "Rammeaftale Sjælland", "aage@ramme.example", 0, 1, HERE, NULL },
};

static const char *const agenda[] = {
	"Velkommen og godkendelse af dagsorden",
	"Digitale løsninger & AI <på> \"børneområdet\"",
	"Nyt fra Rammeaftale Sjælland",
	"§ 32 institutioner",
	"Eventuelt",
};

static const struct referatdoc_guest guests[] = {
	{ "GITTE@aau.example", 2 },
	{ "ida@naestved.example", 4 },
	{ "ole@naestved.example", 4 },
	{ "pia@ramme.example", 3 },      /* sent afbud: stays on Afbud */
	{ "aage@ramme.example", 3 },
	{ "ida@naestved.example", 4 },   /* twice: named once */
	{ "ghost@nowhere.example", 2 },  /* not invited: nobody to name */
	{ "tue@region.example", 9 },     /* no item 9: Tue stays on Deltagere */
};

static struct referatdoc doc(void)
{
	return (struct referatdoc){
		.group = "Netværksgruppe Børn og Unge",
		.year = 2027, .month = 3, .day = 5,
		.start_min = 600, .end_min = 780,
		.place = "online",
		.online_url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting",
		.agenda = agenda, .n_agenda = 5,
		.secretary = "Jesper Vang (Solrød)",
		.people = people, .n_people = sizeof(people) / sizeof(people[0]),
		.guests = guests, .n_guests = sizeof(guests) / sizeof(guests[0]),
	};
}

static const char want_lines[] =
	"Afbud: Bo Aagaard (Greve), Pia Lund (Rammeaftale Sjælland)\n"
	"Deltagere: Anne Mose Dahl (Faxe), Lone Krat (Holbæk) for Dennis Kragh, Tue Bilde (Region Sjælland)\n"
	"Samt under punkt 2 Gitte Fog (Aalborg Universitet), under punkt 3 Åge Ris (Rammeaftale Sjælland) og under "
	"punkt 4 Ida Smed og Ole Brun (Næstved Kommune)\n"
	"Referat: Jesper Vang (Solrød)\n"
	"Fraværende: Dennis Kragh (Holbæk), Frederik Hald (Køge)\n";

static void test_heading(void **state)
{
	struct referatdoc d = doc();
	char *h;

	(void)state;
	h = referatdoc_heading(&d);
	assert_string_equal(h, "REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00");
	free(h);
	d.group = "";
	d.start_min = 11 * 60 + 5;
	d.day = 29;
	d.month = 11;
	h = referatdoc_heading(&d);
	assert_string_equal(h, "REFERAT den 29. november 2027 kl. 11.05-13.00");
	free(h);
}

static const struct {
	const char *place, *url, *want;
} place_cases[] = {
	{ "online", "https://teams.microsoft.com/l/meetup-join/x", "Virtuelt møde i TEAMS" },
	{ "Online", "https://TEAMS.live.com/meet/9", "Virtuelt møde i TEAMS" },
	{ "online", "https://gov.teams.microsoft.us/l/x", "Virtuelt møde i TEAMS" },
	{ "online", "https://zoom.us/j/123?pwd=x", "Virtuelt møde via zoom.us" },
	{ "online", "https://user:pw@Moede.Kommune.example:8443/rum#a", "Virtuelt møde via moede.kommune.example" },
	{ "online", "https://notteams.microsoft.com.evil.example/x", "Virtuelt møde via notteams.microsoft.com.evil.example" },
	{ "online", "https://fake-teams.microsoft.com/x", "Virtuelt møde via fake-teams.microsoft.com" },
	{ "online", NULL, "Virtuelt møde" },
	{ "online", "", "Virtuelt møde" },
	{ "Hækkervej 3, 4100 Ringsted, mødelokale 1", NULL, "Adresse: Hækkervej 3, 4100 Ringsted, mødelokale 1" },
	{ "Rådhuspladsen 1, 4700 Næstved", "https://teams.microsoft.com/l/x",
	  "Adresse: Rådhuspladsen 1, 4700 Næstved (og virtuelt i TEAMS)" },
	{ "Torvet 1", "https://meet.example/abc", "Adresse: Torvet 1 (og virtuelt via meet.example)" },
};

static void test_place(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(place_cases) / sizeof(place_cases[0]); i++) {
		struct referatdoc d = doc();
		char *got;

		d.place = place_cases[i].place;
		d.online_url = place_cases[i].url;
		got = referatdoc_place(&d);
		if (strcmp(got, place_cases[i].want) != 0)
			fail_msg("place '%s' url '%s': got '%s', want '%s'", place_cases[i].place,
				 place_cases[i].url ? place_cases[i].url : "(null)", got, place_cases[i].want);
		free(got);
	}
}

static void test_lines(void **state)
{
	struct referatdoc d = doc();
	char *got;

	(void)state;
	got = referatdoc_lines(&d);
	assert_string_equal(got, want_lines);
	free(got);

	/* without guest items the lines are referat_lines' own, guests on Deltagere */
	d.n_guests = 0;
	got = referatdoc_lines(&d);
	char *plain = referat_lines(d.secretary, d.people, d.n_people);
	assert_string_equal(got, plain);
	assert_null(strstr(got, "Samt"));
	assert_non_null(strstr(got, "Gitte Fog (Aalborg Universitet)"));
	free(plain);
	free(got);
}

/* One guest under one item; two items; the guest under two items. */
static void test_samt_forms(void **state)
{
	static const struct {
		struct referatdoc_guest g[3];
		size_t n;
		const char *want;
	} cases[] = {
		{ { { "gitte@aau.example", 2 } }, 1, "Samt under punkt 2 Gitte Fog (Aalborg Universitet)\n" },
		{ { { "gitte@aau.example", 5 }, { "tue@region.example", 1 } }, 2,
		  "Samt under punkt 1 Tue Bilde (Region Sjælland) og under punkt 5 Gitte Fog (Aalborg Universitet)\n" },
		{ { { "gitte@aau.example", 2 }, { "gitte@aau.example", 3 } }, 2,
		  "Samt under punkt 2 Gitte Fog (Aalborg Universitet) og under punkt 3 Gitte Fog (Aalborg "
		  "Universitet)\n" },
		{ { { "ole@naestved.example", 4 }, { "gitte@aau.example", 4 }, { "ida@naestved.example", 4 } }, 3,
		  "Samt under punkt 4 Ole Brun (Næstved Kommune), Gitte Fog (Aalborg Universitet) og Ida Smed "
		  "(Næstved Kommune)\n" },
		{ { { "pia@ramme.example", 2 } }, 1, NULL },   /* afbud: no Samt line */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct referatdoc d = doc();
		char *got, *samt;

		d.guests = cases[i].g;
		d.n_guests = cases[i].n;
		got = referatdoc_lines(&d);
		samt = strstr(got, "Samt ");
		if (!cases[i].want) {
			assert_null(samt);
		} else {
			assert_non_null(samt);
			/* right after Deltagere, and the line ends where Referat begins */
			assert_int_equal(samt[-1], '\n');
			assert_int_equal(strncmp(samt, cases[i].want, strlen(cases[i].want)), 0);
			assert_int_equal(strncmp(samt + strlen(cases[i].want), "Referat: ", 9), 0);
			assert_non_null(strstr(got, "\nSamt"));
			assert_true(strstr(got, "Deltagere: ") < samt);
		}
		free(got);
	}
}

static char *render(const struct referatdoc *d, enum referatdoc_format f, size_t *len)
{
	struct err err = { "" };
	char *out = NULL;

	assert_int_equal(referatdoc_render(d, f, &out, len, &err), 0);
	assert_non_null(out);
	return out;
}

static void test_txt(void **state)
{
	struct referatdoc d = doc();
	size_t len;
	char *out = render(&d, REFERATDOC_TXT, &len);
	char *want;

	(void)state;
	want = xasprintf("REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00\n"
			 "\n"
			 "Virtuelt møde i TEAMS\n"
			 "\n"
			 "Afbud: Bo Aagaard (Greve), Pia Lund (Rammeaftale Sjælland)\n"
			 "\n"
			 "Deltagere: Anne Mose Dahl (Faxe), Lone Krat (Holbæk) for Dennis Kragh, Tue Bilde (Region "
			 "Sjælland)\n"
			 "Samt under punkt 2 Gitte Fog (Aalborg Universitet), under punkt 3 Åge Ris (Rammeaftale "
			 "Sjælland) og under punkt 4 Ida Smed og Ole Brun (Næstved Kommune)\n"
			 "\n"
			 "Referat: Jesper Vang (Solrød)\n"
			 "\n"
			 "Fraværende: Dennis Kragh (Holbæk), Frederik Hald (Køge)\n"
			 "\n"
			 "Dagsorden og referat\n"
			 "\n"
			 "1. Velkommen og godkendelse af dagsorden\n\n\n"
			 "\n"
			 "2. Digitale løsninger & AI <på> \"børneområdet\"\n\n\n"
			 "\n"
			 "3. Nyt fra Rammeaftale Sjælland\n\n\n"
			 "\n"
			 "4. § 32 institutioner\n\n\n"
			 "\n"
			 "5. Eventuelt\n\n\n");
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	free(want);
	free(out);

	/* no agenda: said so, still room to write */
	d.n_agenda = 0;
	d.n_guests = 0;
	out = render(&d, REFERATDOC_TXT, &len);
	assert_non_null(strstr(out, "\nDagsorden og referat\n\nIngen punkter på dagsordenen.\n"));
	free(out);
}

static void test_md(void **state)
{
	struct referatdoc d = doc();
	size_t len;
	char *out;

	(void)state;
	d.place = "12. Vej 4, *hus*";
	d.online_url = NULL;
	out = render(&d, REFERATDOC_MD, &len);
	assert_int_equal(strncmp(out, "# REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00\n\n",
				 strlen("# REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00\n\n")), 0);
	/* the address starts "Adresse:", so its "12." is no list; its stars are no emphasis */
	assert_non_null(strstr(out, "\nAdresse: 12. Vej 4, \\*hus\\*\n"));
	assert_non_null(strstr(out, "\n**Afbud:** Bo Aagaard (Greve), Pia Lund (Rammeaftale Sjælland)\n"));
	assert_non_null(strstr(out, "\n**Deltagere:** Anne Mose Dahl"));
	assert_non_null(strstr(out, "\n\nSamt under punkt 2 Gitte Fog"));
	assert_non_null(strstr(out, "\n**Referat:** Jesper Vang (Solrød)\n"));
	assert_non_null(strstr(out, "\n## Dagsorden og referat\n"));
	assert_non_null(strstr(out, "\n### 1. Velkommen og godkendelse af dagsorden\n\n\n"));
	assert_non_null(strstr(out, "\n### 2. Digitale løsninger \\& AI \\<på\\> \"børneområdet\"\n"));
	assert_non_null(strstr(out, "\n### 5. Eventuelt\n\n\n"));
	assert_null(strstr(out, "<på>"));
	free(out);
}

/* Count of non-overlapping occurrences. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void test_html(void **state)
{
	struct referatdoc d = doc();
	size_t len;
	char *out;

	(void)state;
	out = render(&d, REFERATDOC_HTML, &len);
	assert_int_equal(strncmp(out, "<!DOCTYPE html>\n<html lang=\"da\">", 31), 0);
	assert_non_null(strstr(out, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(out, "@media print"));
	assert_non_null(strstr(out, "<h1>REFERAT - Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00</h1>"));
	assert_non_null(strstr(out, "<p class=\"sted\">Virtuelt møde i TEAMS</p>"));
	assert_non_null(strstr(out, "<p><strong>Afbud:</strong> Bo Aagaard (Greve), Pia Lund (Rammeaftale Sjælland)</p>"));
	assert_non_null(strstr(out, "<p class=\"samt\">Samt under punkt 2 Gitte Fog"));
	assert_non_null(strstr(out, "<thead><tr><th>Dagsordenspunkt</th><th>Referat</th></tr></thead>"));
	assert_int_equal(count(out, "<td class=\"punkt\">"), 5);
	assert_int_equal(count(out, "<td class=\"referat\"></td>"), 5);
	assert_non_null(strstr(out, "<td class=\"punkt\">2. Digitale løsninger &amp; AI &lt;på&gt; "
				    "&quot;børneområdet&quot;</td>"));
	/* nothing from outside: no script, no link to another resource */
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<link"));
	assert_null(strstr(out, "src="));
	assert_int_equal(strcmp(out + len - 8, "</html>\n"), 0);
	free(out);

	/* a name cannot inject markup */
	struct referat_person evil[] = { { "<b>X</b>", "A&B", "x@y.example", 0, 0, YES, NULL } };
	d.people = evil;
	d.n_people = 1;
	d.n_guests = 0;
	out = render(&d, REFERATDOC_HTML, &len);
	assert_non_null(strstr(out, "<strong>Deltagere:</strong> &lt;b&gt;X&lt;/b&gt; (A&amp;B)</p>"));
	free(out);
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The stored entry 'name' of a ZIP made of stored entries, NUL-terminated (caller frees), or NULL. */
static char *zip_entry(const unsigned char *a, size_t len, const char *name)
{
	const unsigned char *end = a + len - 22, *c;

	assert_int_equal(get32(end), 0x06054b50u);
	c = a + get32(end + 16);
	for (unsigned i = 0; i < get16(end + 10); i++) {
		size_t nl = get16(c + 28);
		if (nl == strlen(name) && !memcmp(c + 46, name, nl)) {
			const unsigned char *l = a + get32(c + 42);
			size_t size = get32(l + 22);
			char *out = malloc(size + 1);
			memcpy(out, l + 30 + get16(l + 26) + get16(l + 28), size);
			out[size] = '\0';
			return out;
		}
		c += 46 + nl + get16(c + 30) + get16(c + 32);
	}
	return NULL;
}

static void test_docx(void **state)
{
	static const char *const parts[] = { "[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels",
					     "word/document.xml", "word/styles.xml" };
	struct referatdoc d = doc();
	size_t len;
	unsigned char *out;
	char *xml, *ct;

	(void)state;
	out = (unsigned char *)render(&d, REFERATDOC_DOCX, &len);
	assert_int_equal(get32(out), 0x04034b50u);
	/* [Content_Types].xml is the first entry */
	assert_int_equal(get16(out + 26), strlen("[Content_Types].xml"));
	assert_memory_equal(out + 30, "[Content_Types].xml", 19);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *p = zip_entry(out, len, parts[i]);
		if (!p)
			fail_msg("no part '%s'", parts[i]);
		assert_int_equal(strncmp(p, "<?xml version=\"1.0\" encoding=\"UTF-8\"", 36), 0);
		free(p);
	}
	ct = zip_entry(out, len, "[Content_Types].xml");
	assert_non_null(strstr(ct, "PartName=\"/word/document.xml\" ContentType=\"application/"
				   "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\""));
	free(ct);

	xml = zip_entry(out, len, "word/document.xml");
	assert_non_null(strstr(xml, "<w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t xml:space=\"preserve\">REFERAT - "
				    "Netværksgruppe Børn og Unge den 5. marts 2027 kl. 10.00-13.00</w:t>"));
	assert_non_null(strstr(xml, "<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space=\"preserve\">Afbud: </w:t></w:r>"
				    "<w:r><w:t xml:space=\"preserve\">Bo Aagaard (Greve), Pia Lund"));
	/* Samt continues the Deltagere paragraph after a line break */
	assert_non_null(strstr(xml, "Tue Bilde (Region Sjælland)</w:t></w:r><w:r><w:br/></w:r><w:r><w:t "
				    "xml:space=\"preserve\">Samt under punkt 2 Gitte Fog"));
	assert_int_equal(count(xml, "<w:tbl>"), 1);
	assert_int_equal(count(xml, "<w:tr>"), 1 + 5);
	assert_int_equal(count(xml, "<w:tc>"), 2 * (1 + 5));
	assert_int_equal(count(xml, "<w:tblHeader/>"), 1);
	assert_non_null(strstr(xml, ">Dagsordenspunkt</w:t>"));
	assert_non_null(strstr(xml, ">2. Digitale løsninger &amp; AI &lt;på&gt; &quot;børneområdet&quot;</w:t>"));
	/* every cell holds a paragraph (Word refuses a cell without one), and the body ends with one */
	assert_int_equal(count(xml, "<w:tc>"), count(xml, "</w:tcPr><w:p>"));
	assert_non_null(strstr(xml, "</w:tbl><w:p/><w:sectPr>"));
	/* balanced paragraphs */
	assert_int_equal(count(xml, "<w:p>") + count(xml, "<w:p/>") - 1, count(xml, "</w:p>"));
	free(xml);
	free(out);

	/* one record, one file: the same bytes every time */
	size_t len2;
	unsigned char *again = (unsigned char *)render(&d, REFERATDOC_DOCX, &len2);
	out = (unsigned char *)render(&d, REFERATDOC_DOCX, &len);
	assert_int_equal(len, len2);
	assert_memory_equal(out, again, len);
	free(again);
	free(out);
}

static void test_control_characters(void **state)
{
	static const char *const bad_agenda[] = { "Punkt\x01 med\ttegn\x7f" };
	struct referatdoc d = doc();
	size_t len;
	unsigned char *out;
	char *xml, *html;

	(void)state;
	d.agenda = bad_agenda;
	d.n_agenda = 1;
	d.n_guests = 0;
	out = (unsigned char *)render(&d, REFERATDOC_DOCX, &len);
	xml = zip_entry(out, len, "word/document.xml");
	assert_non_null(strstr(xml, ">1. Punkt  med tegn </w:t>"));
	free(xml);
	free(out);
	html = render(&d, REFERATDOC_HTML, &len);
	assert_non_null(strstr(html, ">1. Punkt  med tegn </td>"));
	free(html);
}

static void test_format_parse(void **state)
{
	static const struct {
		const char *name;
		int rc;
		enum referatdoc_format f;
	} cases[] = {
		{ "txt", 0, REFERATDOC_TXT }, { "MD", 0, REFERATDOC_MD }, { "markdown", 0, REFERATDOC_MD },
		{ "Html", 0, REFERATDOC_HTML }, { "docx", 0, REFERATDOC_DOCX }, { "doc", -1, 0 }, { "", -1, 0 },
		{ "pdf", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum referatdoc_format f = (enum referatdoc_format)99;
		assert_int_equal(referatdoc_format_parse(cases[i].name, &f), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(f, cases[i].f);
		else
			assert_int_equal(f, 99);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heading),
		cmocka_unit_test(test_place),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_samt_forms),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_md),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_docx),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_format_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
