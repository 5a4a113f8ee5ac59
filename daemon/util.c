/* Small helpers shared by every module. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "tovholder: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return s;
}

char *util_trim(char *s)
{
	size_t start = 0, end = strlen(s);

	while (s[start] == ' ' || s[start] == '\t' || s[start] == '\r' || s[start] == '\n')
		start++;
	while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r' || s[end - 1] == '\n'))
		end--;
	/* one move, so a long run of white space costs linear time */
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}

char *util_lower(char *s)
{
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

int util_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_istarts(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int util_email_valid(const char *a)
{
	const char *at = strchr(a, '@');
	const char *dot;

	if (!at || at == a || strchr(at + 1, '@') || strlen(a) > 254 || at - a > 64)
		return 0;
	for (const char *p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c >= 127 || strchr("<>()[]\\,;:\"", c))
			return 0;
	}
	dot = strrchr(at + 1, '.');
	if (!dot || dot == at + 1 || !dot[1] || at[1] == '.' || strstr(at, ".."))
		return 0;
	if (a[0] == '.' || at[-1] == '.' || a[strlen(a) - 1] == '.')
		return 0;
	return 1;
}

int util_parse_mailbox(const char *s, char **ret_name, char **ret_addr)
{
	const char *lt = strchr(s, '<');
	char *name, *addr;

	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt)
			return -1;
		for (const char *p = gt + 1; *p; p++)
			if (*p != ' ' && *p != '\t')
				return -1; /* text after '>' is not part of a mailbox */
		name = util_trim(xstrndup(s, (size_t)(lt - s)));
		addr = util_lower(util_trim(xstrndup(lt + 1, (size_t)(gt - lt - 1))));
	} else {
		name = xstrdup("");
		addr = util_lower(util_trim(xstrdup(s)));
	}
	/* a quoted display name: "Lund, Karin" */
	size_t nl = strlen(name);
	if (nl >= 2 && name[0] == '"' && name[nl - 1] == '"') {
		memmove(name, name + 1, nl - 2);
		name[nl - 2] = '\0';
	}
	if (!util_email_valid(addr)) {
		free(name);
		free(addr);
		return -1;
	}
	*ret_name = name;
	*ret_addr = addr;
	return 0;
}

const char *util_email_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

int util_days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

void util_local_date(time_t t, char out[11])
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (!strftime(out, 11, "%Y-%m-%d", &tm))
		out[0] = '\0';
}

int util_parse_date(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &yy, &mm, &dd, &n) != 3 || n != 10)
		return -1;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
			return -1;
	if (yy < 1970 || yy > 2999 || mm < 1 || mm > 12 || dd < 1 || dd > util_days_in_month(yy, mm))
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

static int parse_hhmm(const char *s, size_t len, int *ret)
{
	int h, mi;

	if (len == 4 && isdigit((unsigned char)s[0]) && (s[1] == ':' || s[1] == '.')) {
		h = s[0] - '0';
		s += 2;
	} else if (len == 5 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
		   (s[2] == ':' || s[2] == '.')) {
		h = (s[0] - '0') * 10 + s[1] - '0';
		s += 3;
	} else {
		return -1;
	}
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -1;
	mi = (s[0] - '0') * 10 + s[1] - '0';
	if (h > 23 || mi > 59)
		return -1;
	*ret = h * 60 + mi;
	return 0;
}

int util_parse_timespan(const char *s, int *ret_start, int *ret_end)
{
	const char *dash = strchr(s, '-');
	int a, b;

	if (!dash)
		return -1;
	const char *e = dash;
	while (e > s && e[-1] == ' ')
		e--;
	const char *f = dash + 1;
	while (*f == ' ')
		f++;
	size_t flen = strlen(f);
	while (flen && f[flen - 1] == ' ')
		flen--;
	if (parse_hhmm(s, (size_t)(e - s), &a) < 0 || parse_hhmm(f, flen, &b) < 0 || b <= a)
		return -1;
	*ret_start = a;
	*ret_end = b;
	return 0;
}

int util_weekday(int y, int m, int d)
{
	/* Sakamoto's method: 0 = Sunday; shifted to ISO 0 = Monday. */
	static const int t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y -= 1;
	int w = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
	return (w + 6) % 7;
}

time_t util_parse_utc(const char *s)
{
	struct tm tm = { 0 };
	char *end;
	long long v;

	if (!s || !*s)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end == '\0')
		return (time_t)v;
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	return timegm(&tm);
}

time_t util_now(void)
{
	static time_t fake_base = -1;
	static struct timespec started;
	const char *fake;
	struct timespec now;

	if (fake_base == -1) {
		fake = getenv("TOVHOLDER_NOW");
		fake_base = fake && *fake ? util_parse_utc(fake) : -1;
		if (fake_base == -1)
			fake_base = -2;
		clock_gettime(CLOCK_MONOTONIC, &started);
	}
	if (fake_base < 0)
		return time(NULL);
	/* the fake clock runs from the given instant at the real pace, so a running service sees time pass */
	clock_gettime(CLOCK_MONOTONIC, &now);
	return fake_base + (now.tv_sec - started.tv_sec);
}

char *util_read_file(const char *path, size_t cap, size_t *ret_len, struct err *err)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	size_t len = 0, alloc = 0;

	if (!f) {
		err_set(err, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (alloc - len < 4096) {
			alloc = alloc ? 2 * alloc : 8192;
			data = xrealloc(data, alloc + 1);
		}
		size_t n = fread(data + len, 1, alloc - len, f);
		len += n;
		if (len > cap) {
			err_set(err, "'%s' is larger than %zu bytes", path, cap);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		err_set(err, "cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	data[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return data;
fail:
	fclose(f);
	free(data);
	return NULL;
}

int util_write_temp(const char *path, const char *data, size_t len, int mode, char **ret_tmp, struct err *err)
{
	/* mkostemp: a name nobody can guess, created with O_EXCL, so a symlink or file planted beside the target
	 * is never followed or truncated */
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC), rc = -1, made = fd >= 0;
	mode_t mask;

	if (!made) {
		err_set(err, "cannot create a temporary file beside '%s': %s", path, strerror(errno));
		goto out;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, (mode_t)mode & ~mask) < 0) {
		err_set(err, "cannot set the mode of '%s': %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno != EINTR) {
			err_set(err, "cannot write '%s': %s", tmp, strerror(errno));
			goto out;
		}
		off += n > 0 ? (size_t)n : 0;
	}
	if (fsync(fd) < 0) {
		err_set(err, "cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	rc = close(fd); /* not retried: Linux frees the descriptor even when close fails */
	fd = -1;
	if (rc < 0)
		err_set(err, "cannot write '%s': %s", tmp, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && made)
		unlink(tmp);
	if (rc < 0)
		free(tmp);
	else
		*ret_tmp = tmp;
	return rc;
}

int util_write_file(const char *path, const char *data, size_t len, int mode, struct err *err)
{
	char *tmp;
	int rc;

	if (util_write_temp(path, data, len, mode, &tmp, err) < 0)
		return -1;
	/* rename() replaces the target itself, never what a symlink there points to */
	if ((rc = rename(tmp, path)) < 0) {
		err_set(err, "cannot write '%s': %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

char *util_path_join(const char *base_dir, const char *path)
{
	if (path[0] == '/' || !base_dir || !*base_dir)
		return xstrdup(path);
	return xasprintf("%s/%s", base_dir, path);
}

char *util_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *util_random_hex(size_t n)
{
	unsigned char raw[64];
	char *hex = xmalloc(2 * n + 1);

	if (n > sizeof(raw))
		n = sizeof(raw);
	for (size_t got = 0; got < n;) {
		ssize_t r = getrandom(raw + got, n - got, 0);
		if (r < 0) {
			fprintf(stderr, "tovholder: getrandom failed\n");
			abort();
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", raw[i]);
	hex[2 * n] = '\0';
	return hex;
}
