# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# MMS build. Everything lands in build/:
#   build/gen/        vmlinux.h, AES tables, libbpf skeletons
#   build/bpf/        BPF objects (one per bpf/*.bpf.c)
#   build/libmms.a    agent/*.c: codec, loader, protocol core (no main)
#   build/<prog>      agent/cmd/<prog>.c: mms-agent, mmsctl, ...
#   build/selftests/  selftests/unit/*.c: TAP programs run by `make test`
#
# New files are picked up by wildcard; no list to keep in sync.

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
B        := build
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -D_GNU_SOURCE -Iinclude -I$(B)/gen -Iagent
LDLIBS   += -lbpf -lelf -lz -lcrypto -lm
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) $(WARN) \
	      -Wno-unused-function -Wno-unused-parameter -Iinclude -I$(B)/gen

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(B)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(B)/gen/%.skel.h,$(BPF_SRCS))
LIB_SRCS  := $(wildcard agent/*.c)
LIB_OBJS  := $(patsubst agent/%.c,$(B)/obj/%.o,$(LIB_SRCS))
CMD_SRCS  := $(wildcard agent/cmd/*.c)
CMDS      := $(patsubst agent/cmd/%.c,$(B)/%,$(CMD_SRCS))
TEST_SRCS := $(wildcard selftests/unit/*.c)
TESTS     := $(patsubst selftests/unit/%.c,$(B)/selftests/%,$(TEST_SRCS))
BENCH_SRCS := $(wildcard selftests/bench/*.c)
BENCHES   := $(patsubst selftests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
HDRS      := $(wildcard include/*.h agent/*.h selftests/unit/*.h) \
	     $(B)/gen/mms_aes_tables.h
NETNS_TESTS := $(sort $(wildcard selftests/*.sh))

.PHONY: all test unit bench demo fuzz deps clean analyze
all: $(BPF_OBJS) $(SKELS) $(B)/libmms.a $(CMDS) $(TESTS) $(BENCHES)

$(B)/gen $(B)/bpf $(B)/obj $(B)/selftests:
	@mkdir -p $@

# vmlinux.h from the running kernel's BTF; the committed copy when there is none.
$(B)/gen/vmlinux.h: | $(B)/gen
	@if [ -r /sys/kernel/btf/vmlinux ] && $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp 2>/dev/null; \
	then mv $@.tmp $@; else echo "using vmlinux/vmlinux.h"; rm -f $@.tmp; cp vmlinux/vmlinux.h $@; fi

$(B)/gen/mms_aes_tables.h: scripts/gen_aes_tables.c | $(B)/gen
	$(CC) -O2 $(WARN) -o $(B)/gen/gen_aes_tables $<
	$(B)/gen/gen_aes_tables > $@.tmp && mv $@.tmp $@

$(B)/bpf/%.bpf.o: bpf/%.bpf.c $(HDRS) $(wildcard bpf/*.h) $(B)/gen/vmlinux.h | $(B)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/gen/%.skel.h: $(B)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

$(B)/obj/%.o: agent/%.c $(HDRS) $(SKELS) | $(B)/obj
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/libmms.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/%: agent/cmd/%.c $(B)/libmms.a $(HDRS) $(SKELS)
	$(CC) $(CFLAGS) $< -o $@ $(B)/libmms.a $(LDLIBS)

$(B)/selftests/%: selftests/unit/%.c $(B)/libmms.a $(HDRS) $(SKELS) | $(B)/selftests
	$(CC) $(CFLAGS) -Iselftests/unit $< -o $@ $(B)/libmms.a $(LDLIBS)

# selftests/bench/X.c -> $(B)/bench/X: microbenchmarks, run by make bench.
$(B)/bench/%: selftests/bench/%.c $(B)/libmms.a $(HDRS) $(SKELS)
	@mkdir -p $(B)/bench
	$(CC) $(CFLAGS) -Iselftests/unit $< -o $@ $(B)/libmms.a $(LDLIBS)

deps:
	@scripts/install-deps.sh

# Unit tests need no root; `make test` runs everything, namespaces included.
unit: all
	prove --exec '' $(TESTS)

test: deps
	$(MAKE) all fuzzers
	MMS_BUILD=$(abspath $(B)) B=$(B) prove --exec '' $(TESTS) $(NETNS_TESTS)

bench: deps
	$(MAKE) all
	MMS_BUILD=$(abspath $(B)) scripts/bench.sh

demo: deps
	$(MAKE) all
	MMS_BUILD=$(abspath $(B)) scripts/demo.sh

analyze: deps
	$(MAKE) clean
	scan-build --status-bugs $(MAKE) $(B)/libmms.a $(CMDS)

clean:
	rm -rf $(B)

# libFuzzer harnesses: selftests/fuzz/fuzz_<name>.c, seeds in corpus/<name>/.
# FUZZ_SECONDS bounds each run; make test runs them briefly.
FUZZ_SRCS := $(wildcard selftests/fuzz/fuzz_*.c)
FUZZERS   := $(patsubst selftests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
# the fuzzers link the I/O-free parts only (no BPF loader, no event loop)
FUZZ_LIB_SRCS := $(filter-out agent/loader.c agent/loader_hello.c agent/daemon.c agent/glue.c,$(LIB_SRCS))
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	       $(WARN) -D_GNU_SOURCE -Iinclude -I$(B)/gen -Iagent

$(B)/fuzz/%: selftests/fuzz/%.c $(FUZZ_LIB_SRCS) $(HDRS) | $(B)/gen/mms_aes_tables.h
	@mkdir -p $(B)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) -o $@ -lbpf -lelf -lz -lcrypto -lm

fuzzers: $(FUZZERS)

fuzz: deps
	$(MAKE) fuzzers
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)
