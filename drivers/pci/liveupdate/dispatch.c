// SPDX-License-Identifier: GPL-2.0
/*
 * struct pci_lu_driver: registration, and the reboot notifier.
 *
 * The module installs its own probe, remove and shutdown in the wrapped
 * struct pci_driver and lets bind.c call exactly one of the driver's paths.
 * After shutdown()/freeze() the PCI core clears Bus Master Enable for a
 * kexec, so retrieve() must set it again before the device does DMA.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci_lu_driver.h>
#include <linux/reboot.h>

#include "internal.h"
#include "module.h"

/*
 * Registered pci_lu_drivers. The last one to go finishes the update unless
 * a record still waits for a driver that has not loaded yet.
 */
static unsigned int lu_nr_drivers;

static struct pci_lu_driver *to_lu_driver(struct pci_dev *pdev)
{
	return container_of(pdev->driver, struct pci_lu_driver, driver);
}

static struct lu_paths lu_paths_of(struct pci_lu_driver *drv)
{
	return (struct lu_paths) {
		.name = drv->driver.name,
		.version = drv->record_version,
		.probe = drv->probe,
		.retrieve = drv->retrieve,
		.freeze = drv->freeze,
		.shutdown = drv->shutdown,
	};
}

/* Does the driver_override of @pdev name @drv? */
static bool lu_override_names(struct pci_dev *pdev, struct pci_lu_driver *drv)
{
	bool named = device_match_driver_override(&pdev->dev,
						  &drv->driver.driver) > 0;

	/* For sparse, which does not see the scoped guard's unlock. */
	__release(&pdev->dev.driver_override.lock);
	return named;
}

/*
 * A pci_lu_driver takes only a device whose driver_override names it: one
 * the administrator gave it, or one the core pinned to it after a kexec.
 * The unbound NVMe controller may hold the root file system. Its id_table
 * entries are override-only (checked at registration), but new_id matches
 * a whole vendor:device without driver_override, and driver_override alone
 * matches any device: check both here, and hand the driver its own
 * id_table entry.
 */
static const struct pci_device_id *lu_match(struct pci_lu_driver *drv,
					    struct pci_dev *pdev)
{
	const struct pci_device_id *id;

	if (!lu_override_names(pdev, drv)) {
		pci_info(pdev, "not bound to %s: name it in driver_override (new_id is not enough)\n",
			 drv->driver.name);
		return NULL;
	}
	id = pci_match_id(drv->driver.id_table, pdev);
	if (!id)
		pci_err(pdev, "not bound to %s: it does not drive %04x:%04x class %06x\n",
			drv->driver.name, pdev->vendor, pdev->device,
			pdev->class);
	return id;
}

static int lu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pci_lu_driver *drv = to_lu_driver(pdev);
	struct lu_paths paths = lu_paths_of(drv);

	id = lu_match(drv, pdev);
	if (!id)
		return -ENODEV;
	return lu_bind(pdev, id, &paths);
}

static void lu_remove(struct pci_dev *pdev)
{
	to_lu_driver(pdev)->remove(pdev);
	lu_unbind(pdev);
}

static void lu_shutdown(struct pci_dev *pdev)
{
	struct pci_lu_driver *drv = to_lu_driver(pdev);
	struct lu_paths paths = lu_paths_of(drv);

	if (!lu_freeze_dev(pdev, &paths))
		drv->shutdown(pdev);
}

/* Every entry must match only with driver_override: see lu_match(). */
static bool lu_ids_override_only(const struct pci_device_id *ids)
{
	if (!ids)
		return false;
	for (; ids->vendor || ids->subvendor || ids->class_mask; ids++)
		if (!ids->override_only)
			return false;
	return true;
}

/**
 * __pci_lu_register_driver() - register a driver with live-update paths
 * @drv: the driver; probe, retrieve, freeze, shutdown and remove are
 *	required, and every entry of its id_table must come from
 *	PCI_LU_DEVICE() or PCI_LU_DEVICE_CLASS()
 * @owner: owning module
 * @mod_name: module name
 *
 * The driver binds only devices whose driver_override names it; see
 * Documentation/pci-liveupdate.rst, "Which devices a driver takes".
 *
 * Return: 0, -EINVAL for a driver that breaks the rules above, or a
 * negative errno from pci_register_driver().
 */
int __pci_lu_register_driver(struct pci_lu_driver *drv, struct module *owner,
			     const char *mod_name)
{
	int ret;

	if (WARN_ON(!drv->probe || !drv->retrieve || !drv->freeze ||
		    !drv->shutdown || !drv->remove))
		return -EINVAL;
	if (WARN(!lu_ids_override_only(drv->driver.id_table),
		 "%s: id_table entries must be PCI_LU_DEVICE*()\n",
		 drv->driver.name))
		return -EINVAL;

	drv->driver.probe = lu_probe;
	drv->driver.remove = lu_remove;
	drv->driver.shutdown = lu_shutdown;

	mutex_lock(&lu.lock);
	lu_nr_drivers++;
	mutex_unlock(&lu.lock);

	ret = __pci_register_driver(&drv->driver, owner, mod_name);
	if (ret) {
		mutex_lock(&lu.lock);
		lu_nr_drivers--;
		mutex_unlock(&lu.lock);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(__pci_lu_register_driver);

/**
 * pci_lu_unregister_driver() - unregister a pci_lu_driver
 * @drv: the driver
 *
 * Records left for this driver are dropped. When the last pci_lu_driver goes
 * away before userspace wrote finish and no record waits for another driver,
 * the incoming update is finished here, so that the memory of the devices it
 * retrieved does not stay reserved forever. A record of a driver that has not
 * loaded yet (lunvme after lunic came and went) is kept for it: only finish,
 * written or at unload, drops it.
 */
void pci_lu_unregister_driver(struct pci_lu_driver *drv)
{
	struct lu_dev *ldev;

	pci_unregister_driver(&drv->driver);

	mutex_lock(&lu.lock);
	list_for_each_entry(ldev, &lu.devs, node) {
		if (ldev->status != LU_DEV_INCOMING ||
		    strcmp(ldev->driver, drv->driver.name))
			continue;
		pr_warn("%s: driver %s unregistered before retrieving it; dropping its record\n",
			ldev->name, drv->driver.name);
		lu_dev_set(ldev, LU_DEV_ABANDONED, "driver %s unregistered",
			   drv->driver.name);
		lu_release_stale(ldev, "driver unregistered");
	}
	if (!--lu_nr_drivers) {
		unsigned int waiting = 0;

		list_for_each_entry(ldev, &lu.devs, node)
			waiting += ldev->status == LU_DEV_INCOMING;
		if (waiting)
			pr_info("last live-update driver unregistered; %u record(s) still wait for their driver, write finish to drop them\n",
				waiting);
		else
			lu_finish_locked("last live-update driver unregistered");
	}
	mutex_unlock(&lu.lock);
}
EXPORT_SYMBOL_GPL(pci_lu_unregister_driver);

/*
 * Runs before device_shutdown(). kexec_in_progress is not exported, but
 * kernel_kexec() passes "kexec reboot" to the notifier chain.
 */
static int lu_reboot_notify(struct notifier_block *nb, unsigned long action,
			    void *cmd)
{
	bool kexec = action == SYS_RESTART && cmd &&
		     !strcmp(cmd, "kexec reboot");

	mutex_lock(&lu.lock);
	lu.reboot = kexec && lu.backend ? LU_KEXEC : LU_REBOOT;
	if (lu.reboot == LU_KEXEC && lu_handover_begin()) {
		pr_err("kexec: no room for the outgoing handover\n");
		lu.reboot = LU_REBOOT;
	}
	if (lu.reboot == LU_REBOOT && lu.backend)
		lu_handover_invalidate();
	mutex_unlock(&lu.lock);
	pr_info("%s: %s\n", kexec ? "kexec" : "reboot",
		lu.reboot == LU_KEXEC ? "freezing preserved devices" :
					"all devices get shutdown()");
	return NOTIFY_DONE;
}

static struct notifier_block lu_reboot_nb = {
	.notifier_call = lu_reboot_notify,
};

int lu_reboot_init(void)
{
	return register_reboot_notifier(&lu_reboot_nb);
}

void lu_reboot_exit(void)
{
	unregister_reboot_notifier(&lu_reboot_nb);
}
