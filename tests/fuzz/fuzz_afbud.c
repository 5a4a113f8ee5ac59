/* libFuzzer: the Danish free-text classifier. The input is "subject\ntext": the first line is the subject,
 * the rest the body of the reply, which is cut to its newest text first (afbud_newest_text), as reply.c does. */
#include <stdlib.h>

#include "afbud.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size);
	char *nl = strchr(in, '\n');
	const char *subject = in, *body = "";
	struct afbud_result r;

	if (nl) {
		*nl = '\0';
		body = nl + 1;
	}
	char *newest = afbud_newest_text(body);
	if (strlen(newest) > AFBUD_NEWEST_MAX)
		abort();
	afbud_classify(subject, newest, &r);
	if (r.n_dates > AFBUD_MAX_DATES || (r.answer == AFBUD_UNCLEAR) != (r.reason != NULL))
		abort();
	(void)afbud_answer_name(r.answer);
	afbud_result_release(&r);
	(void)afbud_strip_subject(subject);
	(void)afbud_is_autoreply_subject(subject);
	free(newest);
	free(in);
	return 0;
}
