/* Waiting for new mail (part of module imap): IDLE (RFC 2177) on the selected mailbox, NOTIFY (RFC 5465) on the
 * decision folders, and which of the lines the server then sends are news. */
#include "imap_int.h"
#include "buf.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- IDLE ---- */

int imap_has_idle(const struct imap *im)
{
	return im->s && mailimap_has_idle(im->s);
}

int imap_fd(const struct imap *im)
{
	if (!im->s || !im->s->imap_stream)
		return -1;
	return mailstream_low_get_fd(mailstream_get_low(im->s->imap_stream));
}

/* IDLE or its DONE ('what', for an error), on the selected mailbox. */
static enum imap_result idle_step(struct imap *im, int (*step)(mailimap *), const char *what, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = imap_not_ready(im, 1, err);
	int r;

	if (res != IMAP_OK)
		return res;
	imap_pipe_ignore(&g);
	r = step(im->s);
	imap_pipe_restore(&g);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : imap_fail(im, r, what, err);
}

enum imap_result imap_idle_start(struct imap *im, struct err *err)
{
	return idle_step(im, mailimap_idle, "IDLE", err);
}

int imap_idle_pending(const struct imap *im)
{
	const mailstream *st = im->s ? im->s->imap_stream : NULL;

	return st && st->read_buffer_len > 0 && memchr(st->read_buffer, '\n', st->read_buffer_len) != NULL;
}

/* RFC 3501 7.2-7.4: of the untagged responses a server may send in IDLE, only the mailbox's size and message
 * status (EXISTS, RECENT, EXPUNGE, FETCH) mean new or changed mail. A status response (OK, NO, PREAUTH,
 * CAPABILITY, FLAGS, …) carries none: Dovecot sends "* OK Still here" every imap_idle_notify_interval (2
 * minutes by default), Exchange and Gmail similar keepalives. BYE and anything we do not understand count as
 * news, so that imap_idle_done meets them and the connection is judged as before. */
/* Whether w[0..n) is one of the words of 'table', in any case. */
static int word_in(const char *const *table, size_t n_table, const char *w, size_t n)
{
	for (size_t i = 0; i < n_table; i++)
		if (strlen(table[i]) == n && strncasecmp(w, table[i], n) == 0)
			return 1;
	return 0;
}

int imap_idle_line_is_news(const char *line, size_t len)
{
	static const char *const quiet[] = { "OK", "NO", "CAPABILITY", "FLAGS", "LIST", "LSUB", "STATUS", "SEARCH",
					     "ESEARCH", "NAMESPACE", "ID", "ENABLED", "QUOTA", "QUOTAROOT", "METADATA" };
	size_t n;

	if (len < 3 || line[0] != '*' || line[1] != ' ')
		return 1;
	line += 2;
	len -= 2;
	if (memchr(line, '{', len))   /* a literal follows: libetpan's parser must read it */
		return 1;
	for (n = 0; n < len && line[n] != ' '; n++)
		;
	/* news: "* 4 EXISTS", "* 2 EXPUNGE", "* 3 FETCH (…)", "* 1 RECENT", "* BYE", anything else */
	return !word_in(quiet, sizeof(quiet) / sizeof(quiet[0]), line, n);
}

#define LITERAL_JOIN_MAX 1024   /* octets of a literal read_news joins to its line (a mailbox name) */

/* Where the line at p (its LF at nl) ends when it closes with a literal "{N}" (RFC 3501 4.3) of at most
 * LITERAL_JOIN_MAX octets: the LF after the literal and the rest of the response; NULL when that has not all
 * arrived yet; nl itself for a line without a literal. */
static const char *literal_end(const char *p, const char *nl, const char *end)
{
	const char *q = nl > p && nl[-1] == '\r' ? nl - 1 : nl, *digits;
	size_t n = 0;

	if (q == p || q[-1] != '}')
		return nl;
	for (digits = q - 1; digits > p && digits[-1] >= '0' && digits[-1] <= '9'; digits--)
		;
	if (digits == q - 1 || digits == p || digits[-1] != '{' || q - 1 - digits > 4)
		return nl;
	for (const char *d = digits; d < q - 1; d++)
		n = n * 10 + (size_t)(*d - '0');
	if (n > LITERAL_JOIN_MAX)
		return nl;
	if ((size_t)(end - (nl + 1)) < n)
		return NULL;
	return memchr(nl + 1 + n, '\n', (size_t)(end - (nl + 1 + n)));
}

/* Reads what the server sent (once from the socket when 'readable', else only what is buffered) and judges each
 * complete line with is_news: lines that are no news are dropped with 'quiet_note' in the debug log. With
 * 'keep_news' the first news stays in the buffer for the next command's answer (imap_idle_done) to meet; else
 * every complete line is dropped, and a line that ends in a short literal is judged together with the literal
 * and the rest of its response (Dovecot's "* STATUS {19}" and a UTF-8 mailbox name). 1 on news, a closed
 * connection or a full buffer without a line end; 0 when every complete line was quiet. */
static int read_news(struct imap *im, int readable, int (*is_news)(const char *line, size_t len), int keep_news,
		     const char *quiet_note)
{
	mailstream *st = im->s ? im->s->imap_stream : NULL;
	size_t start = 0;
	int news = 0;

	if (!st)
		return 1;
	if (readable && st->read_buffer_len < st->buffer_max_size) {
		ssize_t got = mailstream_low_read(mailstream_get_low(st), st->read_buffer + st->read_buffer_len,
						  st->buffer_max_size - st->read_buffer_len);

		if (got <= 0) {
			if (!keep_news)
				imap_drop(im);   /* imap_fd says so */
			return 1;   /* closed or failed: imap_idle_done reports it */
		}
		st->read_buffer_len += (size_t)got;
	}
	for (;;) {
		const char *line = st->read_buffer + start;
		const char *nl = memchr(line, '\n', st->read_buffer_len - start);
		size_t len;

		if (nl && !keep_news)
			nl = literal_end(line, nl, st->read_buffer + st->read_buffer_len);
		if (!nl)
			break;
		len = (size_t)(nl - line);
		if (is_news(line, len > 0 && line[len - 1] == '\r' ? len - 1 : len)) {
			if (keep_news) {
				memmove(st->read_buffer, line, st->read_buffer_len - start);
				st->read_buffer_len -= start;
				return 1;
			}
			news = 1;
		} else {
			log_debug("[imap] %s", quiet_note);
		}
		start += len + 1;
	}
	memmove(st->read_buffer, st->read_buffer + start, st->read_buffer_len - start);
	st->read_buffer_len -= start;
	/* A full buffer without a line end is no keepalive. */
	return news || st->read_buffer_len == st->buffer_max_size;
}

int imap_idle_news(struct imap *im, int readable)
{
	return read_news(im, readable, imap_idle_line_is_news, 1, "a keepalive in IDLE: still idling");
}

enum imap_result imap_idle_done(struct imap *im, struct err *err)
{
	return idle_step(im, mailimap_idle_done, "IDLE DONE", err);
}

/* ---- NOTIFY (RFC 5465) ---- */

int imap_has_notify(const struct imap *im)
{
	return imap_has_cap(im, "NOTIFY");
}

/* A quoted string (RFC 3501 4.3): a wire name is printable ASCII (modified UTF-7), '"' and '\' escaped. */
static void add_quoted(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addch(b, '\\');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

/* The command for 'folders', their names in modified UTF-7 or, with 'utf8', in UTF-8 (a name beyond ASCII then
 * as a LITERAL+ literal, RFC 7888); NULL with err when one of them has no wire name on this server.
 * *ret_differ: some name differs between the two forms. */
static char *notify_command(const struct imap *im, const char *const *folders, size_t n, int utf8, int *ret_differ,
			    struct err *err)
{
	struct buf b;

	buf_init(&b);
	/* MessageNew goes with MessageExpunge (RFC 5465 5.2) */
	buf_adds(&b, "NOTIFY SET STATUS (mailboxes (");
	for (size_t i = 0; i < n; i++) {
		struct folder f, u;

		if (imap_folder_name(im, folders[i], &f, err) < 0 || imap_folder_name_as(im, folders[i], 0, &u, err) < 0) {
			buf_release(&b);
			return NULL;
		}
		if (i)
			buf_addch(&b, ' ');
		if (strcmp(f.wire, u.wire) == 0 || !utf8)
			add_quoted(&b, f.wire);
		else
			buf_addf(&b, "{%zu+}\r\n%s", strlen(u.wire), u.wire);
		*ret_differ |= strcmp(f.wire, u.wire) != 0;
		free(f.wire);
		free(u.wire);
	}
	buf_adds(&b, ") (MessageNew MessageExpunge))");
	return buf_detach(&b, NULL);
}

/* MESSAGES of one STATUS response; -1 when it has none. */
static long status_messages(const struct mailimap_mailbox_data_status *st)
{
	for (clistiter *it = st->st_info_list ? clist_begin(st->st_info_list) : NULL; it; it = clist_next(it)) {
		const struct mailimap_status_info *si = clist_content(it);

		if (si->st_att == MAILIMAP_STATUS_ATT_MESSAGES)
			return (long)si->st_value;
	}
	return -1;
}

/* How many of the mailboxes the answer to NOTIFY SET STATUS describes hold mail: a STATUS with MESSAGES above 0
 * (or without MESSAGES), an EXISTS above 0 (of a selected mailbox: none is, but a server may say so).
 * *ret_statuses: how many STATUS responses it holds. */
static int notify_waiting(const struct mailimap_response *resp, int *ret_statuses)
{
	int n = 0;

	for (clistiter *it = resp->rsp_cont_req_or_resp_data_list ? clist_begin(resp->rsp_cont_req_or_resp_data_list)
								  : NULL;
	     it; it = clist_next(it)) {
		const struct mailimap_cont_req_or_resp_data *c = clist_content(it);
		const struct mailimap_response_data *d = c->rsp_type == MAILIMAP_RESP_RESP_DATA ? c->rsp_data.rsp_resp_data
												 : NULL;
		const struct mailimap_mailbox_data *mb = d && d->rsp_type == MAILIMAP_RESP_DATA_TYPE_MAILBOX_DATA
								 ? d->rsp_data.rsp_mailbox_data
								 : NULL;

		if (mb && mb->mbd_type == MAILIMAP_MAILBOX_DATA_EXISTS)
			n += mb->mbd_data.mbd_exists > 0;
		else if (mb && mb->mbd_type == MAILIMAP_MAILBOX_DATA_STATUS && mb->mbd_data.mbd_status) {
			n += status_messages(mb->mbd_data.mbd_status) != 0;
			(*ret_statuses)++;
		}
	}
	return n;
}

/* One command libetpan has no call for (NOTIFY), sent as sasl_exchange sends AUTHENTICATE: a libetpan
 * code, MAILIMAP_ERROR_EXTENSION on a tagged NO or BAD. On success *ret_waiting (may be NULL) is what
 * notify_waiting makes of the answer. */
static int raw_command(struct imap *im, const char *cmd, int *ret_waiting, int *ret_statuses)
{
	struct mailimap_response *resp = NULL;
	int r = mailimap_send_current_tag(im->s);

	if (r == MAILIMAP_NO_ERROR && imap_send_private(im, cmd) < 0)
		r = MAILIMAP_ERROR_STREAM;
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if (!mailimap_read_line(im->s))
		return MAILIMAP_ERROR_STREAM;
	r = mailimap_parse_response(im->s, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	r = imap_response_end(resp, MAILIMAP_ERROR_EXTENSION);
	if (r == MAILIMAP_NO_ERROR && ret_waiting)
		*ret_waiting = notify_waiting(resp, ret_statuses);
	mailimap_response_free(resp);
	return r;
}

enum imap_result imap_notify_set(struct imap *im, const char *const *folders, size_t n, int *ret_waiting,
				 struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = imap_not_ready(im, 0, err);
	char *cmd;
	int r, waiting = 0;

	if (res != IMAP_OK)
		return res;
	if (!imap_has_notify(im)) {
		err_set(err, "%s does not offer NOTIFY and UNSELECT", im->host);
		return IMAP_REFUSED;
	}
	imap_pipe_ignore(&g);
	res = imap_learn_hierarchy(im, err);
	/* RFC 5465's names are in modified UTF-7; Dovecot 2.3 finds a mailbox beyond ASCII only by its UTF-8 name
	 * (and sends that in a literal): when its answer leaves out a STATUS of such a name, ask again so — on a
	 * new session, as Dovecot 2.3 tells nothing after a second NOTIFY SET on the same one */
	for (int utf8 = im->notify_utf8, again = 1; res == IMAP_OK && again; utf8 = 1) {
		int differ = 0, statuses = 0;

		if (!(cmd = notify_command(im, folders, n, utf8, &differ, err))) {
			res = IMAP_REFUSED;
			break;
		}
		r = raw_command(im, cmd, &waiting, &statuses);
		free(cmd);
		if (r != MAILIMAP_NO_ERROR)
			res = imap_fail(im, r, "NOTIFY", err);
		again = res == IMAP_OK && !utf8 && differ && (size_t)statuses < n && imap_has_cap(im, "LITERAL+");
		im->notify_utf8 = utf8;
		if (again && (res = imap_connect(im, err)) == IMAP_OK)
			res = imap_learn_hierarchy(im, err);
	}
	imap_pipe_restore(&g);
	if (res == IMAP_OK)
		*ret_waiting = waiting;
	return res;
}

/* After NOTIFY SET the server speaks unasked (RFC 5465 5): a STATUS for a watched mailbox (none is selected;
 * EXISTS / EXPUNGE would be for a selected one), "* OK [NOTIFICATIONOVERFLOW]" when it gives up. Only mail
 * that is there is news: a STATUS with MESSAGES above 0, an EXISTS above 0. An expunge (our own pass moving
 * mail on, or the tovholder taking one back) leaves nothing to decide, nor does a plain "* OK text". A
 * response code (NOTIFICATIONOVERFLOW), BYE, a tagged reply and anything we do not understand are news: a
 * pass costs little and meets whatever it was. */
int imap_notify_line_is_news(const char *line, size_t len)
{
	static const char *const quiet_count[] = { "EXPUNGE", "RECENT" };
	const char *end = line + len, *p, *word;
	unsigned long num = 0;
	size_t n;

	if (len < 3 || line[0] != '*' || line[1] != ' ')
		return 1;
	p = line + 2;
	for (n = 0; p + n < end && p[n] != ' '; n++)
		;
	if (n == 6 && strncasecmp(p, "STATUS", 6) == 0) {
		/* "* STATUS name (MESSAGES 1 UIDNEXT 4 UNSEEN 1)", the name perhaps a literal read with its line
		 * ("* STATUS {19}\r\nTovholder/Fremmøde (MESSAGES 0 …)"): the list is the last parenthesis */
		const char *open = NULL;

		for (const char *q = p; q < end; q++)
			if (*q == '(')
				open = q;
		for (p = open ? open + 1 : end; p < end && *p != ')';) {
			for (word = p; p < end && *p != ' ' && *p != ')'; p++)
				;
			if ((size_t)(p - word) == 8 && strncasecmp(word, "MESSAGES", 8) == 0 && p < end && *p == ' ') {
				if (++p >= end || *p < '0' || *p > '9')
					return 1;
				for (; p < end && *p >= '0' && *p <= '9' && num < 1000000000; p++)
					num = num * 10 + (unsigned long)(*p - '0');
				return num != 0;
			}
			while (p < end && *p == ' ')
				p++;
		}
		return 1;
	}
	if (memchr(line, '{', len))
		return 1;
	if ((n == 2 && strncasecmp(p, "OK", 2) == 0) || (n == 2 && strncasecmp(p, "NO", 2) == 0))
		return p + n < end && p + n + 1 < end && p[n + 1] == '[';
	/* "* 3 EXISTS", "* 2 EXPUNGE", "* 1 RECENT" */
	if (!n)
		return 1;
	for (; n && *p >= '0' && *p <= '9' && num < 1000000000; p++, n--)
		num = num * 10 + (unsigned long)(*p - '0');
	if (n || p >= end)
		return 1;
	word = ++p;
	n = (size_t)(end - word);
	if (n == 6 && strncasecmp(word, "EXISTS", 6) == 0)
		return num != 0;
	return !word_in(quiet_count, sizeof(quiet_count) / sizeof(quiet_count[0]), word, n);
}

int imap_notify_news(struct imap *im, int readable)
{
	/* every line is dropped, news too: the pass that follows reads the folders afresh, and a pass that cannot
	 * run now (no state lock) must not leave news behind to wake the loop again at once */
	return read_news(im, readable, imap_notify_line_is_news, 0, "a notification of no new mail: still waiting");
}
