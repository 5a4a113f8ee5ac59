/* Folders (part of module imap): mailbox names in modified UTF-7, the server's hierarchy and personal
 * namespace, creating folders (LIST, CREATE, SUBSCRIBE), and moving handled mail into them. */
#include "imap_int.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- modified UTF-7 (RFC 3501 5.1.3) ---- */

static const char b64mod[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* The next code point of input already checked to be valid UTF-8. */
static uint32_t utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t cp;
	int n;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if (p[0] < 0xE0)
		cp = p[0] & 0x1F, n = 1;
	else if (p[0] < 0xF0)
		cp = p[0] & 0x0F, n = 2;
	else
		cp = p[0] & 0x07, n = 3;
	for (int i = 1; i <= n; i++)
		cp = (cp << 6) | (p[i] & 0x3F);
	*pp = p + n + 1;
	return cp;
}

struct b64_state {
	uint32_t bits;
	int nbits;
};

static void b64_put16(struct buf *out, struct b64_state *st, uint32_t unit)
{
	st->bits = (st->bits << 16) | unit;
	st->nbits += 16;
	while (st->nbits >= 6) {
		st->nbits -= 6;
		buf_addch(out, b64mod[(st->bits >> st->nbits) & 0x3F]);
	}
	st->bits &= (1u << st->nbits) - 1;
}

static void b64_end(struct buf *out, struct b64_state *st)
{
	if (st->nbits)
		buf_addch(out, b64mod[(st->bits << (6 - st->nbits)) & 0x3F]);
	buf_addch(out, '-');
	st->bits = 0;
	st->nbits = 0;
}

char *imap_utf7_encode(const char *utf8)
{
	const unsigned char *p = (const unsigned char *)utf8;
	struct b64_state st = { 0, 0 };
	struct buf out;
	int in_b64 = 0;

	if (!config_utf8_valid(utf8, strlen(utf8)))
		return NULL;
	buf_init(&out);
	while (*p) {
		uint32_t cp = utf8_next(&p);

		/* printable US-ASCII stands for itself, '&' as "&-"; everything else is UTF-16 in modified BASE64 */
		if (cp >= 0x20 && cp <= 0x7E) {
			if (in_b64)
				b64_end(&out, &st);
			in_b64 = 0;
			if (cp == '&')
				buf_adds(&out, "&-");
			else
				buf_addch(&out, (char)cp);
			continue;
		}
		if (!in_b64)
			buf_addch(&out, '&');
		in_b64 = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			b64_put16(&out, &st, 0xD800 | (cp >> 10));
			b64_put16(&out, &st, 0xDC00 | (cp & 0x3FF));
		} else {
			b64_put16(&out, &st, cp);
		}
	}
	if (in_b64)
		b64_end(&out, &st);
	return buf_detach(&out, NULL);
}

/* ---- folder names ---- */

enum imap_result imap_learn_hierarchy(struct imap *im, struct err *err)
{
	int r;

	if (im->hier_known)
		return IMAP_OK;
	if (imap_has_cap(im, "NAMESPACE")) {
		struct mailimap_namespace_data *ns = NULL;

		r = mailimap_namespace(im->s, &ns);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "NAMESPACE", err);
		if (ns && ns->ns_personal && clist_begin(ns->ns_personal->ns_data_list)) {
			struct mailimap_namespace_info *ni = clist_content(clist_begin(ns->ns_personal->ns_data_list));

			im->sep = ni->ns_delimiter;
			im->ns_prefix = xstrdup(ni->ns_prefix);
			im->hier_known = 1;
		}
		mailimap_namespace_data_free(ns);
	}
	if (!im->hier_known) {
		clist *l = NULL;

		r = mailimap_list(im->s, "", "", &l);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "LIST", err);
		if (l && clist_begin(l))
			im->sep = ((struct mailimap_mailbox_list *)clist_content(clist_begin(l)))->mb_delimiter;
		mailimap_list_result_free(l);
		im->ns_prefix = xstrdup("");
		im->hier_known = 1;
	}
	log_debug("imap: %s separates folder levels with '%c', personal prefix '%s'", im->host,
		  im->sep ? im->sep : ' ', im->ns_prefix);
	return IMAP_OK;
}

int imap_folder_name(const struct imap *im, const char *name, struct folder *f, struct err *err)
{
	return imap_folder_name_as(im, name, 1, f, err);
}

int imap_folder_name_as(const struct imap *im, const char *name, int utf7, struct folder *f, struct err *err)
{
	const char *p = name;
	size_t plen;
	struct buf b;

	memset(f, 0, sizeof(*f));
	if (strcasecmp(name, "INBOX") == 0) {
		f->wire = xstrdup("INBOX");
		f->n_levels = 1;
		f->level_end[0] = 5;
		return 0;
	}
	plen = strlen(im->ns_prefix);
	buf_init(&b);
	/* "INBOX/Tovholder" on a server whose personal prefix is "INBOX." already names the prefix */
	if (plen && !(plen > 1 && strncasecmp(name, im->ns_prefix, plen - 1) == 0 &&
		      (name[plen - 1] == '/' || name[plen - 1] == '\0')))
		buf_add(&b, im->ns_prefix, plen);
	while (1) {
		size_t n = strcspn(p, "/");
		char *level = xstrndup(p, n), *enc;

		if (!n || f->n_levels == MAX_LEVELS || (im->sep && im->sep != '/' && strchr(level, im->sep))) {
			if (!n)
				err_set(err, "folder name '%s' has an empty level", name);
			else if (f->n_levels == MAX_LEVELS)
				err_set(err, "folder name '%s' has more than %d levels", name, MAX_LEVELS);
			else
				err_set(err, "folder name '%s' holds '%c', which separates levels on %s", name, im->sep,
					im->host);
			free(level);
			goto bad;
		}
		enc = imap_utf7_encode(level);
		if (enc && !utf7) {
			free(enc);
			enc = level;
			level = NULL;
		}
		free(level);
		if (!enc) {
			err_set(err, "folder name '%s' is not valid UTF-8", name);
			goto bad;
		}
		if (f->n_levels)
			buf_addch(&b, im->sep);
		buf_adds(&b, enc);
		free(enc);
		f->level_end[f->n_levels++] = b.len;
		if (!p[n])
			break;
		p += n + 1;
	}
	if (f->n_levels > 1 && !im->sep) {
		err_set(err, "%s has no folder levels: use a folder name without '/'", im->host);
		goto bad;
	}
	f->wire = buf_detach(&b, NULL);
	return 0;
bad:
	buf_release(&b);
	return -1;
}

static int is_known(const struct imap *im, const char *wire)
{
	for (size_t i = 0; i < im->n_known; i++)
		if (strcmp(im->known[i], wire) == 0)
			return 1;
	return 0;
}

/* 'wire' exists on the server (kept while there is room: a folder not kept is only asked for again). */
static void remember(struct imap *im, const char *wire)
{
	if (!is_known(im, wire) && im->n_known < MAX_KNOWN)
		im->known[im->n_known++] = xstrdup(wire);
}

static void forget(struct imap *im, const char *wire)
{
	for (size_t i = 0; i < im->n_known; i++)
		if (strcmp(im->known[i], wire) == 0) {
			free(im->known[i]);
			im->known[i] = im->known[--im->n_known];
			return;
		}
}

static enum imap_result folder_exists(struct imap *im, const char *wire, int *ret_exists, struct err *err)
{
	clist *l = NULL;
	int r, found = 0;

	*ret_exists = 0;
	r = mailimap_list(im->s, "", wire, &l);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "LIST", err);
	/* the name is a pattern: '*' or '%' in it may list others, so compare exactly */
	for (clistiter *it = l ? clist_begin(l) : NULL; it && !found; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		found = strcmp(mb->mb_name, wire) == 0 ||
			(strcasecmp(wire, "INBOX") == 0 && strcasecmp(mb->mb_name, "INBOX") == 0);
	}
	mailimap_list_result_free(l);
	*ret_exists = found;
	return IMAP_OK;
}

/* CREATE each missing level (some servers do not make parents themselves) and SUBSCRIBE it, so mail clients
 * that show only subscribed folders show it. */
static enum imap_result create_level(struct imap *im, const char *level, const char *name, struct err *err)
{
	enum imap_result res;
	char text[160];
	int exists, r;

	log_debug("imap: creating folder '%s' on %s", level, im->host);
	r = mailimap_create(im->s, level);
	if (r == MAILIMAP_ERROR_CREATE && !imap_temporary_code(im)) {
		imap_server_text(im, text, sizeof(text));
		/* another client may have made it meanwhile */
		res = folder_exists(im, level, &exists, err);
		if (res == IMAP_OK && !exists) {
			err_set(err, "cannot create folder '%s' on %s%s%s", name, im->host, text[0] ? ": " : "", text);
			res = IMAP_REFUSED;
		}
		return res;
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "CREATE", err);
	r = mailimap_subscribe(im->s, level);
	/* a folder the mail client does not show is no reason to stop; a dead connection is */
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_ERROR_SUBSCRIBE)
		return imap_fail(im, r, "SUBSCRIBE", err);
	return IMAP_OK;
}

static enum imap_result create_levels(struct imap *im, const struct folder *f, const char *name, struct err *err)
{
	enum imap_result res = IMAP_OK;

	for (size_t i = 0; i < f->n_levels && res == IMAP_OK; i++) {
		char *level = xstrndup(f->wire, f->level_end[i]);
		int exists;

		res = folder_exists(im, level, &exists, err);
		if (res == IMAP_OK && !exists)
			res = create_level(im, level, name, err);
		free(level);
	}
	return res;
}

static enum imap_result ensure_folder(struct imap *im, const struct folder *f, const char *name, struct err *err)
{
	enum imap_result res;
	int exists;

	if (is_known(im, f->wire))
		return IMAP_OK;
	res = folder_exists(im, f->wire, &exists, err);
	if (res == IMAP_OK && !exists)
		res = create_levels(im, f, name, err);
	if (res == IMAP_OK)
		remember(im, f->wire);
	return res;
}

/* The folders below the first level that every one of f[0..n) shares, learnt with one LIST: a pass that ensures
 * the whole tree (Tovholder/Behandlet, Tovholder/Afbud, …) asks once instead of once a folder. */
static enum imap_result learn_subtree(struct imap *im, const struct folder *f, size_t n, struct err *err)
{
	size_t top = f[0].level_end[0];
	clist *l = NULL;
	char *pattern;
	int r;

	for (size_t i = 0; i < n; i++)
		if (f[i].n_levels < 2 || f[i].level_end[0] != top || strncmp(f[i].wire, f[0].wire, top) != 0)
			return IMAP_OK;   /* no common parent: each is asked for alone */
	pattern = xasprintf("%.*s%c*", (int)top, f[0].wire, im->sep);
	r = mailimap_list(im->s, "", pattern, &l);
	free(pattern);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "LIST", err);
	for (clistiter *it = l ? clist_begin(l) : NULL; it; it = clist_next(it)) {
		const struct mailimap_mailbox_list *mb = clist_content(it);

		for (size_t i = 0; i < n; i++)
			if (strcmp(mb->mb_name, f[i].wire) == 0)
				remember(im, f[i].wire);
	}
	mailimap_list_result_free(l);
	return IMAP_OK;
}

enum imap_result imap_ensure_folders(struct imap *im, const char *const *names, size_t n, struct err *err)
{
	struct pipe_guard g;
	struct folder *f = xcalloc(n + 1, sizeof(*f));
	enum imap_result res = imap_not_ready(im, 0, err);
	size_t made = 0, unknown = 0;

	if (res != IMAP_OK) {
		free(f);
		return res;
	}
	imap_pipe_ignore(&g);
	res = imap_learn_hierarchy(im, err);
	for (; res == IMAP_OK && made < n; made++) {
		if (imap_folder_name(im, names[made], &f[made], err) < 0)
			res = IMAP_REFUSED;
		else
			unknown += !is_known(im, f[made].wire);
	}
	if (res == IMAP_OK && unknown > 1)
		res = learn_subtree(im, f, n, err);
	for (size_t i = 0; res == IMAP_OK && i < n; i++)
		res = ensure_folder(im, &f[i], names[i], err);
	for (size_t i = 0; i < made; i++)
		free(f[i].wire);
	free(f);
	imap_pipe_restore(&g);
	return res;
}

/* ---- moving ---- */

static enum imap_result add_flag(struct imap *im, struct mailimap_set *set, struct mailimap_flag *flag,
				 struct err *err)
{
	struct mailimap_flag_list *fl = imap_need(mailimap_flag_list_new_empty());
	struct mailimap_store_att_flags *sf;
	int r;

	if (mailimap_flag_list_add(fl, imap_need(flag)) != MAILIMAP_NO_ERROR)
		imap_need(NULL);
	sf = imap_need(mailimap_store_att_flags_new_add_flags_silent(fl));
	r = mailimap_uid_store(im->s, set, sf);
	mailimap_store_att_flags_free(sf);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : imap_fail(im, r, "UID STORE", err);
}

static enum imap_result move_once(struct imap *im, const uint32_t *uids, size_t n, const char *wire,
				  struct err *err)
{
	struct mailimap_set *set = imap_uid_set(uids, n);
	enum imap_result res = IMAP_OK;
	int r;

	if (imap_has_cap(im, "MOVE")) {
		r = mailimap_uid_move(im->s, set, wire);
		if (r != MAILIMAP_NO_ERROR)
			res = imap_fail(im, r, "UID MOVE", err);
	} else {
		r = mailimap_uid_copy(im->s, set, wire);
		if (r != MAILIMAP_NO_ERROR)
			res = imap_fail(im, r, "UID COPY", err);
		else if (!imap_has_cap(im, "UIDPLUS"))
			/* without UID EXPUNGE the original stays; \Seen marks it as dealt with for the reader */
			res = add_flag(im, set, mailimap_flag_new_seen(), err);
		else if ((res = add_flag(im, set, mailimap_flag_new_deleted(), err)) == IMAP_OK) {
			/* UID EXPUNGE (RFC 4315) removes these messages only, never other \Deleted mail */
			char *text = imap_uid_set_text(uids, n);
			char *cmd = xasprintf("UID EXPUNGE %s", text);

			r = mailimap_custom_command(im->s, cmd);
			if (r != MAILIMAP_NO_ERROR)
				res = imap_fail(im, r, "UID EXPUNGE", err);
			free(cmd);
			free(text);
		}
	}
	mailimap_set_free(set);
	return res;
}

static enum imap_result do_move(struct imap *im, const uint32_t *uids, size_t n, const char *folder,
				struct err *err)
{
	enum imap_result res;
	struct folder f;
	int was_known;

	res = imap_learn_hierarchy(im, err);
	if (res != IMAP_OK)
		return res;
	if (imap_folder_name(im, folder, &f, err) < 0)
		return IMAP_REFUSED;
	was_known = is_known(im, f.wire);
	res = ensure_folder(im, &f, folder, err);
	if (res == IMAP_OK)
		res = move_once(im, uids, n, f.wire, err);
	/* a folder remembered from earlier may have been deleted by a person since: look again, once */
	if (res == IMAP_REFUSED && was_known && im->s) {
		forget(im, f.wire);
		res = ensure_folder(im, &f, folder, err);
		if (res == IMAP_OK)
			res = move_once(im, uids, n, f.wire, err);
	}
	if (res == IMAP_OK)
		log_debug("imap: moved %zu message(s) (UIDs %u to %u) to '%s' on %s", n, uids[0], uids[n - 1], folder,
			  im->host);
	free(f.wire);
	return res;
}

enum imap_result imap_move(struct imap *im, uint32_t uid, const char *folder, struct err *err)
{
	return imap_move_uids(im, &uid, 1, folder, err);
}

enum imap_result imap_move_uids(struct imap *im, const uint32_t *uids, size_t n, const char *folder,
				struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = imap_not_ready(im, 1, err);
	uint32_t *sorted;
	size_t m = 0;

	if (res != IMAP_OK || n == 0)
		return res;
	/* one command for the lot: on a Maildir server each MOVE costs a rescan of the mailbox, whatever its size */
	sorted = xmalloc(sizeof(*sorted) * n);
	memcpy(sorted, uids, sizeof(*sorted) * n);
	qsort(sorted, n, sizeof(*sorted), imap_cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!m || sorted[i] != sorted[m - 1])
			sorted[m++] = sorted[i];
	imap_pipe_ignore(&g);
	res = do_move(im, sorted, m, folder, err);
	imap_pipe_restore(&g);
	free(sorted);
	return res;
}
