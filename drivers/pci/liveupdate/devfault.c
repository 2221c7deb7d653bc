// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the selftests of a live-update driver, per device.
 *
 *   /sys/kernel/debug/<driver>/<bdf>/fail_freeze
 *
 * Writing Y makes pci_lu_fault_freeze() fail. A driver calls it in freeze()
 * once the device is quiesced, the worst moment: the core then calls
 * shutdown() on a device that freeze() left half-quiesced, and the next
 * kernel cold-probes it.
 *
 *   /sys/kernel/debug/<driver>/<bdf>/fail_alloc
 *
 * Writing N makes the next N pci_lu_alloc() calls for the device fail, as
 * when the handover memory runs out: the driver's error paths (a ring
 * resize that gets no memory, say) must leave a working device.
 *
 *   /sys/kernel/debug/<driver>/<bdf>/record_fault
 *
 * Writing one of the field names the driver gave to pci_lu_fault_add() makes
 * pci_lu_fault_record() return its index, for freeze() to write that field
 * of its record wrong before the core computes the CRC: the next kernel
 * gets a well-formed record its driver must refuse by itself.
 *
 * The driver may add knobs of its own to pci_lu_fault_dir(). Every driver
 * gets the same three files and the same log lines, so that one test recipe
 * serves all of them.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

struct pci_lu_fault {
	struct pci_dev *pdev;
	struct dentry *dir;		/* <driver>/<bdf> */
	const char * const *fields;	/* [0] is "none" */
	unsigned int nr_fields;
	bool fail_freeze;
	atomic_t fail_alloc;
	int field;			/* index in @fields, 0 for none */
};

/* Serializes the creation and removal of the per-driver directories. */
static DEFINE_MUTEX(lu_devfault_lock);

static ssize_t lu_devfault_record_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	struct pci_lu_fault *f = file->private_data;
	char name[32];
	int i;

	if (count >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, count))
		return -EFAULT;
	name[count] = '\0';
	i = match_string(f->fields, f->nr_fields, strim(name));
	if (i < 0)
		return i;
	WRITE_ONCE(f->field, i);
	return count;
}

static ssize_t lu_devfault_record_read(struct file *file, char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	struct pci_lu_fault *f = file->private_data;
	char buf[40];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			f->fields[READ_ONCE(f->field)]);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations lu_devfault_record_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = lu_devfault_record_read,
	.write = lu_devfault_record_write,
	.llseek = default_llseek,
};

/* The driver's directory, created with its first device. */
static struct dentry *lu_devfault_driver_dir(const char *name)
{
	struct dentry *dir = debugfs_lookup(name, NULL);

	if (dir) {
		dput(dir);	/* kept alive by its children, removed with the last */
		return dir;
	}
	return debugfs_create_dir(name, NULL);
}

/**
 * pci_lu_fault_add() - create a device's fault injection knobs
 * @pdev: a device in its driver's probe() or retrieve()
 * @fields: names of the record fields freeze() can write wrong; [0] must be
 *	"none", index i is what pci_lu_fault_record() returns for name i
 * @nr_fields: entries in @fields
 *
 * Only with CONFIG_PCI_LIVEUPDATE_FAULT_INJECT; otherwise an inline stub
 * returns NULL. Every pci_lu_fault_*() call accepts NULL, so a driver does
 * not check the result: the knobs are for tests, not for the device.
 *
 * Return: the knobs, to be removed with pci_lu_fault_remove(), or NULL.
 */
struct pci_lu_fault *pci_lu_fault_add(struct pci_dev *pdev,
				      const char * const *fields,
				      unsigned int nr_fields)
{
	struct pci_lu_fault *f;
	struct dentry *parent;
	struct lu_dev *ldev;

	f = kzalloc_obj(*f);
	if (!f)
		return NULL;
	f->pdev = pdev;
	f->fields = fields;
	f->nr_fields = nr_fields;

	mutex_lock(&lu_devfault_lock);
	parent = lu_devfault_driver_dir(dev_driver_string(&pdev->dev));
	f->dir = debugfs_create_dir(pci_name(pdev), parent);
	mutex_unlock(&lu_devfault_lock);
	debugfs_create_bool("fail_freeze", 0600, f->dir, &f->fail_freeze);
	debugfs_create_atomic_t("fail_alloc", 0600, f->dir, &f->fail_alloc);
	debugfs_create_file("record_fault", 0600, f->dir, f,
			    &lu_devfault_record_fops);

	mutex_lock(&lu.lock);
	ldev = lu_dev_of(pdev);
	if (ldev)
		ldev->fault = f;
	mutex_unlock(&lu.lock);
	return f;
}
EXPORT_SYMBOL_GPL(pci_lu_fault_add);

/**
 * pci_lu_fault_remove() - remove what pci_lu_fault_add() created
 * @f: the knobs, or NULL
 *
 * Also removes the knobs the driver added to pci_lu_fault_dir(), and the
 * driver's directory with its last device.
 */
void pci_lu_fault_remove(struct pci_lu_fault *f)
{
	struct dentry *parent;
	struct lu_dev *ldev;

	if (!f)
		return;
	mutex_lock(&lu.lock);
	ldev = lu_dev_of(f->pdev);
	if (ldev && ldev->fault == f)
		ldev->fault = NULL;
	mutex_unlock(&lu.lock);

	mutex_lock(&lu_devfault_lock);
	parent = IS_ERR_OR_NULL(f->dir) ? NULL : f->dir->d_parent;
	debugfs_remove_recursive(f->dir);
	if (!IS_ERR_OR_NULL(parent) && simple_empty(parent))
		debugfs_remove(parent);
	mutex_unlock(&lu_devfault_lock);
	kfree(f);
}
EXPORT_SYMBOL_GPL(pci_lu_fault_remove);

/* Called by pci_lu_alloc() under lu.lock: should this allocation fail? */
bool lu_devfault_alloc(struct lu_dev *ldev, const char *tag)
{
	struct pci_lu_fault *f = ldev->fault;

	if (!f || atomic_dec_if_positive(&f->fail_alloc) < 0)
		return false;
	pci_warn(f->pdev, "fault injection: allocation of chunk '%s' fails\n",
		 tag);
	return true;
}

/**
 * pci_lu_fault_dir() - the device's debugfs directory, for the driver's own knobs
 * @f: the knobs, or NULL
 *
 * Return: the directory, or NULL.
 */
struct dentry *pci_lu_fault_dir(struct pci_lu_fault *f)
{
	return f ? f->dir : NULL;
}
EXPORT_SYMBOL_GPL(pci_lu_fault_dir);

/**
 * pci_lu_fault_freeze() - should freeze() fail here?
 * @f: the knobs, or NULL
 *
 * Call in freeze() once the device is quiesced, before writing the record.
 *
 * Return: -EIO, with a log line, if fail_freeze is set; else 0.
 */
int pci_lu_fault_freeze(struct pci_lu_fault *f)
{
	if (!f || !READ_ONCE(f->fail_freeze))
		return 0;
	pci_warn(f->pdev, "fault injection: freeze fails after quiesce\n");
	return -EIO;
}
EXPORT_SYMBOL_GPL(pci_lu_fault_freeze);

/**
 * pci_lu_fault_record() - which record field should freeze() write wrong?
 * @f: the knobs, or NULL
 *
 * Return: the index in the driver's field names of the field named in
 * record_fault, with a log line; 0 when none is.
 */
int pci_lu_fault_record(struct pci_lu_fault *f)
{
	int i = f ? READ_ONCE(f->field) : 0;

	if (i)
		pci_warn(f->pdev, "fault injection: record field '%s' written wrong\n",
			 f->fields[i]);
	return i;
}
EXPORT_SYMBOL_GPL(pci_lu_fault_record);
