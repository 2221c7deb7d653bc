// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme handover record: the minimum to find a running controller again.
 *
 * NVMe doorbells read back as zero, so the queue indices and phases are
 * only known from here. The controller registers are recorded too, and a
 * retrieved controller must still show them: if it was reset, shut down or
 * failed meanwhile, it is not adopted.
 */
#include <linux/io-64-nonatomic-lo-hi.h>

#include "lunvme.h"

struct lunvme_rec_queue {
	u16 depth;
	u16 sq_tail;
	u16 cq_head;
	u16 cq_vector;
	u8 cq_phase;
	u8 reserved[7];
};

/* Version LUNVME_RECORD_VERSION; native byte order, same machine. */
struct lunvme_record {
	char serial[20];		/* Identify Controller SN */
	u32 nr_queues;			/* admin included */
	u64 cap;
	u32 cc;
	u32 aqa;
	u64 asq;
	u64 acq;
	u32 nr_vecs;
	u32 irq_type;			/* PCI_IRQ_MSIX, _MSI or _INTX */
	u32 aer_outstanding;
	u32 reserved;
	u64 dbbuf_dbs;			/* shadow doorbell pages, 0 if off */
	u64 dbbuf_eis;
	struct lunvme_rec_queue q[LUNVME_MAX_IO_QUEUES + 1];
};

static_assert(sizeof(struct lunvme_rec_queue) == 16);
static_assert(sizeof(struct lunvme_record) == 88 + 16 * (LUNVME_MAX_IO_QUEUES + 1));

/* Log why the controller is not adopted; the core then cold-probes it. */
static __printf(2, 3) int lunvme_refuse(struct lunvme_dev *dev,
					const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_err(&dev->pdev->dev, "retrieve refused: %pV\n", &vaf);
	va_end(args);
	return -ENODEV;
}

/**
 * lunvme_record_check() - is the controller still as the record says
 * @dev: controller, not touched but read
 * @data: the record
 * @len: its length
 *
 * Return: 0, or -ENODEV after logging what differs.
 */
int lunvme_record_check(struct lunvme_dev *dev, const void *data, size_t len)
{
	const struct lunvme_record *rec = data;
	u32 csts, cc;

	if (len != sizeof(*rec) || !rec->nr_queues ||
	    rec->nr_queues > LUNVME_MAX_IO_QUEUES + 1 || !rec->nr_vecs)
		return lunvme_refuse(dev, "malformed record (%zu bytes)", len);

	csts = readl(dev->bar + NVME_REG_CSTS);
	if (csts == ~0U)
		return lunvme_refuse(dev, "controller does not respond");
	cc = readl(dev->bar + NVME_REG_CC);
	if (!(cc & NVME_CC_ENABLE))
		return lunvme_refuse(dev, "controller disabled (CC.EN=0)");
	if (!(csts & NVME_CSTS_RDY))
		return lunvme_refuse(dev, "controller not ready (CSTS.RDY=0)");
	if (csts & NVME_CSTS_CFS)
		return lunvme_refuse(dev, "controller fatal status (CSTS.CFS=1)");
	if (csts & NVME_CSTS_SHST_MASK)
		return lunvme_refuse(dev, "controller shut down (CSTS=%#x)", csts);
	if (cc != rec->cc)
		return lunvme_refuse(dev, "CC is %#x, record says %#x", cc, rec->cc);
	if (lo_hi_readq(dev->bar + NVME_REG_CAP) != rec->cap)
		return lunvme_refuse(dev, "CAP differs from the record");
	if (readl(dev->bar + NVME_REG_AQA) != rec->aqa ||
	    lo_hi_readq(dev->bar + NVME_REG_ASQ) != rec->asq ||
	    lo_hi_readq(dev->bar + NVME_REG_ACQ) != rec->acq)
		return lunvme_refuse(dev, "admin queue registers differ from the record");
	return 0;
}

/**
 * lunvme_record_adopt() - take over the queues the record describes
 * @dev: controller that passed lunvme_record_check()
 * @data: the record
 *
 * Return: 0 or a negative errno.
 */
int lunvme_record_adopt(struct lunvme_dev *dev, const void *data)
{
	const struct lunvme_record *rec = data;
	unsigned int qid;
	int ret;

	dev->ctrl.cap = rec->cap;
	dev->ctrl.ctrl_config = rec->cc;
	dev->db_stride = 1 << NVME_CAP_STRIDE(rec->cap);
	for (qid = 0; qid < rec->nr_queues; qid++) {
		const struct lunvme_rec_queue *r = &rec->q[qid];
		struct lunvme_queue *q = &dev->queues[qid];

		if (r->depth < 2 || r->sq_tail >= r->depth ||
		    r->cq_head >= r->depth || r->cq_vector >= rec->nr_vecs)
			return lunvme_refuse(dev, "queue %u out of range", qid);
		ret = lunvme_queue_restore(dev, qid, r->depth);
		if (ret)
			return ret;
		q->sq_tail = r->sq_tail;
		q->sq_db = r->sq_tail;
		q->sq_mmio = r->sq_tail;
		q->cq_head = r->cq_head;
		q->cq_phase = r->cq_phase;
		q->cq_vector = r->cq_vector;
		q->live = true;
	}
	if (dev->queues[0].sq_dma != rec->asq ||
	    dev->queues[0].cq_dma != rec->acq)
		return lunvme_refuse(dev, "admin queue memory moved");
	dev->nr_queues = rec->nr_queues;
	dev->io_depth = rec->nr_queues > 1 ? rec->q[1].depth : LUNVME_IO_DEPTH;
	atomic_set(&dev->aer_outstanding, rec->aer_outstanding);
	return lunvme_dbbuf_restore(dev, rec->dbbuf_dbs, rec->dbbuf_eis);
}

/**
 * lunvme_record_irqs() - interrupt setup the queues were created with
 * @data: the record
 * @type: returns the PCI_IRQ_* type
 *
 * Return: the number of vectors.
 */
unsigned int lunvme_record_irqs(const void *data, unsigned int *type)
{
	const struct lunvme_record *rec = data;

	*type = rec->irq_type;
	return rec->nr_vecs;
}

/* Bus numbers may change across kexec: the serial says it is the same. */
int lunvme_record_identity(struct lunvme_dev *dev, const void *data)
{
	const struct lunvme_record *rec = data;

	if (memcmp(dev->ctrl.subsys->serial, rec->serial, sizeof(rec->serial)))
		return lunvme_refuse(dev, "serial '%.20s', record says '%.20s'",
				     dev->ctrl.subsys->serial, rec->serial);
	return 0;
}

static u32 lunvme_irq_type(struct pci_dev *pdev)
{
	if (pdev->msix_enabled)
		return PCI_IRQ_MSIX;
	return pdev->msi_enabled ? PCI_IRQ_MSI : PCI_IRQ_INTX;
}

/**
 * lunvme_record_write() - describe the quiesced controller
 * @dev: controller after lunvme_quiesce()
 * @data: record buffer
 * @len: its size in, the record's length out
 *
 * Return: 0 or -ENOSPC.
 */
int lunvme_record_write(struct lunvme_dev *dev, void *data, size_t *len)
{
	struct lunvme_record *rec = data;
	unsigned int qid;

	if (*len < sizeof(*rec))
		return -ENOSPC;
	memset(rec, 0, sizeof(*rec));
	memcpy(rec->serial, dev->ctrl.subsys->serial, sizeof(rec->serial));
	rec->nr_queues = dev->nr_queues;
	rec->cap = lo_hi_readq(dev->bar + NVME_REG_CAP);
	rec->cc = readl(dev->bar + NVME_REG_CC);
	rec->aqa = readl(dev->bar + NVME_REG_AQA);
	rec->asq = lo_hi_readq(dev->bar + NVME_REG_ASQ);
	rec->acq = lo_hi_readq(dev->bar + NVME_REG_ACQ);
	rec->nr_vecs = dev->nr_vecs;
	rec->irq_type = lunvme_irq_type(dev->pdev);
	rec->aer_outstanding = atomic_read(&dev->aer_outstanding);
	rec->dbbuf_dbs = dev->dbbuf_dbs_dma;
	rec->dbbuf_eis = dev->dbbuf_eis_dma;
	for (qid = 0; qid < dev->nr_queues; qid++) {
		const struct lunvme_queue *q = &dev->queues[qid];

		rec->q[qid] = (struct lunvme_rec_queue) {
			.depth = q->depth,
			.sq_tail = q->sq_tail,
			.cq_head = q->cq_head,
			.cq_vector = q->cq_vector,
			.cq_phase = q->cq_phase,
		};
	}
	*len = sizeof(*rec);
	return 0;
}
