// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the incoming handover and writing the outgoing one.
 *
 * The incoming handover is read once, when the core starts and before any
 * driver that could retrieve a device can register. Every check that fails is logged with the
 * reason, and what failed is dropped: a bad header drops the whole handover,
 * a bad record drops that device. Dropped devices get a cold probe().
 * Records that pass are copied to kernel memory and the header is cleared,
 * so a later reboot can never find the same handover again.
 *
 * The outgoing handover is written at kexec time: the reboot notifier writes
 * an empty header, and each freeze() appends one record and rewrites the
 * header, so the handover is consistent after every device.
 *
 * Where the header and records live is the backend's choice (the start of
 * the memmap region, or a KHO subtree): this file only sees lu.in_hdr and
 * lu.out_hdr, and asks the backend for each chunk.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/crc32.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "internal.h"

u32 lu_hdr_crc(const struct pci_lu_hdr *hdr)
{
	struct pci_lu_hdr tmp = *hdr;

	tmp.hdr_crc = 0;
	return crc32_le(~0, (const u8 *)&tmp, sizeof(tmp));
}

u32 lu_rec_crc(const struct pci_lu_rec *rec)
{
	const u32 zero = 0;
	u32 crc;

	crc = crc32_le(~0, (const u8 *)rec, offsetof(struct pci_lu_rec, rec_crc));
	crc = crc32_le(crc, (const u8 *)&zero, sizeof(zero));
	return crc32_le(crc, (const u8 *)rec + offsetofend(struct pci_lu_rec, rec_crc),
			rec->rec_len - offsetofend(struct pci_lu_rec, rec_crc));
}

/* Context: lu.lock held; the reason is a static buffer it protects. */
static const char *lu_hdr_invalid(const struct pci_lu_hdr *hdr)
{
	static char why[96];

	if (hdr->magic != PCI_LU_MAGIC)
		return "bad magic";
	if (hdr->hdr_crc != lu_hdr_crc(hdr))
		return "header CRC mismatch";
	if (hdr->abi_version != PCI_LU_ABI_VERSION) {
		snprintf(why, sizeof(why), "ABI version %u, this kernel reads %u",
			 hdr->abi_version, PCI_LU_ABI_VERSION);
		return why;
	}
	if (hdr->region_size > lu.in_size) {
		snprintf(why, sizeof(why),
			 "written for a %llu-byte region, this one has %zu bytes (truncated?)",
			 hdr->region_size, lu.in_size);
		return why;
	}
	if (hdr->records_len > PCI_LU_DATA_OFF - PCI_LU_RECS_OFF)
		return "records overrun the record area";
	return NULL;
}

/* Without a sane length the records after this one cannot be found. */
static bool lu_rec_len_ok(const struct pci_lu_rec *rec, u64 room)
{
	return room >= sizeof(*rec) && rec->rec_len >= sizeof(*rec) &&
	       rec->rec_len <= room && IS_ALIGNED(rec->rec_len, 8);
}

/* Check one record in place, its length already known to be sane. */
static const char *lu_rec_invalid(const struct pci_lu_rec *rec)
{
	if (rec->rec_crc != lu_rec_crc(rec))
		return "record CRC mismatch";
	if (rec->nr_chunks > PCI_LU_MAX_CHUNKS ||
	    rec->blob_len > PCI_LU_RECORD_MAX ||
	    pci_lu_rec_size(rec->nr_chunks, rec->blob_len) != rec->rec_len)
		return "inconsistent sizes";
	if (strnlen(rec->driver, sizeof(rec->driver)) == sizeof(rec->driver))
		return "driver name not terminated";
	return NULL;
}

static void lu_rec_name(const struct pci_lu_rec *rec, char *name, size_t len)
{
	snprintf(name, len, "%04x:%02x:%02x.%d", rec->domain, rec->bus,
		 PCI_SLOT(rec->devfn), PCI_FUNC(rec->devfn));
}

/* Turn the chunk table of a valid record into the device's in_chunks. */
static const char *lu_rec_take_chunks(struct lu_dev *ldev,
				      const struct pci_lu_rec *rec)
{
	struct lu_chunk *c;
	u32 i;

	for (i = 0; i < rec->nr_chunks; i++) {
		const struct pci_lu_chunk *d = &rec->chunks[i];

		if (strnlen(d->tag, sizeof(d->tag)) == sizeof(d->tag))
			return "chunk tag not terminated";
		c = kzalloc_obj(*c);
		if (!c)
			return "out of memory";
		c->size = d->size;
		if (lu.backend->chunk_claim(c, d->offset)) {
			kfree(c);
			return "chunk outside the data area or overlapping";
		}
		memcpy(c->tag, d->tag, sizeof(c->tag));
		c->old_dma = d->dma;
		c->in_region = true;
		list_add_tail(&c->node, &ldev->in_chunks);
	}
	return NULL;
}

static void lu_rec_adopt(const struct pci_lu_rec *rec, u32 idx)
{
	struct lu_dev *ldev;
	const char *why;
	char name[16];

	lu_rec_name(rec, name, sizeof(name));
	ldev = lu_dev_get(name);
	if (!ldev)
		return;
	if (ldev->in_rec) {
		why = "second record for the same device";
		goto refuse;
	}
	strscpy(ldev->driver, rec->driver, sizeof(ldev->driver));
	why = lu_rec_take_chunks(ldev, rec);
	if (why)
		goto refuse;
	ldev->in_rec = kmemdup(rec, rec->rec_len, GFP_KERNEL);
	if (!ldev->in_rec) {
		why = "out of memory";
		goto refuse;
	}
	lu_dev_set(ldev, LU_DEV_INCOMING, "%s", "");
	return;

refuse:
	pr_err("handover record %u for %s: %s; device will be cold-probed\n",
	       idx, name, why);
	lu_dev_set(ldev, LU_DEV_REFUSED, "record refused at load: %s", why);
	lu_release_stale(ldev, NULL);
}

/**
 * lu_handover_load() - read and check the incoming handover
 *
 * Context: core init, before any driver registers; lu.lock held.
 */
void lu_handover_load(void)
{
	struct pci_lu_hdr *hdr = lu.in_hdr;
	u64 off = 0;
	const char *why;
	u32 i;

	if (!hdr || !hdr->magic) {
		pr_info("no incoming handover (cold boot)\n");
		goto consume;
	}
	why = lu_hdr_invalid(hdr);
	if (why) {
		pr_err("incoming handover refused: %s; all devices will be cold-probed\n",
		       why);
		goto consume;
	}

	lu.incoming = true;
	lu.generation = hdr->generation;
	pr_info("incoming handover: generation %llu, %u device record(s)\n",
		hdr->generation, hdr->nr_records);

	for (i = 0; i < hdr->nr_records; i++) {
		struct pci_lu_rec *rec = (void *)hdr + PCI_LU_RECS_OFF + off;
		char name[16];

		if (!lu_rec_len_ok(rec, hdr->records_len - off)) {
			pr_err("handover record %u: length out of bounds; dropping it and the %u after it\n",
			       i, hdr->nr_records - i - 1);
			break;
		}
		why = lu_rec_invalid(rec);
		if (why) {
			struct lu_dev *ldev;

			lu_rec_name(rec, name, sizeof(name));
			pr_err("handover record %u (claims %s): %s; dropped, the device will be cold-probed\n",
			       i, name, why);
			ldev = lu_dev_get(name);
			if (ldev)
				lu_dev_set(ldev, LU_DEV_REFUSED,
					   "record refused at load: %s", why);
		} else {
			lu_rec_adopt(rec, i);
		}
		off += rec->rec_len;
	}

consume:
	if (hdr)
		hdr->magic = 0;
	lu.backend->in_done();
}

/**
 * lu_rec_ids_mismatch() - was an incoming record written for this device
 * @rec: the record
 * @pdev: the device now at the record's address
 *
 * Bus numbers can change across a kexec, so the IDs must match too; the
 * driver then checks the device's own identity (serial, MAC) in retrieve().
 *
 * Context: lu.lock held; the reason is a static buffer it protects.
 * Return: NULL if the IDs match, else why not.
 */
const char *lu_rec_ids_mismatch(const struct pci_lu_rec *rec,
				struct pci_dev *pdev)
{
	static char why[112];

	if (rec->vendor == pdev->vendor && rec->device == pdev->device &&
	    rec->subsystem_vendor == pdev->subsystem_vendor &&
	    rec->subsystem_device == pdev->subsystem_device &&
	    rec->class == pdev->class)
		return NULL;
	snprintf(why, sizeof(why),
		 "record is for %04x:%04x (%04x:%04x) class %06x, device is %04x:%04x (%04x:%04x) class %06x",
		 rec->vendor, rec->device, rec->subsystem_vendor,
		 rec->subsystem_device, rec->class, pdev->vendor, pdev->device,
		 pdev->subsystem_vendor, pdev->subsystem_device, pdev->class);
	return why;
}

/**
 * lu_rec_mismatch() - does an incoming record belong to this device and driver
 * @rec: the record
 * @pdev: device being bound
 * @paths: paths of the driver being bound
 *
 * Context: lu.lock held; the reason is a static buffer it protects.
 * Return: NULL if the record may be retrieved, else why not.
 */
const char *lu_rec_mismatch(const struct pci_lu_rec *rec, struct pci_dev *pdev,
			    const struct lu_paths *paths)
{
	static char why[96];
	const char *ids = lu_rec_ids_mismatch(rec, pdev);

	if (ids)
		return ids;
	if (strcmp(rec->driver, paths->name)) {
		snprintf(why, sizeof(why), "record written by driver '%s'",
			 rec->driver);
		return why;
	}
	if (!paths->retrieve) {
		snprintf(why, sizeof(why), "driver %s cannot retrieve a device",
			 paths->name);
		return why;
	}
	if (rec->blob_version != paths->version) {
		snprintf(why, sizeof(why),
			 "record version %u, driver reads version %u",
			 rec->blob_version, paths->version);
		return why;
	}
	return NULL;
}

static void lu_hdr_commit(struct pci_lu_hdr *hdr)
{
	hdr->hdr_crc = lu_hdr_crc(hdr);
	lu_fault_hdr(hdr);
}

/**
 * lu_handover_begin() - start an empty outgoing handover
 *
 * Context: reboot notifier of a kexec, before any freeze(); lu.lock held.
 * Return: 0, or a negative errno if the backend has no room for it.
 */
int lu_handover_begin(void)
{
	struct pci_lu_hdr *hdr;
	int ret;

	ret = lu.backend->out_begin();
	if (ret)
		return ret;
	hdr = lu.out_hdr;
	*hdr = (struct pci_lu_hdr) {
		.magic = PCI_LU_MAGIC,
		.abi_version = PCI_LU_ABI_VERSION,
		.region_size = lu.out_size,
		.generation = lu.generation + 1,
	};
	lu.out_len = 0;
	lu.out_nr = 0;
	lu_hdr_commit(hdr);
	return 0;
}

/**
 * lu_handover_invalidate() - make sure no kernel finds a handover
 *
 * Context: ordinary reboot or power off; lu.lock held.
 */
void lu_handover_invalidate(void)
{
	if (lu.out_hdr)
		lu.out_hdr->magic = 0;
}

static void lu_rec_fill_chunk(struct pci_lu_chunk *d, const struct lu_chunk *c)
{
	memcpy(d->tag, c->tag, sizeof(d->tag));
	d->offset = c->phys - lu.base;
	d->size = c->size;
	d->dma = c->dma ? c->dma : c->old_dma;
}

/*
 * The chunks the device uses, and those of the previous kernel it was not
 * seen to adopt: it may still DMA to them, so they stay reserved in the
 * next kernel too (which will not restore them either).
 */
static void lu_rec_fill_chunks(struct pci_lu_rec *rec, struct lu_dev *ldev)
{
	struct lu_chunk *c;
	u32 i = 0;

	list_for_each_entry(c, &ldev->chunks, node)
		lu_rec_fill_chunk(&rec->chunks[i++], c);
	list_for_each_entry(c, &ldev->in_chunks, node)
		lu_rec_fill_chunk(&rec->chunks[i++], c);
	rec->nr_chunks = i;
}

static int lu_preserve_list(struct list_head *list)
{
	struct lu_chunk *c;
	int ret;

	list_for_each_entry(c, list, node) {
		ret = lu.backend->chunk_preserve(c);
		if (ret)
			goto unwind;
	}
	return 0;

unwind:
	list_for_each_entry_continue_reverse(c, list, node)
		lu.backend->chunk_unpreserve(c);
	return ret;
}

static void lu_unpreserve_list(struct list_head *list)
{
	struct lu_chunk *c;

	list_for_each_entry(c, list, node)
		lu.backend->chunk_unpreserve(c);
}

/*
 * Make the chunks of a frozen device survive the kexec (KHO); the memmap
 * region needs nothing. Those of the previous kernel that the device was
 * not seen to adopt go too, as the record lists them. On failure none
 * stays preserved: the device gets shutdown() and the next kernel must
 * not find its memory reserved.
 */
static int lu_preserve_chunks(struct lu_dev *ldev)
{
	int ret;

	if (!lu.backend->chunk_preserve)
		return 0;
	ret = lu_preserve_list(&ldev->chunks);
	if (ret)
		return ret;
	ret = lu_preserve_list(&ldev->in_chunks);
	if (ret)
		lu_unpreserve_list(&ldev->chunks);
	return ret;
}

/**
 * lu_handover_append() - add the record of a frozen device
 * @ldev: the device; its chunks are listed in the record
 * @paths: its driver's paths
 * @blob: what freeze() wrote
 * @len: bytes of @blob
 *
 * Context: device shutdown of a kexec; lu.lock held.
 * Return: 0, -ENOSPC if the record area is full, or the backend's errno if
 * it could not preserve the chunks.
 */
int lu_handover_append(struct lu_dev *ldev, const struct lu_paths *paths,
		       const void *blob, size_t len)
{
	struct pci_lu_hdr *hdr = lu.out_hdr;
	struct pci_dev *pdev = ldev->pdev;
	size_t nr = list_count_nodes(&ldev->chunks) +
		    list_count_nodes(&ldev->in_chunks);
	size_t size = pci_lu_rec_size(nr, len);
	struct pci_lu_rec *rec;
	int ret;

	if (nr > PCI_LU_MAX_CHUNKS ||
	    size > PCI_LU_DATA_OFF - PCI_LU_RECS_OFF - lu.out_len)
		return -ENOSPC;

	ret = lu_preserve_chunks(ldev);
	if (ret)
		return ret;

	rec = (void *)hdr + PCI_LU_RECS_OFF + lu.out_len;
	memset(rec, 0, size);
	rec->rec_len = size;
	rec->domain = pci_domain_nr(pdev->bus);
	rec->bus = pdev->bus->number;
	rec->devfn = pdev->devfn;
	rec->vendor = pdev->vendor;
	rec->device = pdev->device;
	rec->subsystem_vendor = pdev->subsystem_vendor;
	rec->subsystem_device = pdev->subsystem_device;
	rec->class = pdev->class;
	strscpy(rec->driver, paths->name, sizeof(rec->driver));
	rec->blob_version = paths->version;
	rec->blob_len = len;
	lu_rec_fill_chunks(rec, ldev);
	memcpy((void *)pci_lu_rec_blob(rec), blob, len);
	rec->rec_crc = lu_rec_crc(rec);
	lu_fault_rec(rec, ldev->name);

	lu.out_len += size;
	lu.out_nr++;
	hdr->nr_records = lu.out_nr;
	hdr->records_len = lu.out_len;
	lu_hdr_commit(hdr);
	return 0;
}
