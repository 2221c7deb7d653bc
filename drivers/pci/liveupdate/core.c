// SPDX-License-Identifier: GPL-2.0
/*
 * PCI live update core: the table of devices the core knows of,
 * preserve/unpreserve and finish.
 *
 * A device gets an entry when a driver that can freeze it binds it, or when
 * an incoming record names it. The entry outlives the binding: it carries
 * what happened to the device (shown in sysfs) and the previous kernel's
 * memory the device may still use.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>

#include "internal.h"

struct lu_state lu = {
	.lock = __MUTEX_INITIALIZER(lu.lock),
	.devs = LIST_HEAD_INIT(lu.devs),
};

static const char * const lu_status_names[] = {
	[LU_DEV_INCOMING]	= "incoming",
	[LU_DEV_REFUSED]	= "refused",
	[LU_DEV_RETRIEVED]	= "retrieved",
	[LU_DEV_PROBED]		= "probed",
	[LU_DEV_FROZEN]		= "frozen",
	[LU_DEV_FREEZE_FAILED]	= "freeze-failed",
	[LU_DEV_ABANDONED]	= "abandoned",
	[LU_DEV_UNBOUND]	= "unbound",
};

const char *lu_dev_status_name(enum lu_dev_status status)
{
	return lu_status_names[status];
}

/* One word for the whole update, as userspace drives it. */
const char *lu_state_name(void)
{
	struct lu_dev *ldev;

	if (lu.reboot == LU_KEXEC)
		return "frozen";
	if (lu.incoming)
		return "incoming";
	list_for_each_entry(ldev, &lu.devs, node)
		if (ldev->preserved)
			return "preserved";
	return lu.finished ? "finished" : "none";
}

/**
 * lu_dev_find() - the entry of a device, if the core knows it
 * @name: PCI name, "dddd:bb:dd.f"
 *
 * Context: lu.lock held.
 * Return: the entry or NULL.
 */
struct lu_dev *lu_dev_find(const char *name)
{
	struct lu_dev *ldev;

	list_for_each_entry(ldev, &lu.devs, node)
		if (!strcmp(ldev->name, name))
			return ldev;
	return NULL;
}

/**
 * lu_dev_get() - find or create the entry of a device
 * @name: PCI name, "dddd:bb:dd.f"
 *
 * Context: lu.lock held.
 * Return: the entry, or NULL if out of memory.
 */
struct lu_dev *lu_dev_get(const char *name)
{
	struct lu_dev *ldev = lu_dev_find(name);

	if (ldev)
		return ldev;
	ldev = kzalloc_obj(*ldev);
	if (!ldev)
		return NULL;
	strscpy(ldev->name, name, sizeof(ldev->name));
	INIT_LIST_HEAD(&ldev->chunks);
	INIT_LIST_HEAD(&ldev->in_chunks);
	ldev->status = LU_DEV_UNBOUND;
	if (lu_sysfs_add_dev(ldev))
		return NULL;	/* the kobject release freed it */
	list_add_tail(&ldev->node, &lu.devs);
	return ldev;
}

/* Context: lu.lock held. */
struct lu_dev *lu_dev_of(struct pci_dev *pdev)
{
	struct lu_dev *ldev;

	list_for_each_entry(ldev, &lu.devs, node)
		if (ldev->pdev == pdev)
			return ldev;
	return NULL;
}

void lu_dev_set(struct lu_dev *ldev, enum lu_dev_status status,
		const char *fmt, ...)
{
	va_list args;

	ldev->status = status;
	va_start(args, fmt);
	vsnprintf(ldev->reason, sizeof(ldev->reason), fmt, args);
	va_end(args);
}

/**
 * lu_release_stale() - return the old kernel's memory a device did not adopt
 * @ldev: the device
 * @why: logged with the amount released, or NULL to stay quiet
 *
 * Only once the device cannot DMA to it any more: it was reset by a cold
 * probe, its driver was removed, or it never had bus mastering back.
 * Context: lu.lock held.
 */
void lu_release_stale(struct lu_dev *ldev, const char *why)
{
	size_t bytes = lu_chunks_size(&ldev->in_chunks);
	struct lu_chunk *c, *tmp;

	list_for_each_entry_safe(c, tmp, &ldev->in_chunks, node) {
		list_del(&c->node);
		lu_chunk_release(c->dma ? ldev->pdev : NULL, c);
	}
	if (why && bytes)
		pr_info("%s: released %zu KiB of the previous kernel's memory (%s)\n",
			ldev->name, bytes / SZ_1K, why);
}

/**
 * lu_dev_pci() - the PCI device at the address of an entry
 * @ldev: the entry
 *
 * Return: the device with a reference held, or NULL.
 */
struct pci_dev *lu_dev_pci(struct lu_dev *ldev)
{
	unsigned int domain, bus, dev, fn;

	if (sscanf(ldev->name, "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
		return NULL;
	return pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(dev, fn));
}

/*
 * A device the previous kernel froze runs on, bus mastering on, until a
 * driver resets it. Before its memory is given back with nobody bound to
 * it, take bus mastering away: it must not write into pages that are
 * someone else's by then.
 * Context: lu.lock held.
 */
static void lu_dev_stop_dma(struct lu_dev *ldev)
{
	struct pci_dev *pdev;

	if (list_empty(&ldev->in_chunks))
		return;
	pdev = lu_dev_pci(ldev);
	if (!pdev)
		return;
	if (!pdev->dev.driver)
		pci_clear_master(pdev);
	pci_dev_put(pdev);
}

/**
 * lu_finish_locked() - end the incoming update and free what is left of it
 * @why: logged
 *
 * Records never retrieved are dropped and their memory returned; devices
 * whose driver has not come are reported by name. A device bound to its
 * driver keeps the old memory it has not adopted: it may still be running
 * on it (inside retrieve(), between a failed retrieve() and the cold
 * probe's reset, or after a retrieve() that did not restore every chunk);
 * its reset or unbind returns it. A record being retrieved is owned by
 * lu_probe(), not freed here.
 * Context: lu.lock held.
 */
void lu_finish_locked(const char *why)
{
	struct lu_dev *ldev;
	unsigned int abandoned = 0;

	if (!lu.incoming)
		return;
	list_for_each_entry(ldev, &lu.devs, node) {
		if (ldev->status == LU_DEV_INCOMING && !ldev->retrieving) {
			pr_warn("%s: never retrieved by %s before finish; dropping its record\n",
				ldev->name, ldev->driver);
			lu_dev_set(ldev, LU_DEV_ABANDONED,
				   "driver %s did not retrieve it before finish",
				   ldev->driver);
			abandoned++;
		}
		if (!ldev->pdev) {
			lu_dev_stop_dma(ldev);
			lu_release_stale(ldev, "finish");
		}
		kfree(ldev->in_rec);
		ldev->in_rec = NULL;
		lu_dev_unpin(ldev);
	}
	lu.incoming = false;
	lu.finished = true;
	pr_info("live update of generation %llu finished (%s), %u device(s) abandoned\n",
		lu.generation, why, abandoned);
}

/**
 * lu_preserve() - mark or unmark a bound device for freeze() at the next kexec
 * @bdf: PCI name of the device
 * @preserve: mark or unmark
 *
 * Return: 0, -ENODEV if no driver that can freeze it drives @bdf, -ENXIO
 * without a backend, -EOPNOTSUPP if its memory is not all from the backend,
 * -EBUSY once the kexec has started.
 */
int lu_preserve(const char *bdf, bool preserve)
{
	struct lu_dev *ldev;
	struct lu_chunk *c;
	int ret = 0;

	mutex_lock(&lu.lock);
	ldev = lu_dev_find(bdf);
	if (lu.reboot != LU_RUNNING)
		ret = -EBUSY;
	else if (!ldev || !ldev->pdev || !ldev->can_freeze)
		ret = -ENODEV;
	else if (preserve && !lu.backend)
		ret = -ENXIO;
	else if (preserve)
		list_for_each_entry(c, &ldev->chunks, node)
			if (!c->in_region)
				ret = -EOPNOTSUPP;
	if (!ret && ldev->preserved != preserve) {
		ldev->preserved = preserve;
		pci_info(ldev->pdev, "%s for live update\n",
			 preserve ? "preserved" : "no longer preserved");
	}
	mutex_unlock(&lu.lock);
	return ret;
}

/* Context: no driver can reach the core any more, or none ever did. */
void lu_devs_free(void)
{
	struct lu_dev *ldev, *tmp;

	list_for_each_entry_safe(ldev, tmp, &lu.devs, node) {
		list_del(&ldev->node);
		kobject_put(&ldev->kobj);
	}
}

/**
 * lu_core_init() - what both forms need before reading a handover
 * @extra: attributes of the form's own for /sys/kernel/pci_liveupdate, or NULL
 *
 * Return: 0 or a negative errno.
 */
int lu_core_init(const struct attribute_group *extra)
{
	int ret;

	lu.stage = kvmalloc(PCI_LU_RECORD_MAX, GFP_KERNEL);
	if (!lu.stage)
		return -ENOMEM;
	ret = lu_sysfs_init(extra);
	if (ret)
		kvfree(lu.stage);
	return ret;
}

/* Pairs with lu_core_init(); the backend is gone already. */
void lu_core_exit(void)
{
	lu_devs_free();
	lu_sysfs_exit();
	kvfree(lu.stage);
}
