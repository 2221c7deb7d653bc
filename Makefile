# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the PCI live-update core and its drivers.
#
#   make            build the modules against the Debian 6.12 headers
#   make modules-7.3  the same modules for the Linux 7.3 KHO test kernel,
#                   into build/7.3/ (scripts/test-kernel builds it once)
#   make demo       set up (Debian packages), build, show a live update
#   make check      set up, build, lint, run the QEMU + kexec test suite
#   make lint       checkpatch and sparse on our C files
#
# KDIR defaults to the newest installed Debian 6.12 kernel headers; never to
# `uname -r`, which on build machines is not a Debian kernel.

ifneq ($(KERNELRELEASE),)
# Kbuild part: see ./Kbuild.
else

KVER ?= $(shell scripts/kernel-version)
KDIR ?= /lib/modules/$(KVER)/build
# Out of tree, Kconfig is not consulted: select what an in-tree y/m would.
LU_CONFIG := CONFIG_PCI_LIVEUPDATE=m CONFIG_PCI_LIVEUPDATE_FAULT_INJECT=y \
	     CONFIG_NVME_LIVEUPDATE=m CONFIG_LUNIC=m
LU_DEFS := -DCONFIG_PCI_LIVEUPDATE_MODULE -DCONFIG_PCI_LIVEUPDATE_FAULT_INJECT
# nvme-core's private header, extracted from linux-source of the same version.
LU_NVME_HOST := $(CURDIR)/build/nvme-host
BUILD_ARGS = -C $(KDIR) M=$(CURDIR) $(LU_CONFIG) KCFLAGS="$(LU_DEFS)" \
	     LU_NVME_HOST=$(LU_NVME_HOST)

.PHONY: modules modules-7.3 clean demo check lint deps

modules:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run 'make deps' or set KDIR" >&2; exit 1; }
	@echo "building against $(KDIR)"
	scripts/nvme-host-header $(KVER) $(LU_NVME_HOST)
	$(MAKE) $(BUILD_ARGS) modules

# The 7.3 tree is a full source tree: nvme.h comes from the very tree the
# modules are built against. MO= keeps its objects apart from 6.12's; it
# refuses a source directory with a modules.order, which the in-tree 6.12
# build leaves and no one reads afterwards.
modules-7.3:
	@kdir=$$(scripts/test-kernel)/build && echo "building against $$kdir" && \
	rm -f modules.order && \
	$(MAKE) -C $$kdir M=$(CURDIR) MO=$(CURDIR)/build/7.3 $(LU_CONFIG) \
		KCFLAGS="$(LU_DEFS)" LU_NVME_HOST=$$kdir/drivers/nvme/host modules

clean:
	$(MAKE) $(BUILD_ARGS) clean
	rm -rf build

deps:
	scripts/install-deps

lint: deps
	scripts/lint

demo: deps
	$(MAKE) modules
	selftests/run --demo

check: deps
	$(MAKE) modules
	$(MAKE) modules-7.3
	selftests/run

endif
