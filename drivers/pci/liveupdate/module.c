// SPDX-License-Identifier: GPL-2.0
/*
 * The pci_lu module: loading, parameters, pinning incoming devices.
 *
 * The handover backend is chosen at load: with region=SIZE$ADDR (the
 * memmap= syntax; '@' works too), a region that must be reserved on the
 * command line of every kernel in the chain, e.g. memmap=64M$0x30000000 and
 * pci_lu.region=64M$0x30000000; without it, Kexec HandOver (KHO) when the
 * running kernel has it enabled (kho=on); else none, and every device is
 * cold-probed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>

#include "internal.h"
#include "module.h"

static char *region;
module_param(region, charp, 0444);
MODULE_PARM_DESC(region,
		 "handover region SIZE$ADDR, reserved with memmap= on every kernel");

/*
 * Pin a device to the driver named in its record, so that no other driver
 * (the upstream one, say) binds it and resets it first. Only the device the
 * record was written for: after a hardware change at this address the
 * record is refused and the device is left to normal binding, so no driver
 * is forced onto a device it was never written for.
 */
static void lu_dev_pin(struct lu_dev *ldev)
{
	const struct pci_lu_rec *rec = ldev->in_rec;
	struct pci_dev *pdev;
	const char *why;

	pdev = pci_get_domain_bus_and_slot(rec->domain, rec->bus, rec->devfn);
	if (!pdev) {
		pr_warn("%s: preserved by the previous kernel but not present; its record is dropped at finish\n",
			ldev->name);
		return;
	}
	why = lu_rec_ids_mismatch(rec, pdev);
	if (why) {
		pr_err("%s: live update record refused: %s; left to normal binding\n",
		       ldev->name, why);
		lu_dev_set(ldev, LU_DEV_REFUSED, "%s", why);
	} else if (pdev->dev.driver) {
		pr_warn("%s: already bound to %s, its record cannot be retrieved\n",
			ldev->name, pdev->dev.driver->name);
	} else if (!device_set_driver_override(&pdev->dev, rec->driver)) {
		ldev->overridden = true;
	}
	pci_dev_put(pdev);
}

/* At finish. A device its driver holds keeps the pin: it names the driver
 * the administrator gave the device in the previous kernel, and a
 * pci_lu_driver binds only devices named so (see lu_match()).
 * Context: lu.lock held.
 */
void lu_dev_unpin(struct lu_dev *ldev)
{
	struct pci_dev *pdev;

	if (ldev->pdev)
		ldev->overridden = false;
	if (!ldev->overridden)
		return;
	pdev = lu_dev_pci(ldev);
	if (pdev) {
		device_set_driver_override(&pdev->dev, "");
		pci_dev_put(pdev);
	}
	ldev->overridden = false;
}

/*
 * Pick the backend, then read what the previous kernel handed over. Under
 * lu.lock: the sysfs files that show the backend exist already.
 */
static int lu_backend_init(void)
{
	struct lu_dev *ldev;
	int ret = 0;

	mutex_lock(&lu.lock);
	if (region && *region) {
		ret = lu_region_init(region);
	} else if (lu_kho_usable()) {
		ret = lu_kho_init();
	} else {
		pr_info("no handover region configured and KHO is off: devices cannot be preserved, all are cold-probed\n");
		goto out;
	}
	if (ret)
		goto out;
	lu_handover_load();
	list_for_each_entry(ldev, &lu.devs, node)
		if (ldev->in_rec)
			lu_dev_pin(ldev);
out:
	mutex_unlock(&lu.lock);
	return ret;
}

static void lu_backend_exit(void)
{
	if (lu.backend)
		lu.backend->exit();
	lu.backend = NULL;
}

static int __init pci_lu_init(void)
{
	int ret;

	ret = lu_core_init(&lu_region_group);
	if (ret)
		return ret;
	ret = lu_backend_init();
	if (ret)
		goto out_core;
	ret = lu_fault_init();
	if (ret)
		goto out_region;
	ret = lu_reboot_init();
	if (ret)
		goto out_fault;
	return 0;

out_fault:
	lu_fault_exit();
out_region:
	lu_sysfs_remove_attrs();
	mutex_lock(&lu.lock);
	lu_finish_locked("module init failed");
	mutex_unlock(&lu.lock);
	lu_devs_free();
	lu_backend_exit();
out_core:
	lu_core_exit();
	return ret;
}

/* Only reached once every pci_lu_driver is gone: they link against us. */
static void __exit pci_lu_exit(void)
{
	lu_reboot_exit();
	lu_fault_exit();
	/* No sysfs reader or writer may run into what is freed below. */
	lu_sysfs_remove_attrs();
	mutex_lock(&lu.lock);
	lu_finish_locked("module unload");
	mutex_unlock(&lu.lock);
	lu_devs_free();
	lu_backend_exit();
	lu_core_exit();
}

module_init(pci_lu_init);
module_exit(pci_lu_exit);

MODULE_DESCRIPTION("PCI live update: keep devices running across kexec");
MODULE_LICENSE("GPL");
