/* Authentication-Results (RFC 8601 §2.2). The grammar, loosely read where real services stray from it:
 *
 *   [CFWS] authserv-id [CFWS version] ( ";" "none" / 1*( ";" method[/version] "=" result
 *          [reason=value] *( ptype "." property "=" pvalue ) ) )
 *
 * Google:   mx.google.com; dkim=pass header.i=@kommune.dk header.s=sel header.b=AbCd; spf=pass (google.com:
 *           domain of a@kommune.dk designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@kommune.dk;
 *           dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=kommune.dk
 * Exchange: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=kommune.dk; dkim=pass (signature was verified)
 *           header.d=kommune.dk;dmarc=pass action=none header.from=kommune.dk;compauth=pass reason=100
 *           (no authserv-id, and "action=" is neither a reason nor a property: read and dropped)
 * OpenDKIM/OpenDMARC: mx.kommune.dk; dkim=pass (2048-bit key; unprotected) header.d=kommune.dk …
 *
 * Comments nest and may hold ';' (OpenDKIM's "(2048-bit key; unprotected)"); quoted strings are values. A
 * field the scanner cannot follow is not guessed at: it is marked malformed and not trusted. */
#include "authres.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct scan {
	const char *p;
	int bad;
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 8601 Keyword: ALPHA / DIGIT / "-" (and "_", which some filters write). */
static int is_keyword(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* A value: a token, a dot-atom domain or local-part@domain; anything visible but the separators. */
static int is_value(char c)
{
	unsigned char u = (unsigned char)c;

	return u > ' ' && u != 0x7f && c != ';' && c != '(' && c != ')' && c != '"';
}

/* White space and comments (RFC 5322 §3.2.2, nesting bounded). An unclosed comment ends the field. */
static void cfws(struct scan *s)
{
	for (;;) {
		while (is_ws(*s->p))
			s->p++;
		if (*s->p != '(')
			return;
		int depth = 0;
		do {
			if (*s->p == '\\' && s->p[1])
				s->p++;
			else if (*s->p == '(' && ++depth > AUTHRES_MAX_COMMENT_DEPTH)
				s->bad = 1;
			else if (*s->p == ')')
				depth--;
			s->p++;
		} while (*s->p && depth > 0);
		if (depth > 0)
			s->bad = 1;
		if (s->bad)
			return;
	}
}

/* A word of keyword characters (value = 0) or value characters (value = 1), or a quoted string, lower-cased
 * into out. Returns its length; 0 when there is none; too long marks the scan bad. */
static size_t word(struct scan *s, int value, char *out, size_t cap)
{
	size_t n = 0;

	if (value && *s->p == '"') {
		for (s->p++; *s->p && *s->p != '"'; s->p++) {
			if (*s->p == '\\' && s->p[1])
				s->p++;
			if (n + 1 >= cap) {
				s->bad = 1;
				return 0;
			}
			out[n++] = *s->p;
		}
		if (*s->p != '"')
			s->bad = 1;
		else
			s->p++;
	} else {
		while (value ? is_value(*s->p) : is_keyword(*s->p)) {
			if (n + 1 >= cap) {
				s->bad = 1;
				return 0;
			}
			out[n++] = *s->p++;
		}
	}
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return n;
}

/* method[/version] "=" result, then reason, properties and Exchange's extra words up to the next ';'. */
static void resinfo(struct scan *s, struct authres *a)
{
	struct authres_result spare = { .n_props = 0 };
	struct authres_result *r = a->n_results < AUTHRES_MAX_RESULTS ? &a->results[a->n_results] : &spare;
	char key[32], prop[32], value[AUTHRES_MAX_VALUE + 1];

	memset(r, 0, sizeof(*r));
	if (!word(s, 0, r->method, sizeof(r->method))) {
		s->bad = 1;
		return;
	}
	cfws(s);
	if (*s->p == '/') { /* method-version */
		s->p++;
		cfws(s);
		if (!word(s, 0, key, sizeof(key)))
			s->bad = 1;
		cfws(s);
	}
	if (*s->p != '=') {
		/* "; none": no method was applied (§2.2) */
		if (strcmp(r->method, "none") != 0 || (*s->p && *s->p != ';'))
			s->bad = 1;
		return;
	}
	s->p++;
	cfws(s);
	if (!word(s, 0, r->result, sizeof(r->result))) {
		s->bad = 1;
		return;
	}
	if (r == &spare)
		a->flags |= AUTHRES_TOO_MANY;
	else
		a->n_results++;
	for (;;) {
		cfws(s);
		if (s->bad || !*s->p || *s->p == ';')
			return;
		if (!word(s, 0, key, sizeof(key))) {
			s->bad = 1;
			return;
		}
		cfws(s);
		prop[0] = '\0';
		if (*s->p == '.') {
			s->p++;
			cfws(s);
			if (!word(s, 0, prop, sizeof(prop))) {
				s->bad = 1;
				return;
			}
			cfws(s);
		}
		if (*s->p != '=') {
			s->bad = 1;
			return;
		}
		s->p++;
		cfws(s);
		word(s, 1, value, sizeof(value)); /* may be empty ("header.i="): kept as such */
		if (s->bad)
			return;
		/* reason=, Exchange's action=: not properties */
		if (prop[0] && r->n_props < AUTHRES_MAX_PROPS) {
			struct authres_prop *pp = &r->props[r->n_props++];
			snprintf(pp->name, sizeof(pp->name), "%.11s.%.11s", key, prop);
			memcpy(pp->value, value, strlen(value) + 1);
		}
	}
}

int authres_parse(const char *value, struct authres *a)
{
	struct scan s = { value ? value : "", 0 };
	char id[AUTHRES_MAX_VALUE + 1];
	const char *start;

	memset(a, 0, sizeof(*a));
	cfws(&s);
	start = s.p;
	/* The authserv-id, unless the first word is followed by '=' (Exchange Online writes no id). */
	if (!s.bad && word(&s, 1, id, sizeof(id))) {
		const char *eq = strchr(id, '=');
		if (eq) {
			s.p = start;
		} else {
			memcpy(a->authserv_id, id, strlen(id) + 1);
			cfws(&s);
			if (*s.p >= '0' && *s.p <= '9') { /* authres-version */
				while (*s.p >= '0' && *s.p <= '9')
					s.p++;
				cfws(&s);
			}
			if (*s.p && *s.p != ';')
				s.bad = 1;
		}
	} else if (!s.bad && *s.p) {
		s.bad = 1;
	}
	while (!s.bad) {
		cfws(&s);
		if (s.bad || !*s.p)
			break;
		if (*s.p == ';') {
			s.p++;
			continue;
		}
		resinfo(&s, a);
	}
	if (s.bad || (!a->authserv_id[0] && !a->n_results)) {
		a->flags |= AUTHRES_MALFORMED;
		return -1;
	}
	return 0;
}

int authres_find(const char *const *values, size_t n, enum authres_service service, const char *authserv_id,
		 struct authres *ret)
{
	if (n > AUTHRES_MAX_FIELDS)
		n = AUTHRES_MAX_FIELDS;
	for (size_t i = 0; i < n; i++) {
		int rc = authres_parse(values[i], ret);
		switch (service) {
		case AUTHRES_SERVICE_NONE:
			return -1;
		case AUTHRES_SERVICE_EXCHANGE:
			/* only the topmost: Exchange Online stamps every mail it receives from outside on top */
			return rc == 0 && !ret->authserv_id[0] ? (int)i : -1;
		case AUTHRES_SERVICE_ID:
			if (!authserv_id || !ret->authserv_id[0] || strcasecmp(ret->authserv_id, authserv_id) != 0)
				continue;
			return rc == 0 ? (int)i : -1;
		}
	}
	return -1;
}

int authres_aligned(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (!la || !lb)
		return 0;
	if (la == lb)
		return strcasecmp(a, b) == 0;
	if (la < lb) {
		const char *t = a;
		a = b;
		b = t;
		la = strlen(a);
		lb = strlen(b);
	}
	/* a is the longer: a subdomain of b, and b more than a top-level domain */
	return strchr(b, '.') && a[la - lb - 1] == '.' && strcasecmp(a + la - lb, b) == 0;
}

static const char *prop_of(const struct authres_result *r, const char *name)
{
	for (size_t i = 0; i < r->n_props; i++)
		if (strcmp(r->props[i].name, name) == 0)
			return r->props[i].value;
	return NULL;
}

/* "a@kommune.dk" or "kommune.dk" or "@kommune.dk" → "kommune.dk" */
static const char *domain_of(const char *v)
{
	const char *at = v ? strrchr(v, '@') : NULL;

	return at ? at + 1 : v;
}

enum authres_verdict authres_verdict(const struct authres *a, const char *from_domain, char *why, size_t n)
{
	const char *pass = NULL;
	char scratch[1];

	if (!why) {
		why = scratch;
		n = sizeof(scratch);
	}
	snprintf(why, n, "no dmarc, spf or dkim pass for %s", from_domain);
	for (size_t i = 0; i < a->n_results; i++) {
		const struct authres_result *r = &a->results[i];
		const char *hf;
		int ok = strcmp(r->result, "pass") == 0;

		if (strcmp(r->method, "dmarc") == 0) {
			hf = prop_of(r, "header.from");
			/* a fail about our From (or about no domain named) decides, whatever passes beside it */
			if (strcmp(r->result, "fail") == 0 && (!hf || strcasecmp(hf, from_domain) == 0)) {
				snprintf(why, n, "dmarc=fail for %s", from_domain);
				return AUTHRES_DMARC_FAIL;
			}
			/* bestguesspass: Exchange's "no DMARC record, but it would pass" */
			if ((ok || strcmp(r->result, "bestguesspass") == 0) && hf && strcasecmp(hf, from_domain) == 0)
				pass = pass ? pass : r->method;
		} else if (ok && strcmp(r->method, "spf") == 0) {
			const char *mf = domain_of(prop_of(r, "smtp.mailfrom"));
			if (mf && authres_aligned(mf, from_domain))
				pass = pass ? pass : r->method;
		} else if (ok && strcmp(r->method, "dkim") == 0) {
			const char *d = prop_of(r, "header.d"), *iv = domain_of(prop_of(r, "header.i"));
			if ((d && authres_aligned(d, from_domain)) || (iv && authres_aligned(iv, from_domain)))
				pass = pass ? pass : r->method;
		}
	}
	if (!pass)
		return AUTHRES_UNALIGNED;
	snprintf(why, n, "%s=pass for %s", pass, from_domain);
	return AUTHRES_CONFIRMED;
}
