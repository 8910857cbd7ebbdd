# logward — GNU make + pkg-config.  See README.md.
#
#   make            build build/logward
#   make check      build and run every test suite (last line: N passed, N failed)
#   make demo       install missing build deps, build, run the bundled example
#   make SANITIZE=1 check   the same with ASan + UBSan
#   make CI=true    warnings are errors (set by .ci/run)

CC       ?= cc
PKG_CONFIG ?= pkg-config
BUILD    ?= build
PKGS     := libpcre2-8 libhs libcurl zlib libsystemd hiredis

VERSION  := 0.1.0
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 \
            -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
            -DLOGWARD_VERSION='"$(VERSION)"'
CFLAGS   += -Isrc $(shell $(PKG_CONFIG) --cflags $(PKGS))
LDLIBS   += $(shell $(PKG_CONFIG) --libs $(PKGS))

ifneq ($(filter true 1 yes,$(CI) $(WERROR)),)
CFLAGS   += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
BUILD    := build-san
endif

# Tests keep compiled rule databases inside the build tree, not in $HOME.
export LOGWARD_CACHE_DIR ?= $(CURDIR)/$(BUILD)/hscache

# src/STAGE/MODULE.c (doc/HACKING.md); objects mirror the folders.
SRCS     := $(sort $(wildcard src/*/*.c))
LIBSRCS  := $(filter-out src/cli/main.c,$(SRCS))
OBJS     := $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS  := $(LIBSRCS:src/%.c=$(BUILD)/%.o)
UNITSRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITBINS := $(UNITSRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check check-run unit golden compat logcheck equiv daemon flood torture demo deps clean bench lint lint-src lint-layout valgrind scale summary summary-screenshot install deb
all: $(BUILD)/logward

$(BUILD)/logward: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/liblogward.a: $(LIBOBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(BUILD)/liblogward.a | $(BUILD)/tests
	$(CC) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -o $@ $< \
	    $(LDFLAGS) $(BUILD)/liblogward.a $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

-include $(OBJS:.o=.d)

# Every suite appends "PASS name" / "FAIL name" lines to $(BUILD)/results;
# tests/lib/summary prints the totals as the last line.  make check first
# installs what the tests need (scripts/deps test: a no-op when present),
# so on a fresh Debian 12 machine it is the whole set-up.
check:
	@scripts/deps test
	@$(MAKE) --no-print-directory check-run

check-run: $(BUILD)/logward $(UNITBINS)
	@rm -f $(BUILD)/results
	@tests/lib/layout --results $(BUILD)/results $(BUILD)
	@tests/lib/run-unit $(BUILD) $(UNITBINS)
	@tests/golden/run $(BUILD)
	@tests/compat/run $(BUILD)
	@tests/cli/run $(BUILD)
	@tests/logcheck/run $(BUILD)
	@tests/equiv/run $(BUILD)
	@tests/daemon/run $(BUILD)
	@tests/torture/run $(BUILD)
	@tests/torture/run $(BUILD) --redis
	@tests/scale/run $(BUILD)
	@$(MAKE) --no-print-directory fuzz-regress FUZZ_RESULTS=$(CURDIR)/$(BUILD)/results
	@tests/summary/run $(BUILD)
	@tests/lib/summary $(BUILD)/results

unit: $(UNITBINS)
	@rm -f $(BUILD)/results; tests/lib/run-unit $(BUILD) $(UNITBINS); tests/lib/summary $(BUILD)/results
golden: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/golden/run $(BUILD); tests/lib/summary $(BUILD)/results
compat: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/compat/run $(BUILD); tests/lib/summary $(BUILD)/results

# The golden tests under valgrind (memcheck, leaks): any error fails the case.
valgrind: $(BUILD)/logward
	@rm -f $(BUILD)/results
	@LOGWARD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
	    tests/golden/run $(BUILD); tests/lib/summary $(BUILD)/results

logcheck: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/logcheck/run $(BUILD); tests/lib/summary $(BUILD)/results

equiv: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/equiv/run $(BUILD); tests/lib/summary $(BUILD)/results

# The long exactly-once torture: 200 kills, 200,000 lines (tests/torture/README.md).
torture: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/torture/run $(BUILD) --long; tests/lib/summary $(BUILD)/results

# Scale-out on Redis with chaos, long: 200,000 lines, 120 chaos actions
# (tests/scale/README.md); make check runs the short form.
scale: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/scale/run $(BUILD) --long; tests/lib/summary $(BUILD)/results

# The memory-cap floods with 10^7 distinct lines (make check runs 10^6, and
# 2*10^4 for the template store).
flood: $(BUILD)/logward
	@rm -f $(BUILD)/results; FLOOD_LINES=10000000 TEMPLATE_FLOOD_LINES=10000000 VERBOSE=1 tests/daemon/run $(BUILD) memory_cap_flood template_flood; tests/lib/summary $(BUILD)/results

# Scenario tests of the daemon with a real SMTP server (tests/daemon/).
daemon: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/daemon/run $(BUILD); tests/lib/summary $(BUILD)/results

# Benchmarks against the real logcheck and tenshi (bench/README.md); not part of check.
bench: $(BUILD)/logward
	bench/run $(BUILD)

deps:
	scripts/deps build

# logward summary: the service pack, the comparison with the real
# logwatch, disk, the HTML part in Chromium (tests/summary/).
summary: $(BUILD)/logward
	@rm -f $(BUILD)/results; tests/summary/run $(BUILD); tests/lib/summary $(BUILD)/results

# Refreshes doc/summary-html.png (the HTML part as Chromium shows it).
summary-screenshot: $(BUILD)/logward
	cd tests/summary && /usr/bin/python3 screenshot.py $(BUILD) $(CURDIR)/doc/summary-html.png

demo:
	scripts/deps build
	$(MAKE) --no-print-directory all
	@echo
	@echo '== logward check -c etc/logward.conf tests/data/loghub-openssh-LabSZ.log'
	@echo
	@$(BUILD)/logward check -c etc/logward.conf tests/data/loghub-openssh-LabSZ.log

# Banned unsafe functions (curl style), and the layout rules of
# doc/HACKING.md (folders, layers, file size, header comments, prefixes).
lint: lint-src lint-layout
lint-layout: $(BUILD)/logward
	@tests/lib/layout $(BUILD)
lint-src:
	@! grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets|strtok)\s*\(' src/*/*.c src/*/*.h

clean:
	rm -rf build build-san

# libFuzzer targets (tests/fuzz/README.md): make fuzz, make fuzz-regress
-include tests/fuzz/fuzz.mk

# make install [PREFIX=/usr/local] [DESTDIR=...]: the program, the man
# pages, the rule packs, a safe configuration (never over an existing
# one), the systemd units, the cron.d and logrotate examples.  Units and
# /etc go to SYSCONFDIR and UNITDIR, /etc and /lib/systemd/system for
# PREFIX=/usr (the Debian package), below PREFIX otherwise.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share/logward
DOCDIR     ?= $(PREFIX)/share/doc/logward
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
else
SYSCONFDIR ?= $(PREFIX)/etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
endif
PACKS      := $(wildcard etc/rules.d/*.conf) $(wildcard etc/summaries.d/*.conf)
UNITS      := etc/logward.service etc/dist/logward-check.service etc/dist/logward-check.timer

install: $(BUILD)/logward
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/logward \
	    $(DESTDIR)$(SYSCONFDIR)/cron.d $(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/logward $(DESTDIR)$(SBINDIR)/logward
	install -m 0644 doc/logward.8 $(DESTDIR)$(MANDIR)/man8/logward.8
	install -m 0644 doc/logward.conf.5 $(DESTDIR)$(MANDIR)/man5/logward.conf.5
	set -e; for f in $(PACKS); do d=$$(basename $$(dirname $$f)); \
	    install -d $(DESTDIR)$(DATADIR)/$$d; install -m 0644 $$f $(DESTDIR)$(DATADIR)/$$d/; done
	[ -e $(DESTDIR)$(SYSCONFDIR)/logward/logward.conf ] || \
	    install -m 0644 etc/dist/logward.conf $(DESTDIR)$(SYSCONFDIR)/logward/logward.conf
	[ -e $(DESTDIR)$(SYSCONFDIR)/cron.d/logward ] || \
	    install -m 0644 etc/dist/cron.d-logward $(DESTDIR)$(SYSCONFDIR)/cron.d/logward
	[ -e $(DESTDIR)$(SYSCONFDIR)/logrotate.d/logward ] || \
	    install -m 0644 etc/dist/logrotate.d-logward $(DESTDIR)$(SYSCONFDIR)/logrotate.d/logward
	set -e; for u in $(UNITS); do \
	    sed -e 's,/usr/sbin/logward,$(SBINDIR)/logward,g' \
	        -e 's,/etc/logward/,$(SYSCONFDIR)/logward/,g' $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u).tmp; \
	    chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u).tmp; \
	    mv $(DESTDIR)$(UNITDIR)/$$(basename $$u).tmp $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	install -m 0644 README.md doc/tenshi-differences.md $(DESTDIR)$(DOCDIR)/

# make deb: logward_VERSION_ARCH.deb with dpkg-buildpackage from debian/
# (debhelper), built in a copy of the tree under $(BUILD)/deb so nothing
# is written outside it; the .deb lands in $(BUILD).
DEB_ARCH   = $(shell dpkg --print-architecture)
DEBVERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
deb:
	@[ "$(DEBVERSION)" = "$(VERSION)" ] || { echo "debian/changelog says $(DEBVERSION), the Makefile $(VERSION)" >&2; exit 1; }
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/logward-$(VERSION)
	tar --exclude=./build --exclude=./build-san --exclude=./.git -cf - . | tar -xf - -C $(BUILD)/deb/logward-$(VERSION)
	cd $(BUILD)/deb/logward-$(VERSION) && dpkg-buildpackage -b -us -uc -j2
	cp $(BUILD)/deb/logward_$(VERSION)_$(DEB_ARCH).deb $(BUILD)/
	@echo "$(BUILD)/logward_$(VERSION)_$(DEB_ARCH).deb"
