// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme handover record: checked, adopted and written here; its layout,
 * an ABI between kernels, is in lunvme_record.h.
 *
 * NVMe doorbells read back as zero, so the queue indices and phases are
 * only known from here. The controller registers are recorded too, and a
 * retrieved controller must still show them: if it was reset, shut down or
 * failed meanwhile, it is not adopted.
 */
#include <linux/io-64-nonatomic-lo-hi.h>

#include "lunvme.h"

/* Log why the controller is not adopted; the core then cold-probes it. */
static __printf(3, 4) int lunvme_refuse(struct lunvme_dev *dev, int err,
					const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	dev_err(&dev->pdev->dev, "retrieve: %pV\n", &vaf);
	va_end(args);
	return err;
}

/* One queue of the record; @max is the most entries it may have. */
static const char *lunvme_rec_queue_bad(const struct lunvme_record *rec,
					unsigned int qid, u32 max)
{
	const struct lunvme_rec_queue *r = &rec->q[qid];

	if (r->depth < 2 || r->depth > max)
		return "queue depth out of range";
	if (qid > 1 && r->depth != rec->q[1].depth)
		return "I/O queues of different depths";
	if (r->sq_tail >= r->depth || r->cq_head >= r->depth)
		return "queue index beyond its depth";
	if (r->cq_phase > 1)
		return "completion phase neither 0 nor 1";
	if (r->cq_vector >= rec->nr_vecs)
		return "queue vector beyond the vectors recorded";
	return NULL;
}

/* Interrupts as lunvme_irqs_alloc() can have granted them. */
static const char *lunvme_rec_irqs_bad(const struct lunvme_record *rec)
{
	switch (rec->irq_type) {
	case PCI_IRQ_MSIX:
		return rec->nr_vecs <= LUNVME_MAX_IO_QUEUES + 1 ? NULL :
		       "more MSI-X vectors than queues";
	case PCI_IRQ_MSI:
		return rec->nr_vecs <= 32 && is_power_of_2(rec->nr_vecs) ? NULL :
		       "MSI vector count not a power of two up to 32";
	case PCI_IRQ_INTX:
		return rec->nr_vecs == 1 ? NULL : "INTx with more than one vector";
	}
	return "unknown interrupt type";
}

/*
 * Is the record itself sane, before any of it is compared or used? The
 * CRC only says it arrived as written; this says what was written makes
 * sense to this driver.
 */
static const char *lunvme_record_bad(const struct lunvme_record *rec,
				     size_t len)
{
	u32 io_max = min_t(u32, NVME_CAP_MQES(rec->cap) + 1, LUNVME_IO_DEPTH);
	unsigned int qid;
	const char *why;

	if (len != sizeof(*rec))
		return "record of the wrong size";
	if (!rec->nr_queues || rec->nr_queues > LUNVME_MAX_IO_QUEUES + 1)
		return "queue count out of range";
	if (!rec->nr_vecs)
		return "no interrupt vector";
	why = lunvme_rec_irqs_bad(rec);
	if (why)
		return why;
	if (rec->q[0].depth != (rec->aqa & 0xfff) + 1 ||
	    rec->q[0].depth != ((rec->aqa >> 16) & 0xfff) + 1)
		return "admin queue depth differs from AQA";
	/* Fewer entries than admin tags would overrun the submission queue. */
	if (rec->q[0].depth != NVME_AQ_DEPTH)
		return "admin queue depth is not the admin tag set's";
	for (qid = 0; qid < rec->nr_queues; qid++) {
		why = lunvme_rec_queue_bad(rec, qid, qid ? io_max : NVME_AQ_DEPTH);
		if (why)
			return why;
	}
	if (rec->aer_outstanding > NVME_NR_AEN_COMMANDS)
		return "more outstanding AERs than ever sent";
	if (!rec->dbbuf_dbs != !rec->dbbuf_eis)
		return "one shadow doorbell page without the other";
	if (rec->reserved)
		return "reserved field set";
	return NULL;
}

struct lunvme_reg_check {
	const char *name;
	u32 reg;
	bool wide;		/* 64-bit register */
	u64 mask;
	u64 want;
};

static u64 lunvme_reg_read(struct lunvme_dev *dev,
			   const struct lunvme_reg_check *c)
{
	return c->wide ? lo_hi_readq(dev->bar + c->reg) : readl(dev->bar + c->reg);
}

/* The registers a frozen controller must still show; refusal -ESTALE. */
static int lunvme_regs_check(struct lunvme_dev *dev,
			     const struct lunvme_record *rec)
{
	const struct lunvme_reg_check checks[] = {
		{ "CC.EN", NVME_REG_CC, false, NVME_CC_ENABLE, NVME_CC_ENABLE },
		{ "CSTS.RDY", NVME_REG_CSTS, false, NVME_CSTS_RDY, NVME_CSTS_RDY },
		{ "CSTS.CFS", NVME_REG_CSTS, false, NVME_CSTS_CFS, 0 },
		{ "CSTS.SHST", NVME_REG_CSTS, false, NVME_CSTS_SHST_MASK, 0 },
		{ "CC", NVME_REG_CC, false, ~0U, rec->cc },
		{ "CAP", NVME_REG_CAP, true, ~0ULL, rec->cap },
		{ "AQA", NVME_REG_AQA, false, ~0U, rec->aqa },
		{ "ASQ", NVME_REG_ASQ, true, ~0ULL, rec->asq },
		{ "ACQ", NVME_REG_ACQ, true, ~0ULL, rec->acq },
	};
	unsigned int i;
	u64 val;

	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		val = lunvme_reg_read(dev, &checks[i]) & checks[i].mask;
		if (val == checks[i].want)
			continue;
		return lunvme_refuse(dev, -ESTALE,
				     "%s is %#llx, record says %#llx: controller was reset, shut down or replaced",
				     checks[i].name, val, checks[i].want);
	}
	return 0;
}

/**
 * lunvme_record_check() - is the controller still as the record says
 * @dev: controller, not touched but read
 * @data: the record
 * @len: its length
 *
 * The record is judged whole first, then the controller against it: a
 * controller that was reset, shut down, failed or replaced since the record
 * was written fails one of these, and is not adopted. Its identity (the
 * serial) is checked once nvme-core has identified it.
 *
 * Return: 0, or -EINVAL (bad record), -ENODEV (no controller) or -ESTALE
 * (controller not as recorded) after logging why.
 */
int lunvme_record_check(struct lunvme_dev *dev, const void *data, size_t len)
{
	const struct lunvme_record *rec = data;
	const char *why = lunvme_record_bad(rec, len);

	if (why)
		return lunvme_refuse(dev, -EINVAL, "record refused: %s", why);
	if (!lunvme_doorbells_fit(dev->pdev, 1 << NVME_CAP_STRIDE(rec->cap),
				  rec->nr_queues))
		return lunvme_refuse(dev, -EINVAL,
				     "record refused: doorbells of %u queues at CAP.DSTRD %llu lie beyond BAR0",
				     rec->nr_queues, NVME_CAP_STRIDE(rec->cap));
	if (readl(dev->bar + NVME_REG_CSTS) == ~0U)
		return lunvme_refuse(dev, -ENODEV,
				     "controller reads all-ones: gone or not responding");
	return lunvme_regs_check(dev, rec);
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

		ret = lunvme_queue_restore(dev, qid, r->depth);
		if (ret)
			return ret;
		q->sq_tail = r->sq_tail;
		q->sq_db = r->sq_tail;
		q->sq_mmio = r->sq_tail;
		q->cq_head = r->cq_head;
		q->cq_phase = r->cq_phase;
		q->cq_vector = r->cq_vector;
		if (!lunvme_cq_agrees(q))
			return lunvme_refuse(dev, -EINVAL,
					     "record refused: completion queue %u head %u phase %u disagree with its entries",
					     qid, q->cq_head, q->cq_phase);
		q->live = true;
	}
	if (dev->queues[0].sq_dma != rec->asq ||
	    dev->queues[0].cq_dma != rec->acq)
		return lunvme_refuse(dev, -ESTALE, "admin queue memory moved");
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
		return lunvme_refuse(dev, -ENODEV,
				     "serial '%.20s', record says '%.20s': not the controller that was frozen",
				     dev->ctrl.subsys->serial, rec->serial);
	return 0;
}

static u32 lunvme_irq_type(struct pci_dev *pdev)
{
	if (pdev->msix_enabled)
		return PCI_IRQ_MSIX;
	return pdev->msi_enabled ? PCI_IRQ_MSI : PCI_IRQ_INTX;
}

/*
 * Test only: the record fields lunvme's debugfs record_fault can name
 * (drivers/pci/liveupdate/devfault.c). One field wrong but plausible, so
 * that retrieve() must find it without the CRC's help.
 */
enum lunvme_record_fault {
	LUNVME_RF_NONE,
	LUNVME_RF_NR_QUEUES,
	LUNVME_RF_DEPTH,
	LUNVME_RF_DEPTHS,
	LUNVME_RF_SQ_TAIL,
	LUNVME_RF_CQ_PHASE,
	LUNVME_RF_IRQ_TYPE,
	LUNVME_RF_AER,
	LUNVME_RF_DBBUF,
	LUNVME_RF_CC,
	LUNVME_RF_SERIAL,
	LUNVME_RF_AQA,
	LUNVME_RF_AQ_DEPTH,
	LUNVME_RF_CQ_HEAD,
	LUNVME_RF_CQ_VECTOR,
	LUNVME_RF_NR_VECS,
	LUNVME_RF_DSTRD,
};

const char * const lunvme_record_faults[] = {
	[LUNVME_RF_NONE]	= "none",
	[LUNVME_RF_NR_QUEUES]	= "nr_queues",
	[LUNVME_RF_DEPTH]	= "depth",
	[LUNVME_RF_DEPTHS]	= "depths",
	[LUNVME_RF_SQ_TAIL]	= "sq_tail",
	[LUNVME_RF_CQ_PHASE]	= "cq_phase",
	[LUNVME_RF_IRQ_TYPE]	= "irq_type",
	[LUNVME_RF_AER]		= "aer",
	[LUNVME_RF_DBBUF]	= "dbbuf",
	[LUNVME_RF_CC]		= "cc",
	[LUNVME_RF_SERIAL]	= "serial",
	[LUNVME_RF_AQA]		= "aqa",
	[LUNVME_RF_AQ_DEPTH]	= "aq_depth",
	[LUNVME_RF_CQ_HEAD]	= "cq_head",
	[LUNVME_RF_CQ_VECTOR]	= "cq_vector",
	[LUNVME_RF_NR_VECS]	= "nr_vecs",
	[LUNVME_RF_DSTRD]	= "dstrd",
};

const unsigned int lunvme_nr_record_faults = ARRAY_SIZE(lunvme_record_faults);

static void lunvme_record_damage(struct lunvme_dev *dev,
				 struct lunvme_record *rec)
{
	switch (pci_lu_fault_record(dev->fault)) {
	case LUNVME_RF_NONE:
		break;
	case LUNVME_RF_NR_QUEUES:
		rec->nr_queues = LUNVME_MAX_IO_QUEUES + 2;
		break;
	case LUNVME_RF_DEPTH:
		rec->q[1].depth = LUNVME_IO_DEPTH + 1;
		break;
	case LUNVME_RF_DEPTHS:
		rec->q[rec->nr_queues - 1].depth /= 2;
		break;
	case LUNVME_RF_SQ_TAIL:
		rec->q[1].sq_tail = rec->q[1].depth;
		break;
	case LUNVME_RF_CQ_PHASE:
		rec->q[1].cq_phase = 2;
		break;
	case LUNVME_RF_IRQ_TYPE:
		rec->irq_type = PCI_IRQ_AFFINITY;
		break;
	case LUNVME_RF_AER:
		rec->aer_outstanding = 8;
		break;
	case LUNVME_RF_DBBUF:
		rec->dbbuf_eis = 0;
		break;
	case LUNVME_RF_CC:
		rec->cc ^= NVME_CC_IOCQES;
		break;
	case LUNVME_RF_SERIAL:
		rec->serial[0] ^= 1;
		break;
	case LUNVME_RF_AQA:
		rec->aqa = (rec->aqa & ~0xfffU) | ((rec->aqa & 0xfff) - 1);
		break;
	case LUNVME_RF_AQ_DEPTH:	/* AQA agrees: only the depth is wrong */
		rec->q[0].depth = 2;
		rec->aqa = (1 << 16) | 1;
		break;
	case LUNVME_RF_CQ_HEAD:
		rec->q[1].cq_head = (rec->q[1].cq_head + 1) % rec->q[1].depth;
		break;
	case LUNVME_RF_CQ_VECTOR:
		rec->q[1].cq_vector = rec->nr_vecs;
		break;
	case LUNVME_RF_NR_VECS:
		rec->nr_vecs = LUNVME_MAX_IO_QUEUES + 2;
		break;
	case LUNVME_RF_DSTRD:
		rec->cap |= 0xfULL << 32;
		break;
	}
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
	lunvme_record_damage(dev, rec);
	*len = sizeof(*rec);
	return 0;
}
