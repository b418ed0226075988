# tests/fuzz/fuzz.mk - fuzz targets, included by the Makefile (STYLE.md habit 11).
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="eth ipv6"]
#       build every libFuzzer target with clang (-fsanitize=fuzzer,address,
#       undefined) under $(BUILD)/fuzz/ and run each for N seconds, one after
#       the other, niced; prints executions and coverage (cov, ft) per target.
#       New inputs go to $(BUILD)/fuzz/work/<target>/, crashes to
#       $(BUILD)/fuzz/crashes/<target>/ (copy them to tests/fuzz/regress/<target>/
#       once fixed).
#   make fuzz-merge
#       minimise corpus + work + seeds into tests/fuzz/corpus/<target>/ (minimize.py:
#       -merge=1, then a greedy set cover of the edges reached).
#   make fuzz-replay
#       the plain replay programs $(BUILD)/fuzz/replay_<target> (normal compiler,
#       SANITIZE honoured): what `make test` runs (tests/t_fuzz_replay.sh).
#
# The library is compiled a second time for libFuzzer, with
# -fsanitize=fuzzer-no-link, into $(BUILD)/fuzz/obj/.

FUZZ_ALL     := eth sll null ipv4 ipv6 usid udp grh pfc pipeline config
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_CC      ?= clang
FUZZ_DIR     := tests/fuzz
FUZZ_OUT     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -O1 -g -D_GNU_SOURCE -pthread -Idissectors -Isrc -I$(BUILD) -I$(FUZZ_DIR) \
                $(PKG_CFLAGS) $(FUZZ_SAN) -MMD -MP
FUZZ_LIB_OBJ := $(DISSECT_SRC:%.c=$(FUZZ_OUT)/obj/%.o) $(CORE_SRC:%.c=$(FUZZ_OUT)/obj/%.o)
FUZZ_REPLAY  := $(FUZZ_ALL:%=$(FUZZ_OUT)/replay_%)
FUZZ_HDRS    := $(FUZZ_DIR)/fuzz_common.h

# Dictionaries per target: the protocols each one can reach.
FUZZ_DICT_eth      := eth ipv4 ipv6 roce pfc grh
FUZZ_DICT_sll      := eth ipv4 ipv6 roce
FUZZ_DICT_null     := ipv4 ipv6 roce
FUZZ_DICT_ipv4     := ipv4 ipv6 roce
FUZZ_DICT_ipv6     := ipv6 ipv4 roce eth
FUZZ_DICT_usid     := usid ipv6
FUZZ_DICT_udp      := roce
FUZZ_DICT_grh      := grh roce
FUZZ_DICT_pfc      := pfc
FUZZ_DICT_pipeline := pcap eth ipv6 roce
FUZZ_DICT_config   := yaml
# Largest input per target (bytes).
FUZZ_MAXLEN_pipeline := 32768
FUZZ_MAXLEN_config   := 8192
FUZZ_MAXLEN          := 4096

.PHONY: fuzz fuzz-build fuzz-merge fuzz-replay
PYTHON ?= /usr/bin/python3

$(FUZZ_OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUT)/libspinetap-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_OUT)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_OUT)/libspinetap-fuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OUT)/libspinetap-fuzz.a $(LIBS)

$(FUZZ_OUT)/dict/%.dict: $(wildcard $(FUZZ_DIR)/dict/*.dict)
	@mkdir -p $(dir $@)
	@cat $(patsubst %,$(FUZZ_DIR)/dict/%.dict,$(FUZZ_DICT_$*)) > $@

# Replay programs: the normal compiler and flags, so SANITIZE=address,undefined applies.
$(FUZZ_OUT)/replay_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/driver.c $(FUZZ_HDRS) $(BUILD)/libspinetap.a
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -I$(FUZZ_DIR) $(ALL_LDFLAGS) -o $@ $< \
	  $(FUZZ_DIR)/driver.c $(BUILD)/libspinetap.a $(LIBS)

# Seeds (not committed): single frames and small files cut from samples/ and the public captures.
$(FUZZ_OUT)/seeds/.made: $(FUZZ_DIR)/make_seeds.py
	@mkdir -p $(dir $@)
	SHARED=$${SHARED:-$(abspath ..)/shared} $(or $(PYTHON),python3) $< $(dir $@) && touch $@

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%) $(FUZZ_TARGETS:%=$(FUZZ_OUT)/dict/%.dict) \
            $(FUZZ_OUT)/seeds/.made

fuzz-replay: $(FUZZ_REPLAY)

# `make test` replays the corpora: have the programs built first.
test: fuzz-replay

fuzz: fuzz-build
	@FUZZ_OUT=$(FUZZ_OUT) FUZZ_DIR=$(FUZZ_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  FUZZ_MAXLEN="$(foreach t,$(FUZZ_TARGETS),$(t)=$(or $(FUZZ_MAXLEN_$(t)),$(FUZZ_MAXLEN)))" \
	  sh $(FUZZ_DIR)/run.sh $(FUZZ_TARGETS)

# Minimise corpus + work + seeds into tests/fuzz/corpus/<target>/: a greedy set cover of the
# edges they reach (tests/fuzz/minimize.py), a few dozen files per target.
fuzz-merge: fuzz-build
	@set -e; $(foreach t,$(FUZZ_TARGETS),\
	  $(PYTHON) $(FUZZ_DIR)/minimize.py $(FUZZ_OUT)/fuzz_$(t) $(FUZZ_DIR)/corpus/$(t) \
	    $(or $(FUZZ_MAXLEN_$(t)),$(FUZZ_MAXLEN)) \
	    $(FUZZ_DIR)/corpus/$(t) $(FUZZ_OUT)/work/$(t) $(FUZZ_OUT)/seeds/$(t);)

-include $(wildcard $(FUZZ_OUT)/obj/dissectors/*.d $(FUZZ_OUT)/obj/src/*.d)
