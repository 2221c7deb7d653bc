// SPDX-License-Identifier: GPL-2.0
/*
 * The KHO backend: Kexec HandOver carries the handover (Linux 6.16 and
 * later, CONFIG_KEXEC_HANDOVER, enabled with kho=on).
 *
 * The header and records keep the layout of handover.h, in one blob of
 * PCI_LU_DATA_OFF bytes that KHO hands to the next kernel as the subtree
 * "pci-liveupdate" of its FDT. Chunks are ordinary pages from the page
 * allocator; their offsets in the records are physical addresses (lu.base is
 * 0). Nothing is preserved until a kexec actually starts: the reboot
 * notifier preserves the blob and adds the subtree, and each freeze()
 * preserves the chunks of its device. So a kernel that never kexecs, or
 * kexecs a device that is not preserved, leaves nothing reserved in the
 * next kernel.
 *
 * KHO passes the handover by physical address with kexec_file_load (kexec
 * -s): state added after the kernel was loaded, up to the kexec itself,
 * reaches the next kernel (LUO serializes at the same point). The next
 * kernel finds the subtree, restores the blob and, for each valid record,
 * restores its chunks; those not adopted by retrieve() go back to the page
 * allocator when the device is reset or at finish. The chunks of a record
 * that is refused whole (bad header or CRC) cannot be trusted, so they are
 * never restored and stay reserved until the next cold boot.
 *
 * A record names chunks by physical address, and its CRC only says it
 * arrived as written. So that a wrong one cannot take pages another KHO
 * user preserved (a LUO memfd, another subtree), or pages nobody
 * preserved (which KHO refuses with a warning), the core hands over its
 * own list of the chunks it preserved, in a second subtree with a CRC of
 * its own. The next kernel restores a chunk only if it is in that list,
 * exactly and once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>

#include "internal.h"

#define LU_KHO_NODE	"pci-liveupdate"
#define LU_KHO_SIZE	PCI_LU_DATA_OFF		/* header and records */
#define LU_KHO_PAGES_NODE	"pci-liveupdate-pages"
#define LU_KHO_PAGES_SIZE	SZ_16K
#define LU_KHO_PAGES_MAGIC	0x4c55504bU	/* "LUPK" */

/* The chunks this core preserved, as the next kernel gets them. */
struct lu_kho_pages {
	u32 magic;
	u32 nr;
	u32 crc;		/* over nr and the entries */
	u32 reserved;
	struct {
		u64 phys;
		u64 size;
	} r[];
};

#define LU_KHO_PAGES_MAX \
	((LU_KHO_PAGES_SIZE - sizeof(struct lu_kho_pages)) / (2 * sizeof(u64)))

static struct {
	struct folio *out;	/* outgoing blob, allocated at load */
	bool out_preserved;	/* ... and handed to KHO for a kexec */
	struct folio *in;	/* incoming blob until it has been read */
	struct folio *out_pages;	/* outgoing list of preserved chunks */
	struct folio *in_pages;	/* incoming list, until the blob is read */
	unsigned long *in_claimed;	/* entries of it restored already */
} lu_kho;

static u32 lu_kho_pages_crc(const struct lu_kho_pages *p)
{
	u32 crc = crc32_le(~0, (const u8 *)&p->nr, sizeof(p->nr));

	return crc32_le(crc, (const u8 *)p->r, p->nr * sizeof(p->r[0]));
}

/* Contiguous pages (at most 1 << MAX_PAGE_ORDER of them) within the
 * device's DMA mask. A failure is the caller's to report: userspace asks
 * for ring sizes, and nothing it asks may warn.
 */
static int lu_kho_alloc(struct pci_dev *pdev, struct lu_chunk *c)
{
	u64 mask = dma_get_mask(&pdev->dev);
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;

	if (mask <= DMA_BIT_MASK(32))
		gfp |= GFP_DMA32;
	c->vaddr = alloc_pages_exact(c->size, gfp);
	if (!c->vaddr) {
		pci_warn(pdev, "no %zu contiguous bytes for live update chunk '%s'\n",
			 c->size, c->tag);
		return -ENOMEM;
	}
	c->phys = virt_to_phys(c->vaddr);
	if (c->phys + c->size - 1 > mask) {
		pci_warn(pdev, "live update chunk '%s' at %pa is beyond the DMA mask\n",
			 c->tag, &c->phys);
		free_pages_exact(c->vaddr, c->size);
		return -ENOMEM;
	}
	return 0;
}

/*
 * KHO itself refuses (with a warning) pages it was not asked to preserve
 * or that were restored already, so an overlap cannot be claimed twice.
 * It restores a range block by block, as kho_preserve_pages() split it,
 * and leaves the blocks before a refused one restored: restore them one
 * by one here, and give those back if a later one is refused (a record
 * whose chunk runs past what the previous kernel preserved).
 */
static int lu_kho_claim(struct lu_chunk *c, u64 offset)
{
	const struct lu_kho_pages *in;
	unsigned long pfn = PHYS_PFN(offset), end, order;
	u32 i;

	if (!offset || !PAGE_ALIGNED(offset) || !PAGE_ALIGNED(c->size) ||
	    !c->size)
		return -EINVAL;
	/* Only what the previous kernel's core preserved, exactly, once. */
	if (!lu_kho.in_pages) {
		pr_err("chunk at %#llx: the previous kernel handed over no list of preserved pages\n",
		       offset);
		return -EINVAL;
	}
	in = folio_address(lu_kho.in_pages);
	for (i = 0; i < in->nr; i++)
		if (in->r[i].phys == offset && in->r[i].size == c->size)
			break;
	if (i == in->nr || test_and_set_bit(i, lu_kho.in_claimed)) {
		pr_err("chunk of %zu bytes at %#llx was not preserved by the previous kernel's live update, or is claimed twice\n",
		       c->size, offset);
		return -EINVAL;
	}
	end = pfn + (c->size >> PAGE_SHIFT);
	for (; pfn < end; pfn += 1UL << order) {
		order = min_t(unsigned long, __ffs(pfn), ilog2(end - pfn));
		if (!kho_restore_pages(PFN_PHYS(pfn), 1UL << order))
			goto undo;
	}
	c->phys = offset;
	c->vaddr = phys_to_virt(offset);
	return 0;

undo:
	if (pfn > PHYS_PFN(offset))
		free_pages_exact(phys_to_virt(offset), PFN_PHYS(pfn) - offset);
	return -EINVAL;
}

/*
 * The pages are RAM: mapped as RAM, for both directions, and only where the
 * device reaches them directly, coherent and with no bounce buffer, as it
 * must while the next kernel boots.
 */
static int lu_kho_map(struct pci_dev *pdev, struct lu_chunk *c)
{
	struct device *dev = &pdev->dev;

	c->dma = dma_map_page_attrs(dev, virt_to_page(c->vaddr), 0, c->size,
				    DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(dev, c->dma))
		return -EIO;
	if (dma_need_sync(dev, c->dma)) {
		pci_warn(pdev, "live update chunk '%s' would need DMA syncs or bouncing\n",
			 c->tag);
		dma_unmap_page_attrs(dev, c->dma, c->size, DMA_BIDIRECTIONAL,
				     DMA_ATTR_SKIP_CPU_SYNC);
		return -EIO;
	}
	return 0;
}

static void lu_kho_unmap(struct pci_dev *pdev, struct lu_chunk *c)
{
	dma_unmap_page_attrs(&pdev->dev, c->dma, c->size, DMA_BIDIRECTIONAL,
			     DMA_ATTR_SKIP_CPU_SYNC);
}

/* Restored pages are order-0 pages with a reference each, as those of
 * alloc_pages_exact(): one way to free both.
 */
static void lu_kho_free(struct lu_chunk *c)
{
	free_pages_exact(c->vaddr, c->size);
}

/* Preserve the pages, and list them for the next kernel. */
static int lu_kho_preserve(struct lu_chunk *c)
{
	struct lu_kho_pages *out = folio_address(lu_kho.out_pages);
	int ret;

	if (out->nr == LU_KHO_PAGES_MAX)
		return -ENOSPC;
	ret = kho_preserve_pages(virt_to_page(c->vaddr), c->size >> PAGE_SHIFT);
	if (ret)
		return ret;
	out->r[out->nr].phys = c->phys;
	out->r[out->nr].size = c->size;
	out->nr++;
	out->crc = lu_kho_pages_crc(out);
	return 0;
}

static void lu_kho_unpreserve(struct lu_chunk *c)
{
	struct lu_kho_pages *out = folio_address(lu_kho.out_pages);
	u32 i;

	kho_unpreserve_pages(virt_to_page(c->vaddr), c->size >> PAGE_SHIFT);
	for (i = 0; i < out->nr; i++) {
		if (out->r[i].phys != c->phys)
			continue;
		out->r[i] = out->r[--out->nr];
		break;
	}
	out->crc = lu_kho_pages_crc(out);
}

static int lu_kho_add(struct folio *folio, const char *name, size_t size)
{
	int ret = kho_preserve_folio(folio);

	if (ret)
		return ret;
	ret = kho_add_subtree(name, folio_address(folio), size);
	if (ret)
		kho_unpreserve_folio(folio);
	return ret;
}

static void lu_kho_remove(struct folio *folio)
{
	kho_remove_subtree(folio_address(folio));
	kho_unpreserve_folio(folio);
}

/*
 * A kexec starts: hand the blob and the list of preserved chunks to KHO;
 * freeze() fills them next.
 */
static int lu_kho_out_begin(void)
{
	int ret;

	if (lu_kho.out_preserved)
		return 0;
	ret = lu_kho_add(lu_kho.out, LU_KHO_NODE, LU_KHO_SIZE);
	if (ret)
		return ret;
	ret = lu_kho_add(lu_kho.out_pages, LU_KHO_PAGES_NODE, LU_KHO_PAGES_SIZE);
	if (ret) {
		lu_kho_remove(lu_kho.out);
		return ret;
	}
	lu_kho.out_preserved = true;
	return 0;
}

static void lu_kho_in_done(void)
{
	if (lu_kho.in)
		folio_put(lu_kho.in);
	lu_kho.in = NULL;
	lu.in_hdr = NULL;
	if (lu_kho.in_pages)
		folio_put(lu_kho.in_pages);
	lu_kho.in_pages = NULL;
	bitmap_free(lu_kho.in_claimed);
	lu_kho.in_claimed = NULL;
}

static void lu_kho_exit(void)
{
	lu_kho_in_done();
	if (lu_kho.out_preserved) {
		lu_kho_remove(lu_kho.out_pages);
		lu_kho_remove(lu_kho.out);
		lu_kho.out_preserved = false;
	}
	folio_put(lu_kho.out_pages);
	lu_kho.out_pages = NULL;
	folio_put(lu_kho.out);
	lu_kho.out = NULL;
	lu.out_hdr = NULL;
}

static const struct lu_backend lu_kho_backend = {
	.name			= "kho",
	.exit			= lu_kho_exit,
	.chunk_alloc		= lu_kho_alloc,
	.chunk_claim		= lu_kho_claim,
	.chunk_free		= lu_kho_free,
	.chunk_map		= lu_kho_map,
	.chunk_unmap		= lu_kho_unmap,
	.chunk_preserve		= lu_kho_preserve,
	.chunk_unpreserve	= lu_kho_unpreserve,
	.out_begin		= lu_kho_out_begin,
	.in_done		= lu_kho_in_done,
};

/*
 * The list of chunks the previous kernel preserved, checked like a record.
 * Without a valid one no chunk is restored (lu_kho_claim()): the devices
 * are cold-probed, and their memory stays reserved until a cold boot.
 */
static void lu_kho_find_incoming_pages(void)
{
	const struct lu_kho_pages *in;
	struct folio *folio;
	phys_addr_t phys;
	size_t size;

	if (kho_retrieve_subtree(LU_KHO_PAGES_NODE, &phys, &size) ||
	    size != LU_KHO_PAGES_SIZE || !PAGE_ALIGNED(phys)) {
		pr_err("KHO subtree %s missing or malformed: no preserved memory is restored\n",
		       LU_KHO_PAGES_NODE);
		return;
	}
	folio = kho_restore_folio(phys);
	if (!folio || folio_size(folio) < size) {
		pr_err("KHO subtree %s was not preserved whole: no preserved memory is restored\n",
		       LU_KHO_PAGES_NODE);
		if (folio)
			folio_put(folio);
		return;
	}
	in = folio_address(folio);
	if (in->magic != LU_KHO_PAGES_MAGIC || in->nr > LU_KHO_PAGES_MAX ||
	    in->crc != lu_kho_pages_crc(in)) {
		pr_err("KHO subtree %s fails its checks: no preserved memory is restored\n",
		       LU_KHO_PAGES_NODE);
		folio_put(folio);
		return;
	}
	lu_kho.in_claimed = bitmap_zalloc(in->nr, GFP_KERNEL);
	if (!lu_kho.in_claimed) {
		folio_put(folio);
		return;
	}
	lu_kho.in_pages = folio;
}

/* Find and take the blob the previous kernel handed over, if any. */
static void lu_kho_find_incoming(void)
{
	struct folio *folio;
	phys_addr_t phys;
	size_t size;
	int ret;

	ret = kho_retrieve_subtree(LU_KHO_NODE, &phys, &size);
	if (ret == -ENOENT)
		return;		/* cold boot, or a kexec without us */
	if (ret) {
		pr_err("KHO subtree %s unreadable (%pe); all devices will be cold-probed\n",
		       LU_KHO_NODE, ERR_PTR(ret));
		return;
	}
	if (size != LU_KHO_SIZE || !PAGE_ALIGNED(phys)) {
		pr_err("KHO subtree %s is %zu bytes at %pa, expected %u page-aligned bytes; all devices will be cold-probed\n",
		       LU_KHO_NODE, size, &phys, LU_KHO_SIZE);
		return;
	}
	folio = kho_restore_folio(phys);
	if (!folio || folio_size(folio) < size) {
		pr_err("KHO subtree %s at %pa was not preserved whole; all devices will be cold-probed\n",
		       LU_KHO_NODE, &phys);
		if (folio)
			folio_put(folio);
		return;
	}
	lu_kho.in = folio;
	lu.in_hdr = folio_address(folio);
	lu.in_size = size;
	lu_kho_find_incoming_pages();
}

/**
 * lu_kho_usable() - can KHO carry the handover in this kernel
 *
 * With kho=off, KHO still keeps what the previous kernel preserved, but
 * nothing can be preserved for the next one: the core then runs without a
 * backend, and says so if a handover is being ignored.
 *
 * Return: true if the running kernel was booted with KHO enabled.
 */
bool lu_kho_usable(void)
{
	if (kho_is_enabled())
		return true;
	if (is_kho_boot())
		pr_warn("the previous kernel handed over with KHO, but KHO is off in this kernel (kho=off): preserved devices are cold-probed\n");
	return false;
}

/**
 * lu_kho_init() - use KHO as the handover backend
 *
 * Return: 0 with lu.backend set, or -ENOMEM.
 */
int lu_kho_init(void)
{
	struct lu_kho_pages *out;

	lu_kho.out = folio_alloc(GFP_KERNEL | __GFP_ZERO, get_order(LU_KHO_SIZE));
	if (!lu_kho.out)
		return -ENOMEM;
	lu_kho.out_pages = folio_alloc(GFP_KERNEL | __GFP_ZERO,
				       get_order(LU_KHO_PAGES_SIZE));
	if (!lu_kho.out_pages) {
		folio_put(lu_kho.out);
		lu_kho.out = NULL;
		return -ENOMEM;
	}
	out = folio_address(lu_kho.out_pages);
	out->magic = LU_KHO_PAGES_MAGIC;
	out->crc = lu_kho_pages_crc(out);
	lu.out_hdr = folio_address(lu_kho.out);
	lu.out_size = LU_KHO_SIZE;
	lu.base = 0;
	lu_kho_find_incoming();
	lu.backend = &lu_kho_backend;
	pr_info("handover backend KHO (subtree %s)%s\n", LU_KHO_NODE,
		lu.in_hdr ? ", incoming handover found" : "");
	return 0;
}
