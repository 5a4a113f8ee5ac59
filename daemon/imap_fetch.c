/* Fetching (part of module imap): new mail's UIDs, header fields and BODYSTRUCTURE (as an inmail tree), the
 * batches of a walk with the next one's FETCH sent ahead, the parts a plan names fetched ahead, single parts. */
#include "imap_int.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- BODYSTRUCTURE → inmail tree ---- */

/* "type/subtype; name="value"; …" with values quoted (\" and \\ escaped) and control characters blanked. */
static void add_params(struct buf *b, const struct mailimap_body_fld_param *params)
{
	for (clistiter *it = params ? clist_begin(params->pa_list) : NULL; it; it = clist_next(it)) {
		const struct mailimap_single_body_fld_param *pa = clist_content(it);
		const char *v;

		if (!pa->pa_name || !pa->pa_name[0] || strpbrk(pa->pa_name, " \t\r\n\";=()<>@,:\\/[]?"))
			continue;
		buf_adds(b, "; ");
		buf_adds(b, pa->pa_name);
		buf_adds(b, "=\"");
		/* quoted-string: '"' and '\\' escaped, controls made spaces; the plain runs in between whole */
		for (v = pa->pa_value ? pa->pa_value : ""; *v;) {
			size_t run = 0;

			while (v[run] && v[run] != '"' && v[run] != '\\' && (unsigned char)v[run] >= 0x20)
				run++;
			buf_add(b, v, run);
			v += run;
			if (!*v)
				break;
			if (*v == '"' || *v == '\\')
				buf_addch(b, '\\');
			buf_addch(b, (unsigned char)*v < 0x20 ? ' ' : *v);
			v++;
		}
		buf_addch(b, '"');
	}
}

static void set_type(struct inmail_part *p, const char *type, const char *subtype,
		     const struct mailimap_body_fld_param *params)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, type);
	buf_addch(&b, '/');
	buf_adds(&b, subtype ? subtype : "");
	add_params(&b, params);
	inmail_part_set_content_type(p, b.data);
	buf_release(&b);
}

static void set_disposition(struct inmail_part *p, const struct mailimap_body_fld_dsp *dsp)
{
	struct buf b;

	if (!dsp || !dsp->dsp_type)
		return;
	buf_init(&b);
	buf_adds(&b, dsp->dsp_type);
	add_params(&b, dsp->dsp_attributes);
	inmail_part_set_disposition(p, b.data);
	buf_release(&b);
}

static const char *encoding_name(const struct mailimap_body_fld_enc *enc)
{
	static const char *const names[] = {
		[MAILIMAP_BODY_FLD_ENC_7BIT] = "7bit",
		[MAILIMAP_BODY_FLD_ENC_8BIT] = "8bit",
		[MAILIMAP_BODY_FLD_ENC_BINARY] = "binary",
		[MAILIMAP_BODY_FLD_ENC_BASE64] = "base64",
		[MAILIMAP_BODY_FLD_ENC_QUOTED_PRINTABLE] = "quoted-printable",
	};

	if (!enc)
		return "7bit";
	if (enc->enc_type == MAILIMAP_BODY_FLD_ENC_OTHER || enc->enc_type < 0 ||
	    (size_t)enc->enc_type >= sizeof(names) / sizeof(names[0]) || !names[enc->enc_type])
		return enc->enc_value ? enc->enc_value : "7bit";
	return names[enc->enc_type];
}

static const char *media_type(const struct mailimap_media_basic *m)
{
	static const char *const names[] = {
		[MAILIMAP_MEDIA_BASIC_APPLICATION] = "application",
		[MAILIMAP_MEDIA_BASIC_AUDIO] = "audio",
		[MAILIMAP_MEDIA_BASIC_IMAGE] = "image",
		[MAILIMAP_MEDIA_BASIC_MESSAGE] = "message",
		[MAILIMAP_MEDIA_BASIC_VIDEO] = "video",
	};

	if (m->med_type >= 0 && (size_t)m->med_type < sizeof(names) / sizeof(names[0]) && names[m->med_type])
		return names[m->med_type];
	return m->med_basic_type ? m->med_basic_type : "application";
}

static void fill_part(struct inmail *m, struct inmail_part *p, const struct mailimap_body *b);

static void fill_mpart(struct inmail *m, struct inmail_part *p, const struct mailimap_body_type_mpart *mp)
{
	const struct mailimap_body_ext_mpart *ext = mp->bd_ext_mpart;
	struct inmail_part *kids;
	size_t i = 0;

	set_type(p, "multipart", mp->bd_media_subtype, ext ? ext->bd_parameter : NULL);
	if (ext)
		set_disposition(p, ext->bd_disposition);
	/* over the depth or part caps inmail flags the message and the rest of the tree stays out */
	kids = inmail_part_add_children(m, p, (size_t)clist_count(mp->bd_list));
	if (!kids)
		return;
	for (clistiter *it = clist_begin(mp->bd_list); it; it = clist_next(it))
		fill_part(m, &kids[i++], clist_content(it));
}

static void fill_1part(struct inmail *m, struct inmail_part *p, const struct mailimap_body_type_1part *one)
{
	const struct mailimap_body_fields *fields = NULL;
	const struct mailimap_body *enclosed = NULL;

	switch (one->bd_type) {
	case MAILIMAP_BODY_TYPE_1PART_BASIC:
		fields = one->bd_data.bd_type_basic->bd_fields;
		set_type(p, media_type(one->bd_data.bd_type_basic->bd_media_basic),
			 one->bd_data.bd_type_basic->bd_media_basic->med_subtype, fields->bd_parameter);
		break;
	case MAILIMAP_BODY_TYPE_1PART_TEXT:
		fields = one->bd_data.bd_type_text->bd_fields;
		set_type(p, "text", one->bd_data.bd_type_text->bd_media_text, fields->bd_parameter);
		break;
	case MAILIMAP_BODY_TYPE_1PART_MSG:
		/* libetpan parses only message/rfc822 this way (RFC 3501 body-type-msg) */
		fields = one->bd_data.bd_type_msg->bd_fields;
		set_type(p, "message", "rfc822", fields->bd_parameter);
		enclosed = one->bd_data.bd_type_msg->bd_body;
		break;
	default:
		return;
	}
	inmail_part_set_encoding(p, encoding_name(fields->bd_encoding));
	if (one->bd_ext_1part)
		set_disposition(p, one->bd_ext_1part->bd_disposition);
	p->size = fields->bd_size;
	if (enclosed) {
		struct inmail_part *root = inmail_part_add_message(m, p);

		if (root)
			fill_part(m, root, enclosed);
	}
}

static void fill_part(struct inmail *m, struct inmail_part *p, const struct mailimap_body *b)
{
	if (!b)
		return;
	if (b->bd_type == MAILIMAP_BODY_MPART && b->bd_data.bd_body_mpart)
		fill_mpart(m, p, b->bd_data.bd_body_mpart);
	else if (b->bd_type == MAILIMAP_BODY_1PART && b->bd_data.bd_body_1part)
		fill_1part(m, p, b->bd_data.bd_body_1part);
}

/* ---- fetching ---- */

static uint32_t att_uid(const struct mailimap_msg_att *att)
{
	for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_UID)
			return item->att_data.att_static->att_data.att_uid;
	}
	return 0;
}

/* Takes what one FETCH response says about msg. A server may split a message's data over several
 * responses, so this is called for each. Returns 1 when it held a BODYSTRUCTURE. */

/* INTERNALDATE (RFC 3501 §2.3.3: when the server received the message) as UTC; 0 when it makes no sense. */
static time_t internal_date(const struct mailimap_date_time *d)
{
	struct tm tm = { 0 };
	int zone = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;
	long off = (long)(zone / 100) * 3600 + (long)(zone % 100) * 60;
	time_t t;

	if (d->dt_year < 1970 || d->dt_year > 9999 || d->dt_month < 1 || d->dt_month > 12 || d->dt_day < 1 ||
	    d->dt_day > 31 || d->dt_hour > 23 || d->dt_min > 59 || d->dt_sec > 60)
		return 0;
	tm.tm_year = d->dt_year - 1900;
	tm.tm_mon = d->dt_month - 1;
	tm.tm_mday = d->dt_day;
	tm.tm_hour = d->dt_hour;
	tm.tm_min = d->dt_min;
	tm.tm_sec = d->dt_sec;
	t = timegm(&tm);
	return t == (time_t)-1 ? 0 : t - (d->dt_zone < 0 ? -off : off);
}

static int take_att(struct imap_msg *msg, const struct mailimap_msg_att *att)
{
	int got_structure = 0;

	for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);
		const struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_RFC822_SIZE) {
			msg->size = st->att_data.att_rfc822_size;
		} else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE && st->att_data.att_internal_date) {
			msg->received = internal_date(st->att_data.att_internal_date);
		} else if (st->att_type == MAILIMAP_MSG_ATT_BODYSTRUCTURE && st->att_data.att_bodystructure) {
			fill_part(&msg->mail, &msg->mail.root, st->att_data.att_bodystructure);
			got_structure = 1;
		} else if (st->att_type == MAILIMAP_MSG_ATT_BODY_SECTION && st->att_data.att_body_section) {
			const struct mailimap_msg_att_body_section *bs = st->att_data.att_body_section;
			size_t len = bs->sec_length > IMAP_HEADER_MAX ? IMAP_HEADER_MAX : bs->sec_length;

			if (bs->sec_body_part)
				inmail_set_headers(&msg->mail, bs->sec_body_part, len);
		}
	}
	return got_structure;
}

struct found {
	uint32_t uid;
	const struct mailimap_msg_att *att;
};

static int cmp_found(const void *a, const void *b)
{
	uint32_t x = ((const struct found *)a)->uid, y = ((const struct found *)b)->uid;

	return x < y ? -1 : x > y;
}

int imap_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct mailimap_set *imap_uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = imap_need(mailimap_set_new_empty());

	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR)
			imap_need(NULL);
		i = j + 1;
	}
	return set;
}

char *imap_uid_set_text(const uint32_t *uids, size_t n)
{
	struct buf b;

	buf_init(&b);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		buf_addf(&b, i ? ",%u" : "%u", uids[i]);
		if (j > i)
			buf_addf(&b, ":%u", uids[j]);
		i = j + 1;
	}
	return buf_detach(&b, NULL);
}

static void add_att(struct mailimap_fetch_type *ft, struct mailimap_fetch_att *att)
{
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, imap_need(att)) != MAILIMAP_NO_ERROR)
		imap_need(NULL);
}

/* UID SEARCH UID after+1:* → the UIDs above after_uid, ascending. "n:*" is "*:n" when n is above the highest
 * UID (RFC 3501 6.4.8), so the last message comes back even when it is old: filtered here. */
static enum imap_result search_new(struct imap *im, uint32_t after_uid, uint32_t **ret_uids, size_t *ret_n,
				   struct err *err)
{
	struct mailimap_search_key *key = imap_need(mailimap_search_key_new_uid(imap_need(mailimap_set_new_interval(
		after_uid + 1, 0))));
	clist *result = NULL;
	uint32_t *uids;
	size_t n = 0;
	int r = mailimap_uid_search(im->s, NULL, key, &result);

	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID SEARCH", err);
	uids = xmalloc(sizeof(*uids) * ((result ? clist_count(result) : 0) + 1));
	for (clistiter *it = result ? clist_begin(result) : NULL; it; it = clist_next(it)) {
		uint32_t u = *(uint32_t *)clist_content(it);

		if (u > after_uid)
			uids[n++] = u;
	}
	if (result)
		mailimap_search_result_free(result);
	qsort(uids, n, sizeof(*uids), imap_cmp_u32);
	*ret_n = 0;
	for (size_t i = 0; i < n; i++)
		if (!*ret_n || uids[i] != uids[*ret_n - 1])
			uids[(*ret_n)++] = uids[i];
	*ret_uids = uids;
	return IMAP_OK;
}

static int part_section(const struct inmail *m, const struct inmail_part *p, char *out, size_t outsz);

/* What fetching p costs at most: its size, or for a message/rfc822 part (fetched as the enclosed header, see
 * part_section) at most IMAP_HEADER_MAX whatever the enclosed message weighs. */
static size_t fetch_size(const struct inmail_part *p)
{
	return p->message && p->size > IMAP_HEADER_MAX ? IMAP_HEADER_MAX : p->size;
}
static struct mailimap_section *make_section(const char *sec);

/* What a walk over new mail calls: want (may be NULL: all) and plan (may be NULL) for every message of a batch
 * first, then cb for each. */
struct walk {
	int (*want)(struct imap_msg *msg, void *arg);
	int (*plan)(struct imap_msg *msg, void *arg, const struct inmail_part **ret_parts);
	int (*cb)(struct imap_msg *msg, void *arg);
	void *arg;
};

/* A part fetched ahead for a batch. */
struct ahead {
	size_t msg;                 /* index in the batch (UID order) */
	struct inmail_part *part;
	char sec[80];
};

static int cmp_ahead(const void *a, const void *b)
{
	const struct ahead *x = a, *y = b;
	int c = strcmp(x->sec, y->sec);

	return c ? c : (x->msg < y->msg ? -1 : x->msg > y->msg);
}

static const struct mailimap_msg_att_body_section *att_body(const struct mailimap_msg_att *att)
{
	for (clistiter *it = clist_begin(att->att_list); it; it = clist_next(it)) {
		const struct mailimap_msg_att_item *item = clist_content(it);

		if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
		    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
		    item->att_data.att_static->att_data.att_body_section)
			return item->att_data.att_static->att_data.att_body_section;
	}
	return NULL;
}

/* One UID FETCH of section v->sec for the messages of v[0..n) (one section, ascending UIDs); each body goes
 * into its part. A refusal is no error here: imap_fetch_part then asks for each part alone, and reports. */
static enum imap_result fetch_ahead_one(struct imap *im, struct imap_msg *msgs, const struct ahead *v, size_t n,
					struct err *err)
{
	struct mailimap_fetch_type *ft = imap_need(mailimap_fetch_type_new_fetch_att_list_empty());
	uint32_t *uids = xmalloc(sizeof(*uids) * n);
	struct mailimap_set *set;
	enum imap_result res = IMAP_OK;
	clist *result = NULL;
	int r;

	for (size_t i = 0; i < n; i++)
		uids[i] = msgs[v[i].msg].uid;
	set = imap_uid_set(uids, n);
	add_att(ft, mailimap_fetch_att_new_uid());
	/* as in do_fetch_part: one octet more than allowed, so "too large" shows without reading more */
	add_att(ft, mailimap_fetch_att_new_body_peek_section_partial(make_section(v->sec), 0, INMAIL_MAX_SIZE + 1));
	log_debug("imap: UID FETCH of part %s of %zu message(s) ahead", v->sec, n);
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		res = imap_fail(im, r, "UID FETCH", err);
		free(uids);
		return res == IMAP_UNREACHABLE ? res : IMAP_OK;
	}
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *att = clist_content(it);
		const struct mailimap_msg_att_body_section *bs = att_body(att);
		uint32_t uid = att_uid(att);
		const uint32_t *at = uid ? bsearch(&uid, uids, n, sizeof(*uids), imap_cmp_u32) : NULL;
		const struct ahead *a;

		if (!at || !bs || bs->sec_length > INMAIL_MAX_SIZE)
			continue;
		a = &v[at - uids];
		if (!a->part->body)
			inmail_part_set_body(&msgs[a->msg].mail, a->part, bs->sec_body_part ? bs->sec_body_part : "",
					     bs->sec_body_part ? bs->sec_length : 0);
	}
	mailimap_fetch_list_free(result);
	free(uids);
	return IMAP_OK;
}

/* The parts plan names for the messages of a batch, fetched in one command per section instead of one per
 * part: on loopback Dovecot each command costs about a millisecond whatever it carries, and a mailbox of
 * 10,000 mails with 1,000 replies needed some 900 of them. At most IMAP_AHEAD_BYTES per batch (by the sizes
 * in BODYSTRUCTURE); the rest is fetched when cb asks. */
static enum imap_result fetch_ahead(struct imap *im, struct imap_msg *msgs, size_t nm, const struct walk *w,
				    struct pipe_guard *g, struct err *err)
{
	struct ahead *v = xmalloc(sizeof(*v) * (nm * IMAP_AHEAD_PARTS + 1));
	enum imap_result res = IMAP_OK;
	size_t nv = 0, bytes = 0;

	imap_pipe_restore(g);
	for (size_t i = 0; i < nm; i++) {
		struct imap_msg *m = &msgs[i];
		int k = m->structure ? w->plan(m, w->arg, m->plan_parts) : 0;   /* headers only: nothing to plan */

		m->planned = 1;
		m->n_plan = k < IMAP_AHEAD_PARTS ? k : IMAP_AHEAD_PARTS;
		for (int j = 0; j < m->n_plan; j++) {
			/* the parts are in msgs[i], which this walk owns */
			struct inmail_part *p = (struct inmail_part *)m->plan_parts[j];

			if (p->body || fetch_size(p) > INMAIL_MAX_SIZE || bytes + fetch_size(p) > IMAP_AHEAD_BYTES ||
			    part_section(&msgs[i].mail, p, v[nv].sec, sizeof(v[nv].sec)) < 0)
				continue;
			bytes += fetch_size(p);
			v[nv].msg = i;
			v[nv++].part = p;
		}
	}
	imap_pipe_ignore(g);
	if (nv && imap_ahead_settle(im, err) == IMAP_UNREACHABLE) {
		free(v);
		return IMAP_UNREACHABLE;
	}
	qsort(v, nv, sizeof(*v), cmp_ahead);
	for (size_t i = 0; i < nv && res == IMAP_OK;) {
		size_t j = i;

		/* a message needs a section once: within one section the UIDs ascend and differ */
		while (j < nv && strcmp(v[j].sec, v[i].sec) == 0 && (j == i || v[j].msg != v[j - 1].msg))
			j++;
		res = fetch_ahead_one(im, msgs, v + i, j - i, err);
		i = j;
	}
	free(v);
	return res;
}

/* ---- the batches of a walk: headers first, the next one sent ahead ----
 *
 * A batch is read in up to four steps: (1) UID FETCH of UID, RFC822.SIZE, INTERNALDATE and the header fields;
 * (2) want() per message, and UID FETCH of BODYSTRUCTURE for those it wants only (a server must read and
 * MIME-parse a whole message to describe its structure: bench/, row 1, 534 MB for a 10,000-mail inbox of which
 * 9,000 mails were not ours); (3) plan() and the parts it names, fetched ahead; (4) cb() per message. Step (1) of
 * the next batch is sent as soon as this batch's headers are read, so the server reads the next headers while we
 * choose, fetch and decide these: one command ahead at most, and every other command first reads its answer
 * (imap_ahead_settle, from imap_not_ready and steps 2 and 3) and keeps it for the next batch, so libetpan's parser, which
 * reads one response at a time, always reads the one it expects. */

/* The text of the header FETCH: "UID FETCH set (UID RFC822.SIZE INTERNALDATE [BODYSTRUCTURE] BODY.PEEK[…]<0.n>)".
 * 'fields' was checked by fields_ok (atoms only), so it cannot change the command. */
static char *batch_command(const uint32_t *uids, size_t n, const char *const *fields, int structure)
{
	char *set = imap_uid_set_text(uids, n);
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "UID FETCH %s (UID RFC822.SIZE INTERNALDATE%s BODY.PEEK[", set, structure ? " BODYSTRUCTURE" : "");
	if (fields && fields[0]) {
		buf_adds(&b, "HEADER.FIELDS (");
		for (size_t i = 0; fields[i]; i++)
			buf_addf(&b, "%s%s", i ? " " : "", fields[i]);
		buf_adds(&b, ")");
	} else {
		buf_adds(&b, "HEADER");
	}
	buf_addf(&b, "]<0.%d>)", IMAP_HEADER_MAX);
	free(set);
	return buf_detach(&b, NULL);
}

/* The FETCH sent ahead failed with libetpan code r: how, kept for ahead_take (imap_fail may drop the connection,
 * and with it the state: the error is set after). */
static void ahead_failed(struct imap *im, int r)
{
	im->ahead_res = imap_fail(im, r, "UID FETCH", &im->ahead_err);
	im->ahead = AHEAD_READ;
}

/* Sends a batch's header FETCH without waiting for its answer. A failure to send is kept for ahead_take. */
static void ahead_send(struct imap *im, const uint32_t *uids, size_t n, const char *const *fields, int structure)
{
	char *cmd = batch_command(uids, n, fields, structure);
	int r = mailimap_send_current_tag(im->s);

	log_debug("imap: UID FETCH of the headers of %zu message(s), UIDs %u to %u%s", n, uids[0], uids[n - 1],
		  structure ? ", with their structure" : "");
	if (r == MAILIMAP_NO_ERROR && imap_send_line(im, cmd) < 0)
		r = MAILIMAP_ERROR_STREAM;
	free(cmd);
	if (r != MAILIMAP_NO_ERROR) {
		ahead_failed(im, r);
		return;
	}
	im->ahead = AHEAD_SENT;
	im->ahead_first = uids[0];
	im->ahead_last = uids[n - 1];
}

/* Reads the answer of the FETCH sent ahead into the stash (what libetpan's mailimap_uid_fetch does after it
 * sent its command). */
static void ahead_read(struct imap *im)
{
	struct mailimap_response *resp = NULL;
	int r;

	log_debug("imap: reading the answer for the headers of UIDs %u to %u", im->ahead_first, im->ahead_last);
	im->ahead = AHEAD_READ;
	im->ahead_res = IMAP_OK;
	if (!mailimap_read_line(im->s)) {
		ahead_failed(im, MAILIMAP_ERROR_STREAM);
		return;
	}
	r = mailimap_parse_response(im->s, &resp);
	if (r != MAILIMAP_NO_ERROR) {
		ahead_failed(im, r);
		return;
	}
	im->ahead_result = im->s->imap_response_info->rsp_fetch_list;
	im->s->imap_response_info->rsp_fetch_list = NULL;
	r = imap_response_end(resp, MAILIMAP_ERROR_UID_FETCH);
	mailimap_response_free(resp);
	if (r != MAILIMAP_NO_ERROR) {
		if (im->ahead_result)
			mailimap_fetch_list_free(im->ahead_result);
		im->ahead_result = NULL;
		ahead_failed(im, r);
	}
}

void imap_ahead_forget(struct imap *im)
{
	if (im->ahead_result)
		mailimap_fetch_list_free(im->ahead_result);
	im->ahead_result = NULL;
	im->ahead = AHEAD_NONE;
}

enum imap_result imap_ahead_settle(struct imap *im, struct err *err)
{
	if (im->ahead != AHEAD_SENT)
		return IMAP_OK;
	ahead_read(im);
	if (im->ahead_res == IMAP_UNREACHABLE) {
		err_set(err, "%s", im->ahead_err.msg);
		return IMAP_UNREACHABLE;
	}
	return IMAP_OK;
}

/* The answer to the FETCH sent ahead (the caller frees *ret with mailimap_fetch_list_free). */
static enum imap_result ahead_take(struct imap *im, clist **ret, struct err *err)
{
	enum imap_result res;

	*ret = NULL;
	if (im->ahead == AHEAD_NONE) {
		err_set(err, "not connected to %s", im->host);
		return IMAP_UNREACHABLE;
	}
	if (im->ahead == AHEAD_SENT)
		ahead_read(im);
	res = im->ahead_res;
	if (res != IMAP_OK)
		err_set(err, "%s", im->ahead_err.msg);
	*ret = im->ahead_result;
	im->ahead_result = NULL;
	im->ahead = AHEAD_NONE;
	return res;
}

/* bsearch over messages by UID: key a uint32_t, elements struct imap_msg */
static int cmp_uid_msg(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, u = ((const struct imap_msg *)elem)->uid;

	return k < u ? -1 : k > u;
}

/* Step (2): BODYSTRUCTURE of the messages want() chose (msg->structure), in one UID FETCH. */
static enum imap_result fetch_structures(struct imap *im, struct imap_msg *msgs, size_t nm, struct err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_set *set;
	uint32_t *uids = xmalloc(sizeof(*uids) * (nm + 1));
	clist *result = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < nm; i++)
		if (msgs[i].structure)
			uids[n++] = msgs[i].uid;
	if (!n) {
		free(uids);
		return IMAP_OK;
	}
	if (imap_ahead_settle(im, err) == IMAP_UNREACHABLE) {
		free(uids);
		return IMAP_UNREACHABLE;
	}
	ft = imap_need(mailimap_fetch_type_new_fetch_att_list_empty());
	set = imap_uid_set(uids, n);
	add_att(ft, mailimap_fetch_att_new_uid());
	add_att(ft, mailimap_fetch_att_new_bodystructure());
	log_debug("imap: UID FETCH of the structure of %zu of %zu message(s)", n, nm);
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	free(uids);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID FETCH", err);
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *att = clist_content(it);
		uint32_t uid = att_uid(att);
		struct imap_msg *m = uid ? bsearch(&uid, msgs, nm, sizeof(*msgs), cmp_uid_msg) : NULL;   /* UID order */

		if (m && m->structure)
			m->got_structure |= take_att(m, att);
	}
	mailimap_fetch_list_free(result);
	return IMAP_OK;
}

/* One batch: its header FETCH's responses 'result' for uids[0..n), the next batch (next, n_next: its FETCH is
 * sent before cb is called here), and the walk. */
static enum imap_result walk_batch(struct imap *im, clist *result, const uint32_t *uids, size_t n,
				   const uint32_t *next, size_t n_next, const char *const *fields, const struct walk *w,
				   int *ret_stop, struct pipe_guard *g, struct err *err)
{
	struct found *fs = xmalloc(sizeof(*fs) * (clist_count(result) + 1));
	struct imap_msg *msgs;
	enum imap_result res = IMAP_OK;
	uint32_t bad_uid = 0;
	size_t nf = 0, nm = 0, ready;

	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *att = clist_content(it);
		uint32_t uid = att_uid(att);

		/* unsolicited FETCH responses (flag changes) carry no UID or one we did not ask for */
		if (uid && bsearch(&uid, uids, n, sizeof(*uids), imap_cmp_u32))
			fs[nf++] = (struct found){ uid, att };
	}
	qsort(fs, nf, sizeof(*fs), cmp_found);
	msgs = xcalloc(nf + 1, sizeof(*msgs));
	for (size_t i = 0; i < nf;) {
		struct imap_msg *msg = &msgs[nm++];
		size_t j = i;

		inmail_init(&msg->mail);
		msg->uid = fs[i].uid;
		for (; j < nf && fs[j].uid == msg->uid; j++)
			msg->got_structure |= take_att(msg, fs[j].att);
		i = j;
	}
	/* the next batch's headers: the server reads them while we choose, fetch and decide these (the commands of
	 * steps 2 and 3 wait behind it: their answers come after its answer, which is kept for the next batch) */
	if (n_next)
		ahead_send(im, next, n_next, fields, !w->want);
	/* step (2): which messages need their structure; without want, all (and it came with the headers) */
	if (w->want) {
		imap_pipe_restore(g);
		for (size_t i = 0; i < nm; i++)
			msgs[i].structure = w->want(&msgs[i], w->arg) != 0;
		imap_pipe_ignore(g);
		res = fetch_structures(im, msgs, nm, err);
	} else {
		for (size_t i = 0; i < nm; i++)
			msgs[i].structure = 1;
	}
	/* the messages up to the first whose structure was wanted and not sent (the walk stops there) */
	for (ready = 0; ready < nm && (!msgs[ready].structure || msgs[ready].got_structure); ready++)
		;
	if (ready < nm)
		bad_uid = msgs[ready].uid;
	/* step (3) */
	if (res == IMAP_OK && w->plan && ready)
		res = fetch_ahead(im, msgs, ready, w, g, err);
	/* step (4) */
	for (size_t i = 0; i < ready && res == IMAP_OK && !*ret_stop; i++) {
		imap_pipe_restore(g);
		*ret_stop = w->cb(&msgs[i], w->arg) != 0;
		imap_pipe_ignore(g);
		if (!im->s) {
			err_set(err, "connection to %s lost while handling message %u", im->host, msgs[i].uid);
			res = IMAP_UNREACHABLE;
		}
	}
	if (res == IMAP_OK && bad_uid && !*ret_stop) {
		err_set(err, "%s sent no BODYSTRUCTURE for message %u", im->host, bad_uid);
		res = IMAP_REFUSED;
	}
	for (size_t i = 0; i < nm; i++)
		inmail_release(&msgs[i].mail);
	free(msgs);
	free(fs);
	return res;
}

static int fields_ok(const char *const *fields, struct err *err)
{
	for (size_t i = 0; fields && fields[i]; i++) {
		const char *f = fields[i];

		/* RFC 5322 field names (printable ASCII but ':') that are also IMAP atoms (RFC 3501 §9: no
		 * atom-specials), so they go on the command line as they are */
		if (!*f)
			return err_set(err, "empty header field name");
		for (; *f; f++)
			if ((unsigned char)*f <= 0x20 || (unsigned char)*f >= 0x7F || strchr(":(){%*\"\\]", *f))
				return err_set(err, "bad header field name '%s'", fields[i]);
	}
	return 0;
}

enum imap_result imap_fetch_new(struct imap *im, uint32_t after_uid, const char *const *fields,
				int (*cb)(struct imap_msg *msg, void *arg), void *arg, struct err *err)
{
	return imap_fetch_new_planned(im, after_uid, fields, NULL, NULL, cb, arg, err);
}

enum imap_result imap_fetch_new_planned(struct imap *im, uint32_t after_uid, const char *const *fields,
					int (*want)(struct imap_msg *msg, void *arg),
					int (*plan)(struct imap_msg *msg, void *arg,
						    const struct inmail_part **ret_parts),
					int (*cb)(struct imap_msg *msg, void *arg), void *arg, struct err *err)
{
	const struct walk w = { want, plan, cb, arg };
	struct pipe_guard g;
	enum imap_result res = imap_not_ready(im, 1, err);
	uint32_t *uids = NULL;
	size_t n = 0;
	int stop = 0;

	if (res != IMAP_OK)
		return res;
	if (fields_ok(fields, err) < 0)
		return IMAP_REFUSED;
	if (after_uid == UINT32_MAX)
		return IMAP_OK;
	imap_pipe_ignore(&g);
	res = search_new(im, after_uid, &uids, &n, err);
	if (res == IMAP_OK)
		log_debug("imap: %zu new message(s) on %s after UID %u", n, im->host, after_uid);
	if (res == IMAP_OK && n)
		ahead_send(im, uids, n < IMAP_BATCH ? n : IMAP_BATCH, fields, !want);
	for (size_t i = 0; res == IMAP_OK && i < n && !stop; i += IMAP_BATCH) {
		size_t nb = n - i < IMAP_BATCH ? n - i : IMAP_BATCH, rest = n - i - nb;
		clist *result = NULL;

		res = ahead_take(im, &result, err);
		if (res == IMAP_OK)
			res = walk_batch(im, result, uids + i, nb, uids + i + nb, rest < IMAP_BATCH ? rest : IMAP_BATCH,
					 fields, &w, &stop, &g, err);
		if (result)
			mailimap_fetch_list_free(result);
	}
	/* a walk that stopped early may leave the next batch's FETCH unread: read it, and forget it */
	if (im->s) {
		struct err ignored = { "" };

		imap_ahead_settle(im, &ignored);
	}
	imap_ahead_forget(im);
	imap_pipe_restore(&g);
	free(uids);
	return res;
}

/* Finds p in the tree below cur; *ret_root is 1 when p is a message root (top-level or enclosed). */
static int locate(const struct inmail_part *cur, int cur_is_root, const struct inmail_part *p, int *ret_root)
{
	if (cur == p) {
		*ret_root = cur_is_root;
		return 1;
	}
	for (size_t i = 0; i < cur->n_children; i++)
		if (locate(&cur->children[i], 0, p, ret_root))
			return 1;
	return cur->message && locate(cur->message, 1, p, ret_root);
}

/* The IMAP section text of p: a message root stands for its message, so its body is S.1 (single part) or
 * S.TEXT (multipart), "1" / "TEXT" at the top (RFC 3501 6.4.5). A message/rfc822 part stands for the header of
 * the message it encloses, S.HEADER: all a bounce needs of the mail it returns, however large that is. -1 when
 * p is not in the message. */
static int part_section(const struct inmail *m, const struct inmail_part *p, char *out, size_t outsz)
{
	int root = 0, n;

	if (!locate(&m->root, 1, p, &root))
		return -1;
	if (!root && p->message)
		n = snprintf(out, outsz, "%s.HEADER", p->section);
	else if (!root)
		n = snprintf(out, outsz, "%s", p->section);
	else
		n = snprintf(out, outsz, "%s%s%s", p->section, p->section[0] ? "." : "",
			     strcmp(p->type, "multipart") == 0 ? "TEXT" : "1");
	return n > 0 && (size_t)n < outsz ? 0 : -1;
}

/* "1.2", "2.TEXT", "2.HEADER" or "TEXT" → a libetpan section. */
static struct mailimap_section *make_section(const char *sec)
{
	clist *ids;
	const char *p = sec;
	int text = 0, header = 0;

	if (strcmp(sec, "TEXT") == 0)
		return imap_need(mailimap_section_new_text());
	ids = imap_need(clist_new());
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		uint32_t *id = imap_need(malloc(sizeof(*id)));

		*id = (uint32_t)v;
		if (clist_append(ids, id) < 0)
			imap_need(NULL);
		p = end;
		if (*p == '.' && strcmp(p + 1, "TEXT") == 0) {
			text = 1;
			break;
		}
		if (*p == '.' && strcmp(p + 1, "HEADER") == 0) {
			header = 1;
			break;
		}
		if (*p == '.')
			p++;
	}
	if (text)
		return imap_need(mailimap_section_new_part_text(imap_need(mailimap_section_part_new(ids))));
	if (header)
		return imap_need(mailimap_section_new_part_header(imap_need(mailimap_section_part_new(ids))));
	return imap_need(mailimap_section_new_part(imap_need(mailimap_section_part_new(ids))));
}

static const struct mailimap_msg_att_body_section *find_body(clist *result, uint32_t uid)
{
	for (clistiter *it = result ? clist_begin(result) : NULL; it; it = clist_next(it)) {
		const struct mailimap_msg_att *att = clist_content(it);

		if (att_uid(att) != uid)
			continue;
		for (clistiter *jt = clist_begin(att->att_list); jt; jt = clist_next(jt)) {
			const struct mailimap_msg_att_item *item = clist_content(jt);

			if (item->att_type == MAILIMAP_MSG_ATT_ITEM_STATIC &&
			    item->att_data.att_static->att_type == MAILIMAP_MSG_ATT_BODY_SECTION &&
			    item->att_data.att_static->att_data.att_body_section)
				return item->att_data.att_static->att_data.att_body_section;
		}
	}
	return NULL;
}

static enum imap_result do_fetch_part(struct imap *im, struct imap_msg *msg, struct inmail_part *p,
				      const char *sec, struct err *err)
{
	struct mailimap_fetch_type *ft = imap_need(mailimap_fetch_type_new_fetch_att_list_empty());
	struct mailimap_set *set = imap_need(mailimap_set_new_single(msg->uid));
	const struct mailimap_msg_att_body_section *bs;
	enum imap_result res = IMAP_OK;
	clist *result = NULL;
	int r;

	add_att(ft, mailimap_fetch_att_new_uid());
	/* one octet more than allowed: so "too large" is seen without ever reading more than that */
	add_att(ft, mailimap_fetch_att_new_body_peek_section_partial(make_section(sec), 0, INMAIL_MAX_SIZE + 1));
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "UID FETCH", err);
	bs = find_body(result, msg->uid);
	if (!bs) {
		err_set(err, "message %u is no longer in the mailbox on %s", msg->uid, im->host);
		res = IMAP_REFUSED;
	} else if (bs->sec_length > INMAIL_MAX_SIZE) {
		err_set(err, "part %s of message %u is larger than %u bytes", sec, msg->uid, INMAIL_MAX_SIZE);
		res = IMAP_REFUSED;
	} else {
		inmail_part_set_body(&msg->mail, p, bs->sec_body_part ? bs->sec_body_part : "",
				     bs->sec_body_part ? bs->sec_length : 0);
		log_debug("imap: fetched part %s (%zu bytes) of message %u", sec, p->body_len, msg->uid);
	}
	mailimap_fetch_list_free(result);
	return res;
}

enum imap_result imap_fetch_part(struct imap *im, struct imap_msg *msg, struct inmail_part *p, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res;
	char sec[80];

	/* fetched ahead with its batch: no word with the server, so the next batch's FETCH, if one was sent
	 * ahead, is not waited for */
	if (p->body)
		return IMAP_OK;
	if ((res = imap_not_ready(im, 1, err)) != IMAP_OK)
		return res;
	if (part_section(&msg->mail, p, sec, sizeof(sec)) < 0) {
		err_set(err, "that part is not in message %u", msg->uid);
		return IMAP_REFUSED;
	}
	if (fetch_size(p) > INMAIL_MAX_SIZE) {
		err_set(err, "part %s of message %u is too large (%zu bytes, limit %u)", sec, msg->uid, p->size,
			INMAIL_MAX_SIZE);
		return IMAP_REFUSED;
	}
	imap_pipe_ignore(&g);
	res = do_fetch_part(im, msg, p, sec, err);
	imap_pipe_restore(&g);
	return res;
}
