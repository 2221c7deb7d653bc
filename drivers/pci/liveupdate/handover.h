/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout of the handover region shared by two kernels across a kexec.
 *
 * Both kernels reserve the same physical range with memmap=SIZE$ADDR, so
 * neither hands it to the page allocator and its content survives the kexec.
 * The outgoing kernel writes, the incoming kernel reads; both run on the same
 * machine, so fields are in native byte order.
 *
 *   0                 struct pci_lu_hdr
 *   PCI_LU_RECS_OFF   device records, each 8-byte aligned:
 *                       struct pci_lu_rec
 *                       struct pci_lu_chunk[nr_chunks]
 *                       driver blob (blob_len bytes)
 *   PCI_LU_DATA_OFF   chunks handed out by pci_lu_alloc(), page granular
 *
 * Any change to these structures must bump PCI_LU_ABI_VERSION: a kernel
 * refuses a handover with another version and every device is cold-probed.
 */
#ifndef _PCI_LU_HANDOVER_H
#define _PCI_LU_HANDOVER_H

#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/types.h>

#define PCI_LU_MAGIC		0x554c4350	/* "PCLU" */
#define PCI_LU_ABI_VERSION	1

#define PCI_LU_RECS_OFF		SZ_4K
#define PCI_LU_DATA_OFF		SZ_1M
#define PCI_LU_REGION_MIN	(PCI_LU_DATA_OFF + SZ_1M)
#define PCI_LU_DRV_NAME_LEN	32
#define PCI_LU_MAX_CHUNKS	256

/**
 * struct pci_lu_hdr - start of the handover region
 * @magic:	PCI_LU_MAGIC; zero when there is no handover
 * @abi_version: PCI_LU_ABI_VERSION of the writer
 * @hdr_crc:	crc32 of this header with @hdr_crc set to zero
 * @nr_records:	number of device records
 * @region_size: size of the region the writer used
 * @generation:	number of updates since the last cold boot
 * @records_len: bytes of records from PCI_LU_RECS_OFF
 */
struct pci_lu_hdr {
	u32 magic;
	u32 abi_version;
	u32 hdr_crc;
	u32 nr_records;
	u64 region_size;
	u64 generation;
	u64 records_len;
};

static_assert(sizeof(struct pci_lu_hdr) == 40);

/**
 * struct pci_lu_chunk - one preserved DMA-able chunk of a device
 * @tag:	name given by the driver, NUL-terminated
 * @offset:	offset from the region start, page aligned
 * @size:	size in bytes, page aligned
 * @dma:	bus address the device was given for it
 */
struct pci_lu_chunk {
	char tag[16];
	u64 offset;
	u64 size;
	u64 dma;
};

static_assert(sizeof(struct pci_lu_chunk) == 40);

/**
 * struct pci_lu_rec - one preserved device
 * @rec_len:	bytes of this record, chunks and blob included
 * @rec_crc:	crc32 of the whole record with @rec_crc set to zero
 * @domain:	PCI domain (segment) of the device
 * @bus:	bus number
 * @devfn:	device and function number
 * @vendor:	PCI vendor ID
 * @device:	PCI device ID
 * @subsystem_vendor: PCI subsystem vendor ID
 * @subsystem_device: PCI subsystem device ID
 * @reserved:	zero; pads @class to 4 bytes
 * @class:	PCI class code
 * @driver:	name of the driver that wrote the record, NUL-terminated
 * @blob_version: the driver's record_version
 * @blob_len:	bytes of the driver blob after the chunk table
 * @nr_chunks:	entries in @chunks
 * @reserved2:	zero; pads @chunks to 8 bytes
 * @chunks:	chunks the device keeps using
 */
struct pci_lu_rec {
	u32 rec_len;
	u32 rec_crc;
	u32 domain;
	u8 bus;
	u8 devfn;
	u16 vendor;
	u16 device;
	u16 subsystem_vendor;
	u16 subsystem_device;
	u16 reserved;
	u32 class;
	char driver[PCI_LU_DRV_NAME_LEN];
	u32 blob_version;
	u32 blob_len;
	u32 nr_chunks;
	u32 reserved2;
	struct pci_lu_chunk chunks[];
};

static_assert(sizeof(struct pci_lu_rec) == 80);

static inline const void *pci_lu_rec_blob(const struct pci_lu_rec *rec)
{
	return &rec->chunks[rec->nr_chunks];
}

static inline size_t pci_lu_rec_size(u32 nr_chunks, size_t blob_len)
{
	return ALIGN(struct_size_t(struct pci_lu_rec, chunks, nr_chunks) +
		     blob_len, 8);
}

#endif /* _PCI_LU_HANDOVER_H */
