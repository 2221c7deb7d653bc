// SPDX-License-Identifier: GPL-2.0
/*
 * The choice of hardware path, for both forms of the core.
 *
 *   bind:     retrieve() if a valid incoming record names this device, this
 *             driver and its record version; probe() otherwise, or when
 *             retrieve() fails. Every refusal is logged with the reason.
 *   shutdown: freeze() on a live-update kexec of a preserved device;
 *             shutdown() on any other reboot, or if freeze() fails.
 *
 * The old kernel's memory a device was given stays reserved until the
 * device can no longer reach it: a cold probe has reset it, or its driver
 * stopped it at unbind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/slab.h>

#include "internal.h"

/*
 * Take the incoming record of @ldev if this driver may retrieve it. The
 * caller owns it from here and frees it: a finish written while retrieve()
 * reads it must not free it under the driver.
 * Context: lu.lock held.
 */
static struct pci_lu_rec *lu_take_record(struct lu_dev *ldev,
					 const struct lu_paths *paths)
{
	struct pci_lu_rec *rec = ldev->in_rec;
	const char *why;

	if (ldev->status == LU_DEV_REFUSED) {
		pci_info(ldev->pdev, "cold probe: %s\n", ldev->reason);
		return NULL;
	}
	if (ldev->status != LU_DEV_INCOMING || !rec)
		return NULL;
	why = lu_rec_mismatch(rec, ldev->pdev, paths);
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

static int lu_retrieve(struct lu_dev *ldev, const struct pci_device_id *id,
		       const struct lu_paths *paths,
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
		ret = paths->retrieve(pdev, id, pci_lu_rec_blob(rec),
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

static int lu_cold_probe(struct lu_dev *ldev, const struct pci_device_id *id,
			 const struct lu_paths *paths)
{
	struct pci_dev *pdev = ldev->pdev;
	ktime_t start = ktime_get();
	bool stale;
	int ret;

	mutex_lock(&lu.lock);
	stale = !list_empty(&ldev->in_chunks);
	mutex_unlock(&lu.lock);
	if (stale && paths->reset)
		paths->reset(pdev);

	ret = paths->probe(pdev, id);

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
		pci_info(pdev, "cold probe in %lld us\n",
			 ktime_us_delta(ktime_get(), start));
	}
	mutex_unlock(&lu.lock);
	return ret;
}

/* The device is no longer bound: free what it used now. */
static void lu_dev_detach(struct lu_dev *ldev)
{
	struct lu_chunk *c, *tmp;

	mutex_lock(&lu.lock);
	/*
	 * Old memory still here means probe() failed after a failed
	 * retrieve(): nobody drives the device, which may still run on that
	 * memory. Stop its DMA and give the memory back now, while the
	 * device is known to unmap it from, not at finish.
	 */
	if (!list_empty(&ldev->in_chunks)) {
		pci_clear_master(ldev->pdev);
		lu_release_stale(ldev, "probe failed, bus mastering off");
	}
	list_for_each_entry_safe(c, tmp, &ldev->chunks, node) {
		list_del(&c->node);
		lu_chunk_release(ldev->pdev, c);
	}
	ldev->preserved = false;
	ldev->can_freeze = false;
	ldev->pdev = NULL;
	mutex_unlock(&lu.lock);
}

/**
 * lu_bind() - call retrieve() or probe() for a device
 * @pdev: the device being bound
 * @id: its entry in the driver's id_table
 * @paths: the driver's paths
 *
 * A driver without retrieve() is never handed a preserved device: its
 * record is refused and the device cold-probed, after @paths->reset.
 *
 * Return: what the path that ran returned.
 */
int lu_bind(struct pci_dev *pdev, const struct pci_device_id *id,
	    const struct lu_paths *paths)
{
	struct pci_lu_rec *rec = NULL;
	struct lu_dev *ldev;
	int ret;

	mutex_lock(&lu.lock);
	ldev = lu_dev_get(pci_name(pdev));
	if (ldev) {
		ldev->pdev = pdev;
		ldev->can_freeze = paths->freeze;
		strscpy(ldev->driver, paths->name, sizeof(ldev->driver));
		rec = lu_take_record(ldev, paths);
	}
	mutex_unlock(&lu.lock);
	if (!ldev)
		return -ENOMEM;

	if (rec) {
		ret = lu_retrieve(ldev, id, paths, rec);
		kfree(rec);
		if (!ret)
			return 0;
	}
	ret = lu_cold_probe(ldev, id, paths);
	if (ret)
		lu_dev_detach(ldev);
	return ret;
}

/**
 * lu_unbind() - the driver's remove() has run
 * @pdev: the device
 */
void lu_unbind(struct pci_dev *pdev)
{
	struct lu_dev *ldev;

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	if (ldev) {
		/* The driver stopped the device: nothing DMAs here any more. */
		lu_release_stale(ldev, "driver removed");
		lu_dev_set(ldev, LU_DEV_UNBOUND, "%s", "");
	}
	mutex_unlock(&lu.lock);
	if (ldev)
		lu_dev_detach(ldev);
}

/* Quiesce a preserved device and store its record; false if it failed. */
static bool lu_freeze(struct lu_dev *ldev, const struct lu_paths *paths)
{
	struct pci_dev *pdev = ldev->pdev;
	size_t len = PCI_LU_RECORD_MAX;
	ktime_t start = ktime_get();
	int ret;

	ret = paths->freeze(pdev, lu.stage, &len);
	if (!ret && len > PCI_LU_RECORD_MAX)
		ret = -EOVERFLOW;
	mutex_lock(&lu.lock);
	if (!ret)
		ret = lu_handover_append(ldev, paths, lu.stage, len);
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

/**
 * lu_freeze_dev() - freeze a device if this kexec preserves it
 * @pdev: a device being shut down
 * @paths: its driver's paths
 *
 * Context: device shutdown, after the form decided whether this is a
 * live-update kexec (lu.reboot). Serialized with every other device's
 * shutdown, which is what lu.stage relies on.
 * Return: true if the device is frozen and its record written; false if
 * it must get shutdown() as on any reboot.
 */
bool lu_freeze_dev(struct pci_dev *pdev, const struct lu_paths *paths)
{
	struct lu_dev *ldev;
	bool freeze;

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	freeze = ldev && ldev->preserved && paths->freeze &&
		 lu.reboot == LU_KEXEC;
	mutex_unlock(&lu.lock);

	return freeze && lu_freeze(ldev, paths);
}
