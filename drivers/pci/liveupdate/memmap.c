// SPDX-License-Identifier: GPL-2.0
/*
 * The memmap backend: a handover region reserved on the command line.
 *
 * The region is ordinary RAM that both kernels reserve with memmap=SIZE$ADDR.
 * It holds the handover header and records at its start and, from
 * PCI_LU_DATA_OFF, the chunks handed out by pci_lu_alloc(). A bitmap in
 * kernel memory says which data pages are in use. At load the bitmap is
 * seeded with the chunks named by valid incoming records, so memory a
 * running device still uses is never handed out again. Chunk offsets in the
 * records are relative to the region start.
 *
 * This is the backend for kernels without Kexec HandOver (KHO), such as
 * Debian's 6.12; see kho.c for the other one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>

#include "internal.h"
#include "module.h"

/* The region, mapped write-back; virt is NULL when none is configured. */
static struct {
	void *virt;
	unsigned long *used;		/* data-area pages in use */
	unsigned long nr_pages;
} lu_region;

static unsigned long lu_page_of(u64 offset)
{
	return (offset - PCI_LU_DATA_OFF) >> PAGE_SHIFT;
}

/* Mark an incoming chunk as in use; -EINVAL if it is outside the data area,
 * not page aligned, or overlaps memory already claimed.
 */
static int lu_region_claim(struct lu_chunk *c, u64 offset)
{
	unsigned long first, n;

	if (!PAGE_ALIGNED(offset) || !PAGE_ALIGNED(c->size) || !c->size ||
	    offset < PCI_LU_DATA_OFF || offset > lu.size ||
	    c->size > lu.size - offset)
		return -EINVAL;

	first = lu_page_of(offset);
	n = c->size >> PAGE_SHIFT;
	if (find_next_bit(lu_region.used, first + n, first) < first + n)
		return -EINVAL;
	bitmap_set(lu_region.used, first, n);
	c->phys = lu.base + offset;
	c->vaddr = lu_region.virt + offset;
	return 0;
}

static void lu_region_free(struct lu_chunk *c)
{
	u64 offset = c->phys - lu.base;

	bitmap_clear(lu_region.used, lu_page_of(offset), c->size >> PAGE_SHIFT);
}

static int lu_region_alloc(struct pci_dev *pdev, struct lu_chunk *c)
{
	unsigned long n = c->size >> PAGE_SHIFT, first;
	u64 offset;

	first = bitmap_find_next_zero_area(lu_region.used, lu_region.nr_pages,
					   0, n, 0);
	if (first >= lu_region.nr_pages) {
		pci_warn(pdev, "live update region full: no %zu bytes for '%s'\n",
			 c->size, c->tag);
		return -ENOMEM;
	}
	bitmap_set(lu_region.used, first, n);

	offset = PCI_LU_DATA_OFF + ((u64)first << PAGE_SHIFT);
	c->phys = lu.base + offset;
	c->vaddr = lu_region.virt + offset;
	memset(c->vaddr, 0, c->size);
	return 0;
}

/*
 * The region is not System RAM to this kernel (memmap= took it out, and a
 * region that is was refused at load): a physical range like a device's
 * memory, mapped for DMA as a resource.
 */
static int lu_region_dma_map(struct pci_dev *pdev, struct lu_chunk *c)
{
	c->dma = dma_map_resource(&pdev->dev, c->phys, c->size,
				  DMA_BIDIRECTIONAL, 0);
	return dma_mapping_error(&pdev->dev, c->dma) ? -EIO : 0;
}

static void lu_region_dma_unmap(struct pci_dev *pdev, struct lu_chunk *c)
{
	dma_unmap_resource(&pdev->dev, c->dma, c->size, DMA_BIDIRECTIONAL, 0);
}

/* The header lives at the region start, for both directions. */
static int lu_region_out_begin(void)
{
	return 0;
}

static void lu_region_in_done(void)
{
}

static void lu_region_unmap(void)
{
	memunmap(lu_region.virt);
	bitmap_free(lu_region.used);
	lu_region.virt = NULL;
	lu_region.used = NULL;
}

static const struct lu_backend lu_region_backend = {
	.name		= "memmap",
	.exit		= lu_region_unmap,
	.chunk_alloc	= lu_region_alloc,
	.chunk_claim	= lu_region_claim,
	.chunk_free	= lu_region_free,
	.chunk_map	= lu_region_dma_map,
	.chunk_unmap	= lu_region_dma_unmap,
	.out_begin	= lu_region_out_begin,
	.in_done	= lu_region_in_done,
};

/*
 * Called for each memory resource over the range, outermost first, in
 * address order: a piece other than reserved memory, or a gap before the
 * piece (a hole), stops the walk.
 */
static int lu_region_reserved_piece(struct resource *res, void *arg)
{
	u64 *next = arg;

	if (res->desc != IORES_DESC_RESERVED || res->start > *next)
		return 1;
	*next = res->end + 1;
	return 0;
}

/*
 * True when [base, base + size) is reserved memory throughout (memmap= or
 * the firmware map reserved it) and nothing claims a part of it: not a PCI
 * window or a device's BAR, not ECAM (reserved by the firmware, but under
 * a "PCI MMCONFIG" resource), not ACPI tables, not a hole. memremap()
 * would map any of them write-back as readily as RAM, and the handover
 * would be written to a device or to nowhere.
 */
static bool lu_region_reserved(phys_addr_t base, size_t size)
{
	u64 next = base;

	if (walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_MEM, base,
				base + size - 1, &next,
				lu_region_reserved_piece))
		return false;
	return next >= base + size;
}

/* Use the reserved region as the handover backend: lu.backend set. */
static int lu_region_map(phys_addr_t base, size_t size)
{
	if (!PAGE_ALIGNED(base) || !PAGE_ALIGNED(size) ||
	    size < PCI_LU_REGION_MIN) {
		pr_err("region %zu bytes at %pa is unusable: needs page alignment and at least %u bytes\n",
		       size, &base, PCI_LU_REGION_MIN);
		return -EINVAL;
	}

	/*
	 * memremap() maps RAM the kernel uses as readily as reserved RAM: a
	 * region= the kernel did not reserve (no memmap=, or another range)
	 * would have us write the handover over live memory.
	 */
	if (region_intersects(base, size, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("region %zu bytes at %pa is System RAM in use, not reserved: boot with memmap=%zuM$%pa\n",
		       size, &base, size >> 20, &base);
		return -EINVAL;
	}
	if (!lu_region_reserved(base, size)) {
		pr_err("region %zu bytes at %pa is not reserved memory (MMIO, a hole or a mix): boot with memmap=%zuM$%pa over RAM\n",
		       size, &base, size >> 20, &base);
		return -EINVAL;
	}

	lu_region.nr_pages = (size - PCI_LU_DATA_OFF) >> PAGE_SHIFT;
	lu_region.used = bitmap_zalloc(lu_region.nr_pages, GFP_KERNEL);
	if (!lu_region.used)
		return -ENOMEM;

	/* Write-back: the region is RAM, and both kernels map it alike. */
	lu_region.virt = memremap(base, size, MEMREMAP_WB);
	if (!lu_region.virt) {
		pr_err("cannot map region %zu bytes at %pa; is it reserved with memmap=?\n",
		       size, &base);
		bitmap_free(lu_region.used);
		lu_region.used = NULL;
		return -ENOMEM;
	}
	lu.base = base;
	lu.size = size;
	lu.in_hdr = lu_region.virt;
	lu.in_size = size;
	lu.out_hdr = lu_region.virt;
	lu.out_size = size;
	lu.backend = &lu_region_backend;
	return 0;
}

/* SIZE$ADDR as memmap= has it; '@' works too. */
static int lu_region_parse(const char *spec, phys_addr_t *base, size_t *size)
{
	char *p;

	*size = memparse(spec, &p);
	if ((*p != '$' && *p != '@') || !*size)
		return -EINVAL;
	*base = memparse(p + 1, &p);
	return *p ? -EINVAL : 0;
}

/**
 * lu_region_init() - make the region the module was given the backend
 * @spec: the region= parameter, SIZE$ADDR
 *
 * Context: lu.lock held, at load.
 * Return: 0 with lu.backend set, or a negative errno after a log line.
 */
int lu_region_init(const char *spec)
{
	phys_addr_t base;
	size_t size;
	int ret;

	if (lu_region_parse(spec, &base, &size)) {
		pr_err("region=%s is not SIZE$ADDR\n", spec);
		return -EINVAL;
	}
	ret = lu_region_map(base, size);
	if (!ret)
		pr_info("handover region %zu MiB at %pa\n", size / SZ_1M, &base);
	return ret;
}

static ssize_t region_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	ssize_t ret;

	mutex_lock(&lu.lock);
	if (!lu_region.virt)
		ret = sysfs_emit(buf, "none\n");
	else
		ret = sysfs_emit(buf, "%zu@%pa\n", lu.size, &lu.base);
	mutex_unlock(&lu.lock);
	return ret;
}

static struct kobj_attribute region_attr = __ATTR_RO(region);

static ssize_t region_used_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	unsigned long used = 0;

	mutex_lock(&lu.lock);
	if (lu_region.virt)
		used = bitmap_weight(lu_region.used, lu_region.nr_pages);
	mutex_unlock(&lu.lock);
	return sysfs_emit(buf, "%lu\n", used << PAGE_SHIFT);
}

static struct kobj_attribute region_used_attr = __ATTR_RO(region_used);

static struct attribute *lu_region_attrs[] = {
	&region_attr.attr,
	&region_used_attr.attr,
	NULL,
};

/* region (SIZE@ADDR or "none") and region_used (bytes of its data area). */
const struct attribute_group lu_region_group = {
	.attrs = lu_region_attrs,
};
