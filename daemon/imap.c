/* IMAP client on libetpan, with our own TCP connect (for a timeout and IPv6 literals) and our own certificate
 * check on GnuTLS: libetpan's GnuTLS build accepts any certificate. */
#include "imap.h"
#include "buf.h"
#include "log.h"
#include "util.h"

#include <libetpan/libetpan.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CHAIN    16   /* certificates of the peer chain looked at */
#define MAX_LEVELS   16   /* levels of a folder name */
#define MAX_KNOWN    32   /* folders remembered as existing */
#define CAPS_MAX     4096 /* octets of the capability string */

struct imap {
	mailimap *s;             /* NULL when not connected */
	char *host;              /* without brackets */
	uint16_t port;
	int implicit;            /* TLS from the first byte */
	int starttls;
	char *user;
	char *password;          /* or, with OAuth2, the access token */
	char *ca_file;
	const char *mech;        /* static, NULL before a login */
	enum config_auth auth;
	char *token_file;        /* OAuth2: where a new token comes from */
	char *token_command;
	char *caps;
	int selected;
	char *selected_wire;     /* the wire name of the selected mailbox, when selected */
	/* the personal namespace, learnt at the first folder name that needs it */
	int hier_known;
	char sep;                /* hierarchy separator, 0 for a flat server */
	char *ns_prefix;         /* e.g. "INBOX." on Courier and Cyrus; "" on Dovecot */
	char *known[MAX_KNOWN];  /* wire names of folders seen to exist */
	size_t n_known;
	int notify_utf8;         /* the server takes NOTIFY's mailbox names in UTF-8 (Dovecot 2.3) */
	/* the next batch's header FETCH, sent before the current batch is decided (see "fetching") */
	enum { AHEAD_NONE, AHEAD_SENT, AHEAD_READ } ahead;
	clist *ahead_result;     /* AHEAD_READ: its FETCH responses */
	uint32_t ahead_first, ahead_last;   /* its UIDs, for the debug log */
	enum imap_result ahead_res;  /* AHEAD_READ: how it ended; ahead_err says why when not IMAP_OK */
	struct err ahead_err;
};

/* A folder name as it goes on the wire, with where each level ends (for creating parents). */
struct folder {
	char *wire;
	size_t n_levels;
	size_t level_end[MAX_LEVELS];
};

/* libetpan constructors return NULL only when malloc fails: same policy as xmalloc. */
static void *need(void *p)
{
	if (!p) {
		fputs("tovholder: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* ---- SIGPIPE ---- */

/* libetpan writes with send() and gnutls_record_send() without MSG_NOSIGNAL: a server hanging up would kill
 * the process. Like libcurl, ignore SIGPIPE while we talk and give the caller's handler back after. */
struct pipe_guard {
	struct sigaction old;
	int saved;
};

static void pipe_ignore(struct pipe_guard *g)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	g->saved = sigaction(SIGPIPE, &ign, &g->old) == 0;
}

static void pipe_restore(struct pipe_guard *g)
{
	if (g->saved)
		sigaction(SIGPIPE, &g->old, NULL);
	g->saved = 0;
}

/* ---- url ---- */

static int host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
	       c == '_';
}

int imap_parse_url(const char *url, char **ret_host, uint16_t *ret_port, int *ret_implicit, struct err *err)
{
	const char *p, *host, *host_end;
	unsigned long port;
	int implicit;
	struct in6_addr a6;
	char *h;

	if (!url || !*url)
		return err_set(err, "no imap url");
	if (util_istarts(url, "imaps://"))
		implicit = 1, p = url + 8;
	else if (util_istarts(url, "imap://"))
		implicit = 0, p = url + 7;
	else
		return err_set(err, "bad imap url '%s': use imap://host[:port] or imaps://host[:port]", url);
	port = implicit ? 993 : 143;
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end || host_end == host)
			return err_set(err, "bad imap url '%s': an IPv6 address is written [address]", url);
		p = host_end + 1;
	} else {
		host = p;
		for (host_end = host; host_char_ok(*host_end); host_end++)
			;
		p = host_end;
		if (*p == '@')
			return err_set(err, "bad imap url '%s': put the user name in 'user', not in the url", url);
		if (host_end == host)
			return err_set(err, "bad imap url '%s': no host name", url);
	}
	if (*p == ':') {
		char *end;

		errno = 0;
		port = (p[1] >= '0' && p[1] <= '9') ? strtoul(p + 1, &end, 10) : 0;
		if (!port || port > 65535 || errno)
			return err_set(err, "bad imap url '%s': the port must be a number from 1 to 65535", url);
		p = end;
	}
	if (*p == '/')
		p++;
	if (*p)
		return err_set(err, "bad imap url '%s': unexpected '%s' after the host and port", url, p);
	h = xstrndup(host, (size_t)(host_end - host));
	if (url[implicit ? 8 : 7] == '[' && inet_pton(AF_INET6, h, &a6) != 1) {
		free(h);
		return err_set(err, "bad imap url '%s': not an IPv6 address between [ ]", url);
	}
	*ret_host = h;
	*ret_port = (uint16_t)port;
	*ret_implicit = implicit;
	return 0;
}

static int is_ip_literal(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

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

/* ---- connection ---- */

static int wait_connected(int fd)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	int r, soerr = 0;
	socklen_t len = sizeof(soerr);

	do
		r = poll(&pfd, 1, IMAP_TIMEOUT * 1000);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -1;
	if (soerr) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/* A blocking TCP socket (libetpan wants one) connected within IMAP_TIMEOUT, trying each address in turn. */
static int tcp_connect(const struct imap *im, struct err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[8];
	int fd = -1, rc, saved = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%u", (unsigned)im->port);
	rc = getaddrinfo(im->host, port, &hints, &res);
	if (rc != 0)
		return err_set(err, "cannot find the address of %s: %s", im->host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		     (errno == EINPROGRESS && wait_connected(fd) == 0)) &&
		    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set(err, "cannot connect to %s port %u: %s", im->host, (unsigned)im->port, strerror(saved));
	return fd;
}

/* Called by libetpan between creating the TLS session and the handshake: SNI (RFC 6066 forbids IP literals). */
static void tls_setup(struct mailstream_ssl_context *ctx, void *arg)
{
	struct imap *im = arg;

	if (!is_ip_literal(im->host))
		mailstream_ssl_set_server_name(ctx, im->host);
}

/* The DNS names of a certificate, for saying which names it would be valid for. */
static void cert_names(gnutls_x509_crt_t crt, char *out, size_t outsz)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < 4; i++) {
		char name[256];
		size_t len = sizeof(name) - 1;
		int r = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &len, NULL);

		if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (r != GNUTLS_SAN_DNSNAME && r != GNUTLS_SAN_IPADDRESS)
			continue;
		if (r == GNUTLS_SAN_IPADDRESS) {
			char ip[INET6_ADDRSTRLEN];

			if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, name, ip, sizeof(ip)))
				continue;
			snprintf(name, sizeof(name), "%s", ip);
		} else {
			name[len] = '\0';
		}
		used += (size_t)snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", name);
		if (used >= outsz)
			break;
	}
}

static void describe_status(const struct imap *im, unsigned status, gnutls_x509_crt_t leaf, struct err *err)
{
	gnutls_datum_t txt = { NULL, 0 };
	char names[160];

	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) {
		err_set(err, "certificate of %s not trusted: its issuer is not a known authority (set ca_file?)",
			im->host);
	} else if (status & GNUTLS_CERT_EXPIRED) {
		err_set(err, "certificate of %s not trusted: it has expired", im->host);
	} else if (status & GNUTLS_CERT_NOT_ACTIVATED) {
		err_set(err, "certificate of %s not trusted: it is not valid yet (check the clock)", im->host);
	} else if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		cert_names(leaf, names, sizeof(names));
		err_set(err, "certificate of %s not valid for that name%s%s%s", im->host,
			names[0] ? " (it is for " : "", names, names[0] ? ")" : "");
	} else if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &txt, 0) == 0) {
		err_set(err, "certificate of %s not trusted: %s", im->host, (char *)txt.data);
		gnutls_free(txt.data);
	} else {
		err_set(err, "certificate of %s not trusted", im->host);
	}
}

/* Checks the peer's chain against the system trust store plus ca_file, for im->host and TLS server use. */
static int verify_peer(const struct imap *im, mailstream *stream, struct err *err)
{
	carray *chain = mailstream_get_certificate_chain(stream);
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_x509_crt_t crts[MAX_CHAIN];
	unsigned n = 0, status = 0;
	int rc = -1, r;

	if (!chain || carray_count(chain) == 0) {
		err_set(err, "%s sent no certificate", im->host);
		goto out;
	}
	for (unsigned i = 0; i < carray_count(chain) && n < MAX_CHAIN; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		if (gnutls_x509_crt_init(&crts[n]) < 0)
			need(NULL);
		if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[n]);
			err_set(err, "%s sent a certificate that cannot be read", im->host);
			goto out;
		}
		n++;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		need(NULL);
	/* an empty or missing system store is no error here: ca_file may be all there is */
	gnutls_x509_trust_list_add_system_trust(tl, 0, 0);
	if (im->ca_file) {
		r = gnutls_x509_trust_list_add_trust_file(tl, im->ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
		if (r <= 0) {
			err_set(err, "ca_file '%s' holds no usable PEM certificate%s%s", im->ca_file, r < 0 ? ": " : "",
				r < 0 ? gnutls_strerror(r) : "");
			goto out;
		}
	}
	gnutls_typed_vdata_st vd[2] = {
		{ GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)im->host, 0 },
		{ GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0 },
	};
	r = gnutls_x509_trust_list_verify_crt2(tl, crts, n, vd, 2, 0, &status, NULL);
	if (r < 0) {
		err_set(err, "cannot check the certificate of %s: %s", im->host, gnutls_strerror(r));
		goto out;
	}
	if (status) {
		describe_status(im, status, crts[0], err);
		goto out;
	}
	rc = 0;
out:
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(crts[i]);
	if (tl)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain)
		mailstream_certificate_chain_free(chain);
	return rc;
}

/* Closes the connection at once, without LOGOUT (used after errors, when the stream may be dead or the
 * server untrusted). */
static void ahead_forget(struct imap *im);
static enum imap_result ahead_settle(struct imap *im, struct err *err);

static void drop(struct imap *im)
{
	if (!im->s)
		return;
	if (im->s->imap_stream) {
		mailstream_close(im->s->imap_stream);
		im->s->imap_stream = NULL;
	}
	mailimap_free(im->s);
	im->s = NULL;
	im->selected = 0;
	free(im->selected_wire);
	im->selected_wire = NULL;
	ahead_forget(im);
}

/* The text of the server's last tagged reply, made safe for an error message. */
static void server_text(const struct imap *im, char *out, size_t outsz)
{
	const char *t = im->s && im->s->imap_response ? im->s->imap_response : "";
	size_t n = 0;

	for (; *t && n + 1 < outsz; t++)
		out[n++] = (unsigned char)*t < 0x20 || *t == 0x7F ? ' ' : *t;
	out[n] = '\0';
}

/* RFC 5530 codes for failures that pass: try later rather than give up. */
static int temporary_code(const struct imap *im)
{
	const char *atom = im->s && im->s->imap_response_info ? im->s->imap_response_info->rsp_atom : NULL;

	return atom && (strcasecmp(atom, "UNAVAILABLE") == 0 || strcasecmp(atom, "INUSE") == 0);
}

/* libetpan reports a connection closed while it waits for an answer as a parse error of an empty or cut
 * answer. Nothing read, or the peer's end of the socket closed: that is a lost connection, not a protocol
 * error. */
static int peer_closed(const struct imap *im)
{
	struct pollfd pfd = { -1, POLLIN, 0 };
	char c;

	if (!im->s || !im->s->imap_stream)
		return 1;
	if (!im->s->imap_stream_buffer || im->s->imap_stream_buffer->len == 0)
		return 1;
	pfd.fd = mailstream_low_get_fd(mailstream_get_low(im->s->imap_stream));
	if (pfd.fd < 0 || poll(&pfd, 1, 0) < 0)
		return 1;
	if (pfd.revents & (POLLHUP | POLLERR))
		return 1;
	return (pfd.revents & POLLIN) && recv(pfd.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Maps a libetpan error for command 'what' to what the caller should do; drops the connection whenever it
 * cannot be trusted to be in step any more. */
static enum imap_result fail(struct imap *im, int r, const char *what, struct err *err)
{
	char text[160];

	server_text(im, text, sizeof(text));
	if (r == MAILIMAP_ERROR_PARSE && peer_closed(im))
		r = MAILIMAP_ERROR_STREAM;
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		err_set(err, "connection to %s lost during %s (or no answer within %d s)", im->host, what, IMAP_TIMEOUT);
		drop(im);
		return IMAP_UNREACHABLE;
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		/* BYE: shutting down, overloaded, idle too long */
		err_set(err, "%s closed the connection during %s%s%s", im->host, what, text[0] ? ": " : "", text);
		drop(im);
		return IMAP_UNREACHABLE;
	case MAILIMAP_ERROR_MEMORY:
		err_set(err, "out of memory during %s", what);
		drop(im);
		return IMAP_UNREACHABLE;
	case MAILIMAP_ERROR_PARSE:
		err_set(err, "cannot understand the answer of %s to %s", im->host, what);
		drop(im);
		return IMAP_REFUSED;
	default:
		err_set(err, "%s refused by %s%s%s", what, im->host, text[0] ? ": " : "", text);
		if (temporary_code(im)) {
			drop(im);
			return IMAP_UNREACHABLE;
		}
		return IMAP_REFUSED;
	}
}

/* Every command starts here: the next batch's FETCH, if one was sent ahead, is read first (ahead_settle). */
static enum imap_result not_ready(struct imap *im, int need_selected, struct err *err)
{
	if (ahead_settle(im, err) == IMAP_UNREACHABLE)
		return IMAP_UNREACHABLE;
	if (!im->s) {
		err_set(err, "not connected to %s", im->host);
		return IMAP_UNREACHABLE;
	}
	if (need_selected && !im->selected) {
		err_set(err, "no mailbox selected on %s", im->host);
		return IMAP_REFUSED;
	}
	return IMAP_OK;
}

static int has_cap(const struct imap *im, const char *name)
{
	return im->s && mailimap_has_extension(im->s, name);
}

static void caps_string(struct imap *im)
{
	struct mailimap_capability_data *cd = im->s && im->s->imap_connection_info ?
						      im->s->imap_connection_info->imap_capability : NULL;
	struct buf b;

	buf_init(&b);
	b.cap = CAPS_MAX;
	for (clistiter *it = cd ? clist_begin(cd->cap_list) : NULL; it; it = clist_next(it)) {
		struct mailimap_capability *c = clist_content(it);

		if (c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE)
			buf_addf(&b, "%sAUTH=%s", b.len ? " " : "", c->cap_data.cap_auth_type);
		else
			buf_addf(&b, "%s%s", b.len ? " " : "", c->cap_data.cap_name);
	}
	free(im->caps);
	im->caps = buf_detach(&b, NULL);
}

/* CAPABILITY: needed after STARTTLS (RFC 3501 6.2.1: forget what was said in clear) and after login. */
static enum imap_result refresh_caps(struct imap *im, struct err *err)
{
	struct mailimap_capability_data *cd = NULL;
	int r = mailimap_capability(im->s, &cd);

	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "CAPABILITY", err);
	/* the session keeps its own copy, which mailimap_has_extension reads */
	mailimap_capability_data_free(cd);
	caps_string(im);
	return IMAP_OK;
}

static enum imap_result start_tls(struct imap *im, struct err *err)
{
	mailstream_low *low, *tls;
	enum imap_result res;
	int r;

	if (!im->s->imap_connection_info || !im->s->imap_connection_info->imap_capability) {
		res = refresh_caps(im, err);
		if (res != IMAP_OK)
			return res;
	}
	if (!has_cap(im, "STARTTLS")) {
		err_set(err, "%s does not offer STARTTLS: use imaps:// if it has TLS on another port", im->host);
		drop(im);
		return IMAP_REFUSED;
	}
	r = mailimap_starttls(im->s);
	/* Bytes buffered after the answer came in clear but would be read as if protected (CVE-2020-15953).
	 * Debian's libetpan refuses them itself, as a plain STARTTLS failure: look first, to say why. */
	if (im->s->imap_stream && im->s->imap_stream->read_buffer_len) {
		err_set(err, "%s sent data after its STARTTLS answer: refusing a tampered connection", im->host);
		drop(im);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR) {
		res = fail(im, r, "STARTTLS", err);
		/* never go on in clear, not even to say LOGOUT */
		drop(im);
		return res;
	}
	low = mailstream_get_low(im->s->imap_stream);
	tls = mailstream_low_tls_open_with_callback_timeout(mailstream_low_get_fd(low), IMAP_TIMEOUT, tls_setup, im);
	if (!tls) {
		err_set(err, "TLS handshake with %s failed after STARTTLS", im->host);
		drop(im);
		return IMAP_REFUSED;
	}
	mailstream_low_free(low);
	mailstream_set_low(im->s->imap_stream, tls);
	if (verify_peer(im, im->s->imap_stream, err) < 0) {
		drop(im);
		return IMAP_REFUSED;
	}
	return refresh_caps(im, err);
}

/* ---- OAuth2 login (SASL XOAUTH2, and OAUTHBEARER of RFC 7628) ---- */

/* Standard base64 (RFC 4648 §4) of in[0..n) into out, which holds 4 * ((n + 2) / 3) + 1 bytes. */
static void b64_std(const unsigned char *in, size_t n, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? alphabet[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
}

/* The client's SASL message, base64-encoded, for the caller to wipe and free. XOAUTH2 (Google's and
 * Microsoft's documentation): "user=U^Aauth=Bearer T^A^A". OAUTHBEARER (RFC 7628 §3.1): a GS2 header with the
 * authorization identity ("," and "=" escaped as =2C and =3D, RFC 5801 §4), then host, port and auth. */
static char *bearer_message(const struct imap *im, const char *token)
{
	struct buf b;
	char *out;

	buf_init(&b);
	if (im->auth == CONFIG_AUTH_XOAUTH2) {
		buf_addf(&b, "user=%s\001auth=Bearer %s\001\001", im->user, token);
	} else {
		buf_adds(&b, "n,a=");
		for (const char *p = im->user; *p; p++) {
			if (*p == ',' || *p == '=')
				buf_adds(&b, *p == ',' ? "=2C" : "=3D");
			else
				buf_addch(&b, *p);
		}
		buf_addf(&b, ",\001host=%s\001port=%u\001auth=Bearer %s\001\001", im->host, (unsigned)im->port, token);
	}
	out = xmalloc(4 * ((b.len + 2) / 3) + 1);
	b64_std((const unsigned char *)b.data, b.len, out);
	/* the buffer may have grown by realloc: wipe what it holds now (earlier, shorter copies held no token) */
	explicit_bzero(b.data, b.alloc);
	buf_release(&b);
	return out;
}

/* Writes s then CRLF, for the commands libetpan has no call for. -1 when the stream fails. */
static int send_line(struct imap *im, const char *s)
{
	mailstream *st = im->s->imap_stream;

	return mailstream_write(st, s, strlen(s)) < 0 || mailstream_write(st, "\r\n", 2) < 0 ||
		       mailstream_flush(st) < 0 ? -1 : 0;
}

/* The same, unseen by libetpan's logger (mailstream_set_privacy). */
static int send_private(struct imap *im, const char *s)
{
	int rc;

	mailstream_set_privacy(im->s->imap_stream, 0);
	rc = send_line(im, s);
	mailstream_set_privacy(im->s->imap_stream, 1);
	return rc;
}

/* How the answer to a command we sent ourselves ended, as libetpan's own calls say it: MAILIMAP_NO_ERROR for a
 * tagged OK, MAILIMAP_ERROR_FATAL for BYE, else 'refused' (a tagged NO or BAD). */
static int response_end(const struct mailimap_response *resp, int refused)
{
	const struct mailimap_response_done *done = resp->rsp_resp_done;

	if (done && done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	    done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type == MAILIMAP_RESP_COND_STATE_OK)
		return MAILIMAP_NO_ERROR;
	return done && done->rsp_type == MAILIMAP_RESP_DONE_TYPE_FATAL ? MAILIMAP_ERROR_FATAL : refused;
}

/* One AUTHENTICATE exchange with 'msg' (base64). With SASL-IR (RFC 4959) the message goes on the command
 * line, else after the server's first "+". A later "+" carries the server's JSON error (RFC 7628 §3.2.2):
 * the client answers it with a dummy (%x01 for OAUTHBEARER, an empty line for XOAUTH2) and then gets the
 * tagged NO. Returns a libetpan code: MAILIMAP_NO_ERROR, MAILIMAP_ERROR_LOGIN on a tagged NO/BAD, or the
 * stream/parse error. */
static int sasl_exchange(struct imap *im, const char *mech, const char *msg)
{
	struct mailimap_response *resp = NULL;
	int ir = mailimap_has_extension(im->s, "SASL-IR"), sent = ir, r;
	char *cmd = xasprintf("AUTHENTICATE %s%s%s", mech, ir ? " " : "", ir ? msg : "");

	r = mailimap_send_current_tag(im->s);
	if (r == MAILIMAP_NO_ERROR && send_private(im, cmd) < 0)
		r = MAILIMAP_ERROR_STREAM;
	explicit_bzero(cmd, strlen(cmd));
	free(cmd);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	for (int round = 0;; round++) {
		const char *line = mailimap_read_line(im->s);
		if (!line)
			return MAILIMAP_ERROR_STREAM;
		if (line[0] != '+')
			break;
		if (round == 2)
			return MAILIMAP_ERROR_PARSE; /* a server that keeps asking: not a SASL bearer exchange */
		if (send_private(im, sent ? (im->auth == CONFIG_AUTH_OAUTHBEARER ? "AQ==" : "") : msg) < 0)
			return MAILIMAP_ERROR_STREAM;
		sent = 1;
	}
	r = mailimap_parse_response(im->s, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	r = response_end(resp, MAILIMAP_ERROR_LOGIN);
	mailimap_response_free(resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	im->s->imap_state = MAILIMAP_STATE_AUTHENTICATED;
	return MAILIMAP_NO_ERROR;
}

static int bearer_try(struct imap *im, const char *mech)
{
	char *msg = bearer_message(im, im->password);
	int r = sasl_exchange(im, mech, msg);

	explicit_bzero(msg, strlen(msg));
	free(msg);
	return r;
}

/* A new access token from token_file / token_command, in place of the refused one. */
static enum imap_result bearer_refresh(struct imap *im, struct err *err)
{
	struct server_config sc = { .auth = im->auth, .token_file = im->token_file, .token_command = im->token_command };
	struct err why = { "" };
	int temporary = 0;
	char *tok = config_secret(&sc, &temporary, &why);

	if (!tok) {
		err_set(err, "%s refused the access token and no new one could be had: %s", im->host, why.msg);
		drop(im);
		return temporary ? IMAP_UNREACHABLE : IMAP_REFUSED;
	}
	if (strcmp(tok, im->password) == 0) {
		/* trying the same token again would only be refused again */
		err_set(err, "%s refused the access token (expired or revoked?) and %s gave the same one again", im->host,
			im->token_file ? "token_file" : "token_command");
		explicit_bzero(tok, strlen(tok));
		free(tok);
		drop(im);
		return IMAP_REFUSED;
	}
	explicit_bzero(im->password, strlen(im->password));
	free(im->password);
	im->password = tok;
	return IMAP_OK;
}

/* AUTHENTICATE XOAUTH2 / OAUTHBEARER with the token we hold; when the server refuses it (expired, most
 * likely: tokens live about an hour), once more with a new one. */
static enum imap_result bearer_login(struct imap *im, struct err *err)
{
	const char *mech = im->auth == CONFIG_AUTH_XOAUTH2 ? "XOAUTH2" : "OAUTHBEARER";
	char text[160];
	int r;

	if (!mailimap_has_authentication(im->s, mech)) {
		err_set(err, "%s does not offer AUTH=%s (it offers: %s): check the auth line in [imap]", im->host, mech,
			im->caps[0] ? im->caps : "nothing");
		drop(im);
		return IMAP_REFUSED;
	}
	log_debug("imap: AUTHENTICATE %s as %s at %s", mech, im->user, im->host);
	r = bearer_try(im, mech);
	if (r == MAILIMAP_ERROR_LOGIN && !temporary_code(im)) {
		enum imap_result res;
		log_debug("imap: %s refused the access token; asking for a new one and trying once more", im->host);
		if ((res = bearer_refresh(im, err)) != IMAP_OK)
			return res;
		r = bearer_try(im, mech);
	}
	if (r == MAILIMAP_ERROR_LOGIN && !temporary_code(im)) {
		server_text(im, text, sizeof(text));
		err_set(err, "login as '%s' with %s refused by %s%s%s", im->user, mech, im->host, text[0] ? ": " : "",
			text);
		drop(im);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "AUTHENTICATE", err);
	im->mech = mech;
	return IMAP_OK;
}

static enum imap_result login(struct imap *im, struct err *err)
{
	char text[160];
	int r;

	if (im->auth != CONFIG_AUTH_PASSWORD)
		return bearer_login(im, err);
	if (has_cap(im, "LOGINDISABLED")) {
		err_set(err, "%s does not allow a password login on this connection (LOGINDISABLED)%s", im->host,
			im->implicit || im->starttls ? "" : ": use tls = starttls or imaps://");
		drop(im);
		return IMAP_REFUSED;
	}
	log_debug("imap: LOGIN as %s at %s", im->user, im->host);
	r = mailimap_login(im->s, im->user, im->password);
	if (r == MAILIMAP_ERROR_LOGIN && !temporary_code(im)) {
		server_text(im, text, sizeof(text));
		err_set(err, "login as '%s' refused by %s%s%s", im->user, im->host, text[0] ? ": " : "", text);
		drop(im);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "LOGIN", err);
	im->mech = "LOGIN";
	return IMAP_OK;
}

/* Greeting and STARTTLS, then login. The stream is attached to im->s. */
static enum imap_result open_session(struct imap *im, mailstream *stream, struct err *err)
{
	enum imap_result res;
	int r = mailimap_connect(im->s, stream);

	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return fail(im, r, "the greeting", err);
	if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		/* a PREAUTH greeting leaves no state in which STARTTLS is allowed: it would stay in clear */
		if (im->starttls) {
			err_set(err, "%s logged us in before STARTTLS (PREAUTH): refusing an unprotected session",
				im->host);
			drop(im);
			return IMAP_REFUSED;
		}
		im->mech = "PREAUTH";
		return refresh_caps(im, err);
	}
	if (im->starttls) {
		res = start_tls(im, err);
		if (res != IMAP_OK)
			return res;
	}
	res = login(im, err);
	if (res != IMAP_OK)
		return res;
	return refresh_caps(im, err);
}

static enum imap_result do_connect(struct imap *im, struct err *err)
{
	mailstream *stream;
	int fd;

	drop(im);
	im->mech = NULL;
	im->caps[0] = '\0';
	fd = tcp_connect(im, err);
	if (fd < 0)
		return IMAP_UNREACHABLE;
	if (im->implicit) {
		stream = mailstream_ssl_open_with_callback_timeout(fd, IMAP_TIMEOUT, tls_setup, im);
		if (!stream) {
			close(fd);
			err_set(err, "TLS handshake with %s port %u failed (is it an imaps port?)", im->host,
				(unsigned)im->port);
			return IMAP_REFUSED;
		}
		/* before reading even the greeting: nothing from an unverified server is believed */
		if (verify_peer(im, stream, err) < 0) {
			mailstream_close(stream);
			return IMAP_REFUSED;
		}
	} else {
		stream = need(mailstream_socket_open_timeout(fd, IMAP_TIMEOUT));
	}
	im->s = need(mailimap_new(0, NULL));
	mailimap_set_timeout(im->s, IMAP_TIMEOUT);
	return open_session(im, stream, err);
}

enum imap_result imap_connect(struct imap *im, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res;

	pipe_ignore(&g);
	log_debug("imap: connecting to %s port %u (%s)", im->host, (unsigned)im->port,
		  im->implicit ? "TLS" : im->starttls ? "STARTTLS" : "plain");
	res = do_connect(im, err);
	pipe_restore(&g);
	if (res == IMAP_OK)
		log_debug("imap: logged in at %s with %s; capabilities %s", im->host, im->mech, im->caps);
	return res;
}

struct imap *imap_new(const struct server_config *sc, const char *password, struct err *err)
{
	struct imap *im;
	char *host = NULL;
	uint16_t port = 0;
	int implicit = 0;

	if (!sc->url)
		return err_set(err, "no [imap] url in the config"), NULL;
	if (imap_parse_url(sc->url, &host, &port, &implicit, err) < 0)
		return NULL;
	if (!sc->user || !sc->user[0]) {
		free(host);
		return err_set(err, "no [imap] user in the config"), NULL;
	}
	im = xcalloc(1, sizeof(*im));
	im->host = host;
	im->port = port;
	im->implicit = implicit || sc->tls == TLS_IMPLICIT;
	im->starttls = !im->implicit && sc->tls == TLS_STARTTLS;
	im->user = xstrdup(sc->user);
	im->password = xstrdup(password ? password : "");
	im->ca_file = sc->ca_file ? xstrdup(sc->ca_file) : NULL;
	im->caps = xstrdup("");
	im->auth = sc->auth;
	im->token_file = sc->token_file ? xstrdup(sc->token_file) : NULL;
	im->token_command = sc->token_command ? xstrdup(sc->token_command) : NULL;
	return im;
}

void imap_free(struct imap *im)
{
	struct pipe_guard g;

	if (!im)
		return;
	if (im->s && im->s->imap_stream) {
		pipe_ignore(&g);
		mailimap_logout(im->s); /* closes the stream whatever the answer */
		pipe_restore(&g);
	}
	drop(im);
	free(im->host);
	free(im->user);
	explicit_bzero(im->password, strlen(im->password));
	free(im->password);
	free(im->ca_file);
	free(im->token_file);
	free(im->token_command);
	free(im->caps);
	free(im->ns_prefix);
	for (size_t i = 0; i < im->n_known; i++)
		free(im->known[i]);
	free(im);
}

const char *imap_login_mechanism(const struct imap *im)
{
	return im->mech;
}

const char *imap_capabilities(const struct imap *im)
{
	return im->caps;
}

/* ---- folder names ---- */

/* The personal namespace (RFC 2342) or, without NAMESPACE, the separator from LIST "" "" (RFC 3501 6.3.8). */
static enum imap_result learn_hierarchy(struct imap *im, struct err *err)
{
	int r;

	if (im->hier_known)
		return IMAP_OK;
	if (has_cap(im, "NAMESPACE")) {
		struct mailimap_namespace_data *ns = NULL;

		r = mailimap_namespace(im->s, &ns);
		if (r != MAILIMAP_NO_ERROR)
			return fail(im, r, "NAMESPACE", err);
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
			return fail(im, r, "LIST", err);
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

static int folder_name_as(const struct imap *im, const char *name, int utf7, struct folder *f, struct err *err);

/* 'name' as written in the config (UTF-8, '/' between levels) → its wire name: personal namespace prefix,
 * the server's separator, each level in modified UTF-7. -1 with err on a name the server cannot hold. */
static int folder_name(const struct imap *im, const char *name, struct folder *f, struct err *err)
{
	return folder_name_as(im, name, 1, f, err);
}

/* The same, each level in modified UTF-7 when 'utf7', else left in UTF-8. */
static int folder_name_as(const struct imap *im, const char *name, int utf7, struct folder *f, struct err *err)
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
		return fail(im, r, "LIST", err);
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
	if (r == MAILIMAP_ERROR_CREATE && !temporary_code(im)) {
		server_text(im, text, sizeof(text));
		/* another client may have made it meanwhile */
		res = folder_exists(im, level, &exists, err);
		if (res == IMAP_OK && !exists) {
			err_set(err, "cannot create folder '%s' on %s%s%s", name, im->host, text[0] ? ": " : "", text);
			res = IMAP_REFUSED;
		}
		return res;
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "CREATE", err);
	r = mailimap_subscribe(im->s, level);
	/* a folder the mail client does not show is no reason to stop; a dead connection is */
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_ERROR_SUBSCRIBE)
		return fail(im, r, "SUBSCRIBE", err);
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
	if (res == IMAP_OK && im->n_known < MAX_KNOWN)
		im->known[im->n_known++] = xstrdup(f->wire);
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
		return fail(im, r, "LIST", err);
	for (clistiter *it = l ? clist_begin(l) : NULL; it; it = clist_next(it)) {
		const struct mailimap_mailbox_list *mb = clist_content(it);

		for (size_t i = 0; i < n; i++)
			if (strcmp(mb->mb_name, f[i].wire) == 0 && !is_known(im, f[i].wire) && im->n_known < MAX_KNOWN)
				im->known[im->n_known++] = xstrdup(f[i].wire);
	}
	mailimap_list_result_free(l);
	return IMAP_OK;
}

enum imap_result imap_ensure_folders(struct imap *im, const char *const *names, size_t n, struct err *err)
{
	struct pipe_guard g;
	struct folder *f = xcalloc(n + 1, sizeof(*f));
	enum imap_result res = not_ready(im, 0, err);
	size_t made = 0, unknown = 0;

	if (res != IMAP_OK) {
		free(f);
		return res;
	}
	pipe_ignore(&g);
	res = learn_hierarchy(im, err);
	for (; res == IMAP_OK && made < n; made++) {
		if (folder_name(im, names[made], &f[made], err) < 0)
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
	pipe_restore(&g);
	return res;
}

enum imap_result imap_ensure_folder(struct imap *im, const char *name, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = not_ready(im, 0, err);
	struct folder f;

	if (res != IMAP_OK)
		return res;
	pipe_ignore(&g);
	res = learn_hierarchy(im, err);
	if (res == IMAP_OK && folder_name(im, name, &f, err) < 0)
		res = IMAP_REFUSED;
	else if (res == IMAP_OK) {
		res = ensure_folder(im, &f, name, err);
		free(f.wire);
	}
	pipe_restore(&g);
	return res;
}

/* ---- select ---- */

static enum imap_result do_select(struct imap *im, const char *mailbox, uint32_t *ret_uidvalidity,
				  uint32_t *ret_uidnext, struct err *err)
{
	struct mailimap_selection_info *si;
	struct folder f;
	enum imap_result res;
	char text[160];
	int r;

	if (strcasecmp(mailbox, "INBOX") != 0) {
		res = learn_hierarchy(im, err);
		if (res != IMAP_OK)
			return res;
	}
	if (folder_name(im, mailbox, &f, err) < 0)
		return IMAP_REFUSED;
	/* Still selected (the service's inbox, between its IDLEs): a NOOP makes the server take in new mail as
	 * SELECT does, without reopening the mailbox (on a 10,000-mail Maildir, SELECT cost Dovecot 10-17 ms of
	 * each reply's way to the record: bench/, row 3). UIDNEXT is then unknown: the caller searches. */
	if (im->selected && im->selected_wire && strcmp(im->selected_wire, f.wire) == 0 &&
	    im->s->imap_selection_info && im->s->imap_selection_info->sel_uidvalidity) {
		free(f.wire);
		r = mailimap_noop(im->s);
		if (r != MAILIMAP_NO_ERROR)
			return fail(im, r, "NOOP", err);
		*ret_uidvalidity = im->s->imap_selection_info->sel_uidvalidity;
		*ret_uidnext = 0;
		log_debug("imap: '%s' is still selected on %s: NOOP", mailbox, im->host);
		return IMAP_OK;
	}
	im->selected = 0;
	free(im->selected_wire);
	im->selected_wire = NULL;
	r = mailimap_select(im->s, f.wire);
	if (r != MAILIMAP_NO_ERROR)
		free(f.wire);
	else
		im->selected_wire = f.wire;
	if (r == MAILIMAP_ERROR_SELECT && !temporary_code(im)) {
		server_text(im, text, sizeof(text));
		err_set(err, "mailbox '%s' cannot be opened on %s%s%s", mailbox, im->host, text[0] ? ": " : "", text);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "SELECT", err);
	si = im->s->imap_selection_info;
	/* without UIDVALIDITY (RFC 3501 requires it) remembered UIDs would mean nothing */
	if (!si || !si->sel_uidvalidity) {
		err_set(err, "%s sent no UIDVALIDITY for mailbox '%s'", im->host, mailbox);
		return IMAP_REFUSED;
	}
	if (si->sel_perm == MAILIMAP_MAILBOX_READONLY) {
		err_set(err, "mailbox '%s' on %s is read-only: handled mail could not be moved", mailbox, im->host);
		return IMAP_REFUSED;
	}
	im->selected = 1;
	*ret_uidvalidity = si->sel_uidvalidity;
	*ret_uidnext = si->sel_uidnext;
	log_debug("imap: selected '%s' on %s: uidvalidity %u, uidnext %u, %u messages", mailbox, im->host,
		  si->sel_uidvalidity, si->sel_uidnext, si->sel_exists);
	return IMAP_OK;
}

enum imap_result imap_select(struct imap *im, const char *mailbox, uint32_t *ret_uidvalidity,
			     uint32_t *ret_uidnext, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = not_ready(im, 0, err);

	if (res != IMAP_OK)
		return res;
	pipe_ignore(&g);
	res = do_select(im, mailbox, ret_uidvalidity, ret_uidnext, err);
	pipe_restore(&g);
	return res;
}

uint32_t imap_selected_exists(const struct imap *im)
{
	return im->s && im->selected && im->s->imap_selection_info ? im->s->imap_selection_info->sel_exists : 0;
}

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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The UIDs (sorted, unique) as a sequence set of ranges. */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = need(mailimap_set_new_empty());

	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR)
			need(NULL);
		i = j + 1;
	}
	return set;
}

/* "1:5,7,9": the UIDs (sorted, unique) as the text of a sequence set, for the commands libetpan cannot send
 * (UID EXPUNGE) or that we send ourselves (the FETCH sent ahead). */
static char *uid_set_text(const uint32_t *uids, size_t n)
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
	if (mailimap_fetch_type_new_fetch_att_list_add(ft, need(att)) != MAILIMAP_NO_ERROR)
		need(NULL);
}

/* UID SEARCH UID after+1:* → the UIDs above after_uid, ascending. "n:*" is "*:n" when n is above the highest
 * UID (RFC 3501 6.4.8), so the last message comes back even when it is old: filtered here. */
static enum imap_result search_new(struct imap *im, uint32_t after_uid, uint32_t **ret_uids, size_t *ret_n,
				   struct err *err)
{
	struct mailimap_search_key *key = need(mailimap_search_key_new_uid(need(mailimap_set_new_interval(
		after_uid + 1, 0))));
	clist *result = NULL;
	uint32_t *uids;
	size_t n = 0;
	int r = mailimap_uid_search(im->s, NULL, key, &result);

	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "UID SEARCH", err);
	uids = xmalloc(sizeof(*uids) * ((result ? clist_count(result) : 0) + 1));
	for (clistiter *it = result ? clist_begin(result) : NULL; it; it = clist_next(it)) {
		uint32_t u = *(uint32_t *)clist_content(it);

		if (u > after_uid)
			uids[n++] = u;
	}
	if (result)
		mailimap_search_result_free(result);
	qsort(uids, n, sizeof(*uids), cmp_u32);
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
	struct mailimap_fetch_type *ft = need(mailimap_fetch_type_new_fetch_att_list_empty());
	uint32_t *uids = xmalloc(sizeof(*uids) * n);
	struct mailimap_set *set;
	enum imap_result res = IMAP_OK;
	clist *result = NULL;
	int r;

	for (size_t i = 0; i < n; i++)
		uids[i] = msgs[v[i].msg].uid;
	set = uid_set(uids, n);
	add_att(ft, mailimap_fetch_att_new_uid());
	/* as in do_fetch_part: one octet more than allowed, so "too large" shows without reading more */
	add_att(ft, mailimap_fetch_att_new_body_peek_section_partial(make_section(v->sec), 0, INMAIL_MAX_SIZE + 1));
	log_debug("imap: UID FETCH of part %s of %zu message(s) ahead", v->sec, n);
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		res = fail(im, r, "UID FETCH", err);
		free(uids);
		return res == IMAP_UNREACHABLE ? res : IMAP_OK;
	}
	for (clistiter *it = clist_begin(result); it; it = clist_next(it)) {
		const struct mailimap_msg_att *att = clist_content(it);
		const struct mailimap_msg_att_body_section *bs = att_body(att);
		uint32_t uid = att_uid(att);
		const uint32_t *at = uid ? bsearch(&uid, uids, n, sizeof(*uids), cmp_u32) : NULL;
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

	pipe_restore(g);
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
	pipe_ignore(g);
	if (nv && ahead_settle(im, err) == IMAP_UNREACHABLE) {
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
 * (ahead_settle, from not_ready and steps 2 and 3) and keeps it for the next batch, so libetpan's parser, which
 * reads one response at a time, always reads the one it expects. */

/* The text of the header FETCH: "UID FETCH set (UID RFC822.SIZE INTERNALDATE [BODYSTRUCTURE] BODY.PEEK[…]<0.n>)".
 * 'fields' was checked by fields_ok (atoms only), so it cannot change the command. */
static char *batch_command(const uint32_t *uids, size_t n, const char *const *fields, int structure)
{
	char *set = uid_set_text(uids, n);
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

/* The FETCH sent ahead failed with libetpan code r: how, kept for ahead_take (fail may drop the connection,
 * and with it the state: the error is set after). */
static void ahead_failed(struct imap *im, int r)
{
	im->ahead_res = fail(im, r, "UID FETCH", &im->ahead_err);
	im->ahead = AHEAD_READ;
}

/* Sends a batch's header FETCH without waiting for its answer. A failure to send is kept for ahead_take. */
static void ahead_send(struct imap *im, const uint32_t *uids, size_t n, const char *const *fields, int structure)
{
	char *cmd = batch_command(uids, n, fields, structure);
	int r = mailimap_send_current_tag(im->s);

	log_debug("imap: UID FETCH of the headers of %zu message(s), UIDs %u to %u%s", n, uids[0], uids[n - 1],
		  structure ? ", with their structure" : "");
	if (r == MAILIMAP_NO_ERROR && send_line(im, cmd) < 0)
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
	r = response_end(resp, MAILIMAP_ERROR_UID_FETCH);
	mailimap_response_free(resp);
	if (r != MAILIMAP_NO_ERROR) {
		if (im->ahead_result)
			mailimap_fetch_list_free(im->ahead_result);
		im->ahead_result = NULL;
		ahead_failed(im, r);
	}
}

static void ahead_forget(struct imap *im)
{
	if (im->ahead_result)
		mailimap_fetch_list_free(im->ahead_result);
	im->ahead_result = NULL;
	im->ahead = AHEAD_NONE;
}

/* Before any other command: the answer to the FETCH sent ahead is read and kept. IMAP_UNREACHABLE when reading
 * it lost the connection (err says so). */
static enum imap_result ahead_settle(struct imap *im, struct err *err)
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
	if (ahead_settle(im, err) == IMAP_UNREACHABLE) {
		free(uids);
		return IMAP_UNREACHABLE;
	}
	ft = need(mailimap_fetch_type_new_fetch_att_list_empty());
	set = uid_set(uids, n);
	add_att(ft, mailimap_fetch_att_new_uid());
	add_att(ft, mailimap_fetch_att_new_bodystructure());
	log_debug("imap: UID FETCH of the structure of %zu of %zu message(s)", n, nm);
	r = mailimap_uid_fetch(im->s, set, ft, &result);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	free(uids);
	if (r != MAILIMAP_NO_ERROR)
		return fail(im, r, "UID FETCH", err);
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
		if (uid && bsearch(&uid, uids, n, sizeof(*uids), cmp_u32))
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
		pipe_restore(g);
		for (size_t i = 0; i < nm; i++)
			msgs[i].structure = w->want(&msgs[i], w->arg) != 0;
		pipe_ignore(g);
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
		pipe_restore(g);
		*ret_stop = w->cb(&msgs[i], w->arg) != 0;
		pipe_ignore(g);
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
	enum imap_result res = not_ready(im, 1, err);
	uint32_t *uids = NULL;
	size_t n = 0;
	int stop = 0;

	if (res != IMAP_OK)
		return res;
	if (fields_ok(fields, err) < 0)
		return IMAP_REFUSED;
	if (after_uid == UINT32_MAX)
		return IMAP_OK;
	pipe_ignore(&g);
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

		ahead_settle(im, &ignored);
	}
	ahead_forget(im);
	pipe_restore(&g);
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
		return need(mailimap_section_new_text());
	ids = need(clist_new());
	while (*p) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		uint32_t *id = need(malloc(sizeof(*id)));

		*id = (uint32_t)v;
		if (clist_append(ids, id) < 0)
			need(NULL);
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
		return need(mailimap_section_new_part_text(need(mailimap_section_part_new(ids))));
	if (header)
		return need(mailimap_section_new_part_header(need(mailimap_section_part_new(ids))));
	return need(mailimap_section_new_part(need(mailimap_section_part_new(ids))));
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
	struct mailimap_fetch_type *ft = need(mailimap_fetch_type_new_fetch_att_list_empty());
	struct mailimap_set *set = need(mailimap_set_new_single(msg->uid));
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
		return fail(im, r, "UID FETCH", err);
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
	if ((res = not_ready(im, 1, err)) != IMAP_OK)
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
	pipe_ignore(&g);
	res = do_fetch_part(im, msg, p, sec, err);
	pipe_restore(&g);
	return res;
}

/* ---- moving ---- */

static enum imap_result add_flag(struct imap *im, struct mailimap_set *set, struct mailimap_flag *flag,
				 struct err *err)
{
	struct mailimap_flag_list *fl = need(mailimap_flag_list_new_empty());
	struct mailimap_store_att_flags *sf;
	int r;

	if (mailimap_flag_list_add(fl, need(flag)) != MAILIMAP_NO_ERROR)
		need(NULL);
	sf = need(mailimap_store_att_flags_new_add_flags_silent(fl));
	r = mailimap_uid_store(im->s, set, sf);
	mailimap_store_att_flags_free(sf);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : fail(im, r, "UID STORE", err);
}

static enum imap_result move_once(struct imap *im, const uint32_t *uids, size_t n, const char *wire,
				  struct err *err)
{
	struct mailimap_set *set = uid_set(uids, n);
	enum imap_result res = IMAP_OK;
	int r;

	if (has_cap(im, "MOVE")) {
		r = mailimap_uid_move(im->s, set, wire);
		if (r != MAILIMAP_NO_ERROR)
			res = fail(im, r, "UID MOVE", err);
	} else {
		r = mailimap_uid_copy(im->s, set, wire);
		if (r != MAILIMAP_NO_ERROR)
			res = fail(im, r, "UID COPY", err);
		else if (!has_cap(im, "UIDPLUS"))
			/* without UID EXPUNGE the original stays; \Seen marks it as dealt with for the reader */
			res = add_flag(im, set, mailimap_flag_new_seen(), err);
		else if ((res = add_flag(im, set, mailimap_flag_new_deleted(), err)) == IMAP_OK) {
			/* UID EXPUNGE (RFC 4315) removes these messages only, never other \Deleted mail */
			char *text = uid_set_text(uids, n);
			char *cmd = xasprintf("UID EXPUNGE %s", text);

			r = mailimap_custom_command(im->s, cmd);
			if (r != MAILIMAP_NO_ERROR)
				res = fail(im, r, "UID EXPUNGE", err);
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

	res = learn_hierarchy(im, err);
	if (res != IMAP_OK)
		return res;
	if (folder_name(im, folder, &f, err) < 0)
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
	enum imap_result res = not_ready(im, 1, err);
	uint32_t *sorted;
	size_t m = 0;

	if (res != IMAP_OK || n == 0)
		return res;
	/* one command for the lot: on a Maildir server each MOVE costs a rescan of the mailbox, whatever its size */
	sorted = xmalloc(sizeof(*sorted) * n);
	memcpy(sorted, uids, sizeof(*sorted) * n);
	qsort(sorted, n, sizeof(*sorted), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (!m || sorted[i] != sorted[m - 1])
			sorted[m++] = sorted[i];
	pipe_ignore(&g);
	res = do_move(im, sorted, m, folder, err);
	pipe_restore(&g);
	free(sorted);
	return res;
}

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

enum imap_result imap_idle_start(struct imap *im, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = not_ready(im, 1, err);
	int r;

	if (res != IMAP_OK)
		return res;
	pipe_ignore(&g);
	r = mailimap_idle(im->s);
	pipe_restore(&g);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : fail(im, r, "IDLE", err);
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
int imap_idle_line_is_news(const char *line, size_t len)
{
	static const char *const quiet[] = { "OK", "NO", "CAPABILITY", "FLAGS", "LIST", "LSUB", "STATUS", "SEARCH",
					     "ESEARCH", "NAMESPACE", "ID", "ENABLED", "QUOTA", "QUOTAROOT", "METADATA" };
	size_t i, n;

	if (len < 3 || line[0] != '*' || line[1] != ' ')
		return 1;
	line += 2;
	len -= 2;
	if (memchr(line, '{', len))   /* a literal follows: libetpan's parser must read it */
		return 1;
	for (n = 0; n < len && line[n] != ' '; n++)
		;
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (strlen(quiet[i]) == n && strncasecmp(line, quiet[i], n) == 0)
			return 0;
	return 1;   /* "* 4 EXISTS", "* 2 EXPUNGE", "* 3 FETCH (…)", "* 1 RECENT", "* BYE", anything else */
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
				drop(im);   /* imap_fd says so */
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
	struct pipe_guard g;
	enum imap_result res = not_ready(im, 1, err);
	int r;

	if (res != IMAP_OK)
		return res;
	pipe_ignore(&g);
	r = mailimap_idle_done(im->s);
	pipe_restore(&g);
	return r == MAILIMAP_NO_ERROR ? IMAP_OK : fail(im, r, "IDLE DONE", err);
}

/* ---- NOTIFY (RFC 5465) ---- */

int imap_has_notify(const struct imap *im)
{
	return has_cap(im, "NOTIFY");
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

		if (folder_name(im, folders[i], &f, err) < 0 || folder_name_as(im, folders[i], 0, &u, err) < 0) {
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

	if (r == MAILIMAP_NO_ERROR && send_private(im, cmd) < 0)
		r = MAILIMAP_ERROR_STREAM;
	if (r != MAILIMAP_NO_ERROR)
		return r;
	if (!mailimap_read_line(im->s))
		return MAILIMAP_ERROR_STREAM;
	r = mailimap_parse_response(im->s, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return r;
	r = response_end(resp, MAILIMAP_ERROR_EXTENSION);
	if (r == MAILIMAP_NO_ERROR && ret_waiting)
		*ret_waiting = notify_waiting(resp, ret_statuses);
	mailimap_response_free(resp);
	return r;
}

enum imap_result imap_notify_set(struct imap *im, const char *const *folders, size_t n, int *ret_waiting,
				 struct err *err)
{
	struct pipe_guard g;
	enum imap_result res = not_ready(im, 0, err);
	char *cmd;
	int r, waiting = 0;

	if (res != IMAP_OK)
		return res;
	if (!imap_has_notify(im)) {
		err_set(err, "%s does not offer NOTIFY and UNSELECT", im->host);
		return IMAP_REFUSED;
	}
	pipe_ignore(&g);
	res = learn_hierarchy(im, err);
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
			res = fail(im, r, "NOTIFY", err);
		again = res == IMAP_OK && !utf8 && differ && (size_t)statuses < n && has_cap(im, "LITERAL+");
		im->notify_utf8 = utf8;
		if (again && (res = imap_connect(im, err)) == IMAP_OK)
			res = learn_hierarchy(im, err);
	}
	pipe_restore(&g);
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
	for (size_t i = 0; i < sizeof(quiet_count) / sizeof(quiet_count[0]); i++)
		if (strlen(quiet_count[i]) == n && strncasecmp(word, quiet_count[i], n) == 0)
			return 0;
	return 1;
}

int imap_notify_news(struct imap *im, int readable)
{
	/* every line is dropped, news too: the pass that follows reads the folders afresh, and a pass that cannot
	 * run now (no state lock) must not leave news behind to wake the loop again at once */
	return read_news(im, readable, imap_notify_line_is_news, 0, "a notification of no new mail: still waiting");
}
