// SPDX-License-Identifier: GPL-2.0
/*
 * Chunks: the memory a device keeps using across a live update.
 *
 * pci_lu_alloc() takes a chunk from the handover backend (the memmap region
 * or KHO), pci_lu_restore() adopts one the previous kernel handed over and
 * pci_lu_free() gives one back. Where the memory comes from and how it
 * survives the kexec is the backend's business; this file keeps the lists.
 *
 * The backend maps a chunk for the device. Without an IOMMU the bus address
 * is the physical address, the same in both kernels; with one, the mapping
 * of the old kernel is gone, which pci_lu_restore() notices and refuses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "internal.h"

/* Fallback without a backend: the device works but cannot be preserved. */
static int lu_chunk_alloc_coherent(struct pci_dev *pdev, struct lu_chunk *c)
{
	c->vaddr = dma_alloc_coherent(&pdev->dev, c->size, &c->dma,
				      GFP_KERNEL);
	return c->vaddr ? 0 : -ENOMEM;
}

/* Memory the device can keep using across a kexec: zeroed, mapped for DMA. */
static int lu_chunk_alloc_backend(struct pci_dev *pdev, struct lu_chunk *c)
{
	int ret;

	ret = lu.backend->chunk_alloc(pdev, c);
	if (ret)
		return ret;
	c->in_region = true;
	ret = lu_chunk_map(pdev, c);
	if (ret)
		lu.backend->chunk_free(c);
	return ret;
}

/**
 * lu_chunk_alloc() - new zeroed DMA-able chunk for @pdev
 * @pdev: device that will use it
 * @tag: name to find it again after a kexec
 * @size: bytes, rounded up to pages
 *
 * Context: lu.lock held.
 * Return: the chunk, not yet on any list, or NULL.
 */
struct lu_chunk *lu_chunk_alloc(struct pci_dev *pdev, const char *tag,
				size_t size)
{
	struct lu_chunk *c;
	int ret;

	lockdep_assert_held(&lu.lock);

	c = kzalloc_obj(*c);
	if (!c)
		return NULL;
	strscpy(c->tag, tag, sizeof(c->tag));
	c->size = PAGE_ALIGN(size);

	if (lu.backend)
		ret = lu_chunk_alloc_backend(pdev, c);
	else
		ret = lu_chunk_alloc_coherent(pdev, c);
	if (ret) {
		kfree(c);
		return NULL;
	}
	return c;
}

/**
 * lu_chunk_map() - give @pdev a bus address for a backend chunk
 * @pdev: device
 * @c: chunk with @phys and @size set
 *
 * Return: 0 or -EIO.
 */
int lu_chunk_map(struct pci_dev *pdev, struct lu_chunk *c)
{
	int ret = lu.backend->chunk_map(pdev, c);

	if (ret)
		pci_err(pdev, "cannot map live update chunk '%s' for DMA\n",
			c->tag);
	return ret;
}

static void lu_chunk_unmap(struct pci_dev *pdev, struct lu_chunk *c)
{
	lu.backend->chunk_unmap(pdev, c);
	c->dma = 0;
}

/**
 * lu_chunk_release() - unmap and free a chunk
 * @pdev: device it was mapped for, or NULL if it never was in this kernel
 * @c: the chunk, already off its list
 *
 * Only call this once the device can no longer reach the memory: it was
 * reset, or its driver stopped it.
 *
 * Context: lu.lock held.
 */
void lu_chunk_release(struct pci_dev *pdev, struct lu_chunk *c)
{
	lockdep_assert_held(&lu.lock);
	if (!c->in_region) {
		dma_free_coherent(&pdev->dev, c->size, c->vaddr, c->dma);
	} else {
		if (pdev && c->dma)
			lu_chunk_unmap(pdev, c);
		lu.backend->chunk_free(c);
	}
	kfree(c);
}

size_t lu_chunks_size(struct list_head *list)
{
	struct lu_chunk *c;
	size_t sum = 0;

	list_for_each_entry(c, list, node)
		sum += c->size;
	return sum;
}

static struct lu_chunk *lu_chunk_find(struct list_head *list, const char *tag)
{
	struct lu_chunk *c;

	list_for_each_entry(c, list, node)
		if (!strcmp(c->tag, tag))
			return c;
	return NULL;
}

/**
 * pci_lu_alloc() - allocate memory a device may keep using across kexec
 * @pdev: the device, in its driver's probe() or later
 * @tag: unique name of the chunk for this device, < PCI_LU_TAG_LEN chars
 * @size: bytes; rounded up to whole pages
 * @dma: returns the bus address for the device
 *
 * The memory is zeroed, coherent and comes from the handover backend (the
 * memmap region or KHO), so that a preserved device can DMA to it while the
 * next kernel boots, and retrieve() finds it again with pci_lu_restore().
 * Without a backend it falls back to dma_alloc_coherent() and the device
 * cannot be preserved; for a device bound to a driver without freeze(),
 * it is dma_alloc_coherent() itself.
 *
 * Return: kernel address of the chunk, or NULL.
 */
void *pci_lu_alloc(struct pci_dev *pdev, const char *tag, size_t size,
		   dma_addr_t *dma)
{
	struct lu_dev *ldev;
	struct lu_chunk *c = NULL;

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	if (!ldev) {
		/* Its driver cannot freeze it: ordinary memory will do. */
		mutex_unlock(&lu.lock);
		return dma_alloc_coherent(&pdev->dev, size, dma, GFP_KERNEL);
	}
	if (lu_chunk_find(&ldev->chunks, tag)) {
		pci_err(pdev, "live update chunk '%s' allocated twice\n", tag);
		goto out;
	}
	if (lu_devfault_alloc(ldev, tag))
		goto out;
	c = lu_chunk_alloc(pdev, tag, size);
	if (c) {
		list_add_tail(&c->node, &ldev->chunks);
		*dma = c->dma;
	}
out:
	mutex_unlock(&lu.lock);
	return c ? c->vaddr : NULL;
}
EXPORT_SYMBOL_GPL(pci_lu_alloc);

/**
 * pci_lu_restore() - adopt a chunk the previous kernel allocated
 * @pdev: device being retrieved
 * @tag: the tag it was allocated with
 * @size: the size it was allocated with
 * @dma: returns the bus address, the same the device used before
 *
 * Only valid in retrieve(). The content is what the device and the previous
 * kernel left there; the chunk then belongs to @pdev as if from
 * pci_lu_alloc().
 *
 * Return: kernel address of the chunk, or NULL if there is no such chunk,
 * its size differs, or the device would now see it at another bus address.
 */
void *pci_lu_restore(struct pci_dev *pdev, const char *tag, size_t size,
		     dma_addr_t *dma)
{
	struct lu_dev *ldev;
	struct lu_chunk *c = NULL;

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	if (WARN_ON_ONCE(!ldev || !ldev->retrieving))
		goto out;
	c = lu_chunk_find(&ldev->in_chunks, tag);
	if (!c) {
		pci_err(pdev, "live update chunk '%s' not in the record\n", tag);
		goto out;
	}
	if (c->size != PAGE_ALIGN(size)) {
		pci_err(pdev, "live update chunk '%s' is %zu bytes, expected %zu\n",
			tag, c->size, PAGE_ALIGN(size));
		c = NULL;
		goto out;
	}
	if (lu_chunk_map(pdev, c)) {
		c = NULL;
		goto out;
	}
	if (c->dma != c->old_dma) {
		pci_err(pdev, "live update chunk '%s' moved from bus address %#llx to %pad (IOMMU?)\n",
			tag, c->old_dma, &c->dma);
		lu_chunk_unmap(pdev, c);
		c = NULL;
		goto out;
	}
	list_move_tail(&c->node, &ldev->chunks);
	*dma = c->dma;
out:
	mutex_unlock(&lu.lock);
	return c ? c->vaddr : NULL;
}
EXPORT_SYMBOL_GPL(pci_lu_restore);

/**
 * pci_lu_free() - free a chunk from pci_lu_alloc() or pci_lu_restore()
 * @pdev: its device
 * @size: the size it was allocated or restored with
 * @vaddr: its kernel address
 * @dma: its bus address
 *
 * The device must no longer use it. Inside retrieve() the device may still
 * be running, so the chunk is only released once a cold probe has reset it.
 * Chunks still allocated when the driver unbinds are freed by the core.
 */
void pci_lu_free(struct pci_dev *pdev, size_t size, void *vaddr,
		 dma_addr_t dma)
{
	struct lu_dev *ldev;
	struct lu_chunk *c;

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	if (!ldev) {
		mutex_unlock(&lu.lock);
		dma_free_coherent(&pdev->dev, size, vaddr, dma);
		return;
	}
	list_for_each_entry(c, &ldev->chunks, node) {
		if (c->vaddr != vaddr)
			continue;
		WARN_ONCE(c->size != PAGE_ALIGN(size) || c->dma != dma,
			  "%s: chunk '%s' freed with another size or address\n",
			  pci_name(pdev), c->tag);
		if (ldev->retrieving) {
			list_move_tail(&c->node, &ldev->in_chunks);
		} else {
			list_del(&c->node);
			lu_chunk_release(pdev, c);
		}
		goto out;
	}
	WARN_ONCE(1, "%s: unknown memory\n", __func__);
out:
	mutex_unlock(&lu.lock);
}
EXPORT_SYMBOL_GPL(pci_lu_free);
