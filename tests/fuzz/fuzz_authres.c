/* libFuzzer: Authentication-Results. The input is lines: the first a From domain, the rest field values in
 * header order (topmost first). Each is parsed alone; then the service's field is looked for as Google's
 * (mx.google.com) and as Exchange Online's, and judged for the domain. Aborts when a cap is broken or a
 * value is not a short lower-case string. */
#include <stdlib.h>

#include "authres.h"
#include "fuzz.h"

static void check(const struct authres *a)
{
	if (a->n_results > AUTHRES_MAX_RESULTS || strlen(a->authserv_id) > AUTHRES_MAX_VALUE)
		abort();
	for (size_t i = 0; i < a->n_results; i++) {
		const struct authres_result *r = &a->results[i];
		if (r->n_props > AUTHRES_MAX_PROPS || !r->method[0] || !r->result[0])
			abort();
		for (const char *q = r->result; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_cstr(data, size), *save = NULL, *domain;
	const char *values[AUTHRES_MAX_FIELDS + 2];
	size_t n = 0;
	struct authres *a = xmalloc(sizeof(*a));

	domain = strtok_r(in, "\n", &save);
	for (char *v = strtok_r(NULL, "\n", &save); v && n < AUTHRES_MAX_FIELDS + 2; v = strtok_r(NULL, "\n", &save)) {
		values[n++] = v;
		authres_parse(v, a);
		check(a);
	}
	if (authres_find(values, n, AUTHRES_SERVICE_ID, "mx.google.com", a) >= 0) {
		check(a);
		(void)authres_verdict(a, domain ? domain : "", NULL, 0);
	}
	if (authres_find(values, n, AUTHRES_SERVICE_EXCHANGE, NULL, a) >= 0) {
		char why[64];
		check(a);
		if (a->authserv_id[0])
			abort();
		(void)authres_verdict(a, domain ? domain : "", why, sizeof(why));
	}
	free(a);
	free(in);
	return 0;
}
