/* IMAP client on libetpan, with our own TCP connect (for a timeout and IPv6 literals) and our own certificate
 * check on GnuTLS: libetpan's GnuTLS build accepts any certificate. The core of module imap: SIGPIPE, the url,
 * the connection and its certificate check, the commands we write ourselves, SELECT. Logging in is in
 * imap_auth.c, folders and moving in imap_folders.c, fetching in imap_fetch.c, IDLE and NOTIFY in imap_idle.c. */
#include "imap_int.h"
#include "buf.h"
#include "log.h"
#include "util.h"

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
#define CAPS_MAX     4096 /* octets of the capability string */

void *imap_need(void *p)
{
	if (!p) {
		fputs("tovholder: out of memory\n", stderr);
		abort();
	}
	return p;
}

/* ---- SIGPIPE ---- */

void imap_pipe_ignore(struct pipe_guard *g)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	g->saved = sigaction(SIGPIPE, &ign, &g->old) == 0;
}

void imap_pipe_restore(struct pipe_guard *g)
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
			imap_need(NULL);
		if (gnutls_x509_crt_import(crts[n], &d, GNUTLS_X509_FMT_DER) < 0) {
			gnutls_x509_crt_deinit(crts[n]);
			err_set(err, "%s sent a certificate that cannot be read", im->host);
			goto out;
		}
		n++;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		imap_need(NULL);
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

void imap_drop(struct imap *im)
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
	imap_ahead_forget(im);
}

void imap_server_text(const struct imap *im, char *out, size_t outsz)
{
	const char *t = im->s && im->s->imap_response ? im->s->imap_response : "";
	size_t n = 0;

	for (; *t && n + 1 < outsz; t++)
		out[n++] = (unsigned char)*t < 0x20 || *t == 0x7F ? ' ' : *t;
	out[n] = '\0';
}

int imap_temporary_code(const struct imap *im)
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

enum imap_result imap_fail(struct imap *im, int r, const char *what, struct err *err)
{
	char text[160];

	imap_server_text(im, text, sizeof(text));
	if (r == MAILIMAP_ERROR_PARSE && peer_closed(im))
		r = MAILIMAP_ERROR_STREAM;
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		err_set(err, "connection to %s lost during %s (or no answer within %d s)", im->host, what, IMAP_TIMEOUT);
		imap_drop(im);
		return IMAP_UNREACHABLE;
	case MAILIMAP_ERROR_FATAL:
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		/* BYE: shutting down, overloaded, idle too long */
		err_set(err, "%s closed the connection during %s%s%s", im->host, what, text[0] ? ": " : "", text);
		imap_drop(im);
		return IMAP_UNREACHABLE;
	case MAILIMAP_ERROR_MEMORY:
		err_set(err, "out of memory during %s", what);
		imap_drop(im);
		return IMAP_UNREACHABLE;
	case MAILIMAP_ERROR_PARSE:
		err_set(err, "cannot understand the answer of %s to %s", im->host, what);
		imap_drop(im);
		return IMAP_REFUSED;
	default:
		err_set(err, "%s refused by %s%s%s", what, im->host, text[0] ? ": " : "", text);
		if (imap_temporary_code(im)) {
			imap_drop(im);
			return IMAP_UNREACHABLE;
		}
		return IMAP_REFUSED;
	}
}

enum imap_result imap_not_ready(struct imap *im, int need_selected, struct err *err)
{
	if (imap_ahead_settle(im, err) == IMAP_UNREACHABLE)
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

int imap_has_cap(const struct imap *im, const char *name)
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
		return imap_fail(im, r, "CAPABILITY", err);
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
	if (!imap_has_cap(im, "STARTTLS")) {
		err_set(err, "%s does not offer STARTTLS: use imaps:// if it has TLS on another port", im->host);
		imap_drop(im);
		return IMAP_REFUSED;
	}
	r = mailimap_starttls(im->s);
	/* Bytes buffered after the answer came in clear but would be read as if protected (CVE-2020-15953).
	 * Debian's libetpan refuses them itself, as a plain STARTTLS failure: look first, to say why. */
	if (im->s->imap_stream && im->s->imap_stream->read_buffer_len) {
		err_set(err, "%s sent data after its STARTTLS answer: refusing a tampered connection", im->host);
		imap_drop(im);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR) {
		res = imap_fail(im, r, "STARTTLS", err);
		/* never go on in clear, not even to say LOGOUT */
		imap_drop(im);
		return res;
	}
	low = mailstream_get_low(im->s->imap_stream);
	tls = mailstream_low_tls_open_with_callback_timeout(mailstream_low_get_fd(low), IMAP_TIMEOUT, tls_setup, im);
	if (!tls) {
		err_set(err, "TLS handshake with %s failed after STARTTLS", im->host);
		imap_drop(im);
		return IMAP_REFUSED;
	}
	mailstream_low_free(low);
	mailstream_set_low(im->s->imap_stream, tls);
	if (verify_peer(im, im->s->imap_stream, err) < 0) {
		imap_drop(im);
		return IMAP_REFUSED;
	}
	return refresh_caps(im, err);
}

int imap_send_line(struct imap *im, const char *s)
{
	mailstream *st = im->s->imap_stream;

	return mailstream_write(st, s, strlen(s)) < 0 || mailstream_write(st, "\r\n", 2) < 0 ||
		       mailstream_flush(st) < 0 ? -1 : 0;
}

int imap_send_private(struct imap *im, const char *s)
{
	int rc;

	mailstream_set_privacy(im->s->imap_stream, 0);
	rc = imap_send_line(im, s);
	mailstream_set_privacy(im->s->imap_stream, 1);
	return rc;
}

int imap_response_end(const struct mailimap_response *resp, int refused)
{
	const struct mailimap_response_done *done = resp->rsp_resp_done;

	if (done && done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	    done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type == MAILIMAP_RESP_COND_STATE_OK)
		return MAILIMAP_NO_ERROR;
	return done && done->rsp_type == MAILIMAP_RESP_DONE_TYPE_FATAL ? MAILIMAP_ERROR_FATAL : refused;
}

/* Greeting and STARTTLS, then login. The stream is attached to im->s. */
static enum imap_result open_session(struct imap *im, mailstream *stream, struct err *err)
{
	enum imap_result res;
	int r = mailimap_connect(im->s, stream);

	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED)
		return imap_fail(im, r, "the greeting", err);
	if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		/* a PREAUTH greeting leaves no state in which STARTTLS is allowed: it would stay in clear */
		if (im->starttls) {
			err_set(err, "%s logged us in before STARTTLS (PREAUTH): refusing an unprotected session",
				im->host);
			imap_drop(im);
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
	res = imap_login(im, err);
	if (res != IMAP_OK)
		return res;
	return refresh_caps(im, err);
}

static enum imap_result do_connect(struct imap *im, struct err *err)
{
	mailstream *stream;
	int fd;

	imap_drop(im);
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
		stream = imap_need(mailstream_socket_open_timeout(fd, IMAP_TIMEOUT));
	}
	im->s = imap_need(mailimap_new(0, NULL));
	mailimap_set_timeout(im->s, IMAP_TIMEOUT);
	return open_session(im, stream, err);
}

enum imap_result imap_connect(struct imap *im, struct err *err)
{
	struct pipe_guard g;
	enum imap_result res;

	imap_pipe_ignore(&g);
	log_debug("imap: connecting to %s port %u (%s)", im->host, (unsigned)im->port,
		  im->implicit ? "TLS" : im->starttls ? "STARTTLS" : "plain");
	res = do_connect(im, err);
	imap_pipe_restore(&g);
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
		imap_pipe_ignore(&g);
		mailimap_logout(im->s); /* closes the stream whatever the answer */
		imap_pipe_restore(&g);
	}
	imap_drop(im);
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
		res = imap_learn_hierarchy(im, err);
		if (res != IMAP_OK)
			return res;
	}
	if (imap_folder_name(im, mailbox, &f, err) < 0)
		return IMAP_REFUSED;
	/* Still selected (the service's inbox, between its IDLEs): a NOOP makes the server take in new mail as
	 * SELECT does, without reopening the mailbox (on a 10,000-mail Maildir, SELECT cost Dovecot 10-17 ms of
	 * each reply's way to the record: bench/, row 3). UIDNEXT is then unknown: the caller searches. */
	if (im->selected && im->selected_wire && strcmp(im->selected_wire, f.wire) == 0 &&
	    im->s->imap_selection_info && im->s->imap_selection_info->sel_uidvalidity) {
		free(f.wire);
		r = mailimap_noop(im->s);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(im, r, "NOOP", err);
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
	if (r == MAILIMAP_ERROR_SELECT && !imap_temporary_code(im)) {
		imap_server_text(im, text, sizeof(text));
		err_set(err, "mailbox '%s' cannot be opened on %s%s%s", mailbox, im->host, text[0] ? ": " : "", text);
		return IMAP_REFUSED;
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(im, r, "SELECT", err);
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
	enum imap_result res = imap_not_ready(im, 0, err);

	if (res != IMAP_OK)
		return res;
	imap_pipe_ignore(&g);
	res = do_select(im, mailbox, ret_uidvalidity, ret_uidnext, err);
	imap_pipe_restore(&g);
	return res;
}

uint32_t imap_selected_exists(const struct imap *im)
{
	return im->s && im->selected && im->s->imap_selection_info ? im->s->imap_selection_info->sel_exists : 0;
}
