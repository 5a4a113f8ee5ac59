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

SRCS      := $(sort $(wildcard daemon/*.c))
LIB_SRCS  := $(filter-out daemon/main.c daemon/cmd_%.c,$(SRCS))
OBJS      := $(SRCS:daemon/%.c=$(BUILD)/obj/%.o)
LIB_OBJS  := $(LIB_SRCS:daemon/%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all deps check unit demo install sanitize lint clean
all: $(BUILD)/tovholder

$(BUILD)/obj/%.o: daemon/%.c $(wildcard daemon/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libtovholder.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tovholder: $(filter-out $(LIB_OBJS),$(OBJS)) $(BUILD)/libtovholder.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/libtovholder.a $(wildcard daemon/*.h) | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtovholder.a \
	    $(LDLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/obj $(BUILD)/unit:
	mkdir -p $@

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

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tovholder/templates \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(SYSCONFDIR)/tovholder
	install -m 0755 $(BUILD)/tovholder $(DESTDIR)$(PREFIX)/bin/tovholder
	install -m 0644 templates/* $(DESTDIR)$(PREFIX)/share/tovholder/templates/
	install -m 0644 man/tovholder.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/tovholder.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 config/tovholder.conf config/schedule.ini config/roster.csv \
	    $(DESTDIR)$(PREFIX)/share/tovholder/

clean:
	rm -rf build build-san
