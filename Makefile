# tovholder — plain GNU make + pkg-config.
# make | make check | make demo | make install | make deb | make sanitize | make lint | make clean

PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc

PKGS      := libcurl libetpan libical sqlite3 inih libsystemd gnutls json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Debian 12's libetpan.pc leaks its own build's "-specs=/usr/share/dpkg/no-pie-link.specs", which would make
# the program a non-PIE executable (lintian: hardening-no-pie): left out.
PKG_LIBS   := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))

WARN      := -std=c11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla
ifdef CI
WARN      += -Werror
endif
ifdef WERROR
WARN      += -Werror
endif
CFLAGS    ?= -O2 -g
# The version has one source, the first line of debian/changelog: "tovholder (1.0) bookworm; ...".
VERSION   := $(shell sed -n '1{s/^tovholder [(]//;s/[)].*//;p;}' debian/changelog)
ifeq ($(VERSION),)
$(error cannot read the version from the first line of debian/changelog)
endif
# Where the example config, schedule and roster are installed (the package: /usr/share/doc/tovholder/examples)
# and the documentation directory; both are named in the steps a fresh install prints (main.c).
EXAMPLESDIR ?= $(PREFIX)/share/tovholder/examples
DOCDIR    ?= $(PREFIX)/share/doc/tovholder
# CPPFLAGS: dpkg-buildflags puts _FORTIFY_SOURCE there.
ALL_CFLAGS := $(WARN) $(CPPFLAGS) $(CFLAGS) -D_GNU_SOURCE -Idaemon $(PKG_CFLAGS) \
              -DTOVHOLDER_VERSION='"$(VERSION)"' \
              -DTOVHOLDER_DATADIR='"$(PREFIX)/share/tovholder"' \
              -DTOVHOLDER_SYSCONFDIR='"$(SYSCONFDIR)/tovholder"' \
              -DTOVHOLDER_EXAMPLESDIR='"$(EXAMPLESDIR)"' \
              -DTOVHOLDER_DOCDIR='"$(DOCDIR)"'
LDLIBS    := $(PKG_LIBS)

# The flags are part of what an object is built from: PREFIX and SYSCONFDIR are compiled in, so a
# `make install PREFIX=/usr` after a plain `make` must rebuild rather than install a binary that looks
# for its templates under /usr/local. $(BUILD)/flags is rewritten only when they change.
BUILD_FLAGS := $(CC) $(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS)
ifneq ($(BUILD_FLAGS),$(file <$(BUILD)/flags))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/flags,$(BUILD_FLAGS))
endif

SRCS      := $(sort $(wildcard daemon/*.c))
LIB_SRCS  := $(filter-out daemon/main.c daemon/cmd_%.c,$(SRCS))
OBJS      := $(SRCS:daemon/%.c=$(BUILD)/obj/%.o)
LIB_OBJS  := $(LIB_SRCS:daemon/%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all deps check unit demo install deb sanitize san-build lint clean fuzz fuzz-build fuzz-smoke
all: $(BUILD)/tovholder

$(BUILD)/obj/%.o: daemon/%.c $(wildcard daemon/*.h) $(BUILD)/flags | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libtovholder.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tovholder: $(filter-out $(LIB_OBJS),$(OBJS)) $(BUILD)/libtovholder.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libtovholder.a $(wildcard daemon/*.h tests/unit/*.h) $(BUILD)/flags | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtovholder.a \
	    $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/obj $(BUILD)/unit:
	mkdir -p $@

$(BUILD)/flags: ;

unit: $(UNIT_BINS)

deps:
	@scripts/install-deps

# The whole suite, twice: unit tests, then integration tests against a real Postfix + Dovecot started on
# 127.0.0.1, with the build that ships (build/) and again with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer (build-san/); then a short run of every fuzz target. Ends with one line
# "N passed, N failed". CHECK_SANITIZE=0 leaves the sanitized suite out, FUZZ_SMOKE_SECONDS=0 the fuzzing.
CHECK_SANITIZE ?= 1
# The builds inside check and sanitize use every core, unless make was given its own -j.
PAR := $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))
check: deps
	@$(MAKE) --no-print-directory $(PAR) all unit
	@if [ "$(CHECK_SANITIZE)" != 0 ]; then $(MAKE) --no-print-directory $(PAR) san-build; fi
	@if [ "$(FUZZ_SMOKE_SECONDS)" != 0 ]; then $(MAKE) --no-print-directory $(PAR) fuzz-build >/dev/null; fi
	@FUZZ_DIR=$(if $(filter-out 0,$(FUZZ_SMOKE_SECONDS)),build-fuzz/fuzz) FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) \
	    FUZZ_TARGETS="$(FUZZ_TARGETS)" SAN_FLAGS="$(SAN_FLAGS)" \
	    tests/run-all $(BUILD) $(if $(filter-out 0,$(CHECK_SANITIZE)),--sanitized build-san)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo $(BUILD)/tovholder

# Only the sanitized half of make check: the whole suite (unit and integration tests) against build-san/,
# built with -O1 and the flags below. Every report aborts the process and also lands in
# build-san/sanitizer/, which must stay empty (tests/run-all); tests/sanitize.supp: leaks inside libraries.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

san-build:
	@$(MAKE) --no-print-directory BUILD=build-san CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all unit

sanitize: deps
	@$(MAKE) --no-print-directory $(PAR) san-build
	@SAN_FLAGS="$(SAN_FLAGS)" tests/run-all --sanitized build-san

# Static checks; both must be clean. cppcheck over the sources, the unit tests and the fuzz targets, with
# the few findings we accept listed and justified in .cppcheck/suppressions (.cppcheck/cmocka.cfg tells it
# that cmocka's fail() does not return). Then the clang static analyzer over the normal build (the program,
# not the unit tests, whose cmocka asserts it cannot follow) into build-lint/; the report stays there.
lint:
	cppcheck --std=c11 --library=posix --library=gnu --library=libcurl --library=.cppcheck/cmocka.cfg \
	    --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
	    --suppressions-list=.cppcheck/suppressions --quiet -D_GNU_SOURCE -Idaemon \
	    -DTOVHOLDER_VERSION='"$(VERSION)"' \
	    daemon tests/fuzz tests/unit $(wildcard tests/integration/*.c)
	rm -rf build-lint
	scan-build --status-bugs -o build-lint/scan-build $(MAKE) --no-print-directory $(PAR) BUILD=build-lint all

# libFuzzer targets, one per parser of outside input (tests/fuzz/README.md): built with clang into
# build-fuzz/, each run FUZZ_SECONDS from its corpus in tests/fuzz/corpus/. Any crash, leak or hang fails.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SAN  := $(SAN_FLAGS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(BUILD)/libtovholder.a | $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(BUILD)/libtovholder.a \
	    $(LDLIBS)

# The same target without libFuzzer, for any compiler: replays the files it is given (gdb, valgrind).
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(BUILD)/libtovholder.a | $(BUILD)/fuzz
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libtovholder.a $(LDLIBS)

$(BUILD)/fuzz:
	mkdir -p $@

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
	    CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" LDFLAGS="$(FUZZ_SAN)" \
	    $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)

# FUZZ_RUNS=N stops each target after N executions; FUZZ_RECORD=1 adds the runs to bench/results.json.
fuzz: fuzz-build
	@FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_RECORD=$(if $(filter 1,$(FUZZ_RECORD)),$(CURDIR)/bench/results.json) \
	    tests/fuzz/run build-fuzz/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# A short run of every target, for make check and CI.
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

# make bench: tovholder against mbsync, msmtp and smtp-source on one private loopback Postfix + Dovecot,
# as root (bench/README.md). Installs the peers, builds, prints the table and writes bench/results.json.
# BENCH_RUNS, BENCH_FAST_RUNS, BENCH_IDLE_SECONDS, BENCH_REPLIES, BENCH_REGION_*, BENCH_ROWS tune it (bench/run).
.PHONY: bench
bench:
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory all
	@bench/run $(BUILD)

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc] [UNITDIR=$(PREFIX)/lib/systemd/system]
# The binary, the systemd units (ExecStart and the config paths rewritten to PREFIX and SYSCONFDIR), the
# sysusers.d entry for the user 'tovholder', the man pages, the default templates, and the example
# config, schedule and roster in EXAMPLESDIR ($(PREFIX)/share/tovholder/examples). The man pages carry the
# version of debian/changelog. Nothing goes to SYSCONFDIR, so an
# admin's config is never overwritten, and nothing to /var: systemd creates the state directory. Without
# DESTDIR, as root, the user is created at once (with DESTDIR a package's scripts do that).
BINDIR      = $(PREFIX)/bin
TH_DATADIR  = $(PREFIX)/share/tovholder
MANDIR      = $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
UNITS       = tovholder.service tovholder@.service

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(TH_DATADIR)/templates $(DESTDIR)$(EXAMPLESDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BUILD)/tovholder $(DESTDIR)$(BINDIR)/tovholder
	install -m 0644 templates/* $(DESTDIR)$(TH_DATADIR)/templates/
	set -e; for m in man1/tovholder.1 man5/tovholder.conf.5; do \
	    sed '1s/"tovholder [^"]*"/"tovholder $(VERSION)"/' man/$${m#*/} >$(DESTDIR)$(MANDIR)/$$m; \
	    chmod 0644 $(DESTDIR)$(MANDIR)/$$m; \
	done
	install -m 0644 config/tovholder.conf config/schedule.ini config/roster.csv $(DESTDIR)$(EXAMPLESDIR)/
	install -m 0644 systemd/tovholder.sysusers $(DESTDIR)$(SYSUSERSDIR)/tovholder.conf
	set -e; for u in $(UNITS); do \
	    sed -e 's|^ExecStart=/usr/bin/tovholder |ExecStart=$(BINDIR)/tovholder |' \
	        -e 's|/etc/tovholder|$(SYSCONFDIR)/tovholder|g' systemd/$$u >$(DESTDIR)$(UNITDIR)/$$u; \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$u; \
	    grep -q '^ExecStart=$(BINDIR)/tovholder ' $(DESTDIR)$(UNITDIR)/$$u || \
	        { echo "install: ExecStart in systemd/$$u was not rewritten" >&2; exit 1; }; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v systemd-sysusers >/dev/null; then \
	    echo "systemd-sysusers $(SYSUSERSDIR)/tovholder.conf"; \
	    systemd-sysusers $(SYSUSERSDIR)/tovholder.conf; \
	elif [ -z "$(DESTDIR)" ]; then \
	    echo "note: create the service's user as root: systemd-sysusers $(SYSUSERSDIR)/tovholder.conf"; \
	fi

# make deb: the Debian package $(BUILD)/deb/tovholder_VERSION_ARCH.deb (debian/; README.Debian says how it
# is set up), checked by lintian, which must find no error and no warning (DEB_LINTIAN=0: not run).
# dpkg-buildpackage writes its results to the parent of the tree it builds, so it builds a copy in
# $(BUILD)/deb/tovholder-VERSION: the files git tracks, as they are in the work tree (uncommitted edits
# included, untracked files not), every mtime set to SOURCE_DATE_EPOCH, the time of the last commit (outside
# git: of debian/changelog). In a clean environment (env -i), so two builds of one commit are the same bytes.
# DEB_BUILD_OPTIONS=nocheck leaves out the unit tests.
DEB_DIR    = $(BUILD)/deb
DEB_LINTIAN ?= 1

deb:
	@scripts/install-deps --deb
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/tovholder-$(VERSION)
	set -e; if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	    sde=$$(git log -1 --format=%ct); \
	    git ls-files -z | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(DEB_DIR)/tovholder-$(VERSION); \
	else \
	    sde=$$(dpkg-parsechangelog -S Timestamp); \
	    tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C $(DEB_DIR)/tovholder-$(VERSION); \
	fi; \
	find $(DEB_DIR)/tovholder-$(VERSION) -exec touch -h -d @$$sde {} +; \
	cd $(DEB_DIR)/tovholder-$(VERSION) && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$$HOME" LC_ALL=C.UTF-8 \
	    SOURCE_DATE_EPOCH=$$sde DEB_BUILD_OPTIONS="$(DEB_BUILD_OPTIONS)" dpkg-buildpackage -us -uc -b -Jauto
	@if [ "$(DEB_LINTIAN)" != 0 ]; then \
	    echo "lintian --fail-on error,warning $(DEB_DIR)/*.changes"; \
	    lintian --fail-on error,warning $(DEB_DIR)/*.changes; \
	fi
	@ls $(DEB_DIR)/tovholder_$(VERSION)_*.deb

clean:
	rm -rf build build-san
