/* tovholder.conf: INI text → struct config, every problem collected with its line; the server password. */
#include "config.h"
#include "buf.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD_MAX 4096         /* password_file's first line, password_command's output */
#define PASSWORD_TIMEOUT_MS 10000 /* password_command: a "pass" waiting for a pinentry must not hang us */
#define COMMAND_MAX_WORDS 64
#define TOKEN_MAX 16384           /* token_file's first line, token_command's output: Entra ID access tokens are
                                   * JWTs of 1-3 KB, more with many group claims */

/* ---- the INI walker ------------------------------------------------------------------------------------- */

enum walk_state { WALK_NO_SECTION, WALK_SECTION, WALK_BAD_SECTION };

struct ini_walk {
	const char *buf, *file;
	size_t len, pos;
	int line;               /* the line inih is working on: it reads one line, handles it, reads the next */
	enum walk_state state;
	int problems;
	struct diag *d;
	const struct config_ini_ops *ops;
	void *user;
	char text[CONFIG_LINE_MAX + 1];
};

int config_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		size_t n;
		unsigned long cp;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - p) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		/* overlong forms, UTF-16 surrogates and code points above U+10FFFF are not UTF-8 (RFC 3629) */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += n + 1;
	}
	return 1;
}

const char *config_shorten(const char *value, char *out, size_t outsz)
{
	size_t len = strlen(value), keep = outsz > 4 ? outsz - 4 : 0;

	if (keep > 60)
		keep = 60;
	if (len <= keep) {
		memcpy(out, value, len + 1);
		return out;
	}
	/* do not cut a UTF-8 sequence in two: back up to the start of a character */
	while (keep > 0 && ((unsigned char)value[keep] & 0xC0) == 0x80)
		keep--;
	memcpy(out, value, keep);
	memcpy(out + keep, "...", 4);
	return out;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[33], cur[33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}

const char *config_suggest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_dist = 3;

	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(word, names[i]);
		if (dist < best_dist) {
			best = names[i];
			best_dist = dist;
		}
	}
	return best;
}

static void walk_problem(struct ini_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void walk_problem(struct ini_walk *w, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	diag_add(w->d, w->file, w->line, "%s", text);
	w->problems++;
}

const char *config_comment_start(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((*p == ';' || *p == '#') && p > s && (p[-1] == ' ' || p[-1] == '\t'))
			return p;
	return NULL;
}

/* Cuts a comment that follows a blank: "url = smtp://x:587 ; note". */
static void strip_comment(char *s)
{
	char *p = (char *)config_comment_start(s);

	if (p)
		*p = '\0';
}

static void walk_header(struct ini_walk *w, char *t)
{
	char shown[80];
	size_t len = strlen(t);
	char *name;

	if (len < 3 || t[0] != '[' || t[len - 1] != ']' || strpbrk(t + 1, "[") || memchr(t + 1, ']', len - 2)) {
		walk_problem(w, "bad section header '%s': write it as [name]", config_shorten(t, shown, sizeof(shown)));
		w->state = WALK_BAD_SECTION;
		return;
	}
	t[len - 1] = '\0';
	name = util_trim(t + 1);
	if (!*name) {
		walk_problem(w, "empty section header '[]': write a name between the brackets");
		w->state = WALK_BAD_SECTION;
		return;
	}
	w->state = WALK_SECTION;
	w->ops->section(w->user, name, w->line);
}

long config_find_control(const char *s, size_t len, const char *allowed)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	for (; p < end; p++) {
		if ((*p < 0x20 && !(*p && strchr(allowed, *p))) || *p == 0x7F)
			return *p;
		if (*p == 0xC2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9F)
			return p[1];
	}
	return -1;
}

/* Turns one raw line into what inih may see: "" for blank lines, comments, headers (we track sections
 * ourselves, so that an empty or malformed section is noticed) and bad lines; else a trimmed "key = value". */
static void walk_prepare(struct ini_walk *w, const char *s, size_t n)
{
	char shown[80];
	char *t;

	w->text[0] = '\0';
	if (n > CONFIG_LINE_MAX) {
		walk_problem(w, "line is %zu bytes long: the limit is %d", n, CONFIG_LINE_MAX);
		return;
	}
	if (!config_utf8_valid(s, n)) {
		walk_problem(w, "not valid UTF-8 text: save the file as UTF-8");
		return;
	}
	/* A value with an ESC or a backspace would pass check and then fail every send (a mail header refuses
	 * it) or reach a calendar and a terminal. A TAB is a blank in these files ("guest_item = a@b.dk<TAB>2"):
	 * it becomes a space below, so none reaches a header either. */
	long ctl = config_find_control(s, n, "\t");
	if (ctl >= 0) {
		walk_problem(w, "a control character (U+%04lX) on this line: delete it (an editor may show it as "
			     "nothing at all)", ctl);
		return;
	}
	memcpy(w->text, s, n);
	w->text[n] = '\0';
	for (char *tab = w->text; (tab = strchr(tab, '\t')); )
		*tab = ' ';
	strip_comment(w->text);
	t = util_trim(w->text);
	if (*t == '\0' || *t == ';' || *t == '#') {
		t[0] = '\0';
	} else if (*t == '[' || (t[strlen(t) - 1] == ']' && !strpbrk(t, "=:"))) {
		walk_header(w, t);
		w->text[0] = '\0';
	} else if (!strpbrk(t, "=:")) {
		walk_problem(w, "expected 'key = value', not '%s'", config_shorten(t, shown, sizeof(shown)));
		w->text[0] = '\0';
	}
}

static char *walk_read_line(char *str, int num, void *stream)
{
	struct ini_walk *w = stream;
	const char *start, *nl;
	size_t n;

	if (w->pos >= w->len)
		return NULL;
	start = w->buf + w->pos;
	nl = memchr(start, '\n', w->len - w->pos);
	n = nl ? (size_t)(nl - start) : w->len - w->pos;
	w->pos += n + (nl != NULL);
	w->line++;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (w->line == 1 && n >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
		start += 3; /* the BOM Windows Notepad writes */
		n -= 3;
	}
	walk_prepare(w, start, n);
	n = strlen(w->text);
	if (num < 1 || n >= (size_t)num) {
		/* only if inih ignored our ini_max_line below */
		walk_problem(w, "line is too long for the INI reader");
		n = 0;
	}
	if (num >= 1) {
		memcpy(str, w->text, n);
		str[n] = '\0';
	}
	return str;
}

static int walk_on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_walk *w = user;
	char shown[80];

	(void)section; /* always "": we hand inih no header lines */
	if (!*name)
		walk_problem(w, "a key name is missing before '=': write it as key = value");
	else if (w->state == WALK_NO_SECTION)
		walk_problem(w, "'%s' is outside any section: move it below a [section] line",
			    config_shorten(name, shown, sizeof(shown)));
	else if (w->state == WALK_SECTION)
		w->ops->key(w->user, name, value, w->line);
	/* WALK_BAD_SECTION: the header was reported; its keys would only repeat that */
	return 1;
}

/* Debian's libinih exposes its build options as globals. Upstream's defaults (200-byte lines on the stack,
 * indented lines continuing the previous value) would split or merge our lines, so every walk sets them;
 * our reader already strips comments, BOM and leading blanks. */
static void walk_configure_inih(void)
{
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = CONFIG_LINE_MAX + 16;
	ini_initial_alloc = CONFIG_LINE_MAX + 16;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_bom = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = false;
}

int config_ini_parse(const char *buf, size_t len, const char *filename, struct diag *d,
		     const struct config_ini_ops *ops, void *user)
{
	struct ini_walk *w;
	int rc;

	if (len > CONFIG_FILE_MAX) {
		diag_add(d, filename, 0, "the file is larger than %d bytes", CONFIG_FILE_MAX);
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->buf = buf;
	w->len = len;
	w->file = filename;
	w->d = d;
	w->ops = ops;
	w->user = user;
	walk_configure_inih();
	rc = ini_parse_stream(walk_read_line, w, walk_on_key, w);
	if (rc == -2) {
		diag_add(d, filename, 0, "out of memory while reading");
		w->problems++;
	} else if (rc != 0 && w->problems == 0) {
		/* we pre-check every line, so this means inih and we disagree about one */
		diag_add(d, filename, rc, "cannot read this line: write it as key = value");
		w->problems++;
	}
	rc = w->problems ? -1 : 0;
	free(w);
	return rc;
}

/* ---- tovholder.conf ------------------------------------------------------------------------------------- */

enum cfg_section { SEC_GROUP, SEC_SMTP, SEC_IMAP, SEC_GRAPH, N_SECTIONS };

enum cfg_key {
	K_NAME, K_ORGANIZER, K_SECRETARY, K_TIMEZONE, K_SCHEDULE, K_ROSTER, K_STATE, K_TEMPLATES, K_REMINDERS,
	K_URL, K_TLS, K_USER, K_PASSWORD_FILE, K_PASSWORD_COMMAND, K_CA_FILE, K_RETRY_FOR,
	K_MAILBOX, K_PROCESSED, K_REVIEW, K_POLL_INTERVAL, K_AUTH, K_TOKEN_FILE, K_TOKEN_COMMAND, K_ATTENDANCE_FOR,
	K_AUTHSERV_ID, K_TRUSTED_RELAYS,
	K_REFERAT_MAIL, K_ATTENDANCE_MAIL, K_STATUS_MAIL, K_DECLINE, K_ACCEPT, K_IGNORE, K_ATTENDANCE, K_REPORT_MAIL,
	N_KEYS
};

static const char *const section_names[N_SECTIONS] = { "group", "smtp", "imap", "graph" };

static const char *const key_names[N_KEYS] = {
	"name", "organizer", "secretary", "timezone", "schedule", "roster", "state", "templates", "reminders",
	"url", "tls", "user", "password_file", "password_command", "ca_file", "retry_for",
	"mailbox", "processed", "review", "poll_interval", "auth", "token_file", "token_command", "attendance_for",
	"authserv_id", "trusted_relays",
	"referat_mail", "attendance_mail", "status_mail", "decline", "accept", "ignore", "attendance", "report_mail",
};

/* Which sections each key belongs to (a bit per enum cfg_section). */
#define IN_GROUP (1u << SEC_GROUP)
#define IN_SMTP  (1u << SEC_SMTP)
#define IN_IMAP  (1u << SEC_IMAP)
#define IN_GRAPH (1u << SEC_GRAPH)
static const unsigned key_sections[N_KEYS] = {
	[K_NAME] = IN_GROUP, [K_ORGANIZER] = IN_GROUP, [K_SECRETARY] = IN_GROUP, [K_TIMEZONE] = IN_GROUP,
	[K_SCHEDULE] = IN_GROUP, [K_ROSTER] = IN_GROUP, [K_STATE] = IN_GROUP, [K_TEMPLATES] = IN_GROUP,
	[K_REMINDERS] = IN_GROUP,
	[K_URL] = IN_SMTP | IN_IMAP | IN_GRAPH, [K_TLS] = IN_SMTP | IN_IMAP, [K_USER] = IN_SMTP | IN_IMAP,
	[K_PASSWORD_FILE] = IN_SMTP | IN_IMAP, [K_PASSWORD_COMMAND] = IN_SMTP | IN_IMAP,
	[K_CA_FILE] = IN_SMTP | IN_IMAP | IN_GRAPH, [K_RETRY_FOR] = IN_SMTP,
	[K_MAILBOX] = IN_IMAP, [K_PROCESSED] = IN_IMAP, [K_REVIEW] = IN_IMAP, [K_POLL_INTERVAL] = IN_IMAP,
	[K_AUTH] = IN_SMTP | IN_IMAP, [K_TOKEN_FILE] = IN_SMTP | IN_IMAP | IN_GRAPH,
	[K_TOKEN_COMMAND] = IN_SMTP | IN_IMAP | IN_GRAPH, [K_ATTENDANCE_FOR] = IN_GRAPH,
	[K_AUTHSERV_ID] = IN_IMAP, [K_TRUSTED_RELAYS] = IN_IMAP,
	[K_REFERAT_MAIL] = IN_GROUP, [K_ATTENDANCE_MAIL] = IN_GROUP, [K_STATUS_MAIL] = IN_GROUP,
	[K_REPORT_MAIL] = IN_GROUP,
	[K_DECLINE] = IN_IMAP, [K_ACCEPT] = IN_IMAP, [K_IGNORE] = IN_IMAP, [K_ATTENDANCE] = IN_IMAP,
};

/* What a handover may carry of each key (handover_scrub_config). Not listed, so CONFIG_KEY_SECRET: the four keys
 * that lead to a password or token (a command line may hold the password itself, a file path names the old
 * machine's secret), and any key added later until it is listed here: a new key is left out, never leaked. */
static const enum config_key_class key_class[N_KEYS] = {
	[K_NAME] = CONFIG_KEY_PUBLIC, [K_ORGANIZER] = CONFIG_KEY_PUBLIC, [K_SECRETARY] = CONFIG_KEY_PUBLIC,
	[K_TIMEZONE] = CONFIG_KEY_PUBLIC, [K_SCHEDULE] = CONFIG_KEY_PUBLIC, [K_ROSTER] = CONFIG_KEY_PUBLIC,
	[K_STATE] = CONFIG_KEY_LOCAL, [K_TEMPLATES] = CONFIG_KEY_PUBLIC, [K_REMINDERS] = CONFIG_KEY_PUBLIC,
	[K_URL] = CONFIG_KEY_URL, [K_TLS] = CONFIG_KEY_PUBLIC, [K_USER] = CONFIG_KEY_PUBLIC,
	[K_CA_FILE] = CONFIG_KEY_PUBLIC, [K_RETRY_FOR] = CONFIG_KEY_PUBLIC, [K_MAILBOX] = CONFIG_KEY_PUBLIC,
	[K_PROCESSED] = CONFIG_KEY_PUBLIC, [K_REVIEW] = CONFIG_KEY_PUBLIC, [K_POLL_INTERVAL] = CONFIG_KEY_PUBLIC,
	[K_AUTH] = CONFIG_KEY_PUBLIC, [K_ATTENDANCE_FOR] = CONFIG_KEY_PUBLIC,
	[K_DECLINE] = CONFIG_KEY_PUBLIC, [K_ACCEPT] = CONFIG_KEY_PUBLIC, [K_IGNORE] = CONFIG_KEY_PUBLIC,
	[K_ATTENDANCE] = CONFIG_KEY_PUBLIC, [K_REFERAT_MAIL] = CONFIG_KEY_PUBLIC, [K_ATTENDANCE_MAIL] = CONFIG_KEY_PUBLIC,
	[K_STATUS_MAIL] = CONFIG_KEY_PUBLIC, [K_REPORT_MAIL] = CONFIG_KEY_PUBLIC,
};

enum config_key_class config_key_class(const char *section, const char *key)
{
	for (int sec = 0; sec < N_SECTIONS; sec++) {
		if (strcasecmp(section, section_names[sec]) != 0)
			continue;
		for (int k = 0; k < N_KEYS; k++)
			if ((key_sections[k] & (1u << sec)) && strcasecmp(key, key_names[k]) == 0)
				return key_class[k];
	}
	return CONFIG_KEY_SECRET;
}

/* What to add when a required key is missing. */
static const char *const key_example[N_KEYS] = {
	[K_NAME] = "name = <the group's name>",
	[K_ORGANIZER] = "organizer = Name <address>",
	[K_SECRETARY] = "secretary = Name (Organisation)",
	[K_SCHEDULE] = "schedule = schedule.ini",
	[K_ROSTER] = "roster = roster.csv",
	[K_STATE] = "state = state.db",
};

struct cfg_parse {
	const char *file;
	struct diag *d;
	size_t n_diag;                 /* d->n when we started */
	int section;                   /* enum cfg_section, or -1 inside an unknown or repeated section */
	int section_line[N_SECTIONS];  /* 0: not seen */
	char *val[N_SECTIONS][N_KEYS];
	int line[N_SECTIONS][N_KEYS];  /* 0: not set */
};

static void cfg_section(void *user, const char *name, int line)
{
	struct cfg_parse *p = user;
	const char *hint;
	char shown[80];

	p->section = -1;
	name = config_shorten(name, shown, sizeof(shown));
	for (int i = 0; i < N_SECTIONS; i++) {
		if (strcasecmp(name, section_names[i]) != 0)
			continue;
		if (p->section_line[i]) {
			diag_add(p->d, p->file, line, "section [%s] is already at line %d: merge the two",
				 section_names[i], p->section_line[i]);
			return;
		}
		p->section = i;
		p->section_line[i] = line;
		return;
	}
	hint = config_suggest(name, section_names, N_SECTIONS);
	if (hint)
		diag_add(p->d, p->file, line, "unknown section [%s]: did you mean [%s]?", name, hint);
	else
		diag_add(p->d, p->file, line, "unknown section [%s]: the sections are [group], [smtp], [imap] and "
			 "[graph]", name);
}

static void cfg_unknown_key(struct cfg_parse *p, const char *name, int line)
{
	const char *names[N_KEYS];
	int sec = p->section;
	size_t n = 0;
	struct buf list;
	char shown[80];

	name = config_shorten(name, shown, sizeof(shown));
	for (int k = 0; k < N_KEYS; k++)
		if (key_sections[k] & (1u << sec))
			names[n++] = key_names[k];
	const char *hint = config_suggest(name, names, n);
	if (hint) {
		diag_add(p->d, p->file, line, "unknown key '%s' in [%s]: did you mean '%s'?", name,
			 section_names[sec], hint);
		return;
	}
	buf_init(&list);
	for (size_t i = 0; i < n; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", names[i]);
	diag_add(p->d, p->file, line, "unknown key '%s' in [%s]: the keys are %s", name, section_names[sec],
		 list.data);
	buf_release(&list);
}

static void cfg_key(void *user, const char *name, const char *value, int line)
{
	struct cfg_parse *p = user;
	int sec = p->section, key = -1;

	if (sec < 0)
		return; /* the section header was reported */
	for (int k = 0; k < N_KEYS; k++)
		if ((key_sections[k] & (1u << sec)) && strcasecmp(name, key_names[k]) == 0)
			key = k;
	if (key < 0) {
		cfg_unknown_key(p, name, line);
		return;
	}
	if (p->line[sec][key]) {
		diag_add(p->d, p->file, line, "'%s' is already set at line %d: keep one of them", key_names[key],
			 p->line[sec][key]);
		return;
	}
	if (!*value)
		diag_add(p->d, p->file, line, "'%s' is empty: give it a value or remove the line", key_names[key]);
	p->val[sec][key] = xstrdup(value);
	p->line[sec][key] = line;
}

static void cfg_problem(struct cfg_parse *p, int sec, int key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A problem with the value of [sec] key, reported at that key's line. */
static void cfg_problem(struct cfg_parse *p, int sec, int key, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	diag_add(p->d, p->file, p->line[sec][key], "%s", text);
}

/* The value, or NULL when unset or empty (an empty value was reported when it was read). */
static void cfg_reminders(struct cfg_parse *p, struct config *cfg);
static void cfg_paperwork(struct cfg_parse *p, struct config *cfg);

static const char *cfg_get(const struct cfg_parse *p, int sec, int key)
{
	const char *v = p->val[sec][key];

	return v && *v ? v : NULL;
}

static const char *cfg_require(struct cfg_parse *p, int sec, int key, const char *example)
{
	if (!p->line[sec][key]) {
		diag_add(p->d, p->file, p->section_line[sec], "[%s] has no '%s': add %s", section_names[sec],
			 key_names[key], example);
		return NULL;
	}
	return cfg_get(p, sec, key);
}

/* "Name (Organisation)", both parts non-empty. */
static int secretary_valid(const char *s)
{
	size_t len = strlen(s);
	const char *open = strrchr(s, '(');

	if (len < 4 || s[len - 1] != ')' || !open || open == s)
		return 0;
	for (const char *q = s; q < open; q++)
		if (*q != ' ' && *q != '\t')
			goto has_name;
	return 0;
has_name:
	for (const char *q = open + 1; q < s + len - 1; q++)
		if (*q != ' ' && *q != '\t')
			return 1;
	return 0;
}

/* A zone of the tz database: a file below $TZDIR or /usr/share/zoneinfo, named without "..". */
static int timezone_valid(const char *tz)
{
	const char *dir = getenv("TZDIR");
	struct stat st;
	char *path;
	int ok;

	if (!*tz || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 200)
		return 0;
	for (const char *q = tz; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("/_+-", *q))
			return 0;
	path = xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	return ok;
}

static void cfg_group(struct cfg_parse *p, struct config *cfg)
{
	char shown[80];
	const char *v;

	if (!p->section_line[SEC_GROUP]) {
		diag_add(p->d, p->file, 0, "no [group] section: add one with name, organizer, secretary, schedule, "
			 "roster and state");
		return;
	}
	if ((v = cfg_require(p, SEC_GROUP, K_NAME, key_example[K_NAME])))
		cfg->group_name = xstrdup(v);
	if ((v = cfg_require(p, SEC_GROUP, K_ORGANIZER, key_example[K_ORGANIZER]))) {
		char *name = NULL, *addr = NULL;
		if (util_parse_mailbox(v, &name, &addr) < 0 || !*name) {
			cfg_problem(p, SEC_GROUP, K_ORGANIZER, "bad organizer '%s': write it as Name <address>",
				    config_shorten(v, shown, sizeof(shown)));
			free(name);
			free(addr);
		} else {
			cfg->organizer_name = name;
			cfg->organizer_email = addr;
		}
	}
	if ((v = cfg_require(p, SEC_GROUP, K_SECRETARY, key_example[K_SECRETARY]))) {
		if (secretary_valid(v))
			cfg->secretary = xstrdup(v);
		else
			cfg_problem(p, SEC_GROUP, K_SECRETARY, "bad secretary '%s': write it as Name (Organisation)",
				    config_shorten(v, shown, sizeof(shown)));
	}
	v = p->line[SEC_GROUP][K_TIMEZONE] ? cfg_get(p, SEC_GROUP, K_TIMEZONE) : "Europe/Copenhagen";
	if (v && timezone_valid(v))
		cfg->timezone = xstrdup(v);
	else if (v)
		cfg_problem(p, SEC_GROUP, K_TIMEZONE, "unknown timezone '%s': use a tz database name such as "
			    "Europe/Copenhagen", config_shorten(v, shown, sizeof(shown)));
	if ((v = cfg_require(p, SEC_GROUP, K_SCHEDULE, key_example[K_SCHEDULE])))
		cfg->schedule_path = util_path_join(cfg->dir, v);
	if ((v = cfg_require(p, SEC_GROUP, K_ROSTER, key_example[K_ROSTER])))
		cfg->roster_path = util_path_join(cfg->dir, v);
	if ((v = cfg_require(p, SEC_GROUP, K_STATE, key_example[K_STATE])))
		cfg->state_path = util_path_join(cfg->dir, v);
	if ((v = cfg_get(p, SEC_GROUP, K_TEMPLATES)))
		cfg->templates_dir = util_path_join(cfg->dir, v);
	cfg_reminders(p, cfg);
	cfg_paperwork(p, cfg);
}

static int cmp_desc(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* reminders = 7d, 1d (default): when, before each meeting, to remind; the last is the practical one. */
static void cfg_reminders(struct cfg_parse *p, struct config *cfg)
{
	const char *v = cfg_get(p, SEC_GROUP, K_REMINDERS);
	char *copy, *save = NULL, shown[80];

	if (!p->line[SEC_GROUP][K_REMINDERS] || !v) {
		cfg->reminders[0] = 7 * 86400;
		cfg->reminders[1] = 86400;
		cfg->n_reminders = 2;
		return;
	}
	copy = xstrdup(v);
	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long secs;
		if (strcasecmp(tok, "none") == 0 || strcasecmp(tok, "ingen") == 0)
			continue;
		if (config_duration(tok, &secs) < 0 || secs <= 0) {
			cfg_problem(p, SEC_GROUP, K_REMINDERS, "bad reminder '%s' in reminders: write e.g. reminders = "
				    "7d, 1d (d days, h hours, m minutes), or none", config_shorten(tok, shown, sizeof(shown)));
			continue;
		}
		if (cfg->n_reminders == CONFIG_MAX_REMINDERS) {
			cfg_problem(p, SEC_GROUP, K_REMINDERS, "more than %d reminders", CONFIG_MAX_REMINDERS);
			break;
		}
		cfg->reminders[cfg->n_reminders++] = secs;
	}
	free(copy);
	qsort(cfg->reminders, cfg->n_reminders, sizeof(long), cmp_desc);
	for (size_t i = 1; i < cfg->n_reminders; i++)
		if (cfg->reminders[i] == cfg->reminders[i - 1])
			cfg_problem(p, SEC_GROUP, K_REMINDERS, "the same reminder time twice (%ld minutes before): "
				    "give each time once", cfg->reminders[i] / 60);
}

static int is_off(const char *v)
{
	static const char *const words[] = { "off", "no", "nej", "fra", "none", "ingen" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(v, words[i]) == 0)
			return 1;
	return 0;
}

static int is_on(const char *v)
{
	return strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0 || strcasecmp(v, "ja") == 0 ||
	       strcasecmp(v, "til") == 0;
}

/* "N HH:MM": N working days (Monday to Friday) before the meeting's day, at HH:MM local time. */
static int parse_workday_time(const char *v, int *ret_days, int *ret_min)
{
	int days, h, m, used = 0;

	if (sscanf(v, "%d %d:%d%n", &days, &h, &m, &used) != 3 || v[used] != '\0' || days < 0 ||
	    days > CONFIG_MAX_WORKDAYS || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	*ret_days = days;
	*ret_min = h * 60 + m;
	return 0;
}

/* The mails to the referent and the tovholder: when, or off. */
static void cfg_paperwork(struct cfg_parse *p, struct config *cfg)
{
	const char *v;
	char shown[80];

	cfg->referat_mail_days = 1;
	cfg->referat_mail_min = 8 * 60;
	if ((v = cfg_get(p, SEC_GROUP, K_REFERAT_MAIL))) {
		if (is_off(v))
			cfg->referat_mail_days = -1;
		else if (parse_workday_time(v, &cfg->referat_mail_days, &cfg->referat_mail_min) < 0)
			cfg_problem(p, SEC_GROUP, K_REFERAT_MAIL, "bad referat_mail '%s': write the working days "
				    "before the meeting and the time, e.g. referat_mail = 1 08:00 (0 to %d days), or off",
				    config_shorten(v, shown, sizeof(shown)), CONFIG_MAX_WORKDAYS);
	}
	cfg->attendance_mail = 1;
	if ((v = cfg_get(p, SEC_GROUP, K_ATTENDANCE_MAIL))) {
		if (is_off(v))
			cfg->attendance_mail = 0;
		else if (!is_on(v))
			cfg_problem(p, SEC_GROUP, K_ATTENDANCE_MAIL, "bad attendance_mail '%s': write on or off",
				    config_shorten(v, shown, sizeof(shown)));
	}
	cfg->report_mail = 1;
	if ((v = cfg_get(p, SEC_GROUP, K_REPORT_MAIL))) {
		if (is_off(v))
			cfg->report_mail = 0;
		else if (!is_on(v))
			cfg_problem(p, SEC_GROUP, K_REPORT_MAIL, "bad report_mail '%s': write on or off",
				    config_shorten(v, shown, sizeof(shown)));
	}
	cfg->status_mail = CONFIG_STATUS_LAST;
	if ((v = cfg_get(p, SEC_GROUP, K_STATUS_MAIL))) {
		if (is_off(v)) {
			cfg->status_mail = CONFIG_STATUS_OFF;
		} else if (strcasecmp(v, "last") == 0 || strcasecmp(v, "sidste") == 0) {
			cfg->status_mail = CONFIG_STATUS_LAST;
		} else if (config_duration(v, &cfg->status_mail_before) == 0 && cfg->status_mail_before > 0) {
			cfg->status_mail = CONFIG_STATUS_BEFORE;
		} else {
			cfg_problem(p, SEC_GROUP, K_STATUS_MAIL, "bad status_mail '%s': write last (with the last "
				    "reminder), a time before the meeting such as 2d or 3h, or off",
				    config_shorten(v, shown, sizeof(shown)));
		}
	}
}

long config_status_offset(const struct config *cfg)
{
	switch (cfg->status_mail) {
	case CONFIG_STATUS_OFF:
		return 0;
	case CONFIG_STATUS_BEFORE:
		return cfg->status_mail_before;
	case CONFIG_STATUS_LAST:
		break;
	}
	/* the reminders are sorted largest first: the last is the practical one */
	return cfg->n_reminders ? cfg->reminders[cfg->n_reminders - 1] : 86400;
}

int config_duration(const char *s, long *ret)
{
	static const struct {
		char unit;
		long secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	char *end;
	long n = strtol(s, &end, 10);

	if (end == s || n < 0 || n > 3650L * 86400)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (end[0] == units[i].unit && end[1] == '\0') {
			*ret = n * units[i].secs;
			return 0;
		}
	return -1;
}

/* A duration key of [sec] into *ret, or the default. */
static void cfg_duration_key(struct cfg_parse *p, int sec, int key, long dflt, long *ret)
{
	const char *v = cfg_get(p, sec, key);
	char shown[80];

	*ret = dflt;
	if (v && (config_duration(v, ret) < 0 || *ret <= 0)) {
		cfg_problem(p, sec, key, "bad %s '%s': write a number and a unit, e.g. 3d, 12h, 90m, 30s", key_names[key],
			    config_shorten(v, shown, sizeof(shown)));
		*ret = dflt;
	}
}

static const struct {
	const char *name;
	enum tls_mode mode;
} tls_names[] = {
	{ "starttls", TLS_STARTTLS },
	{ "implicit", TLS_IMPLICIT },
	{ "none", TLS_NONE },
};

/* Checks "scheme://host..." against the section; sets *secure for smtps/imaps. */
static int url_valid(const char *url, int sec, int *secure)
{
	const char *plain = sec == SEC_SMTP ? "smtp://" : "imap://";
	const char *tls = sec == SEC_SMTP ? "smtps://" : "imaps://";
	const char *host;

	if (util_istarts(url, plain)) {
		*secure = 0;
		host = url + strlen(plain);
	} else if (util_istarts(url, tls)) {
		*secure = 1;
		host = url + strlen(tls);
	} else {
		return 0;
	}
	if (!*host || *host == ':' || *host == '/')
		return 0;
	for (const char *q = url; *q; q++)
		if ((unsigned char)*q <= ' ')
			return 0;
	return 1;
}

/* The host of a valid url (after the scheme and any user:password@, without port and path, [::1] without
 * its brackets) into out. */
static void url_host(const char *url, char *out, size_t n)
{
	const char *h = strstr(url, "://") + 3, *end, *at;

	end = h + strcspn(h, "/?#");
	if ((at = memrchr(h, '@', (size_t)(end - h))))
		h = at + 1;
	if (*h == '[') {
		h++;
		end = h + strcspn(h, "]");
	} else {
		end = h + strcspn(h, ":/?#");
	}
	snprintf(out, n, "%.*s", (int)(end - h), h);
}

/* localhost, 127.0.0.0/8 or ::1, written as such: a name resolves wherever DNS (or /etc/hosts on the next
 * machine) says, so no other name counts. */
int config_host_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0 || strcasecmp(host, "localhost.") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static void cfg_tls(struct cfg_parse *p, int sec, struct server_config *sc, int secure)
{
	const char *scheme = sec == SEC_SMTP ? (secure ? "smtps" : "smtp") : (secure ? "imaps" : "imap");
	const char *other = sec == SEC_SMTP ? (secure ? "smtp" : "smtps") : (secure ? "imap" : "imaps");
	const char *port = sec == SEC_SMTP ? "465" : "993";
	const char *v = cfg_get(p, sec, K_TLS);
	char shown[80], host[256];
	size_t i;

	sc->tls = secure ? TLS_IMPLICIT : TLS_STARTTLS;
	if (!v)
		return;
	url_host(sc->url, host, sizeof(host));
	for (i = 0; i < sizeof(tls_names) / sizeof(tls_names[0]); i++)
		if (strcasecmp(v, tls_names[i].name) == 0)
			break;
	if (i == sizeof(tls_names) / sizeof(tls_names[0])) {
		cfg_problem(p, sec, K_TLS, "bad tls '%s': use starttls, implicit or none",
			    config_shorten(v, shown, sizeof(shown)));
		return;
	}
	if (secure && tls_names[i].mode != TLS_IMPLICIT)
		cfg_problem(p, sec, K_TLS, "tls = %s does not fit %s://, which always starts with TLS: remove the "
			    "tls line, or use %s:// for %s", tls_names[i].name, scheme, other, tls_names[i].name);
	else if (!secure && tls_names[i].mode == TLS_IMPLICIT)
		cfg_problem(p, sec, K_TLS, "tls = implicit needs %s://host:%s: %s:// starts in plain text (use "
			    "tls = starttls to upgrade it)", other, port, scheme);
	else if (tls_names[i].mode == TLS_NONE && !config_host_loopback(host))
		/* the password or token, and every mail with names and answers, would cross the network in clear */
		cfg_problem(p, sec, K_TLS, "tls = none sends the login and the mail unencrypted, so it is only for a "
			    "server on this machine (localhost, 127.x.x.x or ::1), not '%s': remove the tls line to use "
			    "STARTTLS", config_shorten(host, shown, sizeof(shown)));
	else
		sc->tls = tls_names[i].mode;
}

/* Splits a command line into words: blanks separate, '...' is literal, "..." allows \" and \\. No shell. */
static int split_words(const char *s, char ***ret_argv, struct err *err)
{
	char **argv = xcalloc(COMMAND_MAX_WORDS + 1, sizeof(*argv));
	size_t n = 0;
	struct buf word;
	int rc = -1;

	buf_init(&word);
	for (const char *q = s;;) {
		while (*q == ' ' || *q == '\t')
			q++;
		if (!*q)
			break;
		if (n == COMMAND_MAX_WORDS) {
			err_set(err, "more than %d words", COMMAND_MAX_WORDS);
			goto out;
		}
		buf_reset(&word);
		while (*q && *q != ' ' && *q != '\t') {
			char quote = *q;
			if (quote != '\'' && quote != '"') {
				buf_addch(&word, *q++);
				continue;
			}
			for (q++; *q && *q != quote; q++) {
				if (quote == '"' && *q == '\\' && (q[1] == '"' || q[1] == '\\'))
					q++;
				buf_addch(&word, *q);
			}
			if (!*q) {
				err_set(err, "a %c quote is not closed", quote);
				goto out;
			}
			q++;
		}
		argv[n++] = buf_detach(&word, NULL);
	}
	if (n == 0) {
		err_set(err, "no command");
		goto out;
	}
	*ret_argv = argv;
	argv = NULL;
	rc = 0;
out:
	if (argv) {
		for (size_t i = 0; i < n; i++)
			free(argv[i]);
		free(argv);
	}
	buf_release(&word);
	return rc;
}

static void free_words(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static const char *const auth_names[] = {
	[CONFIG_AUTH_PASSWORD] = "password", [CONFIG_AUTH_XOAUTH2] = "xoauth2",
	[CONFIG_AUTH_OAUTHBEARER] = "oauthbearer",
};

const char *config_auth_name(enum config_auth auth)
{
	return (size_t)auth < sizeof(auth_names) / sizeof(auth_names[0]) ? auth_names[auth] : "?";
}

/* A command key's value, kept when it splits into words. */
static void cfg_command_key(struct cfg_parse *p, int sec, int key, char **ret)
{
	const char *v = cfg_get(p, sec, key);
	char shown[80];
	struct err err;
	char **argv;

	if (!v)
		return;
	if (split_words(v, &argv, &err) < 0) {
		cfg_problem(p, sec, key, "bad %s '%s': %s", key_names[key], config_shorten(v, shown, sizeof(shown)),
			    err.msg);
		return;
	}
	free_words(argv);
	*ret = xstrdup(v);
}

/* auth = password | xoauth2 | oauthbearer. With OAuth2 the access token (token_file or token_command)
 * takes the place of the password, and the user names the mailbox the token was issued for. */
static void cfg_auth(struct cfg_parse *p, int sec, struct server_config *sc, struct config *cfg)
{
	const char *name = section_names[sec], *v = cfg_get(p, sec, K_AUTH), *mech;
	char shown[80];
	size_t i = CONFIG_AUTH_PASSWORD;

	if (v) {
		for (i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
			if (strcasecmp(v, auth_names[i]) == 0)
				break;
		if (i == sizeof(auth_names) / sizeof(auth_names[0]))
			cfg_problem(p, sec, K_AUTH, "bad auth '%s': use password, xoauth2 or oauthbearer",
				    config_shorten(v, shown, sizeof(shown)));
		else
			sc->auth = (enum config_auth)i;
	}
	if ((v = cfg_get(p, sec, K_TOKEN_FILE)))
		sc->token_file = util_path_join(cfg->dir, v);
	cfg_command_key(p, sec, K_TOKEN_COMMAND, &sc->token_command);
	if (p->line[sec][K_TOKEN_FILE] && p->line[sec][K_TOKEN_COMMAND]) {
		int later = p->line[sec][K_TOKEN_FILE] > p->line[sec][K_TOKEN_COMMAND] ? K_TOKEN_FILE : K_TOKEN_COMMAND;
		cfg_problem(p, sec, later, "token_file and token_command are both set in [%s]: keep one", name);
	}
	if (i == sizeof(auth_names) / sizeof(auth_names[0]))
		return; /* a bad auth was reported; what goes with it is unknown */
	if (sc->auth == CONFIG_AUTH_PASSWORD) {
		for (int k = K_TOKEN_FILE; k <= K_TOKEN_COMMAND; k++)
			if (p->line[sec][k])
				cfg_problem(p, sec, k, "%s is only used with auth = xoauth2 or auth = oauthbearer: add "
					    "one to [%s] or remove %s", key_names[k], name, key_names[k]);
		return;
	}
	mech = auth_names[sc->auth];
	if (!p->line[sec][K_USER])
		cfg_problem(p, sec, K_AUTH, "auth = %s needs the mailbox's address: add user = <address>", mech);
	if (!p->line[sec][K_TOKEN_FILE] && !p->line[sec][K_TOKEN_COMMAND])
		cfg_problem(p, sec, K_AUTH, "auth = %s needs an access token: add token_command = <a command that "
			    "prints one> or token_file = <a file that holds one>", mech);
	for (int k = K_PASSWORD_FILE; k <= K_PASSWORD_COMMAND; k++)
		if (p->line[sec][k])
			cfg_problem(p, sec, k, "%s is not used with auth = %s (the access token is the login): "
				    "remove it", key_names[k], mech);
}

/* The hosts whose own Authentication-Results are trusted without an authserv_id line (README "How answers are
 * read"): Exchange Online's and Google's IMAP servers. */
static const struct {
	const char *imap_host;
	enum authres_service service;
	const char *authserv_id;
	const char *label;
} known_services[] = {
	{ "outlook.office365.com", AUTHRES_SERVICE_EXCHANGE, NULL, "Exchange Online" },
	{ "outlook.office.com", AUTHRES_SERVICE_EXCHANGE, NULL, "Exchange Online" },
	{ "imap.gmail.com", AUTHRES_SERVICE_ID, "mx.google.com", "Google" },
	{ "imap.googlemail.com", AUTHRES_SERVICE_ID, "mx.google.com", "Google" },
};

/* authserv_id = HOST | exchange-online | none; trusted_relays = ADDR, ADDR … */
static void cfg_sender_trust(struct cfg_parse *p, struct server_config *sc)
{
	const char *v = cfg_get(p, SEC_IMAP, K_AUTHSERV_ID);
	char shown[80], *copy, *save = NULL;

	if (v) {
		int ok = strlen(v) <= AUTHRES_MAX_VALUE;
		for (const char *q = v; ok && *q; q++)
			ok = isalnum((unsigned char)*q) || strchr(".-_", *q);
		if (ok)
			sc->authserv_id = util_lower(xstrdup(v));
		else
			cfg_problem(p, SEC_IMAP, K_AUTHSERV_ID, "bad authserv_id '%s': write the name your mail server "
				    "puts first in its Authentication-Results header (e.g. mx.kommune.dk), exchange-online "
				    "or none", config_shorten(v, shown, sizeof(shown)));
	}
	if (!(v = cfg_get(p, SEC_IMAP, K_TRUSTED_RELAYS)))
		return;
	copy = xstrdup(v);
	for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (!util_email_valid(tok)) {
			cfg_problem(p, SEC_IMAP, K_TRUSTED_RELAYS, "bad address '%s' in trusted_relays: write the "
				    "relay's own From addresses, e.g. invitations-noreply@sky.kommune.dk",
				    config_shorten(tok, shown, sizeof(shown)));
			continue;
		}
		if (sc->n_trusted_relays == CONFIG_MAX_RELAYS) {
			cfg_problem(p, SEC_IMAP, K_TRUSTED_RELAYS, "more than %d addresses in trusted_relays",
				    CONFIG_MAX_RELAYS);
			break;
		}
		sc->trusted_relays[sc->n_trusted_relays++] = util_lower(xstrdup(tok));
	}
	free(copy);
}

enum authres_service config_sender_trust(const struct server_config *imap, const char **ret_authserv_id,
					 const char **ret_label)
{
	const char *host, *end;
	size_t len;

	*ret_authserv_id = NULL;
	*ret_label = "none";
	if (imap->authserv_id) {
		if (strcmp(imap->authserv_id, "none") == 0)
			return AUTHRES_SERVICE_NONE;
		if (strcmp(imap->authserv_id, "exchange-online") == 0) {
			*ret_label = "Exchange Online";
			return AUTHRES_SERVICE_EXCHANGE;
		}
		*ret_authserv_id = imap->authserv_id;
		*ret_label = "authserv_id";
		return AUTHRES_SERVICE_ID;
	}
	if (!imap->url || !(host = strstr(imap->url, "://")))
		return AUTHRES_SERVICE_NONE;
	host += 3;
	end = host + strcspn(host, ":/?");
	len = (size_t)(end - host);
	for (size_t i = 0; i < sizeof(known_services) / sizeof(known_services[0]); i++)
		if (strlen(known_services[i].imap_host) == len && strncasecmp(host, known_services[i].imap_host, len) == 0) {
			*ret_authserv_id = known_services[i].authserv_id;
			*ret_label = known_services[i].label;
			return known_services[i].service;
		}
	return AUTHRES_SERVICE_NONE;
}

static void cfg_server(struct cfg_parse *p, int sec, struct server_config *sc, struct config *cfg)
{
	const char *name = section_names[sec];
	const char *example = sec == SEC_SMTP ? "url = smtp://host:587" : "url = imaps://host:993";
	const char *v;
	char shown[80];
	int secure = 0;

	sc->present = p->section_line[sec] != 0;
	if (sec == SEC_SMTP)
		cfg_duration_key(p, sec, K_RETRY_FOR, 3 * 86400, &sc->retry_for);
	if (sec == SEC_IMAP)
		cfg_duration_key(p, sec, K_POLL_INTERVAL, 60, &sc->poll_interval);
	if (sec == SEC_IMAP) {
		sc->mailbox = xstrdup(cfg_get(p, sec, K_MAILBOX) ? cfg_get(p, sec, K_MAILBOX) : "INBOX");
		sc->processed = xstrdup(cfg_get(p, sec, K_PROCESSED) ? cfg_get(p, sec, K_PROCESSED)
								     : "Tovholder/Behandlet");
		sc->review = xstrdup(cfg_get(p, sec, K_REVIEW) ? cfg_get(p, sec, K_REVIEW)
							       : "Tovholder/Til gennemsyn");
		sc->decline = xstrdup(cfg_get(p, sec, K_DECLINE) ? cfg_get(p, sec, K_DECLINE) : "Tovholder/Afbud");
		sc->accept = xstrdup(cfg_get(p, sec, K_ACCEPT) ? cfg_get(p, sec, K_ACCEPT) : "Tovholder/Tilsagn");
		sc->ignore = xstrdup(cfg_get(p, sec, K_IGNORE) ? cfg_get(p, sec, K_IGNORE) : "Tovholder/Ignorer");
		sc->attendance = xstrdup(cfg_get(p, sec, K_ATTENDANCE) ? cfg_get(p, sec, K_ATTENDANCE)
								       : "Tovholder/Fremmøde");
	}
	if (!sc->present) {
		if (sec == SEC_SMTP)
			diag_add(p->d, p->file, 0, "no [smtp] section: add one with %s", example);
		return;
	}
	if (sec == SEC_IMAP)
		cfg_sender_trust(p, sc);
	if ((v = cfg_require(p, sec, K_URL, example))) {
		if (url_valid(v, sec, &secure)) {
			sc->url = xstrdup(v);
			cfg_tls(p, sec, sc, secure);
		} else if (sec == SEC_SMTP) {
			cfg_problem(p, sec, K_URL, "bad url '%s' in [smtp]: write smtp://host:587 or smtps://host:465",
				    config_shorten(v, shown, sizeof(shown)));
		} else {
			cfg_problem(p, sec, K_URL, "bad url '%s' in [imap]: write imap://host:143 or imaps://host:993",
				    config_shorten(v, shown, sizeof(shown)));
		}
	}
	if ((v = cfg_get(p, sec, K_USER)))
		sc->user = xstrdup(v);
	if ((v = cfg_get(p, sec, K_CA_FILE)))
		sc->ca_file = util_path_join(cfg->dir, v);
	if ((v = cfg_get(p, sec, K_PASSWORD_FILE)))
		sc->password_file = util_path_join(cfg->dir, v);
	if ((v = cfg_get(p, sec, K_PASSWORD_COMMAND))) {
		struct err err;
		char **argv;
		if (split_words(v, &argv, &err) < 0) {
			cfg_problem(p, sec, K_PASSWORD_COMMAND, "bad password_command '%s': %s",
				    config_shorten(v, shown, sizeof(shown)), err.msg);
		} else {
			free_words(argv);
			sc->password_command = xstrdup(v);
		}
	}
	cfg_auth(p, sec, sc, cfg);
	if (p->line[sec][K_PASSWORD_FILE] && p->line[sec][K_PASSWORD_COMMAND]) {
		int later = p->line[sec][K_PASSWORD_FILE] > p->line[sec][K_PASSWORD_COMMAND] ? K_PASSWORD_FILE
											: K_PASSWORD_COMMAND;
		cfg_problem(p, sec, later, "password_file and password_command are both set in [%s]: keep one",
			    name);
	}
	if (sc->user && sc->auth == CONFIG_AUTH_PASSWORD && !p->line[sec][K_PASSWORD_FILE] &&
	    !p->line[sec][K_PASSWORD_COMMAND])
		cfg_problem(p, sec, K_USER, "user '%s' has no password: add password_file or password_command",
			    config_shorten(sc->user, shown, sizeof(shown)));
	if (!p->line[sec][K_USER]) {
		if (p->line[sec][K_PASSWORD_FILE])
			cfg_problem(p, sec, K_PASSWORD_FILE, "password_file without user: add user = <login>");
		if (p->line[sec][K_PASSWORD_COMMAND])
			cfg_problem(p, sec, K_PASSWORD_COMMAND, "password_command without user: add user = <login>");
	}
}

/* [graph], optional: Microsoft Graph for Teams meetings (links made, attendance fetched). An https url (the
 * default is Microsoft's global service), an access token from token_command or token_file, how long after a
 * meeting its attendance report is looked for. */
static void cfg_graph(struct cfg_parse *p, struct config *cfg)
{
	struct server_config *gc = &cfg->graph;
	const char *v;
	char shown[80];

	gc->present = p->section_line[SEC_GRAPH] != 0;
	cfg_duration_key(p, SEC_GRAPH, K_ATTENDANCE_FOR, 14 * 86400, &gc->retry_for);
	if (!gc->present)
		return;
	gc->auth = CONFIG_AUTH_XOAUTH2;   /* a bearer token; the word is only for config_secret */
	v = cfg_get(p, SEC_GRAPH, K_URL);
	if (!v) {
		gc->url = xstrdup("https://graph.microsoft.com/v1.0");
	} else if (!util_istarts(v, "https://") || !v[8] || v[8] == '/' || v[8] == ':' || strpbrk(v, " \t\"'<>")) {
		cfg_problem(p, SEC_GRAPH, K_URL, "bad url '%s' in [graph]: write https://graph.microsoft.com/v1.0 "
			    "or leave it out", config_shorten(v, shown, sizeof(shown)));
	} else {
		gc->url = xstrdup(v);
	}
	if ((v = cfg_get(p, SEC_GRAPH, K_CA_FILE)))
		gc->ca_file = util_path_join(cfg->dir, v);
	if ((v = cfg_get(p, SEC_GRAPH, K_TOKEN_FILE)))
		gc->token_file = util_path_join(cfg->dir, v);
	cfg_command_key(p, SEC_GRAPH, K_TOKEN_COMMAND, &gc->token_command);
	if (p->line[SEC_GRAPH][K_TOKEN_FILE] && p->line[SEC_GRAPH][K_TOKEN_COMMAND])
		cfg_problem(p, SEC_GRAPH, p->line[SEC_GRAPH][K_TOKEN_FILE] > p->line[SEC_GRAPH][K_TOKEN_COMMAND]
				  ? K_TOKEN_FILE : K_TOKEN_COMMAND,
			    "token_file and token_command are both set in [graph]: keep one");
	if (!p->line[SEC_GRAPH][K_TOKEN_FILE] && !p->line[SEC_GRAPH][K_TOKEN_COMMAND])
		diag_add(p->d, p->file, p->section_line[SEC_GRAPH], "[graph] needs an access token for Microsoft "
			 "Graph: add token_command = <a command that prints one> or token_file = <a file that holds "
			 "one>");
}

int config_parse_buf(struct config *cfg, const char *buf, size_t len, const char *filename, struct diag *d)
{
	static const struct config_ini_ops ops = { cfg_section, cfg_key };
	struct cfg_parse *p = xcalloc(1, sizeof(*p));
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup(filename);
	cfg->dir = util_dirname(filename);
	p->file = filename;
	p->d = d;
	p->n_diag = d->n;
	p->section = -1;
	config_ini_parse(buf, len, filename, d, &ops, p);
	if (len <= CONFIG_FILE_MAX) {
		cfg_group(p, cfg);
		cfg_server(p, SEC_SMTP, &cfg->smtp, cfg);
		cfg_server(p, SEC_IMAP, &cfg->imap, cfg);
		cfg_graph(p, cfg);
	}
	rc = d->n > p->n_diag ? -1 : 0;
	for (int s = 0; s < N_SECTIONS; s++)
		for (int k = 0; k < N_KEYS; k++)
			free(p->val[s][k]);
	free(p);
	if (rc < 0)
		config_release(cfg);
	return rc;
}

int config_load(struct config *cfg, const char *path, struct diag *d)
{
	struct err err;
	size_t len;
	char *buf = util_read_file(path, CONFIG_FILE_MAX, &len, &err);
	int rc;

	if (!buf) {
		memset(cfg, 0, sizeof(*cfg));
		diag_add(d, path, 0, "%s", err.msg);
		return -1;
	}
	rc = config_parse_buf(cfg, buf, len, path, d);
	free(buf);
	return rc;
}

static void server_release(struct server_config *sc)
{
	free(sc->url);
	free(sc->user);
	free(sc->password_file);
	free(sc->password_command);
	free(sc->ca_file);
	free(sc->mailbox);
	free(sc->processed);
	free(sc->review);
	free(sc->decline);
	free(sc->accept);
	free(sc->ignore);
	free(sc->attendance);
	free(sc->token_file);
	free(sc->token_command);
	free(sc->authserv_id);
	for (size_t i = 0; i < sc->n_trusted_relays; i++)
		free(sc->trusted_relays[i]);
}

void config_release(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->dir);
	free(cfg->group_name);
	free(cfg->organizer_name);
	free(cfg->organizer_email);
	free(cfg->secretary);
	free(cfg->timezone);
	free(cfg->schedule_path);
	free(cfg->roster_path);
	free(cfg->state_path);
	free(cfg->templates_dir);
	server_release(&cfg->smtp);
	server_release(&cfg->imap);
	server_release(&cfg->graph);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- the password and the OAuth2 token ------------------------------------------------------------------- */

/* Where a secret comes from, for messages: the config key, what it holds, and its cap. */
struct secret_source {
	const char *key;    /* "password_file", "token_command", ... */
	const char *noun;   /* "password", "token" */
	size_t cap;
};

static const struct secret_source password_file_src = { "password_file", "password", PASSWORD_MAX };
static const struct secret_source password_command_src = { "password_command", "password", PASSWORD_MAX };
static const struct secret_source token_file_src = { "token_file", "token", TOKEN_MAX };
static const struct secret_source token_command_src = { "token_command", "token", TOKEN_MAX };

/* The first line of data[0..len): a copy without its CR/LF, or NULL when empty. */
static char *first_line(const char *data, size_t len)
{
	const char *nl = memchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : len;

	while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	if (n == 0 || memchr(data, '\0', n))
		return NULL;
	return xstrndup(data, n);
}

static char *secret_from_file(const struct secret_source *src, const char *path, struct err *err)
{
	char *data = xmalloc(src->cap + 1);
	struct stat st;
	size_t len = 0;
	char *pw = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		err_set(err, "cannot open %s '%s': %s", src->key, path, strerror(errno));
		free(data);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		err_set(err, "cannot stat %s '%s': %s", src->key, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s '%s' is not a regular file", src->key, path);
		goto out;
	}
	if (st.st_mode & 077) {
		err_set(err, "'%s' is %s by others: run chmod 600 %s", path,
			st.st_mode & 044 ? "readable" : "writable", path);
		goto out;
	}
	while (len < src->cap + 1) {
		ssize_t n = read(fd, data + len, src->cap + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set(err, "cannot read %s '%s': %s", src->key, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > src->cap && !memchr(data, '\n', src->cap)) {
		err_set(err, "the first line of %s '%s' is longer than %zu bytes", src->key, path, src->cap);
		goto out;
	}
	pw = first_line(data, len);
	if (!pw)
		err_set(err, "%s '%s' is empty: put the %s on its first line", src->key, path, src->noun);
out:
	explicit_bzero(data, src->cap + 1);
	free(data);
	close(fd);
	return pw;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Reads the child's stdout until EOF, the cap or the deadline. 0 at EOF, 1 on timeout, 2 on too much. */
static int read_child(int fd, char *data, size_t cap, size_t *len, const struct timespec *start)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long left = PASSWORD_TIMEOUT_MS - elapsed_ms(start);
		char scratch[256];
		ssize_t n;

		if (left <= 0)
			return 1;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return 1;
		if (pfd.revents == 0)
			continue;
		if (*len < cap)
			n = read(fd, data + *len, cap - *len);
		else
			n = read(fd, scratch, sizeof(scratch));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		if (*len >= cap) {
			explicit_bzero(scratch, sizeof(scratch));
			return 2;
		}
		*len += (size_t)n;
	}
}

/* Waits for the child until the deadline, then kills it. Returns its wait status. */
static int reap_child(pid_t pid, const struct timespec *start, int kill_now)
{
	int status = 0;

	if (kill_now)
		kill(pid, SIGKILL);
	for (;;) {
		pid_t r = waitpid(pid, &status, kill_now ? 0 : WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0 && elapsed_ms(start) >= PASSWORD_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			kill_now = 1;
		} else if (r == 0) {
			struct timespec nap = { 0, 10 * 1000 * 1000 };
			nanosleep(&nap, NULL);
		}
	}
}

/* Runs 'cmd' (split into words, no shell, stdin /dev/null, 10 s) and returns the first line it printed. Its
 * output is never quoted in a message. *temporary is set when trying later may help: the command did not
 * finish in time, or said so itself with exit status 75 (EX_TEMPFAIL, as a token helper whose provider
 * cannot be reached may). */
static char *secret_from_command(const struct secret_source *src, const char *cmd, int *temporary,
				 struct err *err)
{
	char *data = xmalloc(src->cap + 1), shown[80];
	char **argv = NULL;
	int pfd[2] = { -1, -1 }, outcome, status;
	size_t len = 0;
	char *pw = NULL;
	struct timespec start;
	struct err why;
	pid_t pid;

	config_shorten(cmd, shown, sizeof(shown));
	if (split_words(cmd, &argv, &why) < 0) {
		err_set(err, "bad %s '%s': %s", src->key, shown, why.msg);
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_set(err, "cannot run %s '%s': %s", src->key, shown, strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0) {
		err_set(err, "cannot run %s '%s': %s", src->key, shown, strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* The service blocks SIGTERM, SIGINT and SIGHUP for its signalfd, and imap.c ignores SIGPIPE while
		 * it talks; both would survive the exec (an ignored signal stays ignored, the mask is kept), and a
		 * helper that cannot be stopped by SIGTERM or that writes on to a closed pipe is not what its
		 * author tested. Only async-signal-safe calls between fork and exec. */
		sigset_t none;
		sigemptyset(&none);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	outcome = read_child(pfd[0], data, src->cap, &len, &start);
	status = reap_child(pid, &start, outcome != 0 || elapsed_ms(&start) >= PASSWORD_TIMEOUT_MS);
	if (outcome == 1 || (outcome == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
			     elapsed_ms(&start) >= PASSWORD_TIMEOUT_MS)) {
		err_set(err, "%s '%s' did not finish within %d seconds", src->key, shown, PASSWORD_TIMEOUT_MS / 1000);
		*temporary = 1;
	} else if (outcome == 2) {
		err_set(err, "%s '%s' printed more than %zu bytes", src->key, shown, src->cap);
	} else if (status == -1) {
		err_set(err, "%s '%s': cannot wait for it: %s", src->key, shown, strerror(errno));
	} else if (WIFSIGNALED(status)) {
		err_set(err, "%s '%s' was killed by signal %d", src->key, shown, WTERMSIG(status));
	} else if (WEXITSTATUS(status) == 127) {
		err_set(err, "%s '%s' could not be run (exit status 127): is it installed?", src->key, shown);
	} else if (WEXITSTATUS(status) == 75) {
		err_set(err, "%s '%s' failed with exit status 75 (temporary failure)", src->key, shown);
		*temporary = 1;
	} else if (WEXITSTATUS(status) != 0) {
		err_set(err, "%s '%s' failed with exit status %d", src->key, shown, WEXITSTATUS(status));
	} else if (!(pw = first_line(data, len))) {
		err_set(err, "%s '%s' printed no %s", src->key, shown, src->noun);
	}
out:
	explicit_bzero(data, src->cap + 1);
	free(data);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free_words(argv);
	return pw;
}

char *config_password(const struct server_config *sc, struct err *err)
{
	int temporary = 0;

	if (sc->password_file)
		return secret_from_file(&password_file_src, sc->password_file, err);
	if (sc->password_command)
		return secret_from_command(&password_command_src, sc->password_command, &temporary, err);
	err_set(err, "no password_file or password_command is set");
	return NULL;
}

/* RFC 6750 §2.1 b64token, and what Google and Entra ID issue: visible ASCII only. Anything else would break
 * the SASL framing ("auth=Bearer <token>^A^A") or the command line it travels in. */
static int token_valid(const char *t)
{
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7F)
			return 0;
	return 1;
}

char *config_secret(const struct server_config *sc, int *ret_temporary, struct err *err)
{
	const struct secret_source *src = sc->token_file ? &token_file_src : &token_command_src;
	int temporary = 0;
	char *tok;

	if (ret_temporary)
		*ret_temporary = 0;
	if (sc->auth == CONFIG_AUTH_PASSWORD)
		return config_password(sc, err);
	if (sc->token_file)
		tok = secret_from_file(src, sc->token_file, err);
	else if (sc->token_command)
		tok = secret_from_command(src, sc->token_command, &temporary, err);
	else
		return err_set(err, "auth = %s needs token_command or token_file", config_auth_name(sc->auth)), NULL;
	if (tok && !token_valid(tok)) {
		err_set(err, "the token from %s has blanks or characters outside ASCII: the first line must be the "
			"bare access token", src->key);
		explicit_bzero(tok, strlen(tok));
		free(tok);
		tok = NULL;
	}
	if (!tok && ret_temporary)
		*ret_temporary = temporary;
	return tok;
}
