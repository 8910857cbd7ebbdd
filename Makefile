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
PKGS     := libpcre2-8 libhs libcurl zlib libsystemd

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

.PHONY: all check check-run unit golden compat logcheck equiv daemon flood torture demo deps clean bench lint lint-src lint-layout valgrind
all: $(BUILD)/logward

$(BUILD)/logward: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

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
	@$(MAKE) --no-print-directory fuzz-regress FUZZ_RESULTS=$(CURDIR)/$(BUILD)/results
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
