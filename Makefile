# Entry points for people and CI. Each target installs what is missing
# (Debian packages), configures, builds with ccache and -j2, then runs.
BUILD ?= build
JOBS ?= 2
# Paths under this directory are hashed relative to it, and the working
# directory not at all, so that ccache hits across clones in different places
# (CI builds a fresh clone every time). Without NOHASHDIR, ccache hashes the
# directory into every -g compile (RelWithDebInfo), and a new clone missed on
# 96% of its compiles; the price is debug info naming the first clone's paths.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
# The Python package is built with Debian's python3 (not one earlier on PATH),
# whose packages (pytest, numpy, lmdb, plyvel) install-deps.sh installs.
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPIRAPI_BUILD_PYTHON=ON -DPython3_EXECUTABLE=$(PYTHON)

.PHONY: deps build run test test-asan test-tsan test-tsan-stress stress fuzz fuzz-seeds bench-quick bench bench-pi-quick bench-pi bench-pi-search-quick bench-pi-search bench-peers-quick bench-peers bench-backup-quick bench-backup bench-result-cache-quick bench-result-cache bench-cache-quick bench-cache bench-metrics-quick bench-metrics bench-parallel-quick bench-parallel dashboard-screenshots clean

deps:
	@./scripts/install-deps.sh

# Tests and benchmarks are off in a plain CMake build (no GoogleTest needed
# to build and install the library); the targets here build them.
build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DSPIRAPI_BUILD_TESTS=ON -DSPIRAPI_BUILD_BENCH=ON >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# The main job: a database under ./spirapi-data, records in several
# components in one transaction, read back, verified, stats printed.
run: build
	./scripts/demo.sh $(BUILD) ./spirapi-data

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B build-asan -DSPIRAPI_SANITIZE=address -DSPIRAPI_BUILD_TESTS=ON -DSPIRAPI_BUILD_BENCH=OFF >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  ctest --output-on-failure -j$(JOBS) --timeout 900

# The concurrency and transaction tests under ThreadSanitizer.
test-tsan: deps
	cmake -S . -B build-tsan -DSPIRAPI_SANITIZE=thread -DSPIRAPI_BUILD_TESTS=ON -DSPIRAPI_BUILD_BENCH=OFF >/dev/null
	cmake --build build-tsan -j$(JOBS) --target spirapi_tests
	TSAN_OPTIONS=halt_on_error=1 build-tsan/spirapi_tests \
	  --gtest_filter='Concurrency*:DbTest.Transactions*:DbTest.Snapshots*:DbTest.BackgroundWork*:PiStoreTest.Ids*:SchemaTest.UniqueUnderConcurrentInserts:RelationalTest.NoDanglingReferencesUnderConcurrency:ReadOnlyTest.ReadsStayConsistentDuringCatchUp:ReadOnlyTest.SurvivesRotationFlushAndCompaction:ReadOnlyProcessTest.*:IndexTest.ConcurrentWritersDuringBuildLeaveItExact:IndexTest.TransactionRacingACreationConflicts:IndexTest.QueriesDuringSwapsFlushesAndCompactions:IndexResumeTest.*:BackupTest.BackupsDuringWritesHoldAPrefixOfTheCommits:BackupTest.AnOpenDatabaseBacksItselfUpAndRecordsTheOutcome:*PointInTimeTest.*InProcess:ParallelForTest.*:ParallelWorkTest.*'

# Short spirapi_stress runs under ThreadSanitizer: threads committing beside
# background flushes, compactions and the writers' backpressure, and the
# power being cut under them.
test-tsan-stress: deps
	cmake -S . -B build-tsan -DSPIRAPI_SANITIZE=thread -DSPIRAPI_BUILD_TESTS=ON -DSPIRAPI_BUILD_BENCH=OFF >/dev/null
	cmake --build build-tsan -j$(JOBS) --target spirapi_stress
	TSAN_OPTIONS=halt_on_error=1 build-tsan/spirapi_stress --seconds 10 --threads 4
	TSAN_OPTIONS=halt_on_error=1 build-tsan/spirapi_stress --power-loss-loop 5 --threads 4

# libFuzzer targets (fuzz/, docs/RELIABILITY.md), built with clang-14 in
# build-fuzz/; each runs FUZZ_SECONDS on its corpus. Longer runs:
# make fuzz FUZZ_SECONDS=3600; one target: make fuzz FUZZ_TARGETS=segment.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	./scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Rewrites the committed seed corpora (fuzz/corpus/) from the library's writers.
fuzz-seeds: deps
	./scripts/fuzz.sh --write-seeds build-fuzz

bench-quick: build
	$(BUILD)/storage_bench --quick

bench: build
	$(BUILD)/storage_bench

# The cost of recording operation metrics, on against off (docs/BENCHMARKS.md).
bench-metrics: build
	$(BUILD)/metrics_bench

# Verify and Compact with background_threads 1 against 2 (docs/BENCHMARKS.md).
bench-parallel-quick: build
	$(BUILD)/parallel_work_bench --quick

bench-parallel: build
	$(BUILD)/parallel_work_bench

# π: SpiraPi against MPFR and FLINT/Arb (digits, seconds, peak RSS).
bench-pi-quick: build
	$(BUILD)/pi_bench --quick

bench-pi: build
	$(BUILD)/pi_bench

# SpiraPi beside SQLite, LMDB, RocksDB and LevelDB on db_bench-like workloads
# (and π beside MPFR and Arb). The full run takes about 20 minutes and writes
# its Markdown to PEERS_MD and its figures to PEERS_JSON.
PEERS_MD ?= bench-peers.md
PEERS_JSON ?= bench-peers.json
bench-peers-quick: build
	$(BUILD)/spirapi_bench --quick

bench-peers: build
	$(BUILD)/spirapi_bench --json $(PEERS_JSON) | tee $(PEERS_MD)

# Backups and restores beside SQLite's backup API and RocksDB's BackupEngine,
# and the cost of the journal archive on commits (about 1 GB of records).
bench-backup-quick: build
	$(BUILD)/backup_bench --quick

bench-backup: build
	$(BUILD)/backup_bench

# The result cache: a grouping query over 200,000 records and a π analysis
# of 10^7 digits, uncached and served from the cache.
bench-result-cache-quick: build
	$(BUILD)/result_cache_bench --quick

bench-result-cache: build
	$(BUILD)/result_cache_bench
# The block cache: S3-FIFO against LRU under full scans, and the read rate
# after a restart with and without cache warming (docs/CACHE.md).
bench-cache-quick: build
	$(BUILD)/cache_bench --quick

bench-cache: build
	$(BUILD)/cache_bench

# π pattern search: the suffix-array index, approximate and multi-pattern
# search against plain scans on 10^8 digits of π (10^6 with -quick). The
# digits are cached in PI_DIGITS_FILE; computing them takes about 70 s.
PI_DIGITS_FILE ?= /tmp/pi1e8.txt
bench-pi-search-quick: build
	$(BUILD)/pi_search_bench --quick

bench-pi-search: build
	$(BUILD)/pi_search_bench --digits-file $(PI_DIGITS_FILE)

# A long stress run (docs/RELIABILITY.md): kill -9 cycles checked against the
# expected-state oracle. Also e.g. STRESS_ARGS='--seconds 600 --threads 4'
# or STRESS_ARGS='--power-loss-loop 300'.
STRESS_ARGS ?= --kill-loop 300
stress: build
	$(BUILD)/spirapi_stress $(STRESS_ARGS)

# A PNG of each dashboard page (headless Chromium) against a small demo
# database, into SCREENSHOTS_DIR.
SCREENSHOTS_DIR ?= $(BUILD)/dashboard-screenshots
dashboard-screenshots: build
	./scripts/dashboard-browser.sh $(BUILD) --screenshots $(SCREENSHOTS_DIR)

clean:
	rm -rf $(BUILD) spirapi-data
