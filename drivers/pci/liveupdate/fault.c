// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the outgoing handover, for testing only.
 *
 * /sys/kernel/debug/pci_liveupdate/fault takes one fault per write:
 *
 *   header-magic        the header's magic is wrong
 *   header-crc          the header's CRC is wrong
 *   abi-version         the header claims the next ABI version (valid CRC)
 *   truncate            the header claims twice the region size (valid CRC)
 *   records-len         the records claim the whole record area and more
 *                       (valid CRC)
 *   records-count       the header counts one record more than it holds
 *                       (valid CRC)
 *   record-crc NAME     one byte of NAME's record changes after its CRC
 *   record-ids NAME     NAME's record has another device ID (valid CRC)
 *
 * and, with the CRC recomputed, so that only the core's own checks can
 * catch them:
 *
 *   record-version NAME the next record version of the driver
 *   record-driver NAME  written by a driver that does not exist
 *   record-bdf NAME     for an address with no device
 *   record-sizes NAME   a blob length the record length does not allow
 *   chunk-offset NAME   first chunk outside the data area
 *   chunk-tag NAME      first chunk under another tag
 *   chunk-dma NAME      first chunk at another bus address
 *   chunk-size NAME     first chunk one page larger
 *   clear               no faults
 *
 * The damage is done as the handover is written, at kexec time, so the next
 * kernel meets it exactly as it would meet real corruption.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/uaccess.h>

#include "internal.h"

#define LU_FAULT_RECS	4

enum lu_hdr_fault {
	LU_FAULT_NONE,
	LU_FAULT_MAGIC,
	LU_FAULT_HDR_CRC,
	LU_FAULT_ABI,
	LU_FAULT_TRUNCATE,
	LU_FAULT_RECORDS_LEN,
	LU_FAULT_RECORDS_COUNT,
};

enum lu_rec_fault {
	LU_FAULT_REC_CRC = 1,
	LU_FAULT_REC_IDS,
	LU_FAULT_REC_VERSION,
	LU_FAULT_REC_DRIVER,
	LU_FAULT_REC_BDF,
	LU_FAULT_REC_SIZES,
	LU_FAULT_CHUNK_OFFSET,
	LU_FAULT_CHUNK_TAG,
	LU_FAULT_CHUNK_DMA,
	LU_FAULT_CHUNK_SIZE,
};

/* match_string() stops at the first NULL: index 0 needs a name too. */
static const char * const lu_hdr_faults[] = {
	[LU_FAULT_NONE]		= "none",
	[LU_FAULT_MAGIC]	= "header-magic",
	[LU_FAULT_HDR_CRC]	= "header-crc",
	[LU_FAULT_ABI]		= "abi-version",
	[LU_FAULT_TRUNCATE]	= "truncate",
	[LU_FAULT_RECORDS_LEN]	= "records-len",
	[LU_FAULT_RECORDS_COUNT] = "records-count",
};

static const char * const lu_rec_faults[] = {
	[0]			= "none",
	[LU_FAULT_REC_CRC]	= "record-crc",
	[LU_FAULT_REC_IDS]	= "record-ids",
	[LU_FAULT_REC_VERSION]	= "record-version",
	[LU_FAULT_REC_DRIVER]	= "record-driver",
	[LU_FAULT_REC_BDF]	= "record-bdf",
	[LU_FAULT_REC_SIZES]	= "record-sizes",
	[LU_FAULT_CHUNK_OFFSET]	= "chunk-offset",
	[LU_FAULT_CHUNK_TAG]	= "chunk-tag",
	[LU_FAULT_CHUNK_DMA]	= "chunk-dma",
	[LU_FAULT_CHUNK_SIZE]	= "chunk-size",
};

static struct {
	enum lu_hdr_fault hdr;
	struct {
		enum lu_rec_fault kind;
		char name[16];
	} rec[LU_FAULT_RECS];
} lu_fault;

static struct dentry *lu_debugfs;

void lu_fault_hdr(struct pci_lu_hdr *hdr)
{
	switch (lu_fault.hdr) {
	case LU_FAULT_NONE:
		return;
	case LU_FAULT_MAGIC:
		hdr->magic = ~PCI_LU_MAGIC;
		return;
	case LU_FAULT_HDR_CRC:
		hdr->hdr_crc = ~hdr->hdr_crc;
		return;
	case LU_FAULT_ABI:
		hdr->abi_version = PCI_LU_ABI_VERSION + 1;
		break;
	case LU_FAULT_TRUNCATE:
		hdr->region_size = 2 * lu.out_size;
		break;
	case LU_FAULT_RECORDS_LEN:
		hdr->records_len = PCI_LU_DATA_OFF;
		break;
	case LU_FAULT_RECORDS_COUNT:
		hdr->nr_records++;
		break;
	}
	hdr->hdr_crc = lu_hdr_crc(hdr);
}

/* A wrong but well-formed record: the CRC is recomputed after this. */
static void lu_fault_rec_valid(struct pci_lu_rec *rec, enum lu_rec_fault kind)
{
	switch (kind) {
	case LU_FAULT_REC_IDS:
		rec->device ^= 0xffff;
		break;
	case LU_FAULT_REC_VERSION:
		rec->blob_version++;
		break;
	case LU_FAULT_REC_DRIVER:
		strscpy(rec->driver, "no_such_driver", sizeof(rec->driver));
		break;
	case LU_FAULT_REC_BDF:
		rec->devfn = PCI_DEVFN(0x1e, 7);
		break;
	case LU_FAULT_REC_SIZES:
		rec->blob_len += 8;
		break;
	case LU_FAULT_CHUNK_OFFSET:
		if (rec->nr_chunks)
			rec->chunks[0].offset = lu.size;
		break;
	case LU_FAULT_CHUNK_TAG:
		if (rec->nr_chunks)
			rec->chunks[0].tag[0] ^= 0x20;
		break;
	case LU_FAULT_CHUNK_DMA:
		if (rec->nr_chunks)
			rec->chunks[0].dma += PAGE_SIZE;
		break;
	case LU_FAULT_CHUNK_SIZE:
		if (rec->nr_chunks)
			rec->chunks[0].size += PAGE_SIZE;
		break;
	default:
		return;
	}
	rec->rec_crc = lu_rec_crc(rec);
}

void lu_fault_rec(struct pci_lu_rec *rec, const char *name)
{
	int i;

	for (i = 0; i < LU_FAULT_RECS; i++) {
		if (strcmp(lu_fault.rec[i].name, name))
			continue;
		if (lu_fault.rec[i].kind == LU_FAULT_REC_CRC)
			rec->reserved2 ^= 1;
		else
			lu_fault_rec_valid(rec, lu_fault.rec[i].kind);
	}
}

static int lu_fault_add_rec(enum lu_rec_fault kind, const char *name)
{
	int i;

	for (i = 0; i < LU_FAULT_RECS; i++) {
		if (lu_fault.rec[i].kind)
			continue;
		lu_fault.rec[i].kind = kind;
		strscpy(lu_fault.rec[i].name, name, sizeof(lu_fault.rec[i].name));
		return 0;
	}
	return -ENOSPC;
}

static int lu_fault_parse(char *cmd)
{
	char *arg = cmd;
	char *word = strsep(&arg, " ");
	int i;

	if (!strcmp(word, "clear")) {
		memset(&lu_fault, 0, sizeof(lu_fault));
		return 0;
	}
	i = match_string(lu_hdr_faults, ARRAY_SIZE(lu_hdr_faults), word);
	if (i > 0 && !arg) {
		lu_fault.hdr = i;
		return 0;
	}
	i = match_string(lu_rec_faults, ARRAY_SIZE(lu_rec_faults), word);
	if (i > 0 && arg && *arg)
		return lu_fault_add_rec(i, strim(arg));
	return -EINVAL;
}

static ssize_t lu_fault_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char cmd[48], *p = cmd;
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';
	p = strim(cmd);

	mutex_lock(&lu.lock);
	ret = lu_fault_parse(p);
	mutex_unlock(&lu.lock);
	if (ret)
		return ret;
	pr_warn("fault injection armed for the next kexec: %s\n", cmd);
	return count;
}

static int lu_fault_show(struct seq_file *m, void *unused)
{
	int i;

	mutex_lock(&lu.lock);
	if (lu_fault.hdr)
		seq_printf(m, "%s\n", lu_hdr_faults[lu_fault.hdr]);
	for (i = 0; i < LU_FAULT_RECS; i++)
		if (lu_fault.rec[i].kind)
			seq_printf(m, "%s %s\n", lu_rec_faults[lu_fault.rec[i].kind],
				   lu_fault.rec[i].name);
	mutex_unlock(&lu.lock);
	return 0;
}

static int lu_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, lu_fault_show, NULL);
}

static const struct file_operations lu_fault_fops = {
	.owner = THIS_MODULE,
	.open = lu_fault_open,
	.read = seq_read,
	.write = lu_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

int lu_fault_init(void)
{
	lu_debugfs = debugfs_create_dir("pci_liveupdate", NULL);
	debugfs_create_file("fault", 0600, lu_debugfs, NULL, &lu_fault_fops);
	return 0;
}

void lu_fault_exit(void)
{
	debugfs_remove_recursive(lu_debugfs);
}
