// SPDX-License-Identifier: GPL-2.0
/*
 * pci_lu_driver registration and the choice of hardware path.
 *
 * The core installs its own probe, remove and shutdown in the wrapped
 * struct pci_driver and calls exactly one of the driver's paths:
 *
 *   probe:    retrieve() if a valid incoming record names this device, this
 *             driver and its record version; probe() otherwise, or when
 *             retrieve() fails. Every refusal is logged with the reason.
 *   shutdown: freeze() on a kexec of a preserved device; shutdown() on any
 *             other reboot, or if freeze() fails.
 *
 * After shutdown()/freeze() the PCI core clears Bus Master Enable for a
 * kexec, so retrieve() must set it again before the device does DMA.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/slab.h>

#include "internal.h"

static struct pci_lu_driver *to_lu_driver(struct pci_dev *pdev)
{
	return container_of(pdev->driver, struct pci_lu_driver, driver);
}

/*
 * Take the incoming record of @ldev if this driver may retrieve it. The
 * caller owns it from here and frees it: a finish written while retrieve()
 * reads it must not free it under the driver.
 * Context: lu.lock held.
 */
static struct pci_lu_rec *lu_take_record(struct lu_dev *ldev,
					 struct pci_lu_driver *drv)
{
	struct pci_lu_rec *rec = ldev->in_rec;
	const char *why;

	if (ldev->status == LU_DEV_REFUSED) {
		pci_info(ldev->pdev, "cold probe: %s\n", ldev->reason);
		return NULL;
	}
	if (ldev->status != LU_DEV_INCOMING || !rec)
		return NULL;
	why = lu_rec_mismatch(rec, ldev->pdev, drv);
	if (why) {
		pci_err(ldev->pdev, "live update record refused: %s; cold probe with reset\n",
			why);
		lu_dev_set(ldev, LU_DEV_REFUSED, "%s", why);
		return NULL;
	}
	ldev->in_rec = NULL;
	ldev->retrieving = true;
	return rec;
}

/*
 * Old memory retrieve() did not restore may still be a DMA target of the
 * running device (a page it was given before the kexec that this kernel
 * does not use): it stays reserved, and goes on in the next record, until
 * the device is reset or unbound.
 */
static void lu_keep_stale(struct lu_dev *ldev)
{
	size_t bytes = lu_chunks_size(&ldev->in_chunks);

	if (bytes)
		pci_info(ldev->pdev, "keeping %zu KiB of the previous kernel's memory that retrieve did not restore, until a reset or unbind\n",
			 bytes / SZ_1K);
}

static int lu_retrieve(struct pci_lu_driver *drv, struct lu_dev *ldev,
		       const struct pci_device_id *id,
		       const struct pci_lu_rec *rec)
{
	struct pci_dev *pdev = ldev->pdev;
	ktime_t start = ktime_get();
	void *group;
	int ret;

	/* What retrieve() took with devm_ and pcim_ is given back before the
	 * cold probe, as the driver core would after a failed probe.
	 */
	group = devres_open_group(&pdev->dev, NULL, GFP_KERNEL);
	if (group) {
		ret = drv->retrieve(pdev, id, pci_lu_rec_blob(rec),
				    rec->blob_len);
		if (ret)
			devres_release_group(&pdev->dev, group);
		else
			devres_remove_group(&pdev->dev, group);
	} else {
		ret = -ENOMEM;
	}

	mutex_lock(&lu.lock);
	ldev->retrieving = false;
	if (ret) {
		/* The device may still be running on what it adopted: keep
		 * it all until the cold probe has reset the device.
		 */
		list_splice_tail_init(&ldev->chunks, &ldev->in_chunks);
		lu_dev_set(ldev, LU_DEV_REFUSED, "retrieve failed (%d)", ret);
		pci_err(pdev, "retrieve failed (%pe); cold probe with reset\n",
			ERR_PTR(ret));
	} else {
		lu_keep_stale(ldev);
		lu_dev_set(ldev, LU_DEV_RETRIEVED, "%s", "");
		pci_info(pdev, "retrieved from live update generation %llu in %lld us\n",
			 lu.generation, ktime_us_delta(ktime_get(), start));
	}
	mutex_unlock(&lu.lock);
	return ret;
}

static int lu_cold_probe(struct pci_lu_driver *drv, struct lu_dev *ldev,
			 const struct pci_device_id *id)
{
	ktime_t start = ktime_get();
	int ret = drv->probe(ldev->pdev, id);

	mutex_lock(&lu.lock);
	if (ret) {
		lu_dev_set(ldev, LU_DEV_UNBOUND, "probe failed (%d)", ret);
	} else {
		/* probe() reset the device: the old memory is safe to reuse. */
		lu_release_stale(ldev, "device reset by probe");
		if (ldev->status == LU_DEV_REFUSED)
			lu_dev_set(ldev, LU_DEV_PROBED, "%s", ldev->reason);
		else
			lu_dev_set(ldev, LU_DEV_PROBED, "%s", "");
		pci_info(ldev->pdev, "cold probe in %lld us\n",
			 ktime_us_delta(ktime_get(), start));
	}
	mutex_unlock(&lu.lock);
	return ret;
}

static void lu_dev_unbind(struct lu_dev *ldev)
{
	struct lu_chunk *c, *tmp;

	mutex_lock(&lu.lock);
	list_for_each_entry_safe(c, tmp, &ldev->chunks, node) {
		list_del(&c->node);
		lu_chunk_release(ldev->pdev, c);
	}
	ldev->preserved = false;
	ldev->pdev = NULL;
	mutex_unlock(&lu.lock);
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
	struct pci_lu_rec *rec = NULL;
	struct lu_dev *ldev;
	int ret;

	id = lu_match(drv, pdev);
	if (!id)
		return -ENODEV;

	mutex_lock(&lu.lock);
	ldev = lu_dev_get(pci_name(pdev));
	if (ldev) {
		ldev->pdev = pdev;
		strscpy(ldev->driver, drv->driver.name, sizeof(ldev->driver));
		rec = lu_take_record(ldev, drv);
	}
	mutex_unlock(&lu.lock);
	if (!ldev)
		return -ENOMEM;

	if (rec) {
		ret = lu_retrieve(drv, ldev, id, rec);
		kfree(rec);
		if (!ret)
			return 0;
	}
	ret = lu_cold_probe(drv, ldev, id);
	if (ret)
		lu_dev_unbind(ldev);
	return ret;
}

static void lu_remove(struct pci_dev *pdev)
{
	struct pci_lu_driver *drv = to_lu_driver(pdev);
	struct lu_dev *ldev;

	if (drv->remove)
		drv->remove(pdev);

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	if (ldev) {
		/* The driver stopped the device: nothing DMAs here any more. */
		lu_release_stale(ldev, "driver removed");
		lu_dev_set(ldev, LU_DEV_UNBOUND, "%s", "");
	}
	mutex_unlock(&lu.lock);
	if (ldev)
		lu_dev_unbind(ldev);
}

/* Quiesce a preserved device and store its record; false if it failed. */
static bool lu_freeze(struct pci_lu_driver *drv, struct lu_dev *ldev)
{
	struct pci_dev *pdev = ldev->pdev;
	size_t len = PCI_LU_RECORD_MAX;
	ktime_t start = ktime_get();
	int ret;

	ret = drv->freeze(pdev, lu.stage, &len);
	if (!ret && len > PCI_LU_RECORD_MAX)
		ret = -EOVERFLOW;
	if (!ret) {
		mutex_lock(&lu.lock);
		ret = lu_handover_append(ldev, drv, lu.stage, len);
		mutex_unlock(&lu.lock);
	}
	mutex_lock(&lu.lock);
	if (ret)
		lu_dev_set(ldev, LU_DEV_FREEZE_FAILED, "freeze failed (%d)", ret);
	else
		lu_dev_set(ldev, LU_DEV_FROZEN, "%s", "");
	mutex_unlock(&lu.lock);
	if (ret) {
		pci_err(pdev, "freeze failed (%pe): shutting it down instead, the next kernel will cold-probe it\n",
			ERR_PTR(ret));
		return false;
	}
	pci_info(pdev, "frozen for live update, record of %zu bytes, in %lld us\n",
		 len, ktime_us_delta(ktime_get(), start));
	return true;
}

static void lu_shutdown(struct pci_dev *pdev)
{
	struct pci_lu_driver *drv = to_lu_driver(pdev);
	struct lu_dev *ldev;
	bool freeze;

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	freeze = ldev && ldev->preserved && lu.reboot == LU_KEXEC;
	mutex_unlock(&lu.lock);

	if (freeze && lu_freeze(drv, ldev))
		return;
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
	lu.nr_drivers++;
	mutex_unlock(&lu.lock);

	ret = __pci_register_driver(&drv->driver, owner, mod_name);
	if (ret) {
		mutex_lock(&lu.lock);
		lu.nr_drivers--;
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
 * away before userspace wrote finish, the incoming update is finished here so
 * that its memory does not stay reserved forever.
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
	if (!--lu.nr_drivers)
		lu_finish_locked("last live-update driver unregistered");
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
