// SPDX-License-Identifier: GPL-2.0
/*
 * lunic fault injection for the selftests (CONFIG_PCI_LIVEUPDATE_FAULT_INJECT).
 *
 *   /sys/kernel/debug/lunic/<bdf>/fail_freeze
 *
 * Writing Y makes freeze() fail after it has quiesced the NIC and drained
 * TX, the worst moment: the core then calls shutdown() on a NIC that
 * freeze() left half-quiesced, and the next kernel cold-probes it.
 *
 *   /sys/kernel/debug/lunic/<bdf>/record_fault
 *
 * Writing a field name (see lunic_record_faults) makes the next freeze()
 * write that field of the record wrong, before the core computes its CRC:
 * the next kernel gets a well-formed record it must refuse by itself.
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

static const char * const lunic_record_faults[] = {
	[LUNIC_RF_NONE]		= "none",
	[LUNIC_RF_MAC]		= "mac",
	[LUNIC_RF_MAC_INVALID]	= "mac_invalid",
	[LUNIC_RF_RX_COUNT]	= "rx_count",
	[LUNIC_RF_RDT]		= "rdt",
	[LUNIC_RF_MTU]		= "mtu",
	[LUNIC_RF_FLAGS]	= "flags",
	[LUNIC_RF_RCTL]		= "rctl",
	[LUNIC_RF_RX_RING_DMA]	= "rx_ring_dma",
	[LUNIC_RF_RX_BUFS_DMA]	= "rx_bufs_dma",
};

static ssize_t lunic_record_fault_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	struct lunic_adapter *ad = file->private_data;
	char name[16];
	int i;

	if (count >= sizeof(name) || copy_from_user(name, ubuf, count))
		return -EINVAL;
	name[count] = '\0';
	i = match_string(lunic_record_faults, ARRAY_SIZE(lunic_record_faults),
			 strim(name));
	if (i < 0)
		return i;
	WRITE_ONCE(ad->record_fault, i);
	return count;
}

static ssize_t lunic_record_fault_read(struct file *file, char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	struct lunic_adapter *ad = file->private_data;
	char buf[20];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			lunic_record_faults[READ_ONCE(ad->record_fault)]);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations lunic_record_fault_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lunic_record_fault_read,
	.write = lunic_record_fault_write,
	.llseek = default_llseek,
};

/* Device-managed like the rest of the adapter: unbind removes it. */
int lunic_fault_init(struct lunic_adapter *ad)
{
	mutex_lock(&lunic_debugfs_lock);
	if (!lunic_debugfs_users++)
		lunic_debugfs = debugfs_create_dir(LUNIC_NAME, NULL);
	ad->debugfs = debugfs_create_dir(pci_name(ad->pdev), lunic_debugfs);
	mutex_unlock(&lunic_debugfs_lock);
	debugfs_create_bool("fail_freeze", 0600, ad->debugfs, &ad->fail_freeze);
	debugfs_create_file("record_fault", 0600, ad->debugfs, ad,
			    &lunic_record_fault_fops);
	return devm_add_action_or_reset(&ad->pdev->dev, lunic_fault_exit, ad);
}

int lunic_fault_freeze(struct lunic_adapter *ad)
{
	if (!ad->fail_freeze)
		return 0;
	netdev_warn(ad->netdev, "fault injection: freeze fails after quiesce\n");
	return -EIO;
}

enum lunic_record_fault lunic_fault_record(struct lunic_adapter *ad)
{
	enum lunic_record_fault f = READ_ONCE(ad->record_fault);

	if (f)
		netdev_warn(ad->netdev, "fault injection: record field '%s' written wrong\n",
			    lunic_record_faults[f]);
	return f;
}
