// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme queues: their memory, doorbells, completion processing and
 * interrupts.
 *
 * Queue memory comes from the live update core, so that a preserved
 * controller keeps its queues while the next kernel boots: pci_lu_alloc()
 * on a cold start, pci_lu_restore() when retrieving. Everything else here
 * is the same for both.
 */
#include <linux/interrupt.h>
#include <linux/io-64-nonatomic-lo-hi.h>

#include "lunvme.h"

static void lunvme_queue_init(struct lunvme_dev *dev, u16 qid, u16 depth)
{
	struct lunvme_queue *q = &dev->queues[qid];

	q->dev = dev;
	q->qid = qid;
	q->depth = depth;
	q->q_db = dev->bar + NVME_REG_DBS + qid * 2 * dev->db_stride * 4;
	spin_lock_init(&q->sq_lock);
	spin_lock_init(&q->cq_lock);
}

static size_t lunvme_sq_bytes(u16 depth)
{
	return depth * sizeof(struct nvme_command);
}

static size_t lunvme_cq_bytes(u16 depth)
{
	return depth * sizeof(struct nvme_completion);
}

/* Empty queue state, as after Create I/O SQ/CQ or a controller enable. */
void lunvme_queue_reset(struct lunvme_queue *q)
{
	q->sq_tail = 0;
	q->sq_db = 0;
	q->sq_mmio = 0;
	q->cq_head = 0;
	q->cq_phase = 1;
	memset(q->cqes, 0, lunvme_cq_bytes(q->depth));
	lunvme_dbbuf_detach(q);
}

/**
 * lunvme_queue_alloc() - new queue memory for a cold start
 * @dev: controller
 * @qid: queue id, 0 for admin
 * @depth: entries
 *
 * Memory already allocated (a controller reset) is reused.
 * Return: 0 or -ENOMEM.
 */
int lunvme_queue_alloc(struct lunvme_dev *dev, u16 qid, u16 depth)
{
	struct lunvme_queue *q = &dev->queues[qid];
	char tag[PCI_LU_TAG_LEN];

	if (!q->sqes) {
		lunvme_queue_init(dev, qid, depth);
		snprintf(tag, sizeof(tag), "sq%u", qid);
		q->sqes = pci_lu_alloc(dev->pdev, tag, lunvme_sq_bytes(depth),
				       &q->sq_dma);
		snprintf(tag, sizeof(tag), "cq%u", qid);
		q->cqes = pci_lu_alloc(dev->pdev, tag, lunvme_cq_bytes(depth),
				       &q->cq_dma);
		if (!q->sqes || !q->cqes)
			return -ENOMEM;
	}
	lunvme_queue_reset(q);
	return 0;
}

/**
 * lunvme_queue_restore() - adopt the queue memory of the previous kernel
 * @dev: controller being retrieved
 * @qid: queue id
 * @depth: entries, from the record
 *
 * The indices are set from the record by the caller.
 * Return: 0 or -ENOENT.
 */
int lunvme_queue_restore(struct lunvme_dev *dev, u16 qid, u16 depth)
{
	struct lunvme_queue *q = &dev->queues[qid];
	char tag[PCI_LU_TAG_LEN];

	lunvme_queue_init(dev, qid, depth);
	snprintf(tag, sizeof(tag), "sq%u", qid);
	q->sqes = pci_lu_restore(dev->pdev, tag, lunvme_sq_bytes(depth),
				 &q->sq_dma);
	snprintf(tag, sizeof(tag), "cq%u", qid);
	q->cqes = pci_lu_restore(dev->pdev, tag, lunvme_cq_bytes(depth),
				 &q->cq_dma);
	return q->sqes && q->cqes ? 0 : -ENOENT;
}

void lunvme_queues_free(struct lunvme_dev *dev)
{
	unsigned int i;

	for (i = 0; i <= LUNVME_MAX_IO_QUEUES; i++) {
		struct lunvme_queue *q = &dev->queues[i];

		if (q->sqes)
			pci_lu_free(dev->pdev, lunvme_sq_bytes(q->depth),
				    q->sqes, q->sq_dma);
		if (q->cqes)
			pci_lu_free(dev->pdev, lunvme_cq_bytes(q->depth),
				    q->cqes, q->cq_dma);
		q->sqes = NULL;
		q->cqes = NULL;
	}
}

/* Point the disabled controller at the admin queue (cold start only). */
int lunvme_admin_queue_program(struct lunvme_dev *dev)
{
	struct lunvme_queue *q = &dev->queues[0];
	u32 aqa = q->depth - 1;

	aqa |= aqa << 16;
	writel(aqa, dev->bar + NVME_REG_AQA);
	lo_hi_writeq(q->sq_dma, dev->bar + NVME_REG_ASQ);
	lo_hi_writeq(q->cq_dma, dev->bar + NVME_REG_ACQ);
	q->cq_vector = 0;
	q->live = true;
	return 0;
}

static u16 lunvme_cq_vector(struct lunvme_dev *dev, u16 qid)
{
	return dev->nr_vecs > 1 ? qid : 0;
}

static int lunvme_create_cq(struct lunvme_queue *q)
{
	struct nvme_command c = { };

	c.create_cq.opcode = nvme_admin_create_cq;
	c.create_cq.prp1 = cpu_to_le64(q->cq_dma);
	c.create_cq.cqid = cpu_to_le16(q->qid);
	c.create_cq.qsize = cpu_to_le16(q->depth - 1);
	c.create_cq.cq_flags = cpu_to_le16(NVME_QUEUE_PHYS_CONTIG |
					   NVME_CQ_IRQ_ENABLED);
	c.create_cq.irq_vector = cpu_to_le16(q->cq_vector);
	return nvme_submit_sync_cmd(q->dev->ctrl.admin_q, &c, NULL, 0);
}

static int lunvme_create_sq(struct lunvme_queue *q)
{
	struct nvme_command c = { };

	c.create_sq.opcode = nvme_admin_create_sq;
	c.create_sq.prp1 = cpu_to_le64(q->sq_dma);
	c.create_sq.sqid = cpu_to_le16(q->qid);
	c.create_sq.qsize = cpu_to_le16(q->depth - 1);
	c.create_sq.sq_flags = cpu_to_le16(NVME_QUEUE_PHYS_CONTIG);
	c.create_sq.cqid = cpu_to_le16(q->qid);
	return nvme_submit_sync_cmd(q->dev->ctrl.admin_q, &c, NULL, 0);
}

static int lunvme_delete_queue(struct lunvme_dev *dev, u8 opcode, u16 qid)
{
	struct nvme_command c = { };

	c.delete_queue.opcode = opcode;
	c.delete_queue.qid = cpu_to_le16(qid);
	return nvme_submit_sync_cmd(dev->ctrl.admin_q, &c, NULL, 0);
}

/**
 * lunvme_io_queue_create() - create I/O queue pair @qid in the controller
 * @dev: controller, admin queue live
 * @qid: queue id, from 1
 *
 * Return: 0, or a negative errno or NVMe status.
 */
int lunvme_io_queue_create(struct lunvme_dev *dev, u16 qid)
{
	struct lunvme_queue *q = &dev->queues[qid];
	int ret;

	ret = lunvme_queue_alloc(dev, qid, dev->io_depth);
	if (ret)
		return ret;
	q->cq_vector = lunvme_cq_vector(dev, qid);
	ret = lunvme_create_cq(q);
	if (ret)
		return ret;
	ret = lunvme_create_sq(q);
	if (ret) {
		lunvme_delete_queue(dev, nvme_admin_delete_cq, qid);
		return ret;
	}
	q->live = true;
	return lunvme_queue_irq(q);
}

/* Orderly removal of the I/O queues before a shutdown; best effort. */
void lunvme_io_queues_delete(struct lunvme_dev *dev)
{
	unsigned int qid;

	for (qid = dev->nr_queues - 1; qid > 0; qid--) {
		if (!dev->queues[qid].live)
			continue;
		lunvme_delete_queue(dev, nvme_admin_delete_sq, qid);
		lunvme_delete_queue(dev, nvme_admin_delete_cq, qid);
		dev->queues[qid].live = false;
	}
}

/* Context: q->sq_lock held. */
static void lunvme_write_sq_mmio(struct lunvme_queue *q, u16 tail)
{
	writel(tail, q->q_db);
	q->sq_mmio = tail;
}

/* Context: q->sq_lock held. */
static void lunvme_write_sq_db(struct lunvme_queue *q)
{
	if (lunvme_dbbuf_update(q->sq_tail, q->dbbuf_sq_db, q->dbbuf_sq_ei))
		lunvme_write_sq_mmio(q, q->sq_tail);
	q->sq_db = q->sq_tail;
}

/**
 * lunvme_sq_push() - copy a command into the submission queue
 * @q: queue
 * @cmd: command
 * @ring: write the doorbell now; else a later push or lunvme_sq_ring() does
 *
 * Never full: every queue has more entries than its tag set has tags (a
 * retrieved admin queue too, see lunvme_record_bad()).
 */
void lunvme_sq_push(struct lunvme_queue *q, struct nvme_command *cmd,
		    bool ring)
{
	unsigned long flags;

	spin_lock_irqsave(&q->sq_lock, flags);
	memcpy(&q->sqes[q->sq_tail], cmd, sizeof(*cmd));
	if (++q->sq_tail == q->depth)
		q->sq_tail = 0;
	if (ring)
		lunvme_write_sq_db(q);
	spin_unlock_irqrestore(&q->sq_lock, flags);
}

void lunvme_sq_ring(struct lunvme_queue *q)
{
	unsigned long flags;

	spin_lock_irqsave(&q->sq_lock, flags);
	if (q->sq_db != q->sq_tail)
		lunvme_write_sq_db(q);
	spin_unlock_irqrestore(&q->sq_lock, flags);
}

/* Entries from @from on to @to, the queue wrapping. */
static u16 lunvme_sq_dist(struct lunvme_queue *q, u16 from, u16 to)
{
	return to >= from ? to - from : q->depth - from + to;
}

/*
 * A shadow doorbell update is only seen if the controller reads it after
 * the driver wrote it, which the event index protocol guarantees when
 * both sides order their accesses. An emulator that does not (QEMU 7.2
 * with single-threaded TCG drops the guest's barriers) can miss one and
 * sit idle with commands in the queue. Every completion reports how far
 * the controller fetched: if that is short of the last tail, which went
 * to the shadow doorbell only and which the controller's event index
 * does not show it has read, ring the MMIO doorbell (always allowed).
 *
 * Unless an MMIO doorbell is still on its way: one written beyond the
 * event index makes the controller fetch, read the shadow tail and move
 * the event index at least that far, and the commands it fetches then
 * complete after that. Ringing again only costs an MMIO exit and makes
 * the controller fetch in smaller batches. This trusts that the event
 * index does not go a whole queue round between two MMIO doorbells,
 * which would make an old one look on its way: a controller fetches on
 * a doorbell, and the emulators that need this check do. (Skipping only
 * while the event index has not moved since the MMIO write would be
 * safe from that too, but keeps most of the extra doorbells.)
 */
static void lunvme_sq_check_fetched(struct lunvme_queue *q, u16 sq_head)
{
	unsigned long flags;
	u16 tail, mmio, ei;

	if (!q->dbbuf_sq_db)
		return;
	tail = READ_ONCE(q->sq_db);
	mmio = READ_ONCE(q->sq_mmio);
	ei = le32_to_cpu(READ_ONCE(*q->dbbuf_sq_ei));
	if (sq_head == tail || mmio == tail || ei == tail)
		return;
	if (ei < q->depth && mmio != ei &&
	    lunvme_sq_dist(q, ei, mmio) < lunvme_sq_dist(q, ei, tail))
		return;
	spin_lock_irqsave(&q->sq_lock, flags);
	lunvme_write_sq_mmio(q, q->sq_db);
	spin_unlock_irqrestore(&q->sq_lock, flags);
}

static bool lunvme_cqe_pending(struct lunvme_queue *q)
{
	u16 status = le16_to_cpu(READ_ONCE(q->cqes[q->cq_head].status));

	return (status & 1) == q->cq_phase;
}

/*
 * The completion queue's memory must agree with the head and phase the
 * record gives it: the entry before the head was consumed in the phase it
 * was written in, and on a drained I/O queue the entry at the head is not
 * new. (The admin queue may have an AER completed during the update.)
 * Zeroed memory of a queue that never completed anything agrees too.
 */
bool lunvme_cq_agrees(struct lunvme_queue *q)
{
	u16 prev = q->cq_head ? q->cq_head - 1 : q->depth - 1;
	u8 prev_phase = q->cq_head ? q->cq_phase : !q->cq_phase;

	if ((le16_to_cpu(READ_ONCE(q->cqes[prev].status)) & 1) != prev_phase)
		return false;
	return !q->qid || !lunvme_cqe_pending(q);
}

/* Context: q->cq_lock held. */
static bool lunvme_process_cq(struct lunvme_queue *q,
			      struct io_comp_batch *iob)
{
	u16 sq_head = 0;
	bool found = false;

	while (lunvme_cqe_pending(q)) {
		struct nvme_completion *cqe = &q->cqes[q->cq_head];

		/* The phase bit is written last: read the entry after it. */
		dma_rmb();
		sq_head = le16_to_cpu(cqe->sq_head);
		lunvme_complete_cqe(q, cqe, iob);
		if (++q->cq_head == q->depth) {
			q->cq_head = 0;
			q->cq_phase ^= 1;
		}
		found = true;
	}
	if (!found)
		return false;
	if (lunvme_dbbuf_update(q->cq_head, q->dbbuf_cq_db, q->dbbuf_cq_ei))
		writel(q->cq_head, q->q_db + q->dev->db_stride);
	lunvme_sq_check_fetched(q, sq_head);
	return true;
}

/**
 * lunvme_poll_cq() - process completions without waiting for an interrupt
 * @q: queue
 *
 * Return: true if any completion was found.
 */
bool lunvme_poll_cq(struct lunvme_queue *q)
{
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&q->cq_lock, flags);
	found = lunvme_process_cq(q, NULL);
	spin_unlock_irqrestore(&q->cq_lock, flags);
	return found;
}

static irqreturn_t lunvme_irq(int irq, void *data)
{
	struct lunvme_queue *q = data;
	DEFINE_IO_COMP_BATCH(iob);
	bool found;

	spin_lock(&q->cq_lock);
	found = lunvme_process_cq(q, &iob);
	spin_unlock(&q->cq_lock);
	/* Outside the lock: ending requests may submit more. */
	if (!rq_list_empty(&iob.req_list))
		lunvme_complete_batch(&iob);
	return found ? IRQ_HANDLED : IRQ_NONE;
}

/**
 * lunvme_irqs_alloc() - allocate interrupt vectors
 * @dev: controller
 * @min: fewest acceptable: a retrieved controller needs exactly the vectors
 *	its queues were created with, a cold start takes what it gets
 * @max: most wanted
 * @types: PCI_IRQ_ALL_TYPES, or the one type a retrieved controller used
 *
 * MSI-X, else MSI, else INTx. Vector 0 serves the admin queue; the others
 * are spread over the CPUs for the I/O queues.
 * Return: 0 or a negative errno.
 */
int lunvme_irqs_alloc(struct lunvme_dev *dev, unsigned int min,
		      unsigned int max, unsigned int types)
{
	struct irq_affinity affd = { .pre_vectors = 1 };
	int ret;

	ret = pci_alloc_irq_vectors_affinity(dev->pdev, min, max,
					     types | PCI_IRQ_AFFINITY, &affd);
	if (ret < 0)
		return ret;
	dev->nr_vecs = ret;
	return 0;
}

int lunvme_queue_irq(struct lunvme_queue *q)
{
	struct lunvme_dev *dev = q->dev;
	int ret;

	if (q->irq)
		return 0;
	ret = pci_request_irq(dev->pdev, q->cq_vector, lunvme_irq, NULL, q,
			      "lunvme%dq%d", dev->ctrl.instance, q->qid);
	if (!ret)
		q->irq = true;
	return ret;
}

void lunvme_irqs_free(struct lunvme_dev *dev)
{
	unsigned int i;

	for (i = 0; i <= LUNVME_MAX_IO_QUEUES; i++) {
		struct lunvme_queue *q = &dev->queues[i];

		if (q->irq)
			pci_free_irq(dev->pdev, q->cq_vector, q);
		q->irq = false;
	}
	pci_free_irq_vectors(dev->pdev);
}

/* Wait for running handlers, then pick up what they may have missed. */
void lunvme_sync_irqs(struct lunvme_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_queues; i++) {
		struct lunvme_queue *q = &dev->queues[i];

		if (q->irq)
			synchronize_irq(pci_irq_vector(dev->pdev, q->cq_vector));
		if (q->live)
			lunvme_poll_cq(q);
	}
}

/* freeze(): no handler may touch a queue once its state is recorded. */
void lunvme_irqs_disable(struct lunvme_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_queues; i++) {
		struct lunvme_queue *q = &dev->queues[i];

		if (q->irq)
			disable_irq(pci_irq_vector(dev->pdev, q->cq_vector));
		lunvme_poll_cq(q);
		lunvme_sq_ring(q);
	}
}
