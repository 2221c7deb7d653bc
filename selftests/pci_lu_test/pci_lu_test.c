// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest complete pci_lu_driver, for QEMU's "edu" device
 * (-device edu,dma_mask=0xffffffff): start here to port a driver, with
 * Documentation/driver-porting.rst. The selftests use it to test the core
 * (selftests/guest/scenarios/core.sh), so each path logs what it did.
 *
 * The device has a factorial unit, whose last result serves as the state
 * that must survive, and a 4 KiB buffer it fills and empties by DMA.
 *
 *   probe     software setup (lu_test_alloc(), shared with retrieve), a
 *             preserved chunk from pci_lu_alloc(), then the hardware: reset,
 *             bus mastering;
 *   freeze    kexec with the device preserved: leave state in the device
 *             (a pattern DMAed into its buffer, a factorial computed) and
 *             write the record {seed, factorial, bus address}; nothing is
 *             reset and the device is touched no more;
 *   retrieve  the same software setup, then the device against the record
 *             (its factorial), the chunk with pci_lu_restore(), bus
 *             mastering back before any DMA, and the device's buffer DMAed
 *             back to compare: only a device that was not reset still
 *             holds the pattern. No reset. Any error: return it, the core
 *             logs it and calls probe;
 *   shutdown  reboot, or fallback of a failed freeze: stop bus mastering.
 *
 * Test hooks, not part of the pattern: fail_freeze=, fail_retrieve= and
 * fail_probe= make one device's freeze(), retrieve() or probe() fail
 * (lu_test_fault()), so the selftests see the core fall back to
 * shutdown() and probe(), and clean up after both bind paths failed;
 * spare_chunk=, slow_retrieve= and ballast_kib= give the core memory
 * that retrieve() leaves to it, or a retrieve() it must wait for.
 */
#include <linux/delay.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/pci_lu_driver.h>
#include <linux/random.h>

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8

#define EDU_ID			0x00
#define EDU_FACTORIAL		0x08
#define EDU_STATUS		0x20
#define  EDU_STATUS_COMPUTING	BIT(0)
#define EDU_DMA_SRC		0x80
#define EDU_DMA_DST		0x88
#define EDU_DMA_COUNT		0x90
#define EDU_DMA_CMD		0x98
#define  EDU_DMA_START		BIT(0)
#define  EDU_DMA_TO_RAM		BIT(1)
#define EDU_BUF			0x40000	/* device-side address of its buffer */
/*
 * The buffer has 4 KiB, but QEMU before 8.0 refuses a transfer that ends
 * at its last byte (an off-by-one in edu_check_range()): use half.
 */
#define EDU_BUF_SIZE		SZ_2K

#define TEST_CHUNK_SIZE		SZ_8K
#define TEST_RECORD_VERSION	1
#define TEST_MAGIC		0x7e57c0de

static char *fail_retrieve = "";
module_param(fail_retrieve, charp, 0644);
MODULE_PARM_DESC(fail_retrieve, "PCI name of a device whose retrieve() fails after adopting it");
static char *fail_probe = "";
module_param(fail_probe, charp, 0644);
MODULE_PARM_DESC(fail_probe, "PCI name of a device whose probe() fails");
static char *fail_freeze = "";
module_param(fail_freeze, charp, 0644);
MODULE_PARM_DESC(fail_freeze, "PCI name of a device whose freeze() fails");
static char *spare_chunk = "";
module_param(spare_chunk, charp, 0644);
MODULE_PARM_DESC(spare_chunk, "PCI name of a device given a second chunk that retrieve() does not restore");
static char *slow_retrieve = "";
module_param(slow_retrieve, charp, 0644);
MODULE_PARM_DESC(slow_retrieve, "PCI name of a device whose retrieve() waits 3 s before it restores its chunk");
static unsigned int ballast_kib;
module_param(ballast_kib, uint, 0444);
MODULE_PARM_DESC(ballast_kib, "KiB of preserved memory per device that retrieve() leaves to the core");

/*
 * The record, the ABI between two kernels: fixed-width fields, no
 * pointers, its size checked at build time, TEST_RECORD_VERSION bumped on
 * any change. The core adds the PCI IDs, driver name, version and a CRC.
 */
struct lu_test_record {
	u32 magic;
	u32 seed;
	u32 fact_in;
	u32 fact_out;
	u64 dma;		/* where the chunk was: must not move */
};

static_assert(sizeof(struct lu_test_record) == 24);

struct lu_test {
	void __iomem *regs;
	u32 *chunk;		/* pattern, then what the device read back */
	dma_addr_t dma;
};

static u32 lu_test_factorial(u32 n)
{
	u32 f = 1;

	while (n > 1)
		f *= n--;
	return f;
}

static void lu_test_fill(u32 *buf, u32 seed)
{
	int i;

	for (i = 0; i < EDU_BUF_SIZE / sizeof(u32); i++)
		buf[i] = seed ^ (i * 0x9e3779b9);
}

static int lu_test_check(const u32 *buf, u32 seed)
{
	int i;

	for (i = 0; i < EDU_BUF_SIZE / sizeof(u32); i++)
		if (buf[i] != (seed ^ (i * 0x9e3779b9)))
			return -EILSEQ;
	return 0;
}

static int lu_test_dma(struct lu_test *t, u64 src, u64 dst, u32 cmd)
{
	u32 val;

	writeq(src, t->regs + EDU_DMA_SRC);
	writeq(dst, t->regs + EDU_DMA_DST);
	writeq(EDU_BUF_SIZE, t->regs + EDU_DMA_COUNT);
	writeq(cmd | EDU_DMA_START, t->regs + EDU_DMA_CMD);
	return readl_poll_timeout(t->regs + EDU_DMA_CMD, val,
				  !(val & EDU_DMA_START), 5000, 2000000);
}

/* Test hook: should @path of this device fail? */
static bool lu_test_fault(struct pci_dev *pdev, const char *param,
			  const char *path)
{
	if (!sysfs_streq(param, pci_name(pdev)))
		return false;
	pci_warn(pdev, "lu_test: %s: failing on request\n", path);
	return true;
}

/* Software state shared by probe and retrieve; touches no register. */
static struct lu_test *lu_test_alloc(struct pci_dev *pdev)
{
	struct lu_test *t;
	int ret;

	t = devm_kzalloc(&pdev->dev, sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	ret = pcim_enable_device(pdev);
	if (ret)
		return ERR_PTR(ret);
	t->regs = pcim_iomap_region(pdev, 0, KBUILD_MODNAME);
	if (IS_ERR(t->regs))
		return ERR_CAST(t->regs);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret)
		return ERR_PTR(ret);
	pci_set_drvdata(pdev, t);
	return t;
}

static int lu_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lu_test *t;
	dma_addr_t dma;
	dma_addr_t ballast;

	if (lu_test_fault(pdev, fail_probe, "probe"))
		return -EIO;
	t = lu_test_alloc(pdev);
	if (IS_ERR(t))
		return PTR_ERR(t);
	t->chunk = pci_lu_alloc(pdev, "buf", TEST_CHUNK_SIZE, &t->dma);
	if (!t->chunk)
		return -ENOMEM;
	/* Test of the core: such a chunk stays reserved after retrieve(). */
	if (sysfs_streq(spare_chunk, pci_name(pdev)) &&
	    !pci_lu_alloc(pdev, "spare", SZ_4K, &dma))
		return -ENOMEM;
	/* The core frees it when the driver unbinds. */
	if (ballast_kib &&
	    !pci_lu_alloc(pdev, "ballast", ballast_kib * SZ_1K, &ballast))
		return -ENOMEM;
	/* "Reset": forget whatever a previous kernel left in the device. */
	writel(0, t->regs + EDU_FACTORIAL);
	pci_set_master(pdev);
	pci_info(pdev, "lu_test: probe: device %#x reset, chunk at %pad\n",
		 readl(t->regs + EDU_ID), &t->dma);
	return 0;
}

static int lu_test_retrieve(struct pci_dev *pdev,
			    const struct pci_device_id *id, const void *data,
			    size_t len)
{
	const struct lu_test_record *rec = data;
	struct lu_test *t;
	u32 fact;
	int ret;

	/* The record alone first, then the device against it. */
	if (len != sizeof(*rec) || rec->magic != TEST_MAGIC) {
		pci_err(pdev, "lu_test: retrieve: malformed record (%zu bytes)\n",
			len);
		return -EINVAL;
	}
	t = lu_test_alloc(pdev);
	if (IS_ERR(t))
		return PTR_ERR(t);

	fact = readl(t->regs + EDU_FACTORIAL);
	if (fact != rec->fact_out) {
		pci_err(pdev, "lu_test: retrieve: factorial %u, record says %u: not the device we froze\n",
			fact, rec->fact_out);
		return -ENODEV;
	}
	/* Test of the core: a finish written meanwhile takes nothing away. */
	if (sysfs_streq(slow_retrieve, pci_name(pdev))) {
		pci_info(pdev, "lu_test: retrieve: waiting 3 s\n");
		msleep(3000);
	}
	/* Refused with a log line by the core if it is missing or moved. */
	t->chunk = pci_lu_restore(pdev, "buf", TEST_CHUNK_SIZE, &t->dma);
	if (!t->chunk)
		return -ENOENT;
	if (t->dma != rec->dma || lu_test_check(t->chunk, rec->seed)) {
		pci_err(pdev, "lu_test: retrieve: chunk content lost\n");
		return -EILSEQ;
	}

	/* The PCI core cleared bus mastering at kexec: back before any DMA. */
	pci_set_master(pdev);
	ret = lu_test_dma(t, EDU_BUF, t->dma + EDU_BUF_SIZE, EDU_DMA_TO_RAM);
	if (ret)
		return ret;
	if (lu_test_check(t->chunk + EDU_BUF_SIZE / sizeof(u32), rec->seed)) {
		pci_err(pdev, "lu_test: retrieve: device buffer lost\n");
		return -EILSEQ;
	}
	if (lu_test_fault(pdev, fail_retrieve, "retrieve"))
		return -EAGAIN;
	pci_info(pdev, "lu_test: retrieve: seed %#x: record ok, chunk ok, device buffer ok\n",
		 rec->seed);
	return 0;
}

static int lu_test_freeze(struct pci_dev *pdev, void *data, size_t *len)
{
	struct lu_test *t = pci_get_drvdata(pdev);
	struct lu_test_record *rec = data;
	u32 val;
	int ret;

	if (lu_test_fault(pdev, fail_freeze, "freeze"))
		return -EIO;
	/* State for the next kernel to find: no reset, nothing torn down. */
	rec->magic = TEST_MAGIC;
	rec->seed = get_random_u32();
	rec->fact_in = 3 + rec->seed % 8;
	rec->fact_out = lu_test_factorial(rec->fact_in);
	rec->dma = t->dma;

	lu_test_fill(t->chunk, rec->seed);
	ret = lu_test_dma(t, t->dma, EDU_BUF, 0);
	if (ret)
		return ret;
	writel(rec->fact_in, t->regs + EDU_FACTORIAL);
	ret = readl_poll_timeout(t->regs + EDU_STATUS, val,
				 !(val & EDU_STATUS_COMPUTING), 1000, 1000000);
	if (ret)
		return ret;
	/* Nothing touches the device after this: bus mastering goes away. */
	*len = sizeof(*rec);
	pci_info(pdev, "lu_test: freeze: seed %#x\n", rec->seed);
	return 0;
}

static void lu_test_shutdown(struct pci_dev *pdev)
{
	pci_info(pdev, "lu_test: shutdown\n");
	pci_clear_master(pdev);
}

static void lu_test_remove(struct pci_dev *pdev)
{
	struct lu_test *t = pci_get_drvdata(pdev);

	pci_clear_master(pdev);
	pci_lu_free(pdev, TEST_CHUNK_SIZE, t->chunk, t->dma);
	pci_info(pdev, "lu_test: remove\n");
}

static const struct pci_device_id lu_test_ids[] = {
	{ PCI_LU_DEVICE(EDU_VENDOR_ID, EDU_DEVICE_ID) },
	{ }
};

static struct pci_lu_driver lu_test_driver = {
	.driver = {
		.name = KBUILD_MODNAME,
		.id_table = lu_test_ids,
	},
	.probe = lu_test_probe,
	.retrieve = lu_test_retrieve,
	.freeze = lu_test_freeze,
	.shutdown = lu_test_shutdown,
	.remove = lu_test_remove,
	.record_version = TEST_RECORD_VERSION,
};
module_pci_lu_driver(lu_test_driver);

MODULE_DESCRIPTION("Test driver for the PCI live update core (QEMU edu)");
MODULE_LICENSE("GPL");
