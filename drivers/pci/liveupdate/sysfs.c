// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/pci_liveupdate: how userspace drives an update.
 *
 *   state          none, preserved, frozen, incoming or finished
 *   generation     updates since the last cold boot
 *   backend        where the handover lives: memmap, kho or none
 *   preserve       write a PCI name: freeze() it at the next kexec
 *   unpreserve     write a PCI name: shutdown() it as usual
 *   finish         write 1: drop incoming records not retrieved yet
 *   devices/NAME/  driver, status, reason, preserved, memory
 *
 * See Documentation/ABI/testing/sysfs-kernel-pci_liveupdate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/sysfs.h>

#include "internal.h"

static struct kobject *lu_kobj;
static struct kset *lu_devs_kset;
static const struct attribute_group *lu_extra_group;

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	ssize_t ret;

	mutex_lock(&lu.lock);
	ret = sysfs_emit(buf, "%s\n", lu_state_name());
	mutex_unlock(&lu.lock);
	return ret;
}

static struct kobj_attribute state_attr = __ATTR_RO(state);

static ssize_t generation_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	u64 generation;

	mutex_lock(&lu.lock);
	generation = lu.generation;
	mutex_unlock(&lu.lock);
	return sysfs_emit(buf, "%llu\n", generation);
}

static struct kobj_attribute generation_attr = __ATTR_RO(generation);

static ssize_t backend_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	const char *name;

	mutex_lock(&lu.lock);
	name = lu.backend ? lu.backend->name : "none";
	mutex_unlock(&lu.lock);
	return sysfs_emit(buf, "%s\n", name);
}

static struct kobj_attribute backend_attr = __ATTR_RO(backend);

static ssize_t lu_store_preserve(const char *buf, size_t count, bool on)
{
	char bdf[16];
	int ret;

	if (sscanf(buf, "%15s", bdf) != 1)
		return -EINVAL;
	ret = lu_preserve(bdf, on);
	return ret ? ret : count;
}

static ssize_t preserve_store(struct kobject *kobj,
			      struct kobj_attribute *attr, const char *buf,
			      size_t count)
{
	return lu_store_preserve(buf, count, true);
}

static struct kobj_attribute preserve_attr = __ATTR_WO(preserve);

static ssize_t unpreserve_store(struct kobject *kobj,
				struct kobj_attribute *attr, const char *buf,
				size_t count)
{
	return lu_store_preserve(buf, count, false);
}

static struct kobj_attribute unpreserve_attr = __ATTR_WO(unpreserve);

static ssize_t finish_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	bool yes;

	if (kstrtobool(buf, &yes) || !yes)
		return -EINVAL;
	mutex_lock(&lu.lock);
	lu_finish_locked("finish written");
	mutex_unlock(&lu.lock);
	return count;
}

static struct kobj_attribute finish_attr = __ATTR_WO(finish);

static struct attribute *lu_attrs[] = {
	&state_attr.attr,
	&generation_attr.attr,
	&backend_attr.attr,
	&preserve_attr.attr,
	&unpreserve_attr.attr,
	&finish_attr.attr,
	NULL,
};

static const struct attribute_group lu_group = {
	.attrs = lu_attrs,
};

/* devices/NAME */

static struct lu_dev *to_lu_dev(struct kobject *kobj)
{
	return container_of(kobj, struct lu_dev, kobj);
}

static ssize_t lu_dev_show(struct kobject *kobj, char *buf,
			   ssize_t (*show)(struct lu_dev *ldev, char *buf))
{
	ssize_t ret;

	mutex_lock(&lu.lock);
	ret = show(to_lu_dev(kobj), buf);
	mutex_unlock(&lu.lock);
	return ret;
}

#define LU_DEV_ATTR_RO(_name, _fmt, ...)				\
static ssize_t lu_dev_##_name(struct lu_dev *ldev, char *buf)		\
{									\
	return sysfs_emit(buf, _fmt "\n", __VA_ARGS__);			\
}									\
static ssize_t _name##_show(struct kobject *kobj,			\
			    struct kobj_attribute *attr, char *buf)	\
{									\
	return lu_dev_show(kobj, buf, lu_dev_##_name);			\
}									\
static struct kobj_attribute dev_##_name##_attr = __ATTR_RO(_name)

LU_DEV_ATTR_RO(driver, "%s", ldev->driver);
LU_DEV_ATTR_RO(status, "%s", lu_dev_status_name(ldev->status));
LU_DEV_ATTR_RO(reason, "%s", ldev->reason);
LU_DEV_ATTR_RO(preserved, "%d", ldev->preserved);
LU_DEV_ATTR_RO(memory, "%zu", lu_chunks_size(&ldev->chunks));
LU_DEV_ATTR_RO(incoming_memory, "%zu", lu_chunks_size(&ldev->in_chunks));

static struct attribute *lu_dev_attrs[] = {
	&dev_driver_attr.attr,
	&dev_status_attr.attr,
	&dev_reason_attr.attr,
	&dev_preserved_attr.attr,
	&dev_memory_attr.attr,
	&dev_incoming_memory_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(lu_dev);

static void lu_dev_release(struct kobject *kobj)
{
	kfree(to_lu_dev(kobj));
}

static const struct kobj_type lu_dev_ktype = {
	.release = lu_dev_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = lu_dev_groups,
};

/**
 * lu_sysfs_add_dev() - show a new device entry in sysfs
 * @ldev: zeroed entry with its name set
 *
 * Return: 0, or an errno after which @ldev has been freed.
 */
int lu_sysfs_add_dev(struct lu_dev *ldev)
{
	int ret;

	ldev->kobj.kset = lu_devs_kset;
	ret = kobject_init_and_add(&ldev->kobj, &lu_dev_ktype, NULL, "%s",
				   ldev->name);
	if (ret)
		kobject_put(&ldev->kobj);
	return ret;
}

/**
 * lu_sysfs_init() - create /sys/kernel/pci_liveupdate
 * @extra: attributes of the form's own, or NULL
 *
 * Return: 0 or a negative errno.
 */
int lu_sysfs_init(const struct attribute_group *extra)
{
	int ret;

	lu_kobj = kobject_create_and_add("pci_liveupdate", kernel_kobj);
	if (!lu_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(lu_kobj, &lu_group);
	if (!ret && extra)
		ret = sysfs_create_group(lu_kobj, extra);
	if (ret)
		goto out_put;
	lu_extra_group = extra;
	lu_devs_kset = kset_create_and_add("devices", NULL, lu_kobj);
	if (!lu_devs_kset) {
		ret = -ENOMEM;
		goto out_put;
	}
	return 0;

out_put:
	kobject_put(lu_kobj);
	return ret;
}

/**
 * lu_sysfs_remove_attrs() - take away the top-level attributes
 *
 * Returns once no show() or store() of them runs (kernfs drains them): a
 * module unload calls it before freeing what they read (the device list,
 * the region bitmap). Device entries are kobjects with their own
 * references and go with each device.
 */
void lu_sysfs_remove_attrs(void)
{
	if (lu_extra_group)
		sysfs_remove_group(lu_kobj, lu_extra_group);
	lu_extra_group = NULL;
	sysfs_remove_group(lu_kobj, &lu_group);
}

void lu_sysfs_exit(void)
{
	kset_unregister(lu_devs_kset);
	kobject_put(lu_kobj);
}
