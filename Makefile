# spoor — the two set-up commands are `make demo` and `make test`.
# Both install missing Debian packages (scripts/deps.sh), configure and build.

BUILD      ?= build
# The sanitizer build is compiled with clang: its UBSan reports what GCC's does not
# (NULL + 0, memmem or qsort given NULL).  A folder of its own, so that an old
# GCC build-asan is never reused.
ASAN_BUILD ?= build-asan-clang
ASAN_CC    ?= clang
FUZZ_BUILD ?= build-fuzz
MESON      ?= meson
SPOOR_SHARED_DATA ?= $(abspath $(CURDIR)/../shared/data)
export SPOOR_SHARED_DATA

.PHONY: all deps build build-asan demo test test-normal test-asan bench fuzz clean format

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized >/dev/null

$(ASAN_BUILD)/build.ninja:
	CC=$(ASAN_CC) $(MESON) setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
		-Ddebug_pool=true -Dc_args=-fno-sanitize-recover=all >/dev/null

# The tests read the shared data where SPOOR_SHARED_DATA says (meson option shared_data).
build: deps $(BUILD)/build.ninja
	@$(MESON) setup --reconfigure $(BUILD) -Dshared_data='$(SPOOR_SHARED_DATA)' >/dev/null
	ninja -C $(BUILD)

build-asan: deps $(ASAN_BUILD)/build.ninja
	@grep -q '"command": "$(ASAN_CC) ' $(ASAN_BUILD)/compile_commands.json || \
		{ echo "$(ASAN_BUILD) was not set up with $(ASAN_CC): remove it (rm -rf $(ASAN_BUILD))"; exit 1; }
	@$(MESON) setup --reconfigure $(ASAN_BUILD) -Dshared_data='$(SPOOR_SHARED_DATA)' >/dev/null
	ninja -C $(ASAN_BUILD)

demo: build
	@sh scripts/demo.sh $(BUILD)

# Every test in a normal and an ASan+UBSan (clang) build; the last line is
# "N passed, N failed, N skipped".
test: build build-asan
	@sh scripts/run-tests.sh $(BUILD) $(ASAN_BUILD)

bench: build
	@sh bench/run.sh $(BUILD)
	@sh bench/run-formats.sh $(BUILD)
	@sh bench/run-simulate.sh $(BUILD)
	@sh bench/run-intel.sh $(BUILD)
	@sh bench/run-hunt.sh $(BUILD)
	@sh bench/run-hunt-jobs.sh $(BUILD)
	@sh bench/run-evidence.sh $(BUILD)

fuzz: deps
	@[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang $(MESON) setup $(FUZZ_BUILD) --buildtype=debugoptimized \
		-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	ninja -C $(FUZZ_BUILD)
	@sh scripts/fuzz.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-60}

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-asan $(FUZZ_BUILD)
