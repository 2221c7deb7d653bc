/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pci_lu module alone: what module.c, dispatch.c and memmap.c share
 * beyond internal.h. The PCI core's own live update has none of these.
 */
#ifndef _PCI_LU_MODULE_H
#define _PCI_LU_MODULE_H

#include <linux/sysfs.h>
#include <linux/types.h>

/* memmap.c */
int lu_region_init(const char *spec);
extern const struct attribute_group lu_region_group;

/* dispatch.c */
int lu_reboot_init(void);
void lu_reboot_exit(void);

#endif /* _PCI_LU_MODULE_H */
