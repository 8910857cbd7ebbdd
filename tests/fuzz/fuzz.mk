# tests/fuzz/fuzz.mk — libFuzzer targets, see tests/fuzz/README.md.
# The main Makefile includes it (at its end):  -include tests/fuzz/fuzz.mk
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="conf ere"]
#                      build, then fuzz each target FUZZ_SECONDS; fails on
#                      a crash and prints where the reproducer is
#   make fuzz-regress  build, replay tests/fuzz/regress/NAME/* and the
#                      seeds once (no fuzzing; for make check).  Without
#                      clang it prints a SKIP line and succeeds.
#                      FUZZ_RESULTS=FILE appends PASS/FAIL lines to FILE
#                      (make check's results) instead of failing.
#   make fuzz-build    only build $(FUZZ_BUILD)/fuzz_NAME
#   make fuzz-clean
#
# Everything is built with clang, ASan and UBSan into $(FUZZ_BUILD)/,
# apart from build/ and build-san/.

FUZZ_MK      := $(lastword $(MAKEFILE_LIST))
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= conf record ere cron mime syslog tmpl
FUZZ_RESULTS ?=
FUZZ_PKG_CONFIG ?= $(or $(PKG_CONFIG),pkg-config)
FUZZ_PKGS    ?= $(or $(PKGS),libpcre2-8 libhs libcurl zlib libsystemd)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  ?= -O1 -g
FUZZ_CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 \
                -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
                -DLOGWARD_VERSION='"$(or $(VERSION),fuzz)"' $(FUZZ_SAN)
# clang's -Wformat=2 also flags vfprintf(fp, fmt, ap) in helpers without a
# format attribute (src/lib/log.c); gcc does not
FUZZ_CFLAGS  += -Wno-format-nonliteral
ifneq ($(filter true 1 yes,$(CI) $(WERROR)),)
FUZZ_CFLAGS  += -Werror
endif
# evaluated when a recipe runs, so plain builds never call pkg-config here
fuzz_pkg_cflags = $(shell $(FUZZ_PKG_CONFIG) --cflags $(FUZZ_PKGS))
fuzz_pkg_libs   = $(shell $(FUZZ_PKG_CONFIG) --libs $(FUZZ_PKGS))

FUZZ_LIBSRCS := $(filter-out src/cli/main.c,$(sort $(wildcard src/*/*.c)))
FUZZ_LIBOBJS := $(FUZZ_LIBSRCS:src/%.c=$(FUZZ_BUILD)/obj/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-regress fuzz-clean

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@tests/fuzz/run fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The SKIP line is for make check on machines without clang.  The build
# runs in a sub-make of this file alone (it needs nothing else), so it is
# only attempted when clang works.
fuzz-regress:
	@if tests/fuzz/run have-clang $(FUZZ_CC) $(FUZZ_BUILD); then \
	    $(MAKE) --no-print-directory -f $(FUZZ_MK) fuzz-build \
	        FUZZ_PKGS="$(FUZZ_PKGS)" VERSION="$(or $(VERSION),fuzz)" && \
	    tests/fuzz/run regress $(FUZZ_BUILD) "$(FUZZ_RESULTS)" $(FUZZ_TARGETS); \
	else \
	    echo "SKIP fuzz-regress: clang not installed (scripts/deps fuzz)"; \
	fi

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc $(fuzz_pkg_cflags) -fsanitize=fuzzer-no-link \
	    -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/liblogward.a: $(FUZZ_LIBOBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/liblogward.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(fuzz_pkg_cflags) -Isrc -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_BUILD)/liblogward.a $(fuzz_pkg_libs)

$(FUZZ_BUILD)/obj:
	mkdir -p $@

-include $(FUZZ_LIBOBJS:.o=.d)

# Included before the first target of the Makefile, this file must not
# take over the default goal.
ifeq ($(.DEFAULT_GOAL),fuzz-build)
.DEFAULT_GOAL := all
endif
