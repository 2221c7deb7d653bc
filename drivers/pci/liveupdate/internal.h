/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI live update core: state shared by its files.
 *
 * The core exists in two forms built from the same files: the pci_lu module
 * for stock kernels, whose drivers register a struct pci_lu_driver, and the
 * PCI core's own live update, where struct pci_driver has retrieve() and
 * freeze(). What both forms share:
 *
 * core.c      the table of devices the core knows of, preserve, finish
 * bind.c      the choice of hardware path: probe/retrieve, freeze/shutdown
 * chunk.c     pci_lu_alloc(), pci_lu_restore(), pci_lu_free()
 * handover.c  reading the incoming and writing the outgoing handover
 * kho.c       the KHO backend (CONFIG_KEXEC_HANDOVER)
 * sysfs.c     /sys/kernel/pci_liveupdate
 * fault.c     debugfs fault injection into the handover (testing only)
 * devfault.c  per-device fault injection for drivers (testing only)
 *
 * The module alone: module.c (load, parameters), dispatch.c (struct
 * pci_lu_driver, the reboot notifier) and memmap.c (a region reserved with
 * memmap=, for kernels without KHO). The PCI core alone: pci.c, called from
 * drivers/pci/pci-driver.c.
 */
#ifndef _PCI_LU_INTERNAL_H
#define _PCI_LU_INTERNAL_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci_lu.h>

#include "handover.h"

/* What happened to a device, as shown in sysfs. */
enum lu_dev_status {
	LU_DEV_INCOMING,	/* valid record, waiting for its driver */
	LU_DEV_REFUSED,		/* record refused at load, device not bound yet */
	LU_DEV_RETRIEVED,	/* adopted by retrieve() */
	LU_DEV_PROBED,		/* cold probe(); @reason says why if a record existed */
	LU_DEV_FROZEN,		/* freeze() wrote its record */
	LU_DEV_FREEZE_FAILED,	/* freeze() failed, shutdown() ran instead */
	LU_DEV_ABANDONED,	/* record never claimed; its memory was returned */
	LU_DEV_UNBOUND,		/* driver unbound */
};

/* A piece of preserved memory that one device uses for DMA. */
struct lu_chunk {
	struct list_head node;
	char tag[PCI_LU_TAG_LEN];
	phys_addr_t phys;
	size_t size;
	void *vaddr;
	dma_addr_t dma;		/* as mapped for the current device */
	u64 old_dma;		/* incoming: bus address in the old kernel */
	bool in_region;		/* from the backend; false: dma_alloc_coherent() */
};

/* One device the core knows of: bound to a driver that can freeze it, or
 * named by an incoming record. Lives until the core goes away.
 */
struct lu_dev {
	struct list_head node;
	struct kobject kobj;		/* devices/<name> in sysfs */
	char name[16];			/* "dddd:bb:dd.f" */
	struct pci_dev *pdev;		/* bound device or NULL */
	enum lu_dev_status status;
	char reason[96];
	char driver[PCI_LU_DRV_NAME_LEN];
	bool can_freeze;		/* its driver has freeze() */
	bool preserved;			/* freeze() at the next kexec */
	bool retrieving;		/* inside retrieve(), which owns the record */
	bool overridden;		/* the module set driver_override */
	struct pci_lu_rec *in_rec;	/* incoming record (copy) */
	struct list_head chunks;	/* memory the device uses now */
	struct list_head in_chunks;	/* old kernel's memory not adopted */
	struct pci_lu_fault *fault;	/* devfault.c, testing only */
};

/**
 * struct lu_paths - a driver's hardware paths, as the core calls them
 * @name:	driver name, written into and compared with records
 * @version:	version of the record @freeze writes and @retrieve reads
 * @probe:	cold start; required
 * @retrieve:	adopt a preserved device; NULL if the driver cannot
 * @freeze:	quiesce for a live update; NULL if the driver cannot
 * @shutdown:	ordinary stop; may be NULL
 * @reset:	optional; make a preserved device that is about to be
 *		cold-probed stop its DMA before the driver sees it
 *
 * The module fills it from a struct pci_lu_driver, the PCI core from a
 * struct pci_driver.
 */
struct lu_paths {
	const char *name;
	u32 version;
	int (*probe)(struct pci_dev *pdev, const struct pci_device_id *id);
	int (*retrieve)(struct pci_dev *pdev, const struct pci_device_id *id,
			const void *rec, size_t len);
	int (*freeze)(struct pci_dev *pdev, void *rec, size_t *len);
	void (*shutdown)(struct pci_dev *pdev);
	void (*reset)(struct pci_dev *pdev);
};

/**
 * struct lu_backend - where handed-over memory lives and how it survives kexec
 * @name:	shown in sysfs: "memmap" or "kho"
 * @exit:	undo the backend's init; no chunk is left
 * @chunk_alloc: set @phys and @vaddr of a new zeroed chunk of @size bytes
 * @chunk_claim: set @phys and @vaddr of an incoming chunk of @size bytes at
 *		@offset (as written by the previous kernel); -EINVAL if it
 *		is not memory this backend could have handed over
 * @chunk_free:	give a chunk's memory back; the device no longer uses it
 * @chunk_map:	set @dma of a chunk for @pdev; -EIO if the device cannot
 *		reach it directly, the same way in the next kernel
 * @chunk_unmap: undo @chunk_map
 * @chunk_preserve: optional; make a chunk of a frozen device survive the
 *		kexec. Called for every chunk of the record being written.
 * @chunk_unpreserve: undo @chunk_preserve when the record cannot be written
 * @out_begin:	make lu.out_hdr point to room for the outgoing handover
 * @in_done:	lu.in_hdr has been read and copied; release it
 *
 * Chunk offsets in records are relative to lu.base. All calls with lu.lock
 * held, or from init and exit.
 */
struct lu_backend {
	const char *name;
	void (*exit)(void);
	int (*chunk_alloc)(struct pci_dev *pdev, struct lu_chunk *c);
	int (*chunk_claim)(struct lu_chunk *c, u64 offset);
	void (*chunk_free)(struct lu_chunk *c);
	int (*chunk_map)(struct pci_dev *pdev, struct lu_chunk *c);
	void (*chunk_unmap)(struct pci_dev *pdev, struct lu_chunk *c);
	int (*chunk_preserve)(struct lu_chunk *c);
	void (*chunk_unpreserve)(struct lu_chunk *c);
	int (*out_begin)(void);
	void (*in_done)(void);
};

enum lu_reboot {
	LU_RUNNING,
	LU_KEXEC,	/* freeze() preserved devices */
	LU_REBOOT,	/* everything gets shutdown() */
};

/*
 * The core's state. Locking rules:
 * - lu.lock covers every field below, the device list and every lu_dev,
 *   for readers too (sysfs included), with these exceptions:
 * - backend, in_size, out_size, base and size change only while the form
 *   starts (under the lock once sysfs shows them) and at module unload
 *   (once sysfs is gone); the core's own paths read them without it;
 * - stage is used by freeze() outside the lock: device shutdown runs one
 *   device at a time (lu_freeze_dev());
 * - a reason returned by the lu_*_mismatch() and lu_hdr_invalid() helpers
 *   may point into a static buffer: use it before dropping lu.lock.
 * Driver paths (probe, retrieve, freeze, shutdown) never run under it.
 */
struct lu_state {
	struct mutex lock;		/* see above */
	struct list_head devs;
	bool incoming;			/* an incoming handover is active */
	bool finished;
	u64 generation;			/* of the incoming handover, 0 if none */
	enum lu_reboot reboot;

	/* The handover backend, NULL if devices cannot be preserved. */
	const struct lu_backend *backend;
	struct pci_lu_hdr *in_hdr;	/* incoming handover, or NULL */
	size_t in_size;
	struct pci_lu_hdr *out_hdr;	/* outgoing handover, or NULL */
	size_t out_size;
	phys_addr_t base;		/* chunk offsets are relative to it */
	size_t size;			/* the memmap region's, 0 with KHO */
	u64 out_len;			/* bytes of outgoing records */
	u32 out_nr;
	void *stage;			/* PCI_LU_RECORD_MAX bytes for freeze() */
};

extern struct lu_state lu;

/* core.c */
struct lu_dev *lu_dev_find(const char *name);
struct lu_dev *lu_dev_get(const char *name);
struct lu_dev *lu_dev_of(struct pci_dev *pdev);
struct pci_dev *lu_dev_pci(struct lu_dev *ldev);
void lu_dev_set(struct lu_dev *ldev, enum lu_dev_status status,
		const char *fmt, ...) __printf(3, 4);
const char *lu_dev_status_name(enum lu_dev_status status);
const char *lu_state_name(void);
void lu_release_stale(struct lu_dev *ldev, const char *why);
void lu_finish_locked(const char *why);
int lu_preserve(const char *bdf, bool preserve);
void lu_devs_free(void);
int lu_core_init(const struct attribute_group *extra);
void lu_core_exit(void);

/* bind.c */
int lu_bind(struct pci_dev *pdev, const struct pci_device_id *id,
	    const struct lu_paths *paths);
void lu_unbind(struct pci_dev *pdev);
bool lu_freeze_dev(struct pci_dev *pdev, const struct lu_paths *paths);

/* kho.c */
#if IS_ENABLED(CONFIG_KEXEC_HANDOVER)
bool lu_kho_usable(void);
int lu_kho_init(void);
#else
static inline bool lu_kho_usable(void) { return false; }
static inline int lu_kho_init(void) { return -EOPNOTSUPP; }
#endif

/* chunk.c */
struct lu_chunk *lu_chunk_alloc(struct pci_dev *pdev, const char *tag,
				size_t size);
int lu_chunk_map(struct pci_dev *pdev, struct lu_chunk *c);
void lu_chunk_release(struct pci_dev *pdev, struct lu_chunk *c);
size_t lu_chunks_size(struct list_head *list);

/* handover.c */
u32 lu_hdr_crc(const struct pci_lu_hdr *hdr);
u32 lu_rec_crc(const struct pci_lu_rec *rec);
void lu_handover_load(void);
int lu_handover_begin(void);
void lu_handover_invalidate(void);
int lu_handover_append(struct lu_dev *ldev, const struct lu_paths *paths,
		       const void *blob, size_t len);
const char *lu_rec_ids_mismatch(const struct pci_lu_rec *rec,
				struct pci_dev *pdev);
const char *lu_rec_mismatch(const struct pci_lu_rec *rec,
			    struct pci_dev *pdev,
			    const struct lu_paths *paths);

/* sysfs.c */
int lu_sysfs_init(const struct attribute_group *extra);
void lu_sysfs_remove_attrs(void);
void lu_sysfs_exit(void);
int lu_sysfs_add_dev(struct lu_dev *ldev);

/* The form's own: dispatch.c in the module, pci.c in the PCI core. */
void lu_dev_unpin(struct lu_dev *ldev);

/* fault.c, devfault.c */
#if IS_ENABLED(CONFIG_PCI_LIVEUPDATE_FAULT_INJECT)
int lu_fault_init(void);
void lu_fault_exit(void);
void lu_fault_hdr(struct pci_lu_hdr *hdr);
void lu_fault_rec(struct pci_lu_rec *rec, const char *name);
bool lu_devfault_alloc(struct lu_dev *ldev, const char *tag);
#else
static inline int lu_fault_init(void) { return 0; }
static inline void lu_fault_exit(void) { }
static inline void lu_fault_hdr(struct pci_lu_hdr *hdr) { }
static inline void lu_fault_rec(struct pci_lu_rec *rec, const char *name) { }
static inline bool lu_devfault_alloc(struct lu_dev *ldev, const char *tag)
{
	return false;
}
#endif

#endif /* _PCI_LU_INTERNAL_H */
