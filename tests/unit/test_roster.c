/* roster: roster.csv as Excel writes it (encodings, delimiters, quoting), and every problem with its exact
 * "file:line: message". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "check_diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "roster.h"
#include "util.h"

#define F "roster.csv"
/* A literal that holds NUL bytes, and its length. */
#define LIT(s) s, sizeof(s) - 1


struct want_person {
	const char *name, *org, *email;
	enum role role;
	int line;
};

static const struct good_case {
	const char *label;
	const char *text;
	size_t len; /* 0: strlen */
	struct want_person people[5];
	size_t n;
} good_cases[] = {
	{ "plain UTF-8 with ';', Excel's empty rows, roles in any case",
	  "navn;organisation;email;rolle\n"
	  "Karin Lund;Solrød;  Karin.Lund@Solroed.example ;medlem\n"
	  "Jesper Vang;Solrød;jesper.vang@solroed.example;Sekretær\n"
	  ";;;\n"
	  "\n"
	  "Pernille Aagaard;Socialstyrelsen;pernille.aagaard@socialstyrelsen.example;GÆST\n"
	  "Åse Ebbesen;;aase.ebbesen@ringsted.example;\n",
	  0,
	  { { "Karin Lund", "Solrød", "karin.lund@solroed.example", ROLE_MEMBER, 2 },
	    { "Jesper Vang", "Solrød", "jesper.vang@solroed.example", ROLE_SECRETARY, 3 },
	    { "Pernille Aagaard", "Socialstyrelsen", "pernille.aagaard@socialstyrelsen.example", ROLE_GUEST, 6 },
	    { "Åse Ebbesen", "", "aase.ebbesen@ringsted.example", ROLE_MEMBER, 7 } },
	  4 },
	/* Excel's plain "CSV" in Denmark: Windows-1252 bytes, CRLF. æ=E6 ø=F8 å=E5 Æ=C6 Ø=D8 Å=C5 é=E9 €=80 */
	{ "Windows-1252",
	  "Navn;Kommune;E-mail;Rolle\r\n"
	  "S\xF8ren \xC6" "blegaard;K\xF8ge;soeren@koege.example;sekret\xE6r\r\n"
	  "\xC5se \xD8sterg\xE5rd;N\xE6stved;aase@naestved.example;G\xC6ST\r\n"
	  "Ren\xE9" "e Friis;Fonden \x80;renee@fonden.example;medlem\r\n",
	  0,
	  { { "Søren Æblegaard", "Køge", "soeren@koege.example", ROLE_SECRETARY, 2 },
	    { "Åse Østergård", "Næstved", "aase@naestved.example", ROLE_GUEST, 3 },
	    { "Renée Friis", "Fonden €", "renee@fonden.example", ROLE_MEMBER, 4 } },
	  3 },
	{ "BOM, CRLF, other column order, extra columns",
	  "\xEF\xBB\xBF" "Email;Telefon;Rolle;Navn;Organisation\r\n"
	  "ole.lykke@faxe.example;12345678;referent;Ole Lykke;Faxe\r\n"
	  "anja.toft@lejre.example;;gaest;Anja Toft;Lejre\r\n",
	  0,
	  { { "Ole Lykke", "Faxe", "ole.lykke@faxe.example", ROLE_SECRETARY, 2 },
	    { "Anja Toft", "Lejre", "anja.toft@lejre.example", ROLE_GUEST, 3 } },
	  2 },
	{ "a TAB inside a cell is a blank (TAB-separated rows too)",
	  "navn;organisation;email;rolle\n"
	  "\"Ole\tLykke\";Faxe\t;ole@faxe.example;medlem\n",
	  0,
	  { { "Ole Lykke", "Faxe", "ole@faxe.example", ROLE_MEMBER, 2 } },
	  1 },
	{ "quoted fields: ';', doubled quotes and a line break inside",
	  "navn;organisation;email;rolle\r\n"
	  "\"Lund; Karin\";\"Solrød\r\nKommune\";karin@solroed.example;medlem\r\n"
	  "\"Anja \"\"AT\"\" Toft\";Lejre;\"anja@lejre.example\";\"gæst\"\r\n"
	  "Ole Lykke;Faxe;ole@faxe.example;medlem\r\n",
	  0,
	  { { "Lund; Karin", "Solrød Kommune", "karin@solroed.example", ROLE_MEMBER, 2 },
	    { "Anja \"AT\" Toft", "Lejre", "anja@lejre.example", ROLE_GUEST, 4 },
	    { "Ole Lykke", "Faxe", "ole@faxe.example", ROLE_MEMBER, 5 } },
	  3 },
	{ "commas (English Excel), a quoted comma",
	  "Name,Organisation,Mail,Role\n"
	  "\"Vang, Jesper\",Solrød,jesper@solroed.example,secretary\n"
	  "Ole Lykke,Faxe,ole@faxe.example,guest\n",
	  0,
	  { { "Vang, Jesper", "Solrød", "jesper@solroed.example", ROLE_SECRETARY, 2 },
	    { "Ole Lykke", "Faxe", "ole@faxe.example", ROLE_GUEST, 3 } },
	  2 },
	{ "tabs (copied from a sheet), old Mac CR line ends",
	  "navn\torganisation\temail\trolle\r"
	  "Ole Lykke\tFaxe\tole@faxe.example\tmedlem\r"
	  "Anja Toft\tLejre, Roskilde\tanja@lejre.example\tgast\r",
	  0,
	  { { "Ole Lykke", "Faxe", "ole@faxe.example", ROLE_MEMBER, 2 },
	    { "Anja Toft", "Lejre, Roskilde", "anja@lejre.example", ROLE_GUEST, 3 } },
	  2 },
	{ "Excel's sep= line, no-break spaces and doubled blanks in names",
	  "sep=,\n"
	  "navn,organisation,email,rolle\n"
	  "\xC2\xA0Ole  Lykke\xC2\xA0,Faxe,ole@faxe.example,medlem",
	  0,
	  { { "Ole Lykke", "Faxe", "ole@faxe.example", ROLE_MEMBER, 3 } },
	  1 },
	{ "header only", "navn;organisation;email;rolle\r\n", 0, { { 0 } }, 0 },
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
		const struct good_case *c = &good_cases[i];
		struct roster r;
		struct diag d;
		static const char *const none[] = { NULL };

		diag_init(&d);
		int rc = roster_parse_buf(&r, c->text, c->len ? c->len : strlen(c->text), F, &d);

		check_diag(&d, none, c->label);
		assert_int_equal(rc, 0);
		if (r.n != c->n)
			print_error("case '%s': %zu people, want %zu\n", c->label, r.n, c->n);
		assert_int_equal(r.n, c->n);
		for (size_t k = 0; k < c->n; k++) {
			const struct want_person *w = &c->people[k];
			assert_string_equal(r.people[k].name, w->name);
			assert_string_equal(r.people[k].org, w->org);
			assert_string_equal(r.people[k].email, w->email);
			assert_int_equal(r.people[k].role, w->role);
			assert_int_equal(r.people[k].line, w->line);
		}
		roster_release(&r);
		diag_release(&d);
	}
}

static const struct bad_case {
	const char *label;
	const char *text;
	size_t len;
	const char *want[5];
	size_t n_people; /* the rows that could still be read */
} bad_cases[] = {
	{ "missing column",
	  "navn;email;rolle\nOle Lykke;ole@faxe.example;medlem\n", 0,
	  { F ":1: no column 'organisation' in the header: the first line must name the columns navn, organisation, "
	      "email and rolle" }, 0 },
	{ "no header at all: the first row is a person",
	  "\n\nOle Lykke;Faxe;ole@faxe.example;medlem\n", 0,
	  { F ":3: no column 'navn' in the header: the first line must name the columns navn, organisation, email "
	      "and rolle",
	    F ":3: no column 'organisation' in the header: the first line must name the columns navn, organisation, "
	    "email and rolle",
	    F ":3: no column 'email' in the header: the first line must name the columns navn, organisation, email "
	    "and rolle",
	    F ":3: no column 'rolle' in the header: the first line must name the columns navn, organisation, email "
	    "and rolle" }, 0 },
	{ "column twice",
	  "navn;mail;email;organisation;rolle\n", 0,
	  { F ":1: column 'email' appears twice in the header (columns 2 and 3): remove one" }, 0 },
	{ "bad address",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe;ole.faxe.example;medlem\nAnja Toft;Lejre;anja@lejre.example;\n",
	  0, { F ":2: bad address 'ole.faxe.example': write one plain address such as navn@kommune.dk" }, 1 },
	{ "two addresses in one cell",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe;\"ole@faxe.example, o@faxe.example\";medlem\n", 0,
	  { F ":2: bad address 'ole@faxe.example, o@faxe.example': write one plain address such as "
	      "navn@kommune.dk" }, 0 },
	{ "duplicate address, differently cased",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe;ole@faxe.example;medlem\n;;;\n"
	  "Ole L.;Faxe;OLE@faxe.example;gæst\n", 0,
	  { F ":4: address 'ole@faxe.example' is already on line 2: each person needs their own address" }, 1 },
	{ "unknown role",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe;ole@faxe.example;formand\n", 0,
	  { F ":2: unknown role 'formand': use medlem, sekretær or gæst" }, 0 },
	{ "empty name",
	  "navn;organisation;email;rolle\n  ;Faxe;ole@faxe.example;medlem\n", 0,
	  { F ":2: empty name: fill in navn" }, 0 },
	{ "no address",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe;;medlem\n", 0,
	  { F ":2: no address for 'Ole Lykke': fill in email" }, 0 },
	{ "too few fields",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe\n", 0,
	  { F ":2: too few fields (2, the header has 4): check the semicolons between them" }, 0 },
	{ "too few fields, commas",
	  "navn,organisation,email,rolle\nOle Lykke;Faxe;ole@faxe.example;medlem\n", 0,
	  { F ":2: too few fields (1, the header has 4): check the commas between them" }, 0 },
	{ "a quote never closed",
	  "navn;organisation;email;rolle\nOle Lykke;Faxe;ole@faxe.example;medlem\n"
	  "\"Anja Toft;Lejre;anja@lejre.example;medlem\nKarin Lund;Solrød;karin@solroed.example;medlem\n", 0,
	  { F ":3: a quote (\") opened on this line is never closed: check the quotes" }, 1 },
	{ "errors after a quoted line break keep their line",
	  "navn;organisation;email;rolle\n\"Ole\nLykke\";Faxe;ole@faxe.example;medlem\n"
	  "Anja Toft;Lejre;anja(at)lejre.example;medlem\n", 0,
	  { F ":4: bad address 'anja(at)lejre.example': write one plain address such as navn@kommune.dk" }, 1 },
	{ "UTF-16",
	  LIT("\xFF\xFEn\0a\0v\0n\0"),
	  { F ": the file is UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8'" }, 0 },
	{ "a byte Windows-1252 does not define",
	  "navn;organisation;email;rolle\nS\xF8ren;K\xF8ge;s@koege.example;medlem\nX\x81;Y;x@y.example;medlem\n", 0,
	  { F ":3: byte 0x81 is neither UTF-8 nor Windows-1252 text: save the file as 'CSV UTF-8'" }, 0 },
	{ "a NUL byte",
	  LIT("navn;organisation;email;rolle\nOle\0;Faxe;ole@faxe.example;medlem\n"),
	  { F ":2: byte 0x00 is neither UTF-8 nor Windows-1252 text: save the file as 'CSV UTF-8'" }, 0 },
	{ "control characters in a cell: ESC, DEL, C1 (U+0085) in UTF-8; the other rows still read",
	  "navn;organisation;email;rolle\n"
	  "Ole \x1b[2JLykke;Faxe;ole@faxe.example;medlem\n"
	  "Anja Toft;Lej\x7fre;anja@lejre.example;medlem\n"
	  "Karin Lund;Solrød;karin@solroed.example;sekret\xC2\x85r\n"
	  "Bo Holm;Greve;bo@greve.example;medlem\n", 0,
	  { F ":2: a control character (U+001B) in navn: delete it (Excel may show it as nothing at all)",
	    F ":3: a control character (U+007F) in organisation: delete it (Excel may show it as nothing at all)",
	    F ":4: a control character (U+0085) in rolle: delete it (Excel may show it as nothing at all)" },
	  1 },
	{ "empty file", "\xEF\xBB\xBF\r\n;;;\r\n", 0,
	  { F ": the file is empty: the first line must name the columns navn, organisation, email and rolle" }, 0 },
	{ "every problem, not just the first",
	  "navn;organisation;email;rolle\n"
	  "Ole Lykke;Faxe;ole@faxe;medlem\n"
	  ";Lejre;anja@lejre.example;formand\n"
	  "Karin Lund;Solrød;karin@solroed.example;medlem\n"
	  "Karin Lund;Solrød;karin@solroed.example;medlem\n", 0,
	  { F ":2: bad address 'ole@faxe': write one plain address such as navn@kommune.dk",
	    F ":3: empty name: fill in navn",
	    F ":3: unknown role 'formand': use medlem, sekretær or gæst",
	    F ":5: address 'karin@solroed.example' is already on line 4: each person needs their own address" },
	  1 },
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct roster r;
		struct diag d;

		diag_init(&d);
		assert_int_equal(roster_parse_buf(&r, c->text, c->len ? c->len : strlen(c->text), F, &d), -1);
		check_diag(&d, c->want, c->label);
		assert_int_equal(r.n, c->n_people);
		roster_release(&r);
		diag_release(&d);
	}
}

static void test_limits(void **state)
{
	struct roster r;
	struct diag d;
	struct buf b;
	char want[128];

	(void)state;
	diag_init(&d);
	buf_init(&b);
	buf_adds(&b, "navn;organisation;email;rolle\n");
	for (int i = 0; i < 5001; i++)
		buf_addf(&b, "Person %d;Kommune;p%d@kommune.example;medlem\n", i, i);
	assert_int_equal(roster_parse_buf(&r, b.data, b.len, F, &d), -1);
	assert_int_equal(r.n, 5000);
	assert_int_equal(d.n, 1);
	snprintf(want, sizeof(want), F ":%d: more than 5000 people: the roster holds at most 5000", 5002);
	assert_string_equal(d.msgs[0], want);
	roster_release(&r);
	diag_release(&d);

	/* a row over 4096 bytes is refused; the rows around it are read */
	buf_reset(&b);
	buf_adds(&b, "navn;organisation;email;rolle\nOle Lykke;Faxe;ole@faxe.example;medlem\n");
	buf_adds(&b, "Anja;\"");
	for (int i = 0; i < 5000; i++)
		buf_addch(&b, 'x');
	buf_adds(&b, "\";anja@lejre.example;medlem\nKarin Lund;Solrød;karin@solroed.example;medlem\n");
	assert_int_equal(roster_parse_buf(&r, b.data, b.len, F, &d), -1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msgs[0], F ":3: the row is longer than 4096 bytes");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.people[1].line, 4);
	roster_release(&r);
	diag_release(&d);
	buf_release(&b);
}

static void test_find_and_names(void **state)
{
	static const char text[] = "navn;organisation;email;rolle\nOle Lykke;Faxe;ole@faxe.example;sekretær\n";
	struct roster r;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_int_equal(roster_parse_buf(&r, text, strlen(text), F, &d), 0);
	assert_ptr_equal(roster_find(&r, "OLE@Faxe.Example"), &r.people[0]);
	assert_null(roster_find(&r, "anja@lejre.example"));
	assert_string_equal(roster_role_name(ROLE_MEMBER), "medlem");
	assert_string_equal(roster_role_name(ROLE_SECRETARY), "sekretær");
	assert_string_equal(roster_role_name(ROLE_GUEST), "gæst");
	roster_release(&r);
	roster_release(&r);
	assert_int_equal(r.n, 0);
	diag_release(&d);
}

static void test_example_file(void **state)
{
	char *dir = util_dirname(__FILE__);
	char *path = xasprintf("%s/../../config/roster.csv", dir);
	size_t members = 0, secretaries = 0, guests = 0;
	struct roster r;
	struct diag d;

	(void)state;
	free(dir);
	if (access(path, R_OK) != 0) {
		free(path);
		skip();
	}
	diag_init(&d);
	if (roster_load(&r, path, &d) < 0)
		diag_print(&d);
	assert_int_equal(d.n, 0);
	for (size_t i = 0; i < r.n; i++) {
		members += r.people[i].role == ROLE_MEMBER;
		secretaries += r.people[i].role == ROLE_SECRETARY;
		guests += r.people[i].role == ROLE_GUEST;
		assert_non_null(strstr(r.people[i].email, ".example"));
	}
	assert_true(members >= 8);
	assert_int_equal(secretaries, 1);
	assert_int_equal(guests, 3); /* the guests config/schedule.ini names */
	roster_release(&r);
	diag_release(&d);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_find_and_names),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
