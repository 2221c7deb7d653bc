// SPDX-License-Identifier: GPL-2.0
/*
 * lunic fault injection for the selftests (CONFIG_PCI_LIVEUPDATE_FAULT_INJECT).
 *
 *   /sys/kernel/debug/lunic/<bdf>/fail_freeze
 *
 * Writing Y makes freeze() fail after it has quiesced the NIC and drained
 * TX, the worst moment: the core then calls shutdown() on a NIC that
 * freeze() left half-quiesced, and the next kernel cold-probes it.
 */
#include <linux/debugfs.h>

#include "lunic.h"

/* "lunic" directory, there while any adapter has its own in it */
static struct dentry *lunic_debugfs;
static unsigned int lunic_debugfs_users;
static DEFINE_MUTEX(lunic_debugfs_lock);

static void lunic_fault_exit(void *data)
{
	struct lunic_adapter *ad = data;

	mutex_lock(&lunic_debugfs_lock);
	debugfs_remove_recursive(ad->debugfs);
	ad->debugfs = NULL;
	if (!--lunic_debugfs_users) {
		debugfs_remove_recursive(lunic_debugfs);
		lunic_debugfs = NULL;
	}
	mutex_unlock(&lunic_debugfs_lock);
}

/* Device-managed like the rest of the adapter: unbind removes it. */
int lunic_fault_init(struct lunic_adapter *ad)
{
	mutex_lock(&lunic_debugfs_lock);
	if (!lunic_debugfs_users++)
		lunic_debugfs = debugfs_create_dir(LUNIC_NAME, NULL);
	ad->debugfs = debugfs_create_dir(pci_name(ad->pdev), lunic_debugfs);
	mutex_unlock(&lunic_debugfs_lock);
	debugfs_create_bool("fail_freeze", 0600, ad->debugfs, &ad->fail_freeze);
	return devm_add_action_or_reset(&ad->pdev->dev, lunic_fault_exit, ad);
}

int lunic_fault_freeze(struct lunic_adapter *ad)
{
	if (!ad->fail_freeze)
		return 0;
	netdev_warn(ad->netdev, "fault injection: freeze fails after quiesce\n");
	return -EIO;
}
