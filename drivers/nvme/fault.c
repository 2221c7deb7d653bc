// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme fault injection for the selftests (CONFIG_PCI_LIVEUPDATE_FAULT_INJECT).
 *
 * The core gives every device fail_freeze and record_fault (see
 * drivers/pci/liveupdate/devfault.c); lunvme adds one knob to that
 * directory:
 *
 *   /sys/kernel/debug/lunvme/<bdf>/drop_completions
 *   /sys/kernel/debug/lunvme/<bdf>/drop_admin_completions
 *
 * Writing N makes the next N I/O (or admin) completions vanish: the entry
 * is consumed but its request is not completed, as if the interrupt and the
 * entry had been lost. The request then times out, which exercises the
 * timeout handler's abort and, when the abort does not bring it back, the
 * controller reset; or, for an admin command in flight at a kexec, the
 * freeze that must fail rather than wait for a reset. The Debian kernel has
 * no generic fail_io_timeout.
 */
#include <linux/debugfs.h>

#include "lunvme.h"

void lunvme_fault_init(struct lunvme_dev *dev)
{
	struct dentry *dir = pci_lu_fault_dir(dev->fault);

	if (!dir)
		return;
	debugfs_create_atomic_t("drop_completions", 0600, dir,
				&dev->drop_completions);
	debugfs_create_atomic_t("drop_admin_completions", 0600, dir,
				&dev->drop_admin_completions);
}

bool lunvme_fault_drop_completion(struct lunvme_queue *q,
				  struct nvme_completion *cqe)
{
	struct lunvme_dev *dev = q->dev;
	atomic_t *drop = q->qid ? &dev->drop_completions :
				  &dev->drop_admin_completions;

	if (atomic_dec_if_positive(drop) < 0)
		return false;
	dev_warn(dev->ctrl.device,
		 "fault injection: dropped completion of command %d on queue %d\n",
		 nvme_tag_from_cid(cqe->command_id), q->qid);
	return true;
}
