/* What tovholder writes for others to open: util_write_file (the one temp-file + rename path of every -o FILE,
 * the rapport CSVs, the handover and modtag's files) and buf_add_csv (the one CSV cell writer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "util.h"

static char *tmp_dir(void)
{
	char *dir = xasprintf("%s/test_output.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");

	assert_non_null(mkdtemp(dir));
	return dir;
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void rm_dir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char *p = xasprintf("%s/%s", dir, e->d_name);
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
	free(dir);
}

static void assert_file(const char *path, const char *want)
{
	struct err err = { "" };
	char *got = util_read_file(path, 1024, NULL, &err);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* A symlink planted where the old code put its temp file ("FILE.tmp.PID", O_CREAT|O_TRUNC) pointed at a file
 * of the victim's: the victim keeps its bytes, the output lands in FILE, and no temp file is left. */
static void test_write_planted_symlink(void **state)
{
	char *dir = tmp_dir();
	char *victim = xasprintf("%s/victim", dir), *out = xasprintf("%s/fravaer.csv", dir);
	char *planted = xasprintf("%s.tmp.%ld", out, (long)getpid());
	struct err err = { "" };
	struct stat st;

	(void)state;
	assert_int_equal(util_write_file(victim, "KEEP\n", 5, 0600, &err), 0);
	assert_int_equal(symlink(victim, planted), 0);
	assert_int_equal(util_write_file(out, "navn;org\r\n", 10, 0644, &err), 0);
	assert_file(victim, "KEEP\n");
	assert_file(out, "navn;org\r\n");
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(lstat(planted, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(dir), 3);   /* victim, the output, the planted link: no temp file */
	free(victim);
	free(out);
	free(planted);
	rm_dir(dir);
}

/* A symlink at the target itself is replaced by the file, never written through. */
static void test_write_target_symlink(void **state)
{
	char *dir = tmp_dir();
	char *victim = xasprintf("%s/victim", dir), *out = xasprintf("%s/rapport.csv", dir);
	struct err err = { "" };
	struct stat st;

	(void)state;
	assert_int_equal(util_write_file(victim, "KEEP\n", 5, 0600, &err), 0);
	assert_int_equal(symlink(victim, out), 0);
	assert_int_equal(util_write_file(out, "ny\n", 3, 0644, &err), 0);
	assert_file(victim, "KEEP\n");
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_file(out, "ny\n");
	free(victim);
	free(out);
	rm_dir(dir);
}

/* The mode asked for, less the umask, whatever mkstemp created the file with. */
static void test_write_mode(void **state)
{
	char *dir = tmp_dir();
	char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/b", dir);
	struct err err = { "" };
	mode_t old = umask(022);
	struct stat st;

	(void)state;
	assert_int_equal(util_write_file(a, "x", 1, 0644, &err), 0);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	umask(077);
	assert_int_equal(util_write_file(b, "x", 1, 0644, &err), 0);
	assert_int_equal(stat(b, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	umask(old);
	free(a);
	free(b);
	rm_dir(dir);
}

static void test_write_fails(void **state)
{
	struct err err = { "" };

	(void)state;
	assert_int_equal(util_write_file("/nonexistent-dir.example/out.csv", "x", 1, 0644, &err), -1);
	assert_non_null(strstr(err.msg, "cannot create a temporary file beside '/nonexistent-dir.example/out.csv'"));
}

/* The one CSV cell writer: Excel never runs a cell as a formula; numbers and ordinary text stay as they are. */
static const struct csv_case {
	const char *in, *want;
} csv_cases[] = {
	{ "Anne Mose Dahl", "Anne Mose Dahl" },
	{ "=HYPERLINK(\"https://x.example\",\"klik\")", "\"'=HYPERLINK(\"\"https://x.example\"\",\"\"klik\"\")\"" },
	{ "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0" },
	{ "+45 12 34 56 78", "'+45 12 34 56 78" },
	{ "@SUM(A1:A9)", "'@SUM(A1:A9)" },
	{ "-", "'-" },
	{ "-2+3", "'-2+3" },
	{ "\t=1+1", "'\t=1+1" },
	{ "\r=1+1", "\"'\r=1+1\"" },
	{ "=1;2", "\"'=1;2\"" },
	{ "'=already", "''=already" },
	{ "''-x", "'''-x" },
	{ "'t Hooft", "'t Hooft" },
	{ "-3", "-3" },
	{ "+4,5", "+4,5" },
	{ "12.50", "12.50" },
	{ "-3,", "'-3," },
	{ "Greve; Vest", "\"Greve; Vest\"" },
	{ " kant ", "\" kant \"" },
	{ "", "" },
};

static void test_csv_cell(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		struct buf b;

		buf_init(&b);
		csv_cell(&b, csv_cases[i].in);
		if (strcmp(b.data, csv_cases[i].want) != 0)
			print_error("'%s': got '%s', want '%s'\n", csv_cases[i].in, b.data, csv_cases[i].want);
		assert_string_equal(b.data, csv_cases[i].want);
		/* an unquoted cell reads back through csv_unguard as the value it was */
		if (b.data[0] != '"')
			assert_string_equal(csv_unguard(b.data), csv_cases[i].in);
		buf_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_planted_symlink),
		cmocka_unit_test(test_write_target_symlink),
		cmocka_unit_test(test_write_mode),
		cmocka_unit_test(test_write_fails),
		cmocka_unit_test(test_csv_cell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
