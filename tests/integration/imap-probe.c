/* imap-probe: drives daemon/imap*.c against a real server for t4000-imap-tls.sh, until the commands that use it
 * exist. Connects, prints the login mechanism, selects a mailbox, lists new messages with their header and part
 * tree, fetches parts, moves messages. The last line is "result OK|UNREACHABLE|REFUSED[: why]".
 *
 *   imap-probe [--tls starttls|implicit|none] [--ca FILE] --user USER --password-file FILE [--mailbox NAME]
 *              [--list] [--after UID] [--fields A,B,...] [--stop-after N] [--fetch UID:SECTION]...
 *              [--move-listed FOLDER] [--move UID[,UID...]:FOLDER]... [--want-every N] URL
 *
 * --plan-fetch names the --fetch parts of each message to plan, so they come with their batch (fetched ahead).
 * --want-every N walks headers first (imap_fetch_new_planned with a want callback): only messages whose UID is a
 * multiple of N get their structure; the others are listed with their header fields alone ("structure=0").
 *
 * SECTION is the inmail section of a part: "-" is the message root, "2" the part 2, "2m" the root of the
 * message enclosed in part 2. Exit status: 0 ok, 2 unreachable, 3 refused, 1 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap.h"
#include "log.h"
#include "util.h"

#define MAX_OPS 32

struct probe {
	struct imap *im;
	const char *fetch[MAX_OPS];
	size_t n_fetch;
	const char *move_listed;
	long stop_after;
	unsigned long want_every;   /* 0: every message's structure (imap_fetch_new) */
	int plan_fetch;             /* --fetch parts are named to plan */
	size_t seen;
	enum imap_result res;   /* the first failure inside the callback */
	struct err err;
};

static void usage(void)
{
	fputs("usage: imap-probe [--tls MODE] [--ca FILE] --user USER --password-file FILE [--mailbox NAME] [--list]\n"
	      "                  [--after UID] [--fields A,B] [--stop-after N] [--fetch UID:SECTION]...\n"
	      "                  [--move-listed FOLDER] [--move UID:FOLDER]... [--want-every N] [--plan-fetch]\n"
	      "                  URL\n", stderr);
	exit(1);
}

static void print_part(const struct inmail_part *p, int depth, int is_root)
{
	printf("%*s%s section=%s type=%s/%s", 2 + 2 * depth, "", is_root ? "root" : "part",
	       p->section[0] ? p->section : "-", p->type, p->subtype);
	if (strcmp(p->type, "multipart") != 0)
		printf(" enc=%s size=%zu", p->encoding, p->size);
	if (p->disposition)
		printf(" disp=%s", p->disposition);
	for (size_t i = 0; i < p->n_params; i++)
		if (strcmp(p->params[i].name, "boundary") != 0)
			printf(" %s=%s", p->params[i].name, p->params[i].value);
	printf("\n");
	for (size_t i = 0; i < p->n_children; i++)
		print_part(&p->children[i], depth + 1, 0);
	if (p->message)
		print_part(p->message, depth + 1, 1);
}

/* The part named by "-", "2" or "2m" (see the top of the file). */
static struct inmail_part *find_part(struct inmail_part *p, int is_root, const char *want, int want_root)
{
	const char *sec = p->section[0] ? p->section : "-";

	if (strcmp(sec, want) == 0 && is_root == want_root)
		return p;
	for (size_t i = 0; i < p->n_children; i++) {
		struct inmail_part *q = find_part(&p->children[i], 0, want, want_root);

		if (q)
			return q;
	}
	return p->message ? find_part(p->message, 1, want, want_root) : NULL;
}

static int fetch_one(struct probe *pr, struct imap_msg *msg, const char *spec)
{
	char want[64];
	size_t n = strlen(spec);
	int want_root = 0;
	struct inmail_part *p;
	struct err err;
	char *text;
	size_t len;

	snprintf(want, sizeof(want), "%s", spec);
	if (n > 1 && want[n - 1] == 'm') {
		want[n - 1] = '\0';
		want_root = 1;
	}
	if (strcmp(want, "-") == 0)
		want_root = 1;
	p = find_part(&msg->mail.root, 1, want, want_root);
	if (!p) {
		printf("no part %s in message %u\n", spec, msg->uid);
		return 0;
	}
	pr->res = imap_fetch_part(pr->im, msg, p, &pr->err);
	if (pr->res != IMAP_OK)
		return -1;
	printf("fetched uid=%u section=%s bytes=%zu\n", msg->uid, spec, p->body_len);
	text = inmail_part_decode(p, &len, &err);
	if (!text) {
		printf("cannot decode: %s\n", err.msg);
		return 0;
	}
	printf("-----\n%s%s-----\n", text, len && text[len - 1] == '\n' ? "" : "\n");
	free(text);
	return 0;
}

static int on_msg(struct imap_msg *msg, void *arg)
{
	struct probe *pr = arg;
	const char *from = inmail_header(&msg->mail, "From"), *subject = inmail_header(&msg->mail, "Subject");
	const struct inmail_part *cal, *text;
	int is_html = 0;
	char *dec;
	char prefix[16];

	printf("msg uid=%u size=%zu headers=%zu structure=%d\n", msg->uid, msg->size, msg->mail.root.n_headers,
	       msg->structure);
	dec = inmail_decode_words(from ? from : "");
	printf("  from: %s\n", dec);
	free(dec);
	dec = inmail_decode_words(subject ? subject : "");
	printf("  subject: %s\n", dec);
	free(dec);
	print_part(&msg->mail.root, 0, 1);
	/* what the reply logic would pick from this tree */
	cal = inmail_find_calendar(&msg->mail);
	text = inmail_find_text(&msg->mail, &is_html);
	if (cal)
		printf("  calendar: %s\n", cal->section[0] ? cal->section : "-");
	if (text)
		printf("  text: %s%s\n", text->section[0] ? text->section : "-", is_html ? " (html)" : "");
	snprintf(prefix, sizeof(prefix), "%u:", msg->uid);
	for (size_t i = 0; i < pr->n_fetch; i++)
		if (strncmp(pr->fetch[i], prefix, strlen(prefix)) == 0 &&
		    fetch_one(pr, msg, pr->fetch[i] + strlen(prefix)) < 0)
			return 1;
	/* a move from inside the walk: the connection is shared with the FETCH results still held */
	if (pr->move_listed) {
		pr->res = imap_move(pr->im, msg->uid, pr->move_listed, &pr->err);
		if (pr->res != IMAP_OK)
			return 1;
		printf("moved uid=%u to %s\n", msg->uid, pr->move_listed);
	}
	pr->seen++;
	return pr->stop_after > 0 && pr->seen >= (size_t)pr->stop_after;
}

/* plan: the --fetch parts of this message (root "-" or a section; "Nm" is left to the callback) */
static int plan_parts(struct imap_msg *msg, void *arg, const struct inmail_part **ret_parts)
{
	const struct probe *pr = arg;
	char prefix[16];
	int n = 0;

	snprintf(prefix, sizeof(prefix), "%u:", msg->uid);
	for (size_t i = 0; i < pr->n_fetch && n < IMAP_AHEAD_PARTS; i++) {
		const char *spec = pr->fetch[i] + strlen(prefix);
		struct inmail_part *p;

		if (strncmp(pr->fetch[i], prefix, strlen(prefix)) != 0 || spec[0] == '\0' || spec[strlen(spec) - 1] == 'm')
			continue;
		p = find_part(&msg->mail.root, 1, strcmp(spec, "-") == 0 ? "-" : spec, strcmp(spec, "-") == 0);
		if (p)
			ret_parts[n++] = p;
	}
	return n;
}

static int want_some(struct imap_msg *msg, void *arg)
{
	const struct probe *pr = arg;

	return msg->uid % pr->want_every == 0;
}

static const char *const *split_fields(char *s)
{
	static const char *v[32];
	size_t n = 0;

	for (char *tok = strtok(s, ","); tok && n + 1 < sizeof(v) / sizeof(v[0]); tok = strtok(NULL, ","))
		v[n++] = tok;
	v[n] = NULL;
	return v;
}

static int finish(enum imap_result res, const struct err *err)
{
	static const char *const names[] = { "OK", "UNREACHABLE", "REFUSED" };

	if (res == IMAP_OK)
		printf("result OK\n");
	else
		printf("result %s: %s\n", names[res], err->msg);
	return res == IMAP_OK ? 0 : res == IMAP_UNREACHABLE ? 2 : 3;
}

int main(int argc, char **argv)
{
	struct server_config sc;
	struct probe pr;
	const char *mailbox = "INBOX", *pwfile = NULL, *moves[MAX_OPS];
	const char *const *fields = NULL;
	size_t n_moves = 0, pwlen;
	unsigned long after = 0;
	int list = 0, tls_given = 0, code;
	uint32_t uidvalidity, uidnext;
	char *password;

	/* a line at a time, so that with 2>&1 the order of our lines and the debug log's is the order of events */
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(0);
	memset(&sc, 0, sizeof(sc));
	memset(&pr, 0, sizeof(pr));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--list") == 0) {
			list = 1;
			continue;
		}
		if (strcmp(a, "--plan-fetch") == 0) {
			pr.plan_fetch = 1;
			continue;
		}
		if (a[0] != '-') {
			sc.url = (char *)a;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (strcmp(a, "--tls") == 0) {
			tls_given = 1;
			sc.tls = strcmp(v, "implicit") == 0 ? TLS_IMPLICIT : strcmp(v, "none") == 0 ? TLS_NONE
												 : TLS_STARTTLS;
		} else if (strcmp(a, "--ca") == 0) {
			sc.ca_file = (char *)v;
		} else if (strcmp(a, "--user") == 0) {
			sc.user = (char *)v;
		} else if (strcmp(a, "--password-file") == 0) {
			pwfile = v;
		} else if (strcmp(a, "--mailbox") == 0) {
			mailbox = v;
		} else if (strcmp(a, "--after") == 0) {
			after = strtoul(v, NULL, 10);
		} else if (strcmp(a, "--fields") == 0) {
			fields = split_fields(argv[i]);
		} else if (strcmp(a, "--stop-after") == 0) {
			pr.stop_after = strtol(v, NULL, 10);
		} else if (strcmp(a, "--fetch") == 0 && pr.n_fetch < MAX_OPS) {
			pr.fetch[pr.n_fetch++] = v;
			list = 1;
		} else if (strcmp(a, "--move-listed") == 0) {
			pr.move_listed = v;
			list = 1;
		} else if (strcmp(a, "--want-every") == 0) {
			pr.want_every = strtoul(v, NULL, 10);
			list = 1;
		} else if (strcmp(a, "--move") == 0 && n_moves < MAX_OPS) {
			moves[n_moves++] = v;
		} else {
			usage();
		}
	}
	if (!sc.url || !sc.user || !pwfile)
		usage();
	if (!tls_given)
		sc.tls = util_istarts(sc.url, "imaps://") ? TLS_IMPLICIT : TLS_STARTTLS;
	password = util_read_file(pwfile, 4096, &pwlen, &pr.err);
	if (!password)
		return finish(IMAP_REFUSED, &pr.err);
	password[strcspn(password, "\r\n")] = '\0';

	pr.im = imap_new(&sc, password, &pr.err);
	free(password);
	if (!pr.im)
		return finish(IMAP_REFUSED, &pr.err);
	pr.res = imap_connect(pr.im, &pr.err);
	if (pr.res == IMAP_OK) {
		printf("mechanism %s\n", imap_login_mechanism(pr.im));
		printf("capabilities %s\n", imap_capabilities(pr.im));
		pr.res = imap_select(pr.im, mailbox, &uidvalidity, &uidnext, &pr.err);
	}
	if (pr.res == IMAP_OK)
		printf("selected %s uidvalidity=%u uidnext=%u\n", mailbox, uidvalidity, uidnext);
	if (pr.res == IMAP_OK && list) {
		enum imap_result r = pr.want_every || pr.plan_fetch
					     ? imap_fetch_new_planned(pr.im, (uint32_t)after, fields,
								      pr.want_every ? want_some : NULL,
								      pr.plan_fetch ? plan_parts : NULL, on_msg, &pr, &pr.err)
						   : imap_fetch_new(pr.im, (uint32_t)after, fields, on_msg, &pr, &pr.err);

		/* a failure inside the callback is already in pr.res and pr.err */
		if (pr.res == IMAP_OK)
			pr.res = r;
		if (pr.res == IMAP_OK)
			printf("listed %zu\n", pr.seen);
	}
	/* --move UID:FOLDER is imap_move; --move UID,UID,...:FOLDER one imap_move_uids for the list as given */
	for (size_t i = 0; pr.res == IMAP_OK && i < n_moves; i++) {
		const char *folder = strchr(moves[i], ':');
		uint32_t uids[MAX_OPS];
		size_t n = 0;
		char *end;

		if (!folder)
			usage();
		for (const char *p = moves[i]; p < folder && n < MAX_OPS; p = end + (*end == ',')) {
			uids[n++] = (uint32_t)strtoul(p, &end, 10);
			if (end == p)
				usage();
		}
		if (n == 1)
			pr.res = imap_move(pr.im, uids[0], folder + 1, &pr.err);
		else
			pr.res = imap_move_uids(pr.im, uids, n, folder + 1, &pr.err);
		if (pr.res == IMAP_OK)
			printf("moved uid%s=%.*s to %s\n", n == 1 ? "" : "s", (int)(folder - moves[i]), moves[i], folder + 1);
	}
	code = finish(pr.res, &pr.err);
	imap_free(pr.im);
	return code;
}
