# Mesodesk.  The two set-up commands: `make run` and `make test`.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# MESODESK_DB and MESODESK_LISTEN, as the server itself reads them, win over the defaults.
DB         ?= $(or $(MESODESK_DB),var/mesodesk.db)
LISTEN     ?= $(or $(MESODESK_LISTEN),127.0.0.1:8080)
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build web run test sanitize valgrind fuzz bench format lint clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/Makefile web
	cmake --build $(BUILD) -j $(JOBS)

# The web app: npm packages built into web/dist, which the server serves.
web: deps
	@if [ -f web/package.json ]; then \
	  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
	    npm --prefix web ci --no-audit --no-fund --loglevel=error; fi; \
	  npm --prefix web run --silent build; \
	fi

run: build
	@if [ ! -f $(DB) ]; then \
	  mkdir -p $(dir $(DB)); \
	  echo "Creating the demo clinic in $(DB)."; \
	  $(BUILD)/mesodesk demo --db $(DB) --schedule || exit 1; \
	  echo; \
	  if [ -n "$$MESODESK_ADMIN_PASSWORD" ]; then pw='the password in $$MESODESK_ADMIN_PASSWORD'; \
	  else pw='the admin password printed above'; fi; \
	  echo "Log in at http://$(LISTEN)/ as admin@demo.clinic with $$pw"; \
	  echo "(practitioner@demo.clinic, reception@demo.clinic and auditor@demo.clinic: see the list above)."; \
	else \
	  echo "Using $(DB). Log in at http://$(LISTEN)/ as admin@demo.clinic with the password"; \
	  echo "printed when it was created (or remove $(DB) and run again for a new one)."; \
	fi
	$(BUILD)/mesodesk serve --db $(DB) --listen $(LISTEN)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps web
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMESODESK_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# Each fuzz target under libFuzzer (clang, ASan+UBSan) for FUZZ_SECONDS, starting from the
# committed corpus; new inputs go to $(FUZZ_BUILD)/corpus-NAME, crashes to $(FUZZ_BUILD).
FUZZ_TARGETS = $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DMESODESK_LIBFUZZER=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)
	set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
	  (cd $(FUZZ_BUILD) && MESODESK_KB=$(CURDIR)/kb ./$$t -max_total_time=$(FUZZ_SECONDS) \
	    -print_final_stats=1 corpus-$$t $(CURDIR)/tests/fuzz/corpus/$$t); \
	done

# The API tests with the server under valgrind (memcheck, leaks are errors).
valgrind: build
	cd $(BUILD) && MESODESK_TEST_WRAPPER="valgrind --quiet --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes" \
	  ctest --output-on-failure -L api

# The in-process benchmarks, then the patient read over HTTP beside nginx in the same run
# (bench/bench_read.sh: BENCH_PATIENTS, default 1,000,000, generated once into var/bench),
# and patient search on that database (bench_search, beside raw SQLite).
bench: build
	@scripts/install-deps bench
	@for b in $(BUILD)/bench_*; do case $$b in *bench_search|*bench_exposures) continue;; esac; \
	  echo "== $$b"; $$b || exit 1; done
	@echo "== bench/bench_read.sh"; bench/bench_read.sh $(BUILD)
	@echo "== bench/bench_writes.sh"; BUILD=$(BUILD) bench/bench_writes.sh
	@echo "== bench/bench_writes_pg.sh"; BUILD=$(BUILD) bench/bench_writes_pg.sh
	@echo "== bench/bench_exposures.sh"; bench/bench_exposures.sh $(BUILD)
	@echo "== bench/bench_dose.sh"; BUILD=$(BUILD) bench/bench_dose.sh
	@echo "== bench/bench_dose.sh on PostgreSQL"; BUILD=$(BUILD) BENCH_SCRIPT=bench_dose.sh bench/bench_writes_pg.sh
	@echo "== bench/bench_exposures.sh on PostgreSQL"; BUILD=$(BUILD) BENCH_PATIENTS=$${BENCH_PG_PATIENTS:-20000} BENCH_SCRIPT=bench_exposures.sh bench/bench_writes_pg.sh
	@echo "== bench/bench_chart.sh"; BUILD=$(BUILD) bench/bench_chart.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	scripts/check-banned

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) web/dist
