# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the PCI live-update core and its drivers.
#
#   make            build the modules against the Debian 6.12 headers
#   make modules-7.3  the same modules built against the Linux 7.3 test
#                   kernel, into build/7.3/ (scripts/test-kernel builds it
#                   once): a compile check of the compat header; they do
#                   not load there, its PCI core has live update built in
#   make demo       set up (Debian packages), build, show a live update
#   make check      set up, build, lint, run the QEMU + kexec test suite
#   make lint       checkpatch and sparse on our C files
#   make soak       SOAK_UPDATES (100) chained live updates in one VM
#   make htmldocs   Documentation/ to HTML in build/docs/html (warnings fail)
#   make install    build and install the modules with DKMS (root)
#   make uninstall  remove them again
#
# KDIR defaults to the newest installed Debian 6.12 kernel headers; never to
# `uname -r`, which on build machines is not a Debian kernel.

# Kbuild reads ./Kbuild, never this file: no KERNELRELEASE test here (DKMS
# sets KERNELRELEASE on the command line of this make).

KVER ?= $(shell scripts/kernel-version)
KDIR ?= /lib/modules/$(KVER)/build
# Out of tree, Kconfig is not consulted: select what an in-tree y/m would.
LU_CONFIG := CONFIG_PCI_LIVEUPDATE=m CONFIG_NVME_LIVEUPDATE=m CONFIG_LUNIC=m
LU_DEFS := -DCONFIG_PCI_LIVEUPDATE_MODULE
# LU_TESTS=n builds what a machine installs (DKMS does): no fault
# injection, no test driver.
LU_TESTS ?= y
ifeq ($(LU_TESTS),y)
LU_CONFIG += CONFIG_PCI_LIVEUPDATE_FAULT_INJECT=y CONFIG_PCI_LIVEUPDATE_TEST=m
LU_DEFS += -DCONFIG_PCI_LIVEUPDATE_FAULT_INJECT
endif
# nvme-core's private header, extracted from linux-source of the same version.
LU_NVME_HOST := $(CURDIR)/build/nvme-host
BUILD_ARGS = -C $(KDIR) M=$(CURDIR) $(LU_CONFIG) KCFLAGS="$(LU_DEFS)" \
	     LU_NVME_HOST=$(LU_NVME_HOST)

.PHONY: modules modules-7.3 clean demo check lint htmldocs deps dkms-source install uninstall soak

modules:
	@test -d "$(KDIR)" || { echo "no kernel headers at '$(KDIR)': run 'make deps' or set KDIR" >&2; exit 1; }
	@echo "building against $(KDIR)"
	scripts/nvme-host-header $(KVER) $(LU_NVME_HOST)
	$(MAKE) $(BUILD_ARGS) modules

# The 7.3 tree is a full source tree: nvme.h comes from the very tree the
# modules are built against. MO= keeps its objects apart from 6.12's; it
# refuses a source directory with a modules.order, which the in-tree 6.12
# build leaves and no one reads afterwards. The tree has the core built in
# (the series), exporting what pci_lu.ko would: the drivers are built
# without the module, and modpost only warns that the registration of a
# struct pci_lu_driver, the module's alone, is missing.
modules-7.3:
	@kdir=$$(scripts/test-kernel)/build && echo "building against $$kdir" && \
	rm -f modules.order && \
	$(MAKE) -C $$kdir M=$(CURDIR) MO=$(CURDIR)/build/7.3 \
		$(filter-out CONFIG_PCI_LIVEUPDATE=m,$(LU_CONFIG)) \
		KCFLAGS="$(LU_DEFS)" LU_NVME_HOST=$$kdir/drivers/nvme/host \
		KBUILD_MODPOST_WARN=1 modules

clean:
	$(MAKE) $(BUILD_ARGS) clean
	rm -rf build

deps:
	scripts/install-deps

# The DKMS package: dkms.conf names it; its source is what dkms-source
# copies, the build files and the C sources only.
LU_PKG := $(shell sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' dkms.conf)
LU_PKG_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
LU_PKG_SRC := /usr/src/$(LU_PKG)-$(LU_PKG_VERSION)

dkms-source:
	@test -n "$(DESTDIR)" || { echo "usage: make dkms-source DESTDIR=DIR" >&2; exit 1; }
	mkdir -p "$(DESTDIR)"
	cp --parents Makefile Kbuild Kconfig dkms.conf scripts/kernel-version \
		scripts/nvme-host-header \
		$$(find include drivers -name '*.[ch]' -o -name Kbuild) "$(DESTDIR)"

# For the kernel KVER (default: the newest Debian 6.12 with headers).
install:
	$(MAKE) uninstall
	$(MAKE) dkms-source DESTDIR=$(LU_PKG_SRC)
	dkms install $(LU_PKG)/$(LU_PKG_VERSION) -k $(KVER)

uninstall:
	if dkms status $(LU_PKG)/$(LU_PKG_VERSION) | grep -q .; then \
		dkms remove $(LU_PKG)/$(LU_PKG_VERSION) --all; fi
	rm -rf $(LU_PKG_SRC)

lint: deps
	scripts/lint

htmldocs: deps
	scripts/htmldocs

demo: deps
	$(MAKE) modules
	scripts/demo

# The suite lints and builds the docs first, then builds the 7.3 test
# kernel: a style error shows in seconds on a new machine.
check: deps
	$(MAKE) modules
	selftests/run

# Not in check: about 100 x 20 s under TCG.
SOAK_UPDATES ?= 100
soak: deps
	$(MAKE) modules
	LU_APPEND="$(LU_APPEND) SOAK_UPDATES=$(SOAK_UPDATES)" selftests/run soak

