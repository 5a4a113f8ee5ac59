/* The handover file: a versioned text container of base64 sections with one SHA-256 over the decoded content.
 * A tar or zip would be one binary blob that a mail client may only carry as an attachment, and whose damage
 * shows as a library error; this format stays readable (a human sees what it is and what is in it), survives
 * being pasted into a mail body, and says exactly where it was damaged. */
#include "handover.h"
#include "buf.h"
#include "config.h"
#include "csv.h"
#include "util.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAGIC "tovholder-overdragelse"
#define B64_LINE 76
#define NAME_MAX_LEN 32

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void handover_init(struct handover *h)
{
	memset(h, 0, sizeof(*h));
}

void handover_release(struct handover *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->sec[i].name);
		free(h->sec[i].data);
	}
	free(h->sec);
	handover_init(h);
}

static int name_valid(const char *s, size_t len)
{
	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

const struct handover_section *handover_get(const struct handover *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->sec[i].name, name) == 0)
			return &h->sec[i];
	return NULL;
}

int handover_add(struct handover *h, const char *name, const char *data, size_t len, struct err *err)
{
	struct handover_section *s;

	if (!name_valid(name, strlen(name)))
		return err_set(err, "bad section name '%.40s'", name);
	if (handover_get(h, name))
		return err_set(err, "section '%s' appears twice", name);
	if (h->n == HANDOVER_MAX_SECTIONS)
		return err_set(err, "more than %d sections", HANDOVER_MAX_SECTIONS);
	h->sec = xrealloc(h->sec, (h->n + 1) * sizeof(*h->sec));
	s = &h->sec[h->n++];
	s->name = xstrdup(name);
	s->data = xmalloc(len + 1);
	if (len)
		memcpy(s->data, data, len);
	s->data[len] = '\0';
	s->len = len;
	return 0;
}

/* The checksum covers the version, the date and every section's name, length and bytes, in file order. */
static int digest(const char *created, const struct handover_section *sec, size_t n, char hex[65], struct err *err)
{
	gnutls_hash_hd_t hd;
	unsigned char md[32];
	char line[128];
	int len;

	if (gnutls_hash_init(&hd, GNUTLS_DIG_SHA256) < 0)
		return err_set(err, "cannot compute SHA-256");
	len = snprintf(line, sizeof(line), "%s %d\ncreated %s\n", MAGIC, HANDOVER_VERSION, created);
	gnutls_hash(hd, line, (size_t)len);
	for (size_t i = 0; i < n; i++) {
		len = snprintf(line, sizeof(line), "section %s %zu\n", sec[i].name, sec[i].len);
		gnutls_hash(hd, line, (size_t)len);
		gnutls_hash(hd, sec[i].data, sec[i].len);
		gnutls_hash(hd, "\n", 1);
	}
	gnutls_hash_deinit(hd, md);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static void b64_encode(struct buf *b, const unsigned char *p, size_t len)
{
	size_t col = 0;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		size_t left = len - i;
		char q[4];

		if (left > 1)
			v |= (unsigned)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		q[0] = b64_alphabet[(v >> 18) & 63];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = left > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = left > 2 ? b64_alphabet[v & 63] : '=';
		buf_add(b, q, 4);
		col += 4;
		if (col == B64_LINE) {
			buf_addch(b, '\n');
			col = 0;
		}
	}
	if (col)
		buf_addch(b, '\n');
}

int handover_write(const struct handover *h, char **ret, size_t *ret_len, struct err *err)
{
	struct buf b;
	char hex[65];

	if (digest(h->created, h->sec, h->n, hex, err) < 0)
		return -1;
	buf_init(&b);
	buf_addf(&b, "%s %d\n", MAGIC, HANDOVER_VERSION);
	buf_adds(&b, "; Overdragelse af tovholderopgaven for en netværksgruppe, skrevet af tovholder.\n"
		     "; Den nye tovholder læser den ind med: tovholder modtag FILNAVN\n"
		     "; Send den som vedhæftet fil, og ret ikke i den: en ændring opdages, og filen afvises.\n");
	buf_addf(&b, "created %s\n", h->created);
	for (size_t i = 0; i < h->n; i++) {
		buf_addf(&b, "section %s %zu\n", h->sec[i].name, h->sec[i].len);
		b64_encode(&b, (const unsigned char *)h->sec[i].data, h->sec[i].len);
	}
	buf_addf(&b, "end sha256 %s\n", hex);
	*ret = buf_detach(&b, ret_len);
	return 0;
}

static int b64_value(unsigned char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

/* Strict: the alphabet only, whole quads, '=' only at the very end. */
static int b64_decode(const char *s, size_t len, struct buf *out)
{
	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		unsigned x;

		for (int k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_value((unsigned char)s[i + k])) < 0)
				return -1;
		}
		x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
		buf_addch(out, (char)(x >> 16));
		if (pad < 2)
			buf_addch(out, (char)(x >> 8 & 0xFF));
		if (pad < 1)
			buf_addch(out, (char)(x & 0xFF));
	}
	return 0;
}

/* The reader's state between lines. */
struct reader {
	struct handover *h;
	struct err *err;
	int line;
	int in_section;        /* collecting base64 of the last section */
	size_t want;           /* its declared length */
	struct buf b64;
	int created;
};

static enum handover_error damaged(struct reader *r, const char *why)
{
	err_set(r->err, "the file is damaged: line %d: %s", r->line, why);
	return HANDOVER_DAMAGED;
}

static enum handover_error close_section(struct reader *r)
{
	struct handover_section *s;
	struct buf bytes;

	if (!r->in_section)
		return HANDOVER_OK;
	s = &r->h->sec[r->h->n - 1];
	buf_init(&bytes);
	if (b64_decode(r->b64.data, r->b64.len, &bytes) < 0) {
		buf_release(&bytes);
		err_set(r->err, "the file is damaged: section '%s' before line %d is not valid base64", s->name, r->line);
		return HANDOVER_DAMAGED;
	}
	if (bytes.len != r->want) {
		err_set(r->err, "the file is damaged: section '%s' holds %zu bytes, its header says %zu", s->name,
			bytes.len, r->want);
		buf_release(&bytes);
		return HANDOVER_DAMAGED;
	}
	free(s->data);
	s->data = buf_detach(&bytes, &s->len);
	buf_reset(&r->b64);
	r->in_section = 0;
	return HANDOVER_OK;
}

static enum handover_error section_line(struct reader *r, const char *s)
{
	const char *sp = strchr(s, ' ');
	char name[NAME_MAX_LEN + 1], *end;
	unsigned long long want;
	enum handover_error e;
	struct err aerr;

	if ((e = close_section(r)) != HANDOVER_OK)
		return e;
	if (!r->created)
		return damaged(r, "a section before the 'created' line");
	if (!sp || !name_valid(s, (size_t)(sp - s)))
		return damaged(r, "a section line without a valid name");
	memcpy(name, s, (size_t)(sp - s));
	name[sp - s] = '\0';
	if (sp[1] < '0' || sp[1] > '9')
		return damaged(r, "a section line without a length");
	want = strtoull(sp + 1, &end, 10);
	if (*end || want > HANDOVER_MAX)
		return damaged(r, "a section line with a bad length");
	if (handover_add(r->h, name, "", 0, &aerr) < 0)
		return damaged(r, aerr.msg);
	r->want = (size_t)want;
	r->in_section = 1;
	return HANDOVER_OK;
}

static enum handover_error end_line(struct reader *r, const char *s)
{
	enum handover_error e;
	char hex[65];

	if ((e = close_section(r)) != HANDOVER_OK)
		return e;
	if (!r->created)
		return damaged(r, "no 'created' line");
	if (strncmp(s, "sha256 ", 7) != 0 || strlen(s + 7) != 64)
		return damaged(r, "the end line has no SHA-256");
	if (digest(r->h->created, r->h->sec, r->h->n, hex, r->err) < 0)
		return HANDOVER_DAMAGED;
	if (strcasecmp(hex, s + 7) != 0) {
		err_set(r->err, "the file is damaged: its content does not match its SHA-256 checksum (it was changed "
			"after it was written, or broken on the way): ask for it again, sent as an attachment");
		return HANDOVER_DAMAGED;
	}
	return HANDOVER_OK;
}

/* The header: "tovholder-overdragelse N". */
static enum handover_error header(struct reader *r, const char *s, struct err *err)
{
	const char *v = s + strlen(MAGIC);
	char *end;
	long version;

	while (*v == ' ')
		v++;
	version = strtol(v, &end, 10);
	if (end == v || *end || v == s + strlen(MAGIC)) {
		err_set(err, "line %d: '%.60s' is not a handover header", r->line, s);
		return HANDOVER_NOT_OURS;
	}
	if (version != HANDOVER_VERSION) {
		err_set(err, "the file is format %ld of the handover; this tovholder reads format %d%s", version,
			HANDOVER_VERSION, version > HANDOVER_VERSION ? ": upgrade tovholder on this machine first" : "");
		return HANDOVER_FOREIGN;
	}
	return HANDOVER_OK;
}

/* One trimmed line after the header; *done is set at the end line. */
static enum handover_error body_line(struct reader *r, const char *s, int *done)
{
	if (!*s || *s == ';' || *s == '#')
		return HANDOVER_OK;
	if (strncmp(s, "section ", 8) == 0)
		return section_line(r, s + 8);
	if (strncmp(s, "end ", 4) == 0) {
		*done = 1;
		return end_line(r, s + 4);
	}
	if (strncmp(s, "created ", 8) == 0 && !r->created && r->h->n == 0) {
		if (util_parse_utc(s + 8) == (time_t)-1)
			return damaged(r, "a bad 'created' date");
		snprintf(r->h->created, sizeof(r->h->created), "%s", s + 8);
		r->created = 1;
		return HANDOVER_OK;
	}
	if (!r->in_section)
		return damaged(r, "a line that belongs to no section");
	if (buf_adds(&r->b64, s) < 0)
		return damaged(r, "a section larger than a handover can be");
	return HANDOVER_OK;
}

enum handover_error handover_read(struct handover *h, const char *buf, size_t len, struct err *err)
{
	struct reader r = { .h = h, .err = err };
	enum handover_error e = HANDOVER_NOT_OURS;
	const char *p = buf, *end = buf + len;
	int seen_header = 0, done = 0;
	char *line = NULL;

	if (len > HANDOVER_MAX) {
		err_set(err, "larger than a handover can be (%d MB)", HANDOVER_MAX / (1024 * 1024));
		return HANDOVER_DAMAGED;
	}
	buf_init(&r.b64);
	r.b64.cap = 2 * HANDOVER_MAX;
	err_set(err, "not a tovholder handover file (no line '%s %d')", MAGIC, HANDOVER_VERSION);
	while (p < end && !done) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		r.line++;
		free(line);
		line = xstrndup(p, n);
		p = nl ? nl + 1 : end;
		if (strlen(line) != n) {
			e = seen_header ? damaged(&r, "a NUL byte") : HANDOVER_NOT_OURS;
			if (seen_header)
				break;
			continue;
		}
		util_trim(line);
		if (!seen_header) {
			/* a BOM, or mail text on the lines before the header, is not ours to judge */
			char *m = line + (strncmp(line, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0);
			if (strncmp(m, MAGIC, strlen(MAGIC)) != 0)
				continue;
			if ((e = header(&r, m, err)) != HANDOVER_OK)
				break;
			seen_header = 1;
			continue;
		}
		if ((e = body_line(&r, line, &done)) != HANDOVER_OK)
			break;
	}
	if (seen_header && !done && e == HANDOVER_OK)
		e = damaged(&r, "the file ends here, without its 'end' line: it was cut off");
	free(line);
	buf_release(&r.b64);
	return e;
}

/* Key and comment lines that carry a secret: a password, a command that prints one, a token. By whole words
 * ("password_file", "client secret"), so that "secretary" stays. */
static int secret_word(const char *s)
{
	static const char *const words[] = { "password", "passwd", "pass", "token", "secret", "credential",
					     "credentials", "adgangskode" };
	char word[32];

	for (const char *p = s; *p;) {
		size_t n = 0;

		while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
		for (; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'); p++)
			if (n + 1 < sizeof(word))
				word[n++] = (char)(*p | 0x20);
		word[n] = '\0';
		for (size_t i = 0; n && i < sizeof(words) / sizeof(words[0]); i++)
			if (strcmp(word, words[i]) == 0)
				return 1;
	}
	return 0;
}

/* "scheme://user:pw@host/…" → "scheme://host/…" (curl would send the user info as a login), for every URL in
 * the text: a commented-out url line can hold a password too. */
static void cut_userinfo(struct buf *out, const char *text)
{
	const char *p = text, *scheme;

	while ((scheme = strstr(p, "://"))) {
		const char *host = scheme + 3;
		size_t n = strcspn(host, "/ \t;#");
		const char *at = memchr(host, '@', n);

		if (at) {
			while (memchr(at + 1, '@', n - (size_t)(at + 1 - host)))
				at = memchr(at + 1, '@', n - (size_t)(at + 1 - host));
			buf_add(out, p, (size_t)(host - p));
			p = at + 1;
		} else {
			buf_add(out, p, (size_t)(host - p));
			p = host;
		}
	}
	buf_adds(out, p);
}

/* What the config reader (config_ini_parse) made of each line: the section around it and its key, if any. */
struct scrub {
	char **section;   /* per line: the section the line is in, or NULL */
	char **key;       /* per line: the key name the reader saw there, or NULL */
	char **value;
	char *current;
	int n_lines;
};

static void scrub_on_section(void *user, const char *name, int line)
{
	struct scrub *sc = user;

	(void)line;
	free(sc->current);
	sc->current = xstrdup(name);
}

static void scrub_on_key(void *user, const char *name, const char *value, int line)
{
	struct scrub *sc = user;

	if (line < 1 || line > sc->n_lines || sc->key[line])
		return;
	sc->section[line] = xstrdup(sc->current ? sc->current : "");
	sc->key[line] = util_lower(xstrdup(name));
	sc->value[line] = xstrdup(value);
}

static void scrub_key_line(struct buf *out, const struct scrub *sc, int line, const char *raw)
{
	const char *key = sc->key[line], *note = config_comment_start(raw);

	switch (config_key_class(sc->section[line], key)) {
	case CONFIG_KEY_SECRET:
		buf_addf(out, "; FILL IN: %s = (your own; the old one is not handed over)\n", key);
		return;
	case CONFIG_KEY_LOCAL:
		buf_addf(out, "; FILL IN: %s = (where this machine keeps its record, e.g. state.db)\n", key);
		return;
	case CONFIG_KEY_URL:
		buf_addf(out, "%s = ", key);
		cut_userinfo(out, sc->value[line]);
		break;
	case CONFIG_KEY_PUBLIC:
		buf_addf(out, "%s = %s", key, sc->value[line]);
		break;
	}
	if (note && !secret_word(note)) {
		buf_addch(out, ' ');
		cut_userinfo(out, note);
	}
	buf_addch(out, '\n');
}

/* Every line that is not a key: comments without secrets (and without user info in a URL), section headers,
 * blank lines. A line the reader refused is left out: what it could not read, we cannot judge. */
static void scrub_other_line(struct buf *out, char *t)
{
	if (!*t) {
		buf_addch(out, '\n');
	} else if (*t == ';' || *t == '#') {
		if (!secret_word(t)) {
			cut_userinfo(out, t);
			buf_addch(out, '\n');
		}
	} else if (*t == '[' && t[strlen(t) - 1] == ']' && !secret_word(t)) {
		buf_addf(out, "%s\n", t);
	}
}

char *handover_scrub_config(const char *text, size_t len)
{
	static const struct config_ini_ops ops = { scrub_on_section, scrub_on_key };
	struct scrub sc = { 0 };
	const char *p = text, *end = text + len;
	struct buf out;
	struct diag d;

	sc.n_lines = 1;
	for (size_t i = 0; i < len; i++)
		sc.n_lines += text[i] == '\n';
	sc.section = xcalloc((size_t)sc.n_lines + 1, sizeof(char *));
	sc.key = xcalloc((size_t)sc.n_lines + 1, sizeof(char *));
	sc.value = xcalloc((size_t)sc.n_lines + 1, sizeof(char *));
	diag_init(&d);
	/* the reader's own walk: whatever it takes for a key ("key = value", "key: value", any case, comments
	 * after a blank) the scrub judges as that key */
	config_ini_parse(text, len, "tovholder.conf", &d, &ops, &sc);
	diag_release(&d);
	buf_init(&out);
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *raw = xstrndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));

		p = nl ? nl + 1 : end;
		if (line <= sc.n_lines && sc.key[line])
			scrub_key_line(&out, &sc, line, util_trim(raw));
		else
			scrub_other_line(&out, util_trim(raw));
		free(raw);
	}
	for (int i = 0; i <= sc.n_lines; i++) {
		free(sc.section[i]);
		free(sc.key[i]);
		free(sc.value[i]);
	}
	free(sc.section);
	free(sc.key);
	free(sc.value);
	free(sc.current);
	return buf_detach(&out, NULL);
}

char *handover_roster_csv(const struct roster *r, const char *const *remarks, size_t *ret_len)
{
	struct buf b;

	buf_init(&b);
	/* the BOM makes Excel read UTF-8, so æ, ø and å survive opening the file by a double click */
	buf_adds(&b, "\xEF\xBB\xBFnavn;organisation;email;rolle;bemærkning\r\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct person *p = &r->people[i];
		csv_cell(&b, p->name);
		buf_addch(&b, ';');
		csv_cell(&b, p->org);
		buf_addch(&b, ';');
		csv_cell(&b, p->email);
		buf_addch(&b, ';');
		csv_cell(&b, roster_role_name(p->role));
		buf_addch(&b, ';');
		csv_cell(&b, remarks && remarks[i] ? remarks[i] : "");
		buf_adds(&b, "\r\n");
	}
	return buf_detach(&b, ret_len);
}
