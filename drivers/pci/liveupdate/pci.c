// SPDX-License-Identifier: GPL-2.0
/*
 * PCI live update in the PCI core: struct pci_driver's retrieve() and
 * freeze().
 *
 * At boot, before any driver registers, the core reads the records the
 * previous kernel handed over with Kexec HandOver (KHO). From then on the
 * PCI core calls in here:
 *
 *   pci_liveupdate_probe()    binding: retrieve() for a device whose record
 *                             checks out, probe() for every other one;
 *   pci_liveupdate_remove()   after the driver's remove();
 *   pci_liveupdate_freeze()   device shutdown of a kexec that hands KHO
 *                             over: freeze() for a preserved device,
 *                             false for the caller to call shutdown();
 *   pci_liveupdate_keep_master()  Bus Master Enable stays on for a frozen
 *                             device and the bridges above it.
 *
 * Drivers without retrieve() and freeze() never get here unless the
 * previous kernel left a record for their device. The incoming state is
 * freed once no device waits for its driver any more: every preserved
 * device has been retrieved, or cold-probed with a reset.
 *
 * Why KHO directly and not a Live Update Orchestrator (LUO) file handler:
 * LUO preserves files that a userspace session holds, and an NVMe disk or
 * a NIC driven by the kernel has no file that stands for the PCI device.
 * The records live in a KHO subtree of their own, written at the kexec.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kexec.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "../pci.h"
#include "internal.h"

/*
 * Only a kexec_file_load() image with KHO enabled carries the handover to
 * the next kernel: kexec_load(), reboot and power off do not, and a device
 * left running for them would DMA into memory the next kernel reuses.
 * Context: device shutdown, where kexec_lock is held if kexec_in_progress.
 */
static bool pci_lu_kexec_hands_over(void)
{
	return kexec_in_progress && kexec_image && kexec_image->kho.fdt;
}

/* Decide once, at the first device shutdown, what this reboot is. */
static void pci_lu_reboot_decide(void)
{
	lockdep_assert_held(&lu.lock);
	if (lu.reboot != LU_RUNNING)
		return;
	lu.reboot = LU_REBOOT;
	if (!lu.backend || !pci_lu_kexec_hands_over())
		return;
	if (lu_handover_begin()) {
		pr_err("kexec: no room for the outgoing handover, preserved devices get shutdown()\n");
		return;
	}
	lu.reboot = LU_KEXEC;
	pr_info("live update kexec: freezing preserved devices\n");
}

/*
 * A device the previous kernel left running is about to be handed to a
 * driver that will not retrieve it (no retrieve(), or its record refused):
 * stop it first, so that a driver that does not reset at probe cannot find
 * it still writing into memory. Without a reset method, bus mastering goes
 * off, and the old memory stays reserved until probe() returns. The
 * driver is not told (its reset_prepare() would find no driver data yet).
 * Context: the device lock is held (probe).
 */
static void pci_lu_reset(struct pci_dev *pdev)
{
	int ret;

	pci_save_state(pdev);
	ret = __pci_reset_function_locked(pdev);
	pci_restore_state(pdev);
	if (!ret) {
		pci_info(pdev, "live update: reset before cold probe\n");
		return;
	}
	pci_clear_master(pdev);
	pci_info(pdev, "live update: no reset method, bus mastering off before cold probe\n");
}

/* A driver's paths as bind.c calls them. */
static struct lu_paths pci_lu_paths(struct pci_driver *drv)
{
	return (struct lu_paths) {
		.name = drv->name,
		.version = drv->liveupdate_version,
		.probe = drv->probe,
		.retrieve = drv->retrieve,
		.freeze = drv->freeze,
		.shutdown = drv->shutdown,
		.reset = pci_lu_reset,
	};
}

/*
 * Finish the incoming update once no preserved device waits any more: its
 * records and the memory of devices that are gone are freed, nothing is
 * left for a driver to count.
 * Context: lu.lock held.
 */
static void pci_lu_finish_if_done(void)
{
	struct lu_dev *ldev;

	if (!lu.incoming)
		return;
	list_for_each_entry(ldev, &lu.devs, node) {
		if (ldev->status == LU_DEV_INCOMING || ldev->retrieving)
			return;
		/* Refused but not bound yet: it may still be running. */
		if (!ldev->pdev && !list_empty(&ldev->in_chunks))
			return;
	}
	lu_finish_locked("every preserved device retrieved or released");
}

/**
 * pci_liveupdate_probe() - bind a device with retrieve() or probe()
 * @pdev: the device
 * @drv: the driver being bound
 * @id: the matching entry of its id_table
 *
 * Context: local_pci_probe(), the device lock held.
 * Return: what the path that ran returned.
 */
int pci_liveupdate_probe(struct pci_dev *pdev, struct pci_driver *drv,
			 const struct pci_device_id *id)
{
	struct lu_paths paths = pci_lu_paths(drv);
	bool incoming;
	int ret;

	mutex_lock(&lu.lock);
	incoming = lu_dev_find(pci_name(pdev));
	mutex_unlock(&lu.lock);
	if (!incoming && !drv->freeze)
		return drv->probe(pdev, id);

	ret = lu_bind(pdev, id, &paths);
	mutex_lock(&lu.lock);
	pci_lu_finish_if_done();
	mutex_unlock(&lu.lock);
	return ret;
}

/**
 * pci_liveupdate_remove() - the driver's remove() has run
 * @pdev: the device, unbound
 */
void pci_liveupdate_remove(struct pci_dev *pdev)
{
	lu_unbind(pdev);
	mutex_lock(&lu.lock);
	pci_lu_finish_if_done();
	mutex_unlock(&lu.lock);
}

/**
 * pci_liveupdate_freeze() - freeze a preserved device at a live-update kexec
 * @pdev: a device being shut down
 *
 * Context: device_shutdown(), one device at a time.
 * Return: true if the device is frozen and its record written; false if it
 * must get shutdown() as on any reboot.
 */
bool pci_liveupdate_freeze(struct pci_dev *pdev)
{
	struct pci_driver *drv = pdev->driver;
	struct lu_paths paths;

	mutex_lock(&lu.lock);
	pci_lu_reboot_decide();
	mutex_unlock(&lu.lock);
	if (!drv || !drv->freeze)
		return false;
	paths = pci_lu_paths(drv);
	return lu_freeze_dev(pdev, &paths);
}

/**
 * pci_liveupdate_keep_master() - must Bus Master Enable stay on at kexec
 * @pdev: a device being shut down
 *
 * A frozen device goes on using its queues and rings while the next kernel
 * boots, which takes bus mastering on the device and on every bridge
 * between it and the root. device_shutdown() reaches a bridge after the
 * devices below it.
 *
 * Return: true for a frozen device and the bridges above one.
 */
bool pci_liveupdate_keep_master(struct pci_dev *pdev)
{
	struct lu_dev *ldev;
	struct pci_dev *dev;
	bool keep = false;

	mutex_lock(&lu.lock);
	list_for_each_entry(ldev, &lu.devs, node) {
		if (ldev->status != LU_DEV_FROZEN)
			continue;
		for (dev = ldev->pdev; dev && !keep; dev = pci_upstream_bridge(dev))
			keep = dev == pdev;
	}
	mutex_unlock(&lu.lock);
	return keep;
}

/* The PCI core never pins a device to a driver: lu_rec_mismatch() refuses
 * a record to any driver but the one that wrote it.
 */
void lu_dev_unpin(struct lu_dev *ldev)
{
}

/*
 * /sys/bus/pci/devices/.../liveupdate: what live update does with the
 * device ("none", "preserved", or what happened to it: "incoming",
 * "retrieved", "probed", "frozen", ...); write "preserve" to freeze it at
 * the next live-update kexec, "unpreserve" to shut it down as usual.
 */
static ssize_t liveupdate_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	const char *state = "none";
	struct lu_dev *ldev;
	ssize_t ret;

	mutex_lock(&lu.lock);
	ldev = lu_dev_find(pci_name(pdev));
	if (ldev && ldev->preserved)
		state = "preserved";
	else if (ldev)
		state = lu_dev_status_name(ldev->status);
	ret = sysfs_emit(buf, "%s\n", state);
	mutex_unlock(&lu.lock);
	return ret;
}

static ssize_t liveupdate_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	bool preserve;
	int ret;

	if (sysfs_streq(buf, "preserve"))
		preserve = true;
	else if (sysfs_streq(buf, "unpreserve"))
		preserve = false;
	else
		return -EINVAL;

	device_lock(dev);
	if (!dev->driver)
		ret = -ENODEV;
	else if (preserve && !to_pci_driver(dev->driver)->freeze)
		ret = -EOPNOTSUPP;
	else
		ret = lu_preserve(pci_name(pdev), preserve);
	if (ret == -EOPNOTSUPP)
		pci_info(pdev, "cannot be preserved: driver %s has no freeze(), or memory outside the handover\n",
			 dev->driver->name);
	device_unlock(dev);
	return ret ? ret : count;
}

static DEVICE_ATTR_RW(liveupdate);

static struct attribute *pci_dev_liveupdate_attrs[] = {
	&dev_attr_liveupdate.attr,
	NULL,
};

const struct attribute_group pci_dev_liveupdate_attr_group = {
	.attrs = pci_dev_liveupdate_attrs,
};

static int __init pci_liveupdate_init(void)
{
	int ret;

	ret = lu_core_init(NULL);
	if (ret)
		return ret;
	if (!lu_kho_usable()) {
		pr_info("KHO is off (kho=on enables it): devices cannot be preserved\n");
	} else if (lu_kho_init()) {
		pr_err("no memory for the KHO backend: devices cannot be preserved\n");
	} else {
		mutex_lock(&lu.lock);
		lu_handover_load();
		mutex_unlock(&lu.lock);
	}
	return lu_fault_init();
}

/* Before any driver registers; KHO knows its incoming memory by then. */
postcore_initcall(pci_liveupdate_init);
