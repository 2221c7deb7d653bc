/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI live update on a stock kernel: the driver type of the pci_lu module.
 *
 * A kernel with live update in its PCI core has retrieve() and freeze() in
 * struct pci_driver (Documentation/PCI/liveupdate.rst). On a kernel
 * without them, a driver registers a struct pci_lu_driver instead, and the
 * pci_lu module decides, per device, which hardware path runs:
 *
 *   bind:     probe()    cold start, the driver resets the device;
 *             retrieve() the previous kernel preserved the device and left a
 *                        valid record: adopt the running device, no reset;
 *   kexec:    freeze()   the device is preserved: quiesce it without a reset
 *                        and write the record the next kernel will retrieve;
 *   reboot:   shutdown() everything else, as a plain pci_driver would.
 *
 * The paths have the same signatures in both forms, so a driver's code
 * does not change between them, only its registration. Memory the device
 * keeps using comes from <linux/pci_lu.h>. See
 * Documentation/pci-liveupdate.rst.
 */
#ifndef _LINUX_PCI_LU_DRIVER_H
#define _LINUX_PCI_LU_DRIVER_H

#include <linux/pci.h>
#include <linux/pci_lu.h>

/*
 * A pci_lu_driver binds only a device whose driver_override names it (set
 * by the administrator, or by the core for a device preserved by the
 * previous kernel): such drivers share their hardware with the upstream
 * driver, and an unbound NVMe controller may hold the root file system.
 * Its id_table says which devices it can drive; every entry is
 * override-only, and the table is not exported with MODULE_DEVICE_TABLE(),
 * which would turn these entries into vfio_pci: module aliases.
 */
#define PCI_LU_ID_OVERRIDE_ONLY	PCI_ID_F_VFIO_DRIVER_OVERRIDE

/**
 * PCI_LU_DEVICE() - id_table entry of a pci_lu_driver for one device ID
 * @vend: the 16 bit PCI vendor ID
 * @dev: the 16 bit PCI device ID
 */
#define PCI_LU_DEVICE(vend, dev) \
	PCI_DEVICE_DRIVER_OVERRIDE(vend, dev, PCI_LU_ID_OVERRIDE_ONLY)

/**
 * PCI_LU_DEVICE_CLASS() - id_table entry of a pci_lu_driver for a class
 * @dev_class: the class, subclass and programming interface
 * @dev_class_mask: the bits of @dev_class to compare
 */
#define PCI_LU_DEVICE_CLASS(dev_class, dev_class_mask) \
	PCI_DEVICE_CLASS(dev_class, dev_class_mask), \
	.override_only = PCI_LU_ID_OVERRIDE_ONLY

/**
 * struct pci_lu_driver - a PCI driver that can keep its devices running
 * @driver:	the PCI driver; fill in name, id_table (entries made with
 *		PCI_LU_DEVICE() or PCI_LU_DEVICE_CLASS()) and, if needed, pm
 *		and err_handler. The core owns probe, remove and shutdown.
 * @probe:	cold start. The device may hold state from firmware or from a
 *		previous kernel: reset it and initialise it from nothing.
 * @retrieve:	adopt a device that the previous kernel preserved. @rec and
 *		@len are the record written by freeze() in that kernel; the
 *		core has already checked its integrity, version and IDs. The
 *		driver validates the device against the record and must not
 *		reset it. On error the core releases the managed (devres)
 *		resources @retrieve took, logs why and calls @probe.
 * @freeze:	kexec of a preserved device: quiesce it without a reset and
 *		write at most *@len bytes of record to @rec, setting *@len to
 *		the length used. On error the core calls @shutdown instead and
 *		the next kernel cold-probes the device.
 * @shutdown:	ordinary reboot, power off, or kexec of a device that is not
 *		preserved; also the fallback when @freeze fails, so it must
 *		stop a device that @freeze left half-quiesced. Required.
 * @remove:	unbind; undoes @probe or @retrieve.
 * @record_version: version of the record layout @freeze writes and
 *		@retrieve reads. A record of another version is refused.
 *
 * All five callbacks are required: pci_lu_register_driver() refuses a
 * driver without one of them (-EINVAL).
 */
struct pci_lu_driver {
	struct pci_driver driver;
	int (*probe)(struct pci_dev *pdev, const struct pci_device_id *id);
	int (*retrieve)(struct pci_dev *pdev, const struct pci_device_id *id,
			const void *rec, size_t len);
	int (*freeze)(struct pci_dev *pdev, void *rec, size_t *len);
	void (*shutdown)(struct pci_dev *pdev);
	void (*remove)(struct pci_dev *pdev);
	u32 record_version;
};

int __pci_lu_register_driver(struct pci_lu_driver *drv, struct module *owner,
			     const char *mod_name);
#define pci_lu_register_driver(drv) \
	__pci_lu_register_driver(drv, THIS_MODULE, KBUILD_MODNAME)
void pci_lu_unregister_driver(struct pci_lu_driver *drv);

/**
 * module_pci_lu_driver() - register a pci_lu_driver in module init/exit
 * @__drv: the struct pci_lu_driver
 */
#define module_pci_lu_driver(__drv) \
	module_driver(__drv, pci_lu_register_driver, pci_lu_unregister_driver)

#endif /* _LINUX_PCI_LU_DRIVER_H */
