# Convenience targets; the real work is in scripts/.
BUILD ?= build

.PHONY: all deps build test serve bench bench-large clean

all: build

deps:
	bash scripts/install-deps.sh

build:
	bash scripts/build.sh $(BUILD)

test:
	bash scripts/test.sh

serve: build
	./$(BUILD)/opentrail serve

bench: build
	bash scripts/bench.sh $(BUILD)

bench-large: build
	BENCH_LARGE=1 bash scripts/bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
