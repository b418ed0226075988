# spinetap - build, test, install. `make help` lists the targets.
#
# Variables users set:  PREFIX DESTDIR CC CFLAGS LDFLAGS SANITIZE=address,undefined
#                       WERROR=1 (CI)  FUZZ_SECONDS=N  BENCH_*
# Objects of a sanitized build live in build-san/ so the two never mix.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
PKG_CONFIG ?= pkg-config
PKGS     := libpcap sqlite3 libmicrohttpd ncursesw yaml-0.1

BUILD    := build$(if $(SANITIZE),-san)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wwrite-strings -Wvla -Wundef -Wcast-align \
            -Wimplicit-fallthrough -Wno-unused-parameter -Wno-format-nonliteral
SANFLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all)
BASE_CFLAGS := -std=c11 -O2 -g -D_GNU_SOURCE -pthread $(WARN) $(if $(WERROR),-Werror) \
            -Idissectors -Isrc -I$(BUILD) $(SANFLAGS) -MMD -MP
ALL_CFLAGS  := $(BASE_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := -pthread $(SANFLAGS) $(LDFLAGS)
LIBS     := $(PKG_LIBS) -lm

DISSECT_SRC := $(wildcard dissectors/*.c)
GEN_SRC     := $(filter-out src/gen_main.c,$(wildcard src/gen_*.c))
CORE_SRC    := $(filter-out src/main.c src/gen_main.c $(GEN_SRC),$(wildcard src/*.c))
DISSECT_OBJ := $(DISSECT_SRC:%.c=$(BUILD)/%.o)
CORE_OBJ    := $(CORE_SRC:%.c=$(BUILD)/%.o)
GEN_OBJ     := $(GEN_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

SPINETAP := $(BUILD)/spinetap
GEN      := $(BUILD)/spinetap-gen
PROGS    := $(SPINETAP) $(GEN)
MANPAGES := $(wildcard man/*.[1-8])

.PHONY: all run test unit check deps deps-test install uninstall clean help bench fuzz demo format
.DEFAULT_GOAL := all

all: $(PROGS)
ifeq ($(SANITIZE),)
	@ln -sf $(SPINETAP) spinetap; ln -sf $(GEN) spinetap-gen
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libspinetap.a: $(DISSECT_OBJ) $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SPINETAP): $(BUILD)/src/main.o $(GEN_OBJ) $(BUILD)/libspinetap.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(GEN): $(BUILD)/src/gen_main.o $(GEN_OBJ) $(BUILD)/libspinetap.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libspinetap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) $(TEST_LDFLAGS) -o $@ $< $(BUILD)/libspinetap.a $(LIBS)

# The allocation counter wraps the allocator of spinetap's own objects.
$(BUILD)/tests/test_noalloc: TEST_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

## run: install what is missing (as root), build, decode and analyze the bundled origin-lab sample
run: deps
	@$(MAKE) --no-print-directory all
	./spinetap decode -c samples/origin-lab.yaml samples/origin-lab.pcap
	./spinetap analyze -c samples/origin-lab.yaml spine1-l1=samples/origin-lab.pcap
	@echo "(results in ./spinetap.db: try  sqlite3 spinetap.db 'SELECT * FROM paths')"

## test: install what tests need (as root), build, run every test; ends with "N passed, N failed"
test: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@SPINETAP=$(abspath $(SPINETAP)) GEN=$(abspath $(GEN)) BUILD=$(abspath $(BUILD)) \
	  SANITIZE='$(SANITIZE)' sh tests/run.sh

unit: $(UNIT_BIN)

## bench: benchmarks as ratios against a bare libpcap loop, tcpdump and tshark (bench/run.sh)
bench: all
	@SPINETAP=$(abspath $(SPINETAP)) GEN=$(abspath $(GEN)) sh bench/run.sh

## demo: (root) a live uSID fabric in namespaces, captured and judged (tests/fabric/demo.sh)
demo: all
	@SPINETAP=$(abspath $(SPINETAP)) GEN=$(abspath $(GEN)) sh tests/fabric/demo.sh

## fuzz: libFuzzer targets (tests/fuzz/fuzz.mk), FUZZ_SECONDS each
FUZZ_SECONDS ?= 60
-include tests/fuzz/fuzz.mk

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(SPINETAP) $(GEN) $(DESTDIR)$(BINDIR)/
	for m in $(MANPAGES); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/spinetap $(DESTDIR)$(BINDIR)/spinetap-gen
	for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build build-san spinetap spinetap-gen

format:
	clang-format -i dissectors/*.[ch] src/*.[ch] tests/unit/*.[ch]

help:
	@echo "spinetap make targets:"
	@echo "  make            build spinetap and spinetap-gen (into $(BUILD)/, linked at ./)"
	@echo "  make run        install missing Debian packages (root), build, run on the bundled sample"
	@echo "  make test       install test packages (root), build, run every test"
	@echo "  make unit       build the unit-test programs only"
	@echo "  make bench      benchmarks: Mpps ratios against libpcap, tcpdump and tshark"
	@echo "  make fuzz       run every libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "  make demo       (root) a live uSID fabric in namespaces, captured and judged"
	@echo "  make install    install binaries and man pages under DESTDIR/PREFIX ($(PREFIX))"
	@echo "  make uninstall  remove what install put there"
	@echo "  make clean      remove build outputs"
	@echo "variables: SANITIZE=address,undefined  WERROR=1  PREFIX=  DESTDIR=  CFLAGS=  LDFLAGS="

-include $(wildcard $(BUILD)/dissectors/*.d $(BUILD)/src/*.d $(BUILD)/tests/*.d)
