/* libFuzzer: a raw incoming mail (inmail_parse), then every decision fetch makes on it: the calendar part and
 * its text, the human text (HTML to text), bounce, auto-reply and TNEF tests, and the header decoders on
 * Subject, From, Reply-To, Date, Message-ID and References. */
#include <stdlib.h>

#include "fuzz.h"
#include "autoreply.h"
#include "bounce.h"
#include "html.h"
#include "inmail.h"

static void decide_text(const struct inmail *m)
{
	int is_html = 0;
	const struct inmail_part *p = inmail_find_text(m, &is_html);
	struct err err = { "" };

	if (!p)
		return;
	char *text = inmail_part_text(p, &err);
	if (text && is_html) {
		char *plain = html_to_text(text);
		free(plain);
	}
	free(text);
}

static void decide_calendar(const struct inmail *m)
{
	const struct inmail_part *p = inmail_find_calendar(m);
	struct err err = { "" };
	size_t len = 0;

	if (!p)
		return;
	char *text = inmail_part_text(p, &err);
	free(text);
	char *raw = inmail_part_decode(p, &len, &err);
	free(raw);
}

static void decide_headers(const struct inmail *m)
{
	static const char *const addr_headers[] = { "From", "Reply-To", "Sender", "To" };
	static const char *const id_headers[] = { "Message-ID", "In-Reply-To", "References" };
	const char *why = NULL;
	char **v = NULL;
	size_t n = 0;

	char *subject = inmail_decode_words(inmail_header(m, "Subject"));
	free(subject);
	for (size_t i = 0; i < sizeof(addr_headers) / sizeof(addr_headers[0]); i++) {
		struct inmail_addr *a = NULL;

		if (inmail_parse_address_list(inmail_header(m, addr_headers[i]), &a, &n) == 0)
			inmail_addrs_free(a, n);
		free(inmail_first_address(m, addr_headers[i]));
	}
	for (size_t i = 0; i < sizeof(id_headers) / sizeof(id_headers[0]); i++) {
		if (inmail_parse_msgids(inmail_header(m, id_headers[i]), &v, &n) == 0)
			inmail_strv_free(v, n);
	}
	const char *date = inmail_header(m, "Date");
	if (date)
		(void)inmail_parse_date(date);
	(void)autoreply_detect(m, &why);
	(void)inmail_has_tnef(m);
	if (bounce_shape(m)) {
		struct bounce_info b;
		bounce_read(m, &b);
		bounce_info_release(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inmail m;
	struct err err = { "" };

	if (inmail_parse(&m, (const char *)data, size, &err) == 0) {
		decide_headers(&m);
		decide_calendar(&m);
		decide_text(&m);
	}
	inmail_release(&m);
	return 0;
}
