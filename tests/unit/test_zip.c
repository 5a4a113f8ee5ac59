/* Unit tests for zip.c: CRC-32 against published check values, and the archive read back field by field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "zip.h"

/* The check values every CRC-32 implementation is tested against (the "123456789" check value is in the
 * catalogue of parametrised CRC algorithms; the others agree with zlib's crc32()). */
static const struct {
	const char *in;
	size_t len;
	uint32_t want;
} crc_cases[] = {
	{ "", 0, 0x00000000u },
	{ "a", 1, 0xE8B7BE43u },
	{ "abc", 3, 0x352441C2u },
	{ "123456789", 9, 0xCBF43926u },
	{ "The quick brown fox jumps over the lazy dog", 43, 0x414FA339u },
	{ "\0\0\0\0", 4, 0x2144DF1Cu },
};

static void test_crc_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(crc_cases) / sizeof(crc_cases[0]); i++) {
		uint32_t got = zip_crc32(0, crc_cases[i].in, crc_cases[i].len);
		if (got != crc_cases[i].want)
			fail_msg("crc32('%s') = %08x, want %08x", crc_cases[i].in, got, crc_cases[i].want);
	}
}

/* Continuing over pieces gives the CRC of the whole, at every split point. */
static void test_crc_split(void **state)
{
	static const char text[] = "Fraværende: Ærø, Øster og Åbenrå";
	size_t len = strlen(text);
	uint32_t whole = zip_crc32(0, text, len);

	(void)state;
	assert_int_not_equal(whole, 0);
	for (size_t cut = 0; cut <= len; cut++)
		assert_int_equal(zip_crc32(zip_crc32(0, text, cut), text + cut, len - cut), whole);
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const struct {
	const char *name;
	const char *data;
} entries[] = {
	{ "[Content_Types].xml", "<Types/>" },
	{ "_rels/.rels", "" },
	{ "word/document.xml", "<w:document>Søren Ørsted</w:document>" },
	{ "mappe/æble.txt", "navn med æ" },
};
#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static char *build(size_t *ret_len)
{
	struct zip z;
	struct err err = { "" };

	zip_init(&z);
	for (size_t i = 0; i < N_ENTRIES; i++)
		assert_int_equal(zip_add(&z, entries[i].name, entries[i].data, strlen(entries[i].data), &err), 0);
	return zip_finish(&z, ret_len);
}

/* Walks the archive from its end record, as readers do, and checks every header against the entries. */
static void test_archive_layout(void **state)
{
	size_t len;
	unsigned char *a = (unsigned char *)build(&len);
	const unsigned char *end, *c;

	(void)state;
	assert_true(len > 22);
	end = a + len - 22;
	assert_int_equal(get32(end), 0x06054b50u);
	assert_int_equal(get16(end + 8), N_ENTRIES);
	assert_int_equal(get16(end + 10), N_ENTRIES);
	assert_int_equal(get32(end + 12) + get32(end + 16), len - 22);   /* the directory ends at the end record */
	assert_int_equal(get16(end + 20), 0);
	c = a + get32(end + 16);
	for (size_t i = 0; i < N_ENTRIES; i++) {
		const char *name = entries[i].name, *data = entries[i].data;
		size_t name_len = strlen(name), data_len = strlen(data);
		unsigned flags = strcmp(name, "mappe/æble.txt") == 0 ? 0x0800 : 0;
		const unsigned char *l;

		assert_int_equal(get32(c), 0x02014b50u);
		assert_int_equal(get16(c + 8), flags);
		assert_int_equal(get16(c + 10), 0);                       /* stored */
		assert_int_equal(get32(c + 16), zip_crc32(0, data, data_len));
		assert_int_equal(get32(c + 20), data_len);
		assert_int_equal(get32(c + 24), data_len);
		assert_int_equal(get16(c + 28), name_len);
		assert_memory_equal(c + 46, name, name_len);
		l = a + get32(c + 42);
		assert_int_equal(get32(l), 0x04034b50u);
		assert_int_equal(get16(l + 6), flags);
		assert_int_equal(get32(l + 14), zip_crc32(0, data, data_len));
		assert_int_equal(get32(l + 18), data_len);
		assert_int_equal(get16(l + 26), name_len);
		assert_int_equal(get16(l + 28), 0);
		assert_memory_equal(l + 30, name, name_len);
		assert_memory_equal(l + 30 + name_len, data, data_len);
		c += 46 + name_len + get16(c + 30) + get16(c + 32);
	}
	assert_ptr_equal(c, end);
	free(a);
}

/* The same entries give the same bytes (a fixed timestamp). */
static void test_reproducible(void **state)
{
	size_t la, lb;
	char *a = build(&la), *b = build(&lb);

	(void)state;
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

static void test_refused_names(void **state)
{
	static const char *bad[] = { "", "/etc/passwd" };
	struct zip z;
	struct err err = { "" };
	size_t len;
	char *a;

	(void)state;
	zip_init(&z);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(zip_add(&z, bad[i], "x", 1, &err), -1);
		assert_true(err.msg[0] != '\0');
	}
	assert_int_equal(zip_add(&z, "a.xml", "x", 1, &err), 0);
	assert_int_equal(zip_add(&z, "a.xml", "y", 1, &err), -1);
	assert_non_null(strstr(err.msg, "twice"));
	assert_int_equal(z.n, 1);
	a = zip_finish(&z, &len);
	assert_int_equal(len, 30 + 5 + 1 + 46 + 5 + 22);
	free(a);
}

static void test_empty_archive(void **state)
{
	struct zip z;
	size_t len;
	unsigned char *a;

	(void)state;
	zip_init(&z);
	a = (unsigned char *)zip_finish(&z, &len);
	assert_int_equal(len, 22);
	assert_int_equal(get32(a), 0x06054b50u);
	free(a);
	zip_release(&z);   /* after finish: empty, still safe */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_vectors),
		cmocka_unit_test(test_crc_split),
		cmocka_unit_test(test_archive_layout),
		cmocka_unit_test(test_reproducible),
		cmocka_unit_test(test_refused_names),
		cmocka_unit_test(test_empty_archive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
