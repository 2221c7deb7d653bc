// SPDX-License-Identifier: GPL-2.0
/*
 * PCI live update core: module parameters, the table of devices the core
 * knows of, preserve/unpreserve and finish.
 *
 * The handover backend is chosen at load: with region=SIZE$ADDR (the
 * memmap= syntax; '@' works too), a region that must be reserved on the
 * command line of every kernel in the chain, e.g. memmap=64M$0x30000000 and
 * pci_lu.region=64M$0x30000000; without it, Kexec HandOver (KHO) when the
 * running kernel has it enabled (kho=on); else none, and every device is
 * cold-probed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "internal.h"

struct lu_state lu = {
	.lock = __MUTEX_INITIALIZER(lu.lock),
	.devs = LIST_HEAD_INIT(lu.devs),
};

static char *region;
module_param(region, charp, 0444);
MODULE_PARM_DESC(region,
		 "handover region SIZE$ADDR, reserved with memmap= on every kernel");

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
 * lu_dev_get() - find or create the entry of a device
 * @name: PCI name, "dddd:bb:dd.f"
 *
 * Context: lu.lock held.
 * Return: the entry, or NULL if out of memory.
 */
struct lu_dev *lu_dev_get(const char *name)
{
	struct lu_dev *ldev;

	list_for_each_entry(ldev, &lu.devs, node)
		if (!strcmp(ldev->name, name))
			return ldev;

	ldev = kzalloc(sizeof(*ldev), GFP_KERNEL);
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
static void lu_dev_unpin(struct lu_dev *ldev)
{
	struct pci_dev *pdev;
	unsigned int domain, bus, dev, fn;

	if (ldev->pdev)
		ldev->overridden = false;
	if (!ldev->overridden ||
	    sscanf(ldev->name, "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
		return;
	pdev = pci_get_domain_bus_and_slot(domain, bus, PCI_DEVFN(dev, fn));
	if (pdev) {
		device_set_driver_override(&pdev->dev, "");
		pci_dev_put(pdev);
	}
	ldev->overridden = false;
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
		if (!ldev->pdev)
			lu_release_stale(ldev, "finish");
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
 * Return: 0, -ENODEV if no pci_lu_driver drives @bdf, -ENXIO without a
 * backend, -EOPNOTSUPP if its memory is not all from the backend or the driver
 * cannot freeze, -EBUSY once the kexec has started.
 */
int lu_preserve(const char *bdf, bool preserve)
{
	struct lu_dev *ldev;
	struct lu_chunk *c;
	int ret = -ENODEV;

	mutex_lock(&lu.lock);
	if (lu.reboot != LU_RUNNING) {
		ret = -EBUSY;
		goto out;
	}
	list_for_each_entry(ldev, &lu.devs, node) {
		if (!ldev->pdev || strcmp(ldev->name, bdf))
			continue;
		ret = 0;
		if (!preserve)
			break;
		if (!lu.backend) {
			ret = -ENXIO;
			break;
		}
		list_for_each_entry(c, &ldev->chunks, node)
			if (!c->in_region)
				ret = -EOPNOTSUPP;
		break;
	}
	if (!ret && ldev->preserved != preserve) {
		ldev->preserved = preserve;
		pci_info(ldev->pdev, "%s for live update\n",
			 preserve ? "preserved" : "no longer preserved");
	}
out:
	mutex_unlock(&lu.lock);
	return ret;
}

static int lu_parse_region(phys_addr_t *base, size_t *size)
{
	char *p = region;

	*size = memparse(region, &p);
	if ((*p != '$' && *p != '@') || !*size)
		return -EINVAL;
	*base = memparse(p + 1, &p);
	return *p ? -EINVAL : 0;
}

static int lu_region_init(void)
{
	phys_addr_t base;
	size_t size;
	int ret;

	if (lu_parse_region(&base, &size)) {
		pr_err("region=%s is not SIZE$ADDR\n", region);
		return -EINVAL;
	}
	ret = lu_region_map(base, size);
	if (!ret)
		pr_info("handover region %zu MiB at %pa\n", size / SZ_1M, &base);
	return ret;
}

/* Pick the backend, then read what the previous kernel handed over. */
static int lu_backend_init(void)
{
	struct lu_dev *ldev;
	int ret;

	if (region && *region) {
		ret = lu_region_init();
	} else if (lu_kho_usable()) {
		ret = lu_kho_init();
	} else {
		pr_info("no handover region configured and KHO is off: devices cannot be preserved, all are cold-probed\n");
		return 0;
	}
	if (ret)
		return ret;

	mutex_lock(&lu.lock);
	lu_handover_load();
	list_for_each_entry(ldev, &lu.devs, node)
		if (ldev->in_rec)
			lu_dev_pin(ldev);
	mutex_unlock(&lu.lock);
	return 0;
}

static void lu_backend_exit(void)
{
	if (lu.backend)
		lu.backend->exit();
	lu.backend = NULL;
}

static void lu_devs_free(void)
{
	struct lu_dev *ldev, *tmp;

	list_for_each_entry_safe(ldev, tmp, &lu.devs, node) {
		list_del(&ldev->node);
		kobject_put(&ldev->kobj);
	}
}

static int __init pci_lu_init(void)
{
	int ret;

	lu.stage = kvmalloc(PCI_LU_RECORD_MAX, GFP_KERNEL);
	if (!lu.stage)
		return -ENOMEM;
	ret = lu_sysfs_init();
	if (ret)
		goto out_free_stage;
	ret = lu_backend_init();
	if (ret)
		goto out_sysfs;
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
	mutex_lock(&lu.lock);
	lu_finish_locked("module init failed");
	mutex_unlock(&lu.lock);
	lu_devs_free();
	lu_backend_exit();
out_sysfs:
	lu_sysfs_exit();
out_free_stage:
	kvfree(lu.stage);
	return ret;
}

/* Only reached once every pci_lu_driver is gone: they link against us. */
static void __exit pci_lu_exit(void)
{
	lu_reboot_exit();
	lu_fault_exit();
	mutex_lock(&lu.lock);
	lu_finish_locked("module unload");
	mutex_unlock(&lu.lock);
	lu_devs_free();
	lu_backend_exit();
	lu_sysfs_exit();
	kvfree(lu.stage);
}

module_init(pci_lu_init);
module_exit(pci_lu_exit);

MODULE_DESCRIPTION("PCI live update: keep devices running across kexec");
MODULE_LICENSE("GPL");
