/* Unit tests for ctx.c's lock next to the state file: it keeps a second process out, and taking and releasing
 * it does not look like an edit to 'tovholder run', which watches the same directory for its config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctx.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *state_path;
	struct ctx ctx;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctx.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->state_path = xasprintf("%s/state.db", f->dir);
	ctx_init(&f->ctx, NULL, 0);
	f->ctx.cfg.state_path = f->state_path; /* all ctx_lock reads of the config */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *lock = xasprintf("%s.lock", f->state_path);

	ctx_unlock(&f->ctx);
	unlink(lock);
	rmdir(f->dir);
	free(lock);
	free(f->state_path);
	free(f);
	return 0;
}

/* What ctx_lock(wait=0) returns in another process, for the same state file. */
static int lock_elsewhere(char *state_path)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ctx other;

		ctx_init(&other, NULL, 0);
		other.cfg.state_path = state_path;
		_exit(ctx_lock(&other, 0));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* While we hold the lock, another process cannot take it without waiting; once released, it can. */
static void test_lock_excludes(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ctx_lock(&f->ctx, 0), 0);
	assert_int_equal(ctx_lock(&f->ctx, 0), 0); /* held already: a no-op */
	assert_int_equal(lock_elsewhere(f->state_path), EX_TEMPFAIL);
	ctx_unlock(&f->ctx);
	assert_int_equal(lock_elsewhere(f->state_path), 0);
}

/* The lock file is made on the first lock, private to its owner. */
static void test_lock_file_mode(void **state)
{
	struct fixture *f = *state;
	char *lock = xasprintf("%s.lock", f->state_path);
	struct stat st;

	assert_int_equal(ctx_lock(&f->ctx, 1), 0);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(lock);
}

/* 'tovholder run' reloads when a file in its config's directory is closed after writing (IN_CLOSE_WRITE), and
 * the state (so its lock) usually lives in that directory. The lock taken and released around every look at the
 * inbox must not be such an event: it woke the idle service once more after each look. */
static void test_lock_is_not_an_edit(void **state)
{
	struct fixture *f = *state;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	assert_true(ifd >= 0);
	assert_true(inotify_add_watch(ifd, f->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE) >= 0);
	for (int i = 0; i < 3; i++) { /* the first creates the file, the others find it */
		assert_int_equal(ctx_lock(&f->ctx, 1), 0);
		ctx_unlock(&f->ctx);
	}
	ssize_t n = read(ifd, buf, sizeof(buf));
	if (n > 0) {
		const struct inotify_event *ev = (const struct inotify_event *)buf;
		fail_msg("taking the lock made an inotify event (mask %#x) for '%s'", ev->mask, ev->len ? ev->name : "");
	}
	close(ifd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_is_not_an_edit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
