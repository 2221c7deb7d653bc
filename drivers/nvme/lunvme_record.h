/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lunvme's handover record: what freeze() in one kernel writes and
 * retrieve() in the next reads, through the PCI live update core (which
 * adds the CRC, IDs, driver name and LUNVME_RECORD_VERSION around it).
 *
 * An ABI between two kernels: any change to the layout below, or to
 * LUNVME_MAX_IO_QUEUES, bumps LUNVME_RECORD_VERSION, and the next kernel
 * then refuses the old record and cold-probes. Native byte order: both
 * kernels run on the same machine. No implicit padding (the asserts).
 */
#ifndef _LUNVME_RECORD_H
#define _LUNVME_RECORD_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define LUNVME_RECORD_VERSION	2
#define LUNVME_MAX_IO_QUEUES	16

/**
 * struct lunvme_rec_queue - one queue pair as freeze() left it
 * @depth: entries in the submission and in the completion queue
 * @sq_tail: the next submission slot; every command before it was
 *	rung and has completed
 * @cq_head: the next completion slot to look at
 * @cq_vector: interrupt vector index of the completion queue
 * @cq_phase: phase tag a new completion at @cq_head will carry
 * @reserved: zero
 *
 * NVMe doorbells read back as zero: the indices are only known from here.
 */
struct lunvme_rec_queue {
	u16 depth;
	u16 sq_tail;
	u16 cq_head;
	u16 cq_vector;
	u8 cq_phase;
	u8 reserved[7];
};

/**
 * struct lunvme_record - a running controller, to be found again
 * @serial: Identify Controller SN, the controller's identity
 * @nr_queues: queue pairs in @q, the admin queue included
 * @cap: the CAP register
 * @cc: the CC register (enabled, not shut down)
 * @aqa: the AQA register: admin queue sizes
 * @asq: the ASQ register: admin submission queue bus address
 * @acq: the ACQ register: admin completion queue bus address
 * @nr_vecs: interrupt vectors allocated
 * @irq_type: PCI_IRQ_MSIX, PCI_IRQ_MSI or PCI_IRQ_INTX
 * @aer_outstanding: Asynchronous Event Requests the controller holds
 * @reserved: zero
 * @dbbuf_dbs: shadow doorbell page bus address, 0 without shadow doorbells
 * @dbbuf_eis: event index page bus address, 0 without shadow doorbells
 * @q: the queue pairs by queue ID, 0 the admin queue
 *
 * The registers are compared with the controller's in retrieve(): a
 * controller reset, shut down or failed since is not adopted.
 */
struct lunvme_record {
	char serial[20];
	u32 nr_queues;
	u64 cap;
	u32 cc;
	u32 aqa;
	u64 asq;
	u64 acq;
	u32 nr_vecs;
	u32 irq_type;
	u32 aer_outstanding;
	u32 reserved;
	u64 dbbuf_dbs;
	u64 dbbuf_eis;
	struct lunvme_rec_queue q[LUNVME_MAX_IO_QUEUES + 1];
};

static_assert(sizeof(struct lunvme_rec_queue) == 16);
static_assert(sizeof(struct lunvme_record) ==
	      88 + 16 * (LUNVME_MAX_IO_QUEUES + 1));

#endif /* _LUNVME_RECORD_H */
