/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lunvme: NVMe PCI transport on nvme-core that keeps the controller running
 * across a kexec live update.
 *
 * main.c    the four hardware paths (probe, retrieve, freeze, shutdown)
 * ctrl.c    software state shared by probe and retrieve, nvme_ctrl_ops,
 *           controller bring-up and reset
 * queue.c   queue memory, doorbells, completion queues and interrupts
 * dbbuf.c   shadow doorbells (Doorbell Buffer Config)
 * io.c      blk-mq operations, PRP and SGL mapping
 * record.c  the handover record: what freeze writes, what retrieve checks
 * fault.c   lost completions, for the selftests (the core's debugfs
 *           directory of the device holds the knob)
 */
#ifndef _LUNVME_H
#define _LUNVME_H

#include <linux/blk-mq.h>
#include <linux/dmapool.h>
#include <linux/mempool.h>
#include <linux/nvme.h>
#include <linux/pci.h>
#include <linux/pci_lu_driver.h>
#include <linux/sizes.h>

#include "nvme.h"	/* nvme-core's private header, see Kbuild */
#include "lunvme_record.h"
#include <lu_compat.h>

#define LUNVME_IO_DEPTH		1024	/* I/O queue entries, at most */
#define LUNVME_MAX_SEGS		128	/* one PRP list page */
#define LUNVME_MAX_BYTES	(LUNVME_MAX_SEGS * NVME_CTRL_PAGE_SIZE)
#define LUNVME_SGL_MIN_SEG	SZ_32K	/* average segment to prefer an SGL */
#define LUNVME_AER_CID		NVME_AQ_BLK_MQ_DEPTH

struct lunvme_dev;

/* One submission/completion queue pair; qid 0 is the admin queue. */
struct lunvme_queue {
	struct lunvme_dev *dev;
	struct nvme_command *sqes;
	struct nvme_completion *cqes;
	dma_addr_t sq_dma;
	dma_addr_t cq_dma;
	u32 __iomem *q_db;	/* SQ tail doorbell; CQ head follows */
	__le32 *dbbuf_sq_db;	/* shadow doorbells, NULL when off */
	__le32 *dbbuf_cq_db;
	__le32 *dbbuf_sq_ei;	/* the controller's event indices */
	__le32 *dbbuf_cq_ei;
	spinlock_t sq_lock;	/* sq_tail and the SQ doorbell */
	spinlock_t cq_lock;	/* cq_head, cq_phase: IRQ vs polling */
	u16 qid;
	u16 depth;
	u16 sq_tail;
	u16 sq_db;		/* last tail written to the doorbell */
	u16 sq_mmio;		/* last tail written to the MMIO doorbell */
	u16 cq_head;
	u16 cq_vector;
	u8 cq_phase;
	bool live;		/* exists in the controller */
	bool irq;		/* handler requested */
};

/*
 * Per-request data, after struct nvme_request as nvme-core wants. Kept
 * small: blk-mq allocates one per tag, a thousand per queue. Data of one
 * segment is mapped directly (dma, dma_len); longer requests borrow a
 * scatterlist from sg_pool, and a page from prp_pool for their PRP list
 * or SGL descriptors when the command cannot hold them.
 */
struct lunvme_iod {
	struct nvme_request req;
	struct nvme_command cmd;
	bool aborted;
	int nents;		/* mapped scatterlist entries */
	dma_addr_t dma;		/* single segment mapping */
	u32 dma_len;		/* its length, 0 if none */
	void *list;		/* PRP list or SGL segment, or NULL */
	dma_addr_t list_dma;
	struct sg_table sgt;
};

struct lunvme_dev {
	struct nvme_ctrl ctrl;
	struct pci_dev *pdev;
	void __iomem *bar;
	u32 db_stride;
	struct lunvme_queue *queues;
	unsigned int nr_queues;		/* live ones, admin included */
	unsigned int nr_vecs;
	u16 io_depth;
	struct blk_mq_tag_set admin_tagset;
	struct blk_mq_tag_set tagset;
	struct dma_pool *prp_pool;
	mempool_t *sg_pool;		/* scatterlists of LUNVME_MAX_SEGS */
	__le32 *dbbuf_dbs;		/* shadow doorbell page */
	__le32 *dbbuf_eis;		/* event index page */
	dma_addr_t dbbuf_dbs_dma;
	dma_addr_t dbbuf_eis_dma;
	atomic_t aer_outstanding;	/* AERs the controller holds */
	bool frozen;			/* freeze() ran: submit nothing */
	struct mutex shutdown_lock;	/* lunvme_stop() */
	struct pci_lu_fault *fault;	/* test hooks, see lunvme_record_damage() */
	atomic_t drop_completions;	/* fault.c: I/O queues */
	atomic_t drop_admin_completions;	/* fault.c: the admin queue */
};

static inline struct lunvme_dev *to_lunvme(struct nvme_ctrl *ctrl)
{
	return container_of(ctrl, struct lunvme_dev, ctrl);
}

/* ctrl.c */
struct lunvme_dev *lunvme_alloc(struct pci_dev *pdev);
bool lunvme_doorbells_fit(struct pci_dev *pdev, u32 stride,
			  unsigned int nr_queues);
void lunvme_read_cap(struct lunvme_dev *dev);
int lunvme_start_admin(struct lunvme_dev *dev);
int lunvme_start_io(struct lunvme_dev *dev);
int lunvme_quiesce(struct lunvme_dev *dev);
int lunvme_check_running(struct lunvme_dev *dev);
void lunvme_stop(struct lunvme_dev *dev, bool shutdown);
void lunvme_teardown(struct lunvme_dev *dev);

/* queue.c */
int lunvme_queue_alloc(struct lunvme_dev *dev, u16 qid, u16 depth);
int lunvme_queue_restore(struct lunvme_dev *dev, u16 qid, u16 depth);
bool lunvme_cq_agrees(struct lunvme_queue *q);
void lunvme_queue_reset(struct lunvme_queue *q);
void lunvme_queues_free(struct lunvme_dev *dev);
int lunvme_admin_queue_program(struct lunvme_dev *dev);
int lunvme_io_queue_create(struct lunvme_dev *dev, u16 qid);
void lunvme_io_queues_delete(struct lunvme_dev *dev);
int lunvme_irqs_alloc(struct lunvme_dev *dev, unsigned int min,
		      unsigned int max, unsigned int types);
void lunvme_irqs_disable(struct lunvme_dev *dev);
int lunvme_queue_irq(struct lunvme_queue *q);
void lunvme_irqs_free(struct lunvme_dev *dev);
void lunvme_sync_irqs(struct lunvme_dev *dev);
void lunvme_sq_push(struct lunvme_queue *q, struct nvme_command *cmd,
		    bool ring);
void lunvme_sq_ring(struct lunvme_queue *q);
bool lunvme_poll_cq(struct lunvme_queue *q);

/* dbbuf.c */
void lunvme_dbbuf_enable(struct lunvme_dev *dev);
int lunvme_dbbuf_restore(struct lunvme_dev *dev, u64 dbs, u64 eis);
void lunvme_dbbuf_detach(struct lunvme_queue *q);
void lunvme_dbbuf_free(struct lunvme_dev *dev);
bool lunvme_dbbuf_update(u16 value, __le32 *db, __le32 *ei);

/* io.c */
extern const struct blk_mq_ops lunvme_admin_mq_ops;
extern const struct blk_mq_ops lunvme_mq_ops;
void lunvme_complete_cqe(struct lunvme_queue *q, struct nvme_completion *cqe,
			 struct io_comp_batch *iob);
void lunvme_complete_batch(struct io_comp_batch *iob);

/* main.c */
int lunvme_cold_start(struct lunvme_dev *dev);

/* record.c */
int lunvme_record_check(struct lunvme_dev *dev, const void *rec, size_t len);
int lunvme_record_adopt(struct lunvme_dev *dev, const void *rec);
int lunvme_record_identity(struct lunvme_dev *dev, const void *rec);
int lunvme_record_write(struct lunvme_dev *dev, void *rec, size_t *len);
unsigned int lunvme_record_irqs(const void *rec, unsigned int *type);

extern const char * const lunvme_record_faults[];
extern const unsigned int lunvme_nr_record_faults;

/* fault.c */
#ifdef CONFIG_PCI_LIVEUPDATE_FAULT_INJECT
void lunvme_fault_init(struct lunvme_dev *dev);
bool lunvme_fault_drop_completion(struct lunvme_queue *q,
				  struct nvme_completion *cqe);
#else
static inline void lunvme_fault_init(struct lunvme_dev *dev) { }
static inline bool lunvme_fault_drop_completion(struct lunvme_queue *q,
						struct nvme_completion *cqe)
{
	return false;
}
#endif

#endif /* _LUNVME_H */
