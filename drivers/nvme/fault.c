// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme fault injection for the selftests (CONFIG_PCI_LIVEUPDATE_FAULT_INJECT).
 *
 *   /sys/kernel/debug/lunvme/<bdf>/drop_completions
 *
 * Writing N makes the next N I/O completions vanish: the entry is consumed
 * but its request is not completed, as if the interrupt and the entry had
 * been lost. The request then times out, which exercises the timeout
 * handler's abort and, when the abort does not bring it back, the
 * controller reset. The Debian kernel has no generic fail_io_timeout.
 *
 *   /sys/kernel/debug/lunvme/<bdf>/fail_freeze
 *
 * Writing Y makes freeze() fail after it has quiesced the controller, the
 * worst moment: the core then calls shutdown() on a half-frozen controller.
 *
 *   /sys/kernel/debug/lunvme/<bdf>/record_fault
 *
 * Writing a field name (see lunvme_record_faults) makes the next freeze()
 * write that field of the record wrong, before the core computes its CRC:
 * the next kernel gets a well-formed record it must refuse by itself.
 */
#include <linux/debugfs.h>

#include "lunvme.h"

/* "lunvme" directory, there while any controller has its own in it */
static struct dentry *lunvme_debugfs;
static unsigned int lunvme_debugfs_users;
static DEFINE_MUTEX(lunvme_debugfs_lock);

static const char * const lunvme_record_faults[] = {
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
};

static ssize_t lunvme_record_fault_write(struct file *file,
					 const char __user *ubuf, size_t count,
					 loff_t *ppos)
{
	struct lunvme_dev *dev = file->private_data;
	char name[16];
	int i;

	if (count >= sizeof(name) || copy_from_user(name, ubuf, count))
		return -EINVAL;
	name[count] = '\0';
	i = match_string(lunvme_record_faults, ARRAY_SIZE(lunvme_record_faults),
			 strim(name));
	if (i < 0)
		return i;
	WRITE_ONCE(dev->record_fault, i);
	return count;
}

static ssize_t lunvme_record_fault_read(struct file *file, char __user *ubuf,
					size_t count, loff_t *ppos)
{
	struct lunvme_dev *dev = file->private_data;
	char buf[20];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			lunvme_record_faults[READ_ONCE(dev->record_fault)]);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations lunvme_record_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lunvme_record_fault_read,
	.write = lunvme_record_fault_write,
	.llseek = default_llseek,
};

void lunvme_fault_init(struct lunvme_dev *dev)
{
	mutex_lock(&lunvme_debugfs_lock);
	if (!lunvme_debugfs_users++)
		lunvme_debugfs = debugfs_create_dir("lunvme", NULL);
	dev->debugfs = debugfs_create_dir(pci_name(dev->pdev), lunvme_debugfs);
	mutex_unlock(&lunvme_debugfs_lock);
	debugfs_create_atomic_t("drop_completions", 0600, dev->debugfs,
				&dev->drop_completions);
	debugfs_create_bool("fail_freeze", 0600, dev->debugfs,
			    &dev->fail_freeze);
	debugfs_create_file("record_fault", 0600, dev->debugfs, dev,
			    &lunvme_record_fault_fops);
}

void lunvme_fault_exit(struct lunvme_dev *dev)
{
	mutex_lock(&lunvme_debugfs_lock);
	debugfs_remove_recursive(dev->debugfs);
	dev->debugfs = NULL;
	if (!--lunvme_debugfs_users) {
		debugfs_remove_recursive(lunvme_debugfs);
		lunvme_debugfs = NULL;
	}
	mutex_unlock(&lunvme_debugfs_lock);
}

bool lunvme_fault_drop_completion(struct lunvme_queue *q,
				  struct nvme_completion *cqe)
{
	struct lunvme_dev *dev = q->dev;

	if (!q->qid || atomic_dec_if_positive(&dev->drop_completions) < 0)
		return false;
	dev_warn(dev->ctrl.device,
		 "fault injection: dropped completion of command %d on queue %d\n",
		 nvme_tag_from_cid(cqe->command_id), q->qid);
	return true;
}

int lunvme_fault_freeze(struct lunvme_dev *dev)
{
	if (!dev->fail_freeze)
		return 0;
	dev_warn(dev->ctrl.device, "fault injection: freeze fails after quiesce\n");
	return -EIO;
}

enum lunvme_record_fault lunvme_fault_record(struct lunvme_dev *dev)
{
	enum lunvme_record_fault f = READ_ONCE(dev->record_fault);

	if (f)
		dev_warn(dev->ctrl.device, "fault injection: record field '%s' written wrong\n",
			 lunvme_record_faults[f]);
	return f;
}
