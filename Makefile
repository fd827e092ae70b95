# SPDX-License-Identifier: MIT
# mamori — one non-recursive Makefile. Variants build into build/<variant>/.
#   make            build build/release/mamori
#   make demo       install missing Debian packages, build, run the guided tour
#   make check      install missing packages, build, run every test (unit, cli, namespace)
#   make asan       the same tests under clang ASan+UBSan
#   make fuzz       libFuzzer targets in build/fuzz/;  make fuzz-replay  replays every corpus
#   make lint       clang-format + clang-tidy;  make format  rewrites the sources
#   make bench      bench/sensor; make bench-audit  bench/audit; make bench-update  bench/update;
#                   make bench-cred  bench/cred
#                   (not tests: figures in docs/BENCHMARKS.md)

CC      ?= cc
VARIANT ?= release
BUILD   := build/$(VARIANT)
VERSION := 0.1.0

CSTD     := -std=c11 -D_DEFAULT_SOURCE
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wvla -Wformat=2 \
            -Wimplicit-fallthrough -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wundef
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS   ?= -O2 -g
ifeq ($(WERROR),1)
WARN     += -Werror
endif
ALL_CFLAGS = $(CSTD) $(WARN) $(HARDEN) $(CFLAGS) -Iinclude -isystem /usr/include/p11-kit-1 -DMAMORI_VERSION='"$(VERSION)"' -DMAMORI_DATADIR='"$(CURDIR)/data"' -DMAMORI_VULNDB='"$(CURDIR)/$(BUILD)/vulndb.sqlite"' -MMD -MP
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   := -lpcap -lnftables -lpthread -lm -lz -llzma -lzstd -llz4 -llzo2 -lbz2 -lcrypt -lsodium -lcrypto -lsqlite3 -ljansson -lcurl -lp11-kit -lubootenv -lqrencode -lunistring -lz

ifeq ($(VARIANT),asan)
CC       := clang
CFLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
HARDEN   := -fPIE
endif

LIB_SRC  := $(sort $(wildcard lib/*/*.c))
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/test_*.c))
GEN_SRC  := $(sort $(wildcard tests/gen/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
GENS     := $(GEN_SRC:tests/gen/%.c=$(BUILD)/gen/%)
TEST_HELPERS := tests/vec.c

all: $(BUILD)/mamori $(BUILD)/vulndb.sqlite $(BUILD)/pam_mamori.so

# The PAM module (pam/pam_mamori.c) with the library sources it needs, compiled into its own
# position-independent objects. Never instrumented, whatever VARIANT says: pamtester and sshd,
# which load it, are not built with the sanitizers. Only the pam_sm_* symbols are exported.
PAM_SRC    := pam/pam_mamori.c $(sort $(wildcard lib/cred/*.c)) lib/core/buf.c lib/core/err.c
PAM_OBJ    := $(PAM_SRC:%.c=$(BUILD)/pic/%.o)
PAM_CFLAGS := $(CSTD) $(WARN) -O2 -g -fPIC -fvisibility=hidden -D_FORTIFY_SOURCE=2 \
              -fstack-protector-strong -Iinclude -DMAMORI_DATADIR='"$(CURDIR)/data"' -MMD -MP
PAM_LIBS   := -lpam -lsodium -lcrypto -lcrypt -lunistring -lqrencode

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(PAM_CFLAGS) -c $< -o $@

$(BUILD)/pam_mamori.so: $(PAM_OBJ)
	$(CC) -shared -Wl,-z,relro,-z,now -Wl,--no-undefined $^ $(PAM_LIBS) -o $@

# The vulnerability database of this build, from the NVD records shipped in data/vulndb
# (docs/formats/vulndb.md); rebuilt whole, so a record removed from data/ leaves it too.
VULNDB_SRC := $(sort $(wildcard data/vulndb/nvd/*.json data/vulndb/osv/*.json))
$(BUILD)/vulndb.sqlite: $(BUILD)/mamori $(VULNDB_SRC)
	@rm -f $@.tmp
	$(BUILD)/mamori vulndb -q --db $@.tmp import $(VULNDB_SRC)
	@mv $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libmamori.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/mamori: $(CLI_OBJ) $(BUILD)/libmamori.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(TEST_HELPERS) $(BUILD)/libmamori.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests $< $(TEST_HELPERS) $(BUILD)/libmamori.a $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/gen/%: tests/gen/%.c $(BUILD)/libmamori.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libmamori.a $(LDFLAGS) $(LDLIBS) -o $@

deps:
	@sh tools/need-packages build

deps-test:
	@sh tools/need-packages build test

# Unit tests, then the end-to-end scripts (tests/cli/*.sh, tests/net/*.sh). Each prints
# "N passed, N failed"; a crash counts as one failure; the last line is the total.
check: deps-test
	@$(MAKE) --no-print-directory test-only

test-only: $(TESTS) $(BUILD)/mamori $(BUILD)/vulndb.sqlite $(GENS) $(BUILD)/pam_mamori.so
	@for t in $(TESTS); do $$t; rc=$$?; [ $$rc -le 1 ] || echo "$$t: crashed ($$rc), 0 passed, 1 failed"; done 2>&1 | \
	  awk '{print} / passed, [0-9]+ failed/ {for (i = 1; i < NF; i++) { if ($$(i+1) ~ /^passed,/) p += $$i; if ($$(i+1) ~ /^failed/) f += $$i }} \
	       END {printf "unit: %d passed, %d failed\n", p, f; exit f > 0}' > $(BUILD)/unit.log; rc=$$?; cat $(BUILD)/unit.log; \
	MAMORI=$(BUILD)/mamori GENDIR=$(BUILD)/gen MAMORI_PAM=$(CURDIR)/$(BUILD)/pam_mamori.so sh tests/run-scripts.sh > $(BUILD)/scripts.log 2>&1; rc2=$$?; cat $(BUILD)/scripts.log; \
	cat $(BUILD)/unit.log $(BUILD)/scripts.log | awk '/^(unit|scripts): [0-9]+ passed, [0-9]+ failed/ {p += $$2; f += $$4} \
	  END {printf "%d passed, %d failed\n", p, f; exit f > 0}'

asan:
	$(MAKE) VARIANT=asan test-only

FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZERS  := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)
build/fuzz/%: fuzz/%.c $(LIB_SRC)
	@mkdir -p $(@D)
	clang $(CSTD) -Iinclude -isystem /usr/include/p11-kit-1 -g -O1 -fsanitize=fuzzer,address,undefined $^ $(LDLIBS) -o $@
fuzz: $(FUZZERS)

# Every corpus file through its harness under ASan+UBSan, no libFuzzer needed. The library is
# compiled once for all harnesses (build/replay/libmamori.a); `make -j2 fuzz-replay` builds it
# in parallel.
REPLAY_CFLAGS := $(CSTD) -Iinclude -isystem /usr/include/p11-kit-1 -g -O1 \
                 -fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP
REPLAY_OBJ    := $(LIB_SRC:%.c=build/replay/obj/%.o)
REPLAYS       := $(FUZZ_SRC:fuzz/%.c=build/replay/%)
build/replay/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(REPLAY_CFLAGS) -c $< -o $@
build/replay/libmamori.a: $(REPLAY_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^
build/replay/fuzz_%: fuzz/fuzz_%.c fuzz/replay.c build/replay/libmamori.a
	clang $(REPLAY_CFLAGS) fuzz/replay.c $< build/replay/libmamori.a $(LDLIBS) -o $@
fuzz-replay: $(REPLAYS)
	@p=0; f=0; for t in $(REPLAYS); do n=$$(basename $$t); \
	  if $$t fuzz/corpus/$${n#fuzz_}/*; then p=$$((p+1)); else f=$$((f+1)); echo "FAIL $$n"; fi; \
	done; echo "fuzz-replay: $$p passed, $$f failed"; [ $$f -eq 0 ]

lint:
	clang-format --dry-run -Werror $(LIB_SRC) $(CLI_SRC) pam/*.c include/mamori/*.h
	@# one file per run: clang-tidy 14's analyzer carries va_list state from one file into
	@# the next when given several, and reports false "uninitialized va_list" errors
	@for f in $(LIB_SRC) $(CLI_SRC) pam/*.c; do clang-tidy --quiet $$f -- $(CSTD) -Iinclude -isystem /usr/include/p11-kit-1 \
	  -DMAMORI_VERSION='"lint"' || exit 1; done

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) pam/*.c $(TEST_SRC) $(FUZZ_SRC) include/mamori/*.h cli/*.h

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh $(BUILD)/mamori

bench: deps-test all
	@sh bench/sensor

bench-audit: deps-test all
	@sh bench/audit

bench-update: deps-test all
	@sh bench/update

bench-cred: deps-test all
	@sh bench/cred

# bench/cred's helper: the cost of one password verification (Argon2id classes, crypt(3))
$(BUILD)/bench/cred_argon2: bench/cred_argon2.c $(BUILD)/libmamori.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $< $(BUILD)/libmamori.a $(LDFLAGS) $(LDLIBS) -o $@

clean:
	rm -rf build

.PHONY: all deps deps-test check test-only asan fuzz fuzz-replay lint format demo bench bench-audit bench-update bench-cred clean
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(PAM_OBJ:.o=.d) $(REPLAY_OBJ:.o=.d)
