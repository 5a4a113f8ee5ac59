# tovholder — plain GNU make + pkg-config.
# make | make check | make demo | make install | make sanitize | make lint | make clean

PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc

PKGS      := libcurl libetpan libical sqlite3 inih libsystemd gnutls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      := -std=c11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wvla
ifdef CI
WARN      += -Werror
endif
ifdef WERROR
WARN      += -Werror
endif
CFLAGS    ?= -O2 -g
ALL_CFLAGS := $(WARN) $(CFLAGS) -D_GNU_SOURCE -Idaemon $(PKG_CFLAGS) \
              -DTOVHOLDER_DATADIR='"$(PREFIX)/share/tovholder"' \
              -DTOVHOLDER_SYSCONFDIR='"$(SYSCONFDIR)/tovholder"'
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

.PHONY: all deps check unit demo install sanitize lint clean
all: $(BUILD)/tovholder

$(BUILD)/obj/%.o: daemon/%.c $(wildcard daemon/*.h) $(BUILD)/flags | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libtovholder.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tovholder: $(filter-out $(LIB_OBJS),$(OBJS)) $(BUILD)/libtovholder.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libtovholder.a $(wildcard daemon/*.h) $(BUILD)/flags | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtovholder.a \
	    $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/obj $(BUILD)/unit:
	mkdir -p $@

$(BUILD)/flags: ;

unit: $(UNIT_BINS)

deps:
	@scripts/install-deps

# The whole suite: unit tests, then integration tests against a real Postfix + Dovecot
# started on 127.0.0.1. Ends with one line "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory all unit
	@tests/run-all $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo $(BUILD)/tovholder

sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check

lint:
	cppcheck --std=c11 --enable=warning,performance,portability --error-exitcode=1 \
	    --inline-suppr --quiet -Idaemon daemon

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc] [UNITDIR=$(PREFIX)/lib/systemd/system]
# The binary, the systemd units (ExecStart and the config paths rewritten to PREFIX and SYSCONFDIR), the
# sysusers.d entry for the user 'tovholder', the man pages, the default templates, and the example
# config, schedule and roster in $(PREFIX)/share/tovholder/examples. Nothing goes to SYSCONFDIR, so an
# admin's config is never overwritten, and nothing to /var: systemd creates the state directory. Without
# DESTDIR, as root, the user is created at once (with DESTDIR a package's scripts do that).
BINDIR      = $(PREFIX)/bin
TH_DATADIR  = $(PREFIX)/share/tovholder
MANDIR      = $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
UNITS       = tovholder.service tovholder@.service

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(TH_DATADIR)/templates $(DESTDIR)$(TH_DATADIR)/examples \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(BUILD)/tovholder $(DESTDIR)$(BINDIR)/tovholder
	install -m 0644 templates/* $(DESTDIR)$(TH_DATADIR)/templates/
	install -m 0644 man/tovholder.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/tovholder.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 config/tovholder.conf config/schedule.ini config/roster.csv \
	    $(DESTDIR)$(TH_DATADIR)/examples/
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

clean:
	rm -rf build build-san
