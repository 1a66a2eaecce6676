# casebook: `make` builds ./casebook; `make check` installs what is missing, builds with
# sanitizers and runs every test; `make demo` loads the demo case; `make bench` measures.
.SUFFIXES:
.SECONDARY:

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKGS    := sqlite3 libcjson zlib libcrypto libzstd libcmark ncursesw libpcre2-8 tomlplusplus libzip libcurl
DEBS    := build-essential pkg-config libncurses-dev libsqlite3-dev libcjson-dev libcmocka-dev \
           zlib1g-dev libssl-dev libzstd-dev libcmark-dev libpcre2-dev tmux clang clang-format libclang-rt-14-dev time \
           libtomlplusplus-dev libzip-dev libcurl4-openssl-dev

# Hyperscan (x86-64 only in Debian) scans documents for every rule's needles at once; where it
# is missing, detect/needles.c's own automaton does the same, slower.
ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEBS    += $(if $(filter amd64,$(ARCH)),libhyperscan-dev)
HS_FLAGS := $(shell pkg-config --exists libhs 2>/dev/null && echo -DCASEBOOK_HYPERSCAN)
PKGS    += $(if $(HS_FLAGS),libhs)
# A fleet's events in a ClickHouse cluster (cluster/): libcurl speaks its HTTP interface; the
# cluster tests start two clickhouse-server processes (tests/clickhouse-cluster.sh), Debian's
# 18.16, packaged for amd64 only; elsewhere those tests say they are skipped.
DEBS    += $(if $(filter amd64,$(ARCH)),clickhouse-server clickhouse-client)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(HS_FLAGS)
# -lstdc++: detect/toml.cpp, the one C++ file (toml++ reads detection-rules' TOML), is linked by $(CC)
# libcurl is not linked: cluster/http.c opens it when a cluster is first spoken to (it says why)
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)) 2>/dev/null) -lstdc++ -lpthread -ldl -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wformat=2
BASE    := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -D_XOPEN_SOURCE_EXTENDED -I. -Ibuild/gen $(PKG_CFLAGS)
RELEASE_CFLAGS := $(BASE) $(WARN) -O2 -g
CHECK_CFLAGS   := $(BASE) $(WARN) -Werror -O1 -g -fno-omit-frame-pointer \
                  -fsanitize=address,undefined -fno-sanitize-recover=undefined
CHECK_LDFLAGS  := -fsanitize=address,undefined
# no sanitizers: valgrind checks these builds; without PCRE2's JIT (detect/regex.c says why)
VG_CFLAGS      := $(BASE) $(WARN) -Werror -O1 -g -DCASEBOOK_NO_JIT
# The C++ file gets the same warnings, optimisation and sanitizers as the C beside it.
CXX     ?= g++
CXXBASE := -std=c++17 -I. $(PKG_CFLAGS)
CXXWARN := -Wall -Wextra -Wpedantic -Wshadow -Wformat=2
RELEASE_CXXFLAGS := $(CXXBASE) $(CXXWARN) -O2 -g
CHECK_CXXFLAGS   := $(CXXBASE) $(CXXWARN) -Werror -O1 -g -fno-omit-frame-pointer \
                    -fsanitize=address,undefined -fno-sanitize-recover=undefined
VG_CXXFLAGS      := $(CXXBASE) $(CXXWARN) -Werror -O1 -g

LIB_SRC  := $(wildcard common/*.c store/*.c ingest/*.c detect/*.c triage/*.c export/*.c tui/*.c cli/*.c cluster/*.c) build/gen/schema_sql.c build/gen/rule_pack.c
LIB_CXX  := $(wildcard detect/*.cpp)
CLI_SRC  := casebook.c
TOOL_SRC := tools/gen-events.c
TESTS    := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))

release_objs = $(patsubst %.c,build/release/%.o,$(patsubst build/gen/%,gen/%,$(LIB_SRC))) \
               $(patsubst %.cpp,build/release/%.o,$(LIB_CXX))
vg_objs      = $(patsubst %.c,build/vg/%.o,$(patsubst build/gen/%,gen/%,$(LIB_SRC))) $(patsubst %.cpp,build/vg/%.o,$(LIB_CXX))
check_objs   = $(patsubst %.c,build/check/%.o,$(patsubst build/gen/%,gen/%,$(LIB_SRC))) \
               $(patsubst %.cpp,build/check/%.o,$(LIB_CXX))

all: casebook build/release/gen-events

casebook: build/release/casebook
	cp build/release/casebook casebook.tmp && mv casebook.tmp casebook

# Text files compiled in as byte arrays (ISO C limits string literals to 4095 bytes).
EMBED = od -An -v -tu1 $(1) | awk '{ for (i = 1; i <= NF; i++) printf "%s,", $$i; printf "\n" }'

build/gen/schema_sql.c: store/schema.sql
	@mkdir -p build/gen
	{ echo 'const char store_schema_sql[] = {'; $(call EMBED,store/schema.sql); echo '0};'; } > $@

build/gen/rule_pack.c: $(sort $(wildcard rules/*.json rules/notes/*.md))
	@mkdir -p build/gen
	{ echo '#include "detect/pack.h"'; i=0; for f in $^; do echo "static const char rule_$$i[] = {"; \
	  $(call EMBED,$$f); echo '0};'; i=$$((i+1)); done; echo 'const struct pack_rule rule_pack[] = {'; \
	  i=0; for f in $^; do echo "{\"$$f\", rule_$$i},"; i=$$((i+1)); done; echo '{0, 0}};'; } > $@

build/release/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo 'CC      $<'; $(CC) $(RELEASE_CFLAGS) -c $< -o $@
build/check/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo 'CC test $<'; $(CC) $(CHECK_CFLAGS) -c $< -o $@
build/vg/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo 'CC vg   $<'; $(CC) $(VG_CFLAGS) -c $< -o $@
build/vg/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CC vg   $<'; $(CC) $(VG_CFLAGS) -c $< -o $@
build/release/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CC      $<'; $(CC) $(RELEASE_CFLAGS) -c $< -o $@
build/check/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CC test $<'; $(CC) $(CHECK_CFLAGS) -c $< -o $@
build/release/%.o: %.cpp $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CXX     $<'; $(CXX) $(RELEASE_CXXFLAGS) -c $< -o $@
build/check/%.o: %.cpp $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CXX test $<'; $(CXX) $(CHECK_CXXFLAGS) -c $< -o $@
build/vg/%.o: %.cpp $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CXX vg  $<'; $(CXX) $(VG_CXXFLAGS) -c $< -o $@

build/release/casebook: $(release_objs) $(patsubst %.c,build/release/%.o,$(CLI_SRC))
	$(CC) -o $@ $^ $(PKG_LIBS)
build/check/casebook: $(check_objs) $(patsubst %.c,build/check/%.o,$(CLI_SRC))
	$(CC) $(CHECK_LDFLAGS) -o $@ $^ $(PKG_LIBS)
build/release/gen-events: build/release/tools/gen-events.o
	$(CC) -o $@ $^ -lm
build/check/gen-events: build/check/tools/gen-events.o
	$(CC) $(CHECK_LDFLAGS) -o $@ $^ -lm
build/check/test_%: build/check/tests/test_%.o build/check/tests/testutil.o $(check_objs)
	$(CC) $(CHECK_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)
build/vg/test_%: build/vg/tests/test_%.o build/vg/tests/testutil.o $(vg_objs)
	$(CC) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)
build/vg/casebook: $(vg_objs) $(patsubst %.c,build/vg/%.o,$(CLI_SRC))
	$(CC) -o $@ $^ $(PKG_LIBS)
build/release/bench-detect: build/release/bench/bench_detect.o $(release_objs)
	$(CC) -o $@ $^ $(PKG_LIBS)
build/release/bench-tui: build/release/bench/bench_tui.o $(release_objs)
	$(CC) -o $@ $^ $(PKG_LIBS)
build/release/gen-rules: build/release/bench/gen-rules.o
	$(CC) -o $@ $^
build/release/bench-pack: build/release/bench/bench_pack.o $(release_objs)
	$(CC) -o $@ $^ $(PKG_LIBS)
build/release/bench-ingest: build/release/bench/bench_ingest.o
	$(CC) -o $@ $^ $(PKG_LIBS)

# Fuzzing (clang and libFuzzer from Debian): harnesses in tests/fuzz, seeds in tests/fuzz/corpus.
FUZZERS      := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS  := $(BASE) -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 15
fuzz_objs = $(patsubst %.c,build/fuzz/%.o,$(patsubst build/gen/%,gen/%,$(LIB_SRC))) $(patsubst %.cpp,build/fuzz/%.o,$(LIB_CXX))

build/fuzz/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@echo 'CC fuzz $<'; clang $(FUZZ_CFLAGS) -c $< -o $@
build/fuzz/%.o: %.c $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CC fuzz $<'; clang $(FUZZ_CFLAGS) -c $< -o $@
build/fuzz/%.o: %.cpp $(wildcard */*.h)
	@mkdir -p $(dir $@)
	@echo 'CXX fuzz $<'; clang++ -std=c++17 -I. $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	  -fno-sanitize-recover=undefined -c $< -o $@
# clang++ links: UBSan's C++ checks in detect/toml.cpp need its C++ runtime
build/fuzz/fuzz_%: build/fuzz/tests/fuzz/fuzz_%.o $(fuzz_objs)
	clang++ -fsanitize=fuzzer,address,undefined -o $@ $^ $(PKG_LIBS)

fuzz: $(patsubst %,build/fuzz/%,$(FUZZERS))

# Each harness for FUZZ_SECONDS, from its seed corpus; a crash fails the target and leaves
# the input in build/fuzz/ to become a regression test.
fuzz-smoke: fuzz
	@for f in $(FUZZERS); do \
	  mkdir -p build/fuzz/corpus/$$f; \
	  echo "fuzzing $$f for $(FUZZ_SECONDS) s"; \
	  build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=build/fuzz/$$f- \
	    -print_final_stats=0 build/fuzz/corpus/$$f tests/fuzz/corpus/$$f > build/fuzz/$$f.log 2>&1 \
	    || { tail -30 build/fuzz/$$f.log; exit 1; }; \
	  grep -h '^#[0-9]*.*DONE' build/fuzz/$$f.log | tail -1; \
	done

deps:
	@sh .ci/deps.sh $(DEBS)

# The test build: warnings are errors, ASan and UBSan on; tests run against it, and the
# memory-bound and corpus tests also run the release binary (ASan inflates RSS).
check: deps
	@$(MAKE) --no-print-directory test-build
	@sh tests/run.sh $(TESTS)

# The quick loop while working: every test but those that kill processes, drive tmux, read the
# corpus or measure memory at scale (make check, and CI, run them all).
SLOW_TESTS := test_e2e test_reliability test_scale test_corpus test_hostile_case
check-fast: deps
	@$(MAKE) --no-print-directory test-build
	@sh tests/run.sh $(filter-out $(SLOW_TESTS),$(TESTS))

test-build: build/check/casebook build/release/casebook build/release/gen-events build/check/gen-events \
            build/release/gen-rules \
            $(patsubst %,build/check/%,$(TESTS))

# The unit tests (but those that kill processes, drive tmux or read a 1 GiB line) and a case
# through every command, under valgrind's memcheck, built without sanitizers.
VG_TESTS := test_cli test_corpus test_detect test_eql test_eql_rules test_eqlpage test_esql test_exceptions test_hash test_ingest test_jsonarena test_jsontape test_kql test_passqueue \
            test_ruleformats \
            test_sanitize test_sqlsafety test_store test_time test_triage test_tui
valgrind: deps
	@sh .ci/deps.sh valgrind
	@$(MAKE) --no-print-directory valgrind-build
	@sh tests/valgrind.sh $(VG_TESTS)
valgrind-build: build/vg/casebook build/release/gen-events build/release/gen-rules $(patsubst %,build/vg/%,$(VG_TESTS))

# Rewrites tests/expected/ from the current code; review the diff before committing it.
update-expected: build/check/test_triage
	UPDATE_EXPECTED=1 build/check/test_triage >/dev/null
	git diff --stat tests/expected

# Rewrites tests/screens/ from the current console; review the diff before committing it.
update-screens: build/check/test_tui
	UPDATE_SCREENS=1 TZ=UTC build/check/test_tui >/dev/null
	git diff --stat tests/screens

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

# The demo fleet in a local two-shard ClickHouse cluster (build/cluster-demo), detected from a
# case attached to it; the servers keep running until cluster-demo-stop.
cluster-demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/cluster-demo.sh

cluster-demo-stop:
	@sh tools/cluster-demo.sh stop

bench: deps
	@$(MAKE) --no-print-directory all build/release/bench-ingest build/release/bench-detect build/release/bench-tui \
	  build/release/gen-rules build/release/bench-pack
	@BENCH_BROAD=$(BENCH_BROAD) BENCH_RULES_EVENTS=$(BENCH_RULES_EVENTS) BENCH_CLUSTER_EVENTS=$(BENCH_CLUSTER_EVENTS) SHARED=$(SHARED) sh bench/run.sh $(or $(BENCH_EVENTS),1000000) $(or $(BENCH_RUNS),3)

install: casebook
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 casebook $(DESTDIR)$(PREFIX)/bin/casebook
	install -m 644 docs/casebook.1 $(DESTDIR)$(PREFIX)/share/man/man1/casebook.1

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# Fails, naming the files, when a tracked C file is not as clang-format writes it (CI runs it).
format-check: deps
	@bad=$$(for f in $$(git ls-files '*.c' '*.h'); do clang-format --dry-run "$$f" 2>&1 | grep -q warning && echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "not clang-format clean (run make format):" $$bad; exit 1; fi; \
	echo "clang-format: every C file is clean"

clean:
	rm -rf build casebook casebook.db casebook.db-wal casebook.db-shm

.PHONY: check-fast all deps check test-build valgrind valgrind-build fuzz fuzz-smoke update-expected update-screens demo cluster-demo cluster-demo-stop bench install format format-check clean

