// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme shadow doorbells (NVMe Doorbell Buffer Config, OACS bit 8).
 *
 * An emulated controller (QEMU, cloud NVMe) pays for every doorbell MMIO
 * write with a trap. With shadow doorbells the driver writes its SQ tails
 * and CQ heads to a page of host memory, which the controller reads, and
 * writes the MMIO doorbell only when the controller's event index says it
 * is not looking.
 *
 * The controller keeps DMA-ing to both pages for as long as it stays
 * enabled, so across a live update they are as much a part of the running
 * controller as the queues: they come from the live update core, the
 * record carries their bus addresses, and retrieve() adopts them. The
 * admin queue keeps its MMIO doorbells, as in the upstream driver.
 */
#include "lunvme.h"

#define LUNVME_DBBUF_SIZE	NVME_CTRL_PAGE_SIZE	/* one page each */

static size_t lunvme_dbbuf_bytes(struct lunvme_dev *dev)
{
	return (LUNVME_MAX_IO_QUEUES + 1) * 2 * dev->db_stride * sizeof(u32);
}

/* Point I/O queue @q at its slots in the shadow pages. */
static void lunvme_dbbuf_attach(struct lunvme_dev *dev, struct lunvme_queue *q)
{
	unsigned int sq = q->qid * 2 * dev->db_stride;
	unsigned int cq = sq + dev->db_stride;

	q->dbbuf_sq_db = &dev->dbbuf_dbs[sq];
	q->dbbuf_cq_db = &dev->dbbuf_dbs[cq];
	q->dbbuf_sq_ei = &dev->dbbuf_eis[sq];
	q->dbbuf_cq_ei = &dev->dbbuf_eis[cq];
}

/* Back to MMIO doorbells only: a reset turns shadow doorbells off. */
void lunvme_dbbuf_detach(struct lunvme_queue *q)
{
	q->dbbuf_sq_db = NULL;
	q->dbbuf_cq_db = NULL;
	q->dbbuf_sq_ei = NULL;
	q->dbbuf_cq_ei = NULL;
}

static void lunvme_dbbuf_attach_all(struct lunvme_dev *dev)
{
	unsigned int qid;

	for (qid = 1; qid < dev->nr_queues; qid++)
		lunvme_dbbuf_attach(dev, &dev->queues[qid]);
}

static int lunvme_dbbuf_config(struct lunvme_dev *dev)
{
	struct nvme_command c = { };

	c.dbbuf.opcode = nvme_admin_dbbuf;
	c.dbbuf.prp1 = cpu_to_le64(dev->dbbuf_dbs_dma);
	c.dbbuf.prp2 = cpu_to_le64(dev->dbbuf_eis_dma);
	return nvme_submit_sync_cmd(dev->ctrl.admin_q, &c, NULL, 0);
}

/**
 * lunvme_dbbuf_enable() - turn shadow doorbells on after a cold start
 * @dev: controller whose I/O queues were just created, no I/O yet
 *
 * Optional: without support or memory the queues keep MMIO doorbells.
 * The controller copies its current doorbell values into the page when
 * it accepts the command, so the page starts out zeroed like the queues.
 */
void lunvme_dbbuf_enable(struct lunvme_dev *dev)
{
	int ret;

	if (!(dev->ctrl.oacs & NVME_CTRL_OACS_DBBUF_SUPP) ||
	    lunvme_dbbuf_bytes(dev) > LUNVME_DBBUF_SIZE || dev->nr_queues < 2)
		return;
	if (!dev->dbbuf_dbs) {
		dev->dbbuf_dbs = pci_lu_alloc(dev->pdev, "dbbuf-db",
					      LUNVME_DBBUF_SIZE,
					      &dev->dbbuf_dbs_dma);
		dev->dbbuf_eis = pci_lu_alloc(dev->pdev, "dbbuf-ei",
					      LUNVME_DBBUF_SIZE,
					      &dev->dbbuf_eis_dma);
		if (!dev->dbbuf_dbs || !dev->dbbuf_eis) {
			dev_warn(dev->ctrl.device,
				 "no memory for shadow doorbells, using MMIO doorbells\n");
			lunvme_dbbuf_free(dev);
			return;
		}
	}
	memset(dev->dbbuf_dbs, 0, LUNVME_DBBUF_SIZE);
	memset(dev->dbbuf_eis, 0, LUNVME_DBBUF_SIZE);
	ret = lunvme_dbbuf_config(dev);
	if (ret) {
		dev_warn(dev->ctrl.device,
			 "Doorbell Buffer Config failed (%d), using MMIO doorbells\n",
			 ret);
		lunvme_dbbuf_free(dev);
		return;
	}
	lunvme_dbbuf_attach_all(dev);
}

/**
 * lunvme_dbbuf_restore() - adopt the shadow doorbells of the previous kernel
 * @dev: controller being retrieved, queues adopted from the record
 * @dbs: bus address of the doorbell page in the record, 0 if none
 * @eis: bus address of the event index page in the record
 *
 * The controller reads the tails from this page, not from the record: they
 * must agree, or the two kernels do not agree on what was submitted.
 * Return: 0, or -ENODEV after logging why.
 */
int lunvme_dbbuf_restore(struct lunvme_dev *dev, u64 dbs, u64 eis)
{
	unsigned int qid;

	if (!dbs)
		return 0;
	if (lunvme_dbbuf_bytes(dev) > LUNVME_DBBUF_SIZE) {
		dev_err(&dev->pdev->dev,
			"retrieve: shadow doorbells of %zu bytes do not fit a page\n",
			lunvme_dbbuf_bytes(dev));
		return -ENODEV;
	}
	dev->dbbuf_dbs = pci_lu_restore(dev->pdev, "dbbuf-db",
					LUNVME_DBBUF_SIZE, &dev->dbbuf_dbs_dma);
	dev->dbbuf_eis = pci_lu_restore(dev->pdev, "dbbuf-ei",
					LUNVME_DBBUF_SIZE, &dev->dbbuf_eis_dma);
	if (!dev->dbbuf_dbs || !dev->dbbuf_eis ||
	    dev->dbbuf_dbs_dma != dbs || dev->dbbuf_eis_dma != eis) {
		dev_err(&dev->pdev->dev,
			"retrieve: shadow doorbell pages missing or moved\n");
		return -ENODEV;
	}
	lunvme_dbbuf_attach_all(dev);
	for (qid = 1; qid < dev->nr_queues; qid++) {
		struct lunvme_queue *q = &dev->queues[qid];
		u32 sq_tail = le32_to_cpu(READ_ONCE(*q->dbbuf_sq_db));
		u32 cq_head = le32_to_cpu(READ_ONCE(*q->dbbuf_cq_db));

		if (sq_tail != q->sq_tail || cq_head != q->cq_head) {
			dev_err(&dev->pdev->dev,
				"retrieve: queue %u shadow doorbells %u/%u, record says %u/%u\n",
				qid, sq_tail, cq_head, q->sq_tail, q->cq_head);
			return -ENODEV;
		}
	}
	return 0;
}

void lunvme_dbbuf_free(struct lunvme_dev *dev)
{
	unsigned int qid;

	for (qid = 0; qid <= LUNVME_MAX_IO_QUEUES; qid++)
		lunvme_dbbuf_detach(&dev->queues[qid]);
	if (dev->dbbuf_dbs)
		pci_lu_free(dev->pdev, LUNVME_DBBUF_SIZE, dev->dbbuf_dbs,
			    dev->dbbuf_dbs_dma);
	if (dev->dbbuf_eis)
		pci_lu_free(dev->pdev, LUNVME_DBBUF_SIZE, dev->dbbuf_eis,
			    dev->dbbuf_eis_dma);
	dev->dbbuf_dbs = NULL;
	dev->dbbuf_eis = NULL;
	dev->dbbuf_dbs_dma = 0;
	dev->dbbuf_eis_dma = 0;
}

/**
 * lunvme_dbbuf_update() - write a doorbell value to its shadow
 * @value: new SQ tail or CQ head
 * @db: its shadow doorbell, NULL when the queue has none
 * @ei: the controller's event index for it
 *
 * Return: true if the MMIO doorbell must be written as well.
 */
bool lunvme_dbbuf_update(u16 value, __le32 *db, __le32 *ei)
{
	u16 old, event;

	if (!db)
		return true;
	/* Queue entries before the doorbell that publishes them. */
	wmb();
	old = le32_to_cpu(READ_ONCE(*db));
	WRITE_ONCE(*db, cpu_to_le32(value));
	/*
	 * The doorbell before the event index: the controller writes the
	 * event index, then reads the doorbell. Either it sees the new value
	 * or this reads the event index that asks for the MMIO write.
	 */
	mb();
	event = le32_to_cpu(READ_ONCE(*ei));
	/* Did the value step over the event index? (virtio's vring_need_event) */
	return (u16)(value - event - 1) < (u16)(value - old);
}
