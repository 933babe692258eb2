# Entry points for people and CI. Each target installs what is missing
# (Debian packages), configures, builds with ccache and -j2, then runs.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps build run test bench-quick bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

# The main job: a database under ./spirapi-data, records in several
# components in one transaction, read back, verified, stats printed.
run: build
	./scripts/demo.sh $(BUILD)/spirapi ./spirapi-data

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

bench-quick: build
	$(BUILD)/storage_bench --quick

bench: build
	$(BUILD)/storage_bench

clean:
	rm -rf $(BUILD) spirapi-data
