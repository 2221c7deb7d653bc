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
 */
#include <linux/debugfs.h>

#include "lunvme.h"

/* "lunvme" directory, there while any controller has its own in it */
static struct dentry *lunvme_debugfs;
static unsigned int lunvme_debugfs_users;
static DEFINE_MUTEX(lunvme_debugfs_lock);

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
