/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI live update: memory a device keeps using across a kexec.
 *
 * A driver whose device survives a live update gives it memory from
 * pci_lu_alloc() instead of dma_alloc_coherent() for everything the device
 * may still read or write while the next kernel boots (queues, rings,
 * receive buffers). After the kexec, the driver's retrieve() finds each
 * piece again with pci_lu_restore(), by the tag it was allocated with.
 * Drivers never see how the memory is handed over; see
 * Documentation/PCI/liveupdate.rst.
 *
 * Without CONFIG_PCI_LIVEUPDATE these are dma_alloc_coherent() and
 * dma_free_coherent(), and nothing can be restored.
 */
#ifndef _LINUX_PCI_LU_H
#define _LINUX_PCI_LU_H

#include <linux/dma-mapping.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/types.h>

/* Largest record a driver may write in freeze(). */
#define PCI_LU_RECORD_MAX	SZ_16K
/* Longest chunk tag, including the terminating NUL. */
#define PCI_LU_TAG_LEN		16

#if IS_ENABLED(CONFIG_PCI_LIVEUPDATE)
void *pci_lu_alloc(struct pci_dev *pdev, const char *tag, size_t size,
		   dma_addr_t *dma);
void *pci_lu_restore(struct pci_dev *pdev, const char *tag, size_t size,
		     dma_addr_t *dma);
void pci_lu_free(struct pci_dev *pdev, size_t size, void *vaddr,
		 dma_addr_t dma);
#else
static inline void *pci_lu_alloc(struct pci_dev *pdev, const char *tag,
				 size_t size, dma_addr_t *dma)
{
	return dma_alloc_coherent(&pdev->dev, size, dma, GFP_KERNEL);
}

static inline void *pci_lu_restore(struct pci_dev *pdev, const char *tag,
				   size_t size, dma_addr_t *dma)
{
	return NULL;
}

static inline void pci_lu_free(struct pci_dev *pdev, size_t size,
			       void *vaddr, dma_addr_t dma)
{
	dma_free_coherent(&pdev->dev, size, vaddr, dma);
}
#endif

/*
 * Fault injection for a driver's selftests (CONFIG_PCI_LIVEUPDATE_FAULT_INJECT),
 * per device in /sys/kernel/debug/<driver>/<bdf>/: fail_freeze makes
 * pci_lu_fault_freeze() fail, fail_alloc makes that many pci_lu_alloc()
 * calls fail, record_fault names the record field for which
 * pci_lu_fault_record() returns the index. Without the option these are
 * stubs and a driver needs no #ifdef; see drivers/pci/liveupdate/devfault.c.
 */
struct pci_lu_fault;
struct dentry;

#ifdef CONFIG_PCI_LIVEUPDATE_FAULT_INJECT
struct pci_lu_fault *pci_lu_fault_add(struct pci_dev *pdev,
				      const char * const *fields,
				      unsigned int nr_fields);
void pci_lu_fault_remove(struct pci_lu_fault *f);
struct dentry *pci_lu_fault_dir(struct pci_lu_fault *f);
int pci_lu_fault_freeze(struct pci_lu_fault *f);
int pci_lu_fault_record(struct pci_lu_fault *f);
#else
static inline struct pci_lu_fault *
pci_lu_fault_add(struct pci_dev *pdev, const char * const *fields,
		 unsigned int nr_fields)
{
	return NULL;
}

static inline void pci_lu_fault_remove(struct pci_lu_fault *f) { }

static inline struct dentry *pci_lu_fault_dir(struct pci_lu_fault *f)
{
	return NULL;
}

static inline int pci_lu_fault_freeze(struct pci_lu_fault *f)
{
	return 0;
}

static inline int pci_lu_fault_record(struct pci_lu_fault *f)
{
	return 0;
}
#endif

#endif /* _LINUX_PCI_LU_H */
