// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme controller: software state shared by probe() and retrieve(), the
 * nvme_ctrl_ops nvme-core calls back, and quiescing for shutdown and reset.
 *
 * Nothing here decides between a cold start and a retrieved controller:
 * main.c does, with one hardware sequence each.
 */
#include <linux/io-64-nonatomic-lo-hi.h>

#include "lunvme.h"

static int lunvme_reg_read32(struct nvme_ctrl *ctrl, u32 off, u32 *val)
{
	*val = readl(to_lunvme(ctrl)->bar + off);
	return 0;
}

static int lunvme_reg_write32(struct nvme_ctrl *ctrl, u32 off, u32 val)
{
	writel(val, to_lunvme(ctrl)->bar + off);
	return 0;
}

static int lunvme_reg_read64(struct nvme_ctrl *ctrl, u32 off, u64 *val)
{
	*val = lo_hi_readq(to_lunvme(ctrl)->bar + off);
	return 0;
}

/* Pairs with lunvme_alloc(); nvme-core calls it on the last reference. */
static void lunvme_free_ctrl(struct nvme_ctrl *ctrl)
{
	struct lunvme_dev *dev = to_lunvme(ctrl);

	put_device(&dev->pdev->dev);
	kfree(dev->queues);
	kfree(dev);
}

/*
 * nvme-core keeps one Asynchronous Event Request outstanding and asks for
 * another after each completes. After a live update the controller may
 * still hold the previous kernel's: it completes here like ours, so do not
 * send a second one meanwhile.
 */
static void lunvme_submit_async_event(struct nvme_ctrl *ctrl)
{
	struct lunvme_dev *dev = to_lunvme(ctrl);
	struct nvme_command c = { };

	if (dev->frozen || atomic_read(&dev->aer_outstanding))
		return;
	c.common.opcode = nvme_admin_async_event;
	c.common.command_id = LUNVME_AER_CID;
	atomic_inc(&dev->aer_outstanding);
	lunvme_sq_push(&dev->queues[0], &c, true);
}

static int lunvme_get_address(struct nvme_ctrl *ctrl, char *buf, int size)
{
	return snprintf(buf, size, "%s\n", dev_name(&to_lunvme(ctrl)->pdev->dev));
}

static const struct nvme_ctrl_ops lunvme_ctrl_ops = {
	.name			= "pcie",
	.module			= THIS_MODULE,
	.reg_read32		= lunvme_reg_read32,
	.reg_write32		= lunvme_reg_write32,
	.reg_read64		= lunvme_reg_read64,
	.free_ctrl		= lunvme_free_ctrl,
	.submit_async_event	= lunvme_submit_async_event,
	.get_address		= lunvme_get_address,
	LU_NVME_CTRL_OPS_PRP_BOUNDARY
};

static void lunvme_reset_work(struct work_struct *work)
{
	struct lunvme_dev *dev = container_of(work, struct lunvme_dev,
					      ctrl.reset_work);
	int ret;

	if (nvme_ctrl_state(&dev->ctrl) != NVME_CTRL_RESETTING)
		return;
	/* Unless the timeout handler disabled it already. */
	if (dev->ctrl.ctrl_config & NVME_CC_ENABLE)
		lunvme_stop(dev, false);
	ret = lunvme_cold_start(dev);
	if (ret) {
		dev_err(dev->ctrl.device, "reset failed (%d), removing\n", ret);
		nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_DELETING);
		nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_DEAD);
		nvme_mark_namespaces_dead(&dev->ctrl);
		lunvme_stop(dev, true);
		return;
	}
	dev_info(dev->ctrl.device, "controller reset: %u I/O queues\n",
		 dev->nr_queues - 1);
}

static int lunvme_alloc_resources(struct lunvme_dev *dev)
{
	struct pci_dev *pdev = dev->pdev;
	int ret;

	dev->bar = pcim_iomap_region(pdev, 0, "lunvme");
	if (IS_ERR(dev->bar))
		return PTR_ERR(dev->bar);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	dma_set_min_align_mask(&pdev->dev, NVME_CTRL_PAGE_SIZE - 1);
	dma_set_max_seg_size(&pdev->dev, 0xffffffff);
	dev->prp_pool = dma_pool_create("lunvme prp", &pdev->dev,
					NVME_CTRL_PAGE_SIZE,
					NVME_CTRL_PAGE_SIZE, 0);
	dev->sg_pool = mempool_create_kmalloc_pool(1, LUNVME_MAX_SEGS *
						   sizeof(struct scatterlist));
	return dev->prp_pool && dev->sg_pool ? 0 : -ENOMEM;
}

static void lunvme_free_resources(struct lunvme_dev *dev)
{
	mempool_destroy(dev->sg_pool);
	dma_pool_destroy(dev->prp_pool);
}

/**
 * lunvme_alloc() - software state of a controller, no register touched
 * @pdev: the PCI function
 *
 * Maps the BAR, creates the nvme-core controller (and /dev/nvmeX) and the
 * pools the I/O path needs. Pairs with lunvme_teardown().
 * Return: the device or an ERR_PTR.
 */
struct lunvme_dev *lunvme_alloc(struct pci_dev *pdev)
{
	struct lunvme_dev *dev;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ERR_PTR(ret);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->queues = kcalloc(LUNVME_MAX_IO_QUEUES + 1, sizeof(*dev->queues),
			      GFP_KERNEL);
	if (!dev->queues) {
		kfree(dev);
		return ERR_PTR(-ENOMEM);
	}
	dev->pdev = pdev;
	get_device(&pdev->dev);
	mutex_init(&dev->shutdown_lock);
	INIT_WORK(&dev->ctrl.reset_work, lunvme_reset_work);

	ret = nvme_init_ctrl(&dev->ctrl, &pdev->dev, &lunvme_ctrl_ops, 0);
	if (ret) {
		lunvme_free_ctrl(&dev->ctrl);
		return ERR_PTR(ret);
	}
	dev->ctrl.max_hw_sectors = LUNVME_MAX_BYTES >> SECTOR_SHIFT;
	dev->ctrl.max_segments = LUNVME_MAX_SEGS;
	dev->ctrl.max_integrity_segments = 1;
	pci_set_drvdata(pdev, dev);

	ret = lunvme_alloc_resources(dev);
	if (ret)
		goto out_put;
	ret = nvme_add_ctrl(&dev->ctrl);
	if (ret)
		goto out_put;
	dev->fault = pci_lu_fault_add(pdev, lunvme_record_faults,
				      lunvme_nr_record_faults);
	lunvme_fault_init(dev);
	return dev;

out_put:
	lunvme_free_resources(dev);
	nvme_put_ctrl(&dev->ctrl);
	return ERR_PTR(ret);
}

/**
 * lunvme_doorbells_fit() - do the doorbells of queues 0..@nr_queues-1 lie in BAR0
 * @pdev: the controller
 * @stride: doorbell stride in 32-bit words (1 << CAP.DSTRD)
 * @nr_queues: admin queue included
 *
 * CAP.DSTRD may space doorbells up to 128 KiB apart while BAR0 is as small
 * as the controller likes: a queue whose doorbells lie past its end would
 * be rung out of bounds.
 *
 * Return: true if all of them lie inside BAR0.
 */
bool lunvme_doorbells_fit(struct pci_dev *pdev, u32 stride,
			  unsigned int nr_queues)
{
	u64 end = NVME_REG_DBS + (2ULL * nr_queues - 1) * stride * 4 + 4;

	return nr_queues && end <= pci_resource_len(pdev, 0);
}

/**
 * lunvme_read_cap() - controller capabilities the queues depend on
 * @dev: controller
 *
 * Reading CAP changes nothing in the controller: both paths use it.
 */
void lunvme_read_cap(struct lunvme_dev *dev)
{
	dev->ctrl.cap = lo_hi_readq(dev->bar + NVME_REG_CAP);
	dev->db_stride = 1 << NVME_CAP_STRIDE(dev->ctrl.cap);
}

/**
 * lunvme_start_admin() - admin blk-mq queue and nvme-core's identify
 * @dev: controller whose admin queue is live in hardware
 *
 * Identify, features, keep-alive: the same for a cold start, a reset and a
 * retrieved controller, whose admin queue simply continues.
 * Return: 0 or a negative errno.
 */
int lunvme_start_admin(struct lunvme_dev *dev)
{
	int ret;

	if (!dev->ctrl.admin_tagset) {
		ret = nvme_alloc_admin_tag_set(&dev->ctrl, &dev->admin_tagset,
					       &lunvme_admin_mq_ops,
					       sizeof(struct lunvme_iod));
		if (ret)
			return ret;
	} else {
		nvme_unquiesce_admin_queue(&dev->ctrl);
	}
	if (!nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_CONNECTING))
		return -EBUSY;
	dev->ctrl.sqsize = dev->io_depth - 1;
	return nvme_init_ctrl_finish(&dev->ctrl, false);
}

/**
 * lunvme_start_io() - I/O blk-mq queues, then let nvme-core go live
 * @dev: controller whose I/O queues are live in hardware
 *
 * nvme_start_ctrl() scans the namespaces and creates their disks; wait for
 * that so the disks exist when probe or retrieve returns.
 * Return: 0 or a negative errno.
 */
int lunvme_start_io(struct lunvme_dev *dev)
{
	bool reset = dev->ctrl.tagset;
	int ret;

	dev->ctrl.queue_count = dev->nr_queues;
	if (dev->nr_queues < 2) {
		dev_warn(dev->ctrl.device, "no I/O queues\n");
	} else if (!reset) {
		ret = nvme_alloc_io_tag_set(&dev->ctrl, &dev->tagset,
					    &lunvme_mq_ops, 1,
					    sizeof(struct lunvme_iod));
		if (ret)
			return ret;
	} else {
		nvme_unquiesce_io_queues(&dev->ctrl);
		nvme_wait_freeze(&dev->ctrl);
		blk_mq_update_nr_hw_queues(&dev->tagset, dev->nr_queues - 1);
		nvme_unfreeze(&dev->ctrl);
	}
	if (!nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_LIVE))
		return -ENODEV;
	nvme_start_ctrl(&dev->ctrl);
	flush_work(&dev->ctrl.scan_work);
	return 0;
}

/**
 * lunvme_quiesce() - stop all I/O, the controller staying enabled
 * @dev: live controller
 *
 * In-flight I/O completes, new I/O waits (for ever: the kernel is going),
 * nvme-core's work stops, interrupts go off. What is handed over: queues
 * with no command in flight but perhaps the AER, doorbells written, every
 * completion consumed.
 * Return: 0, or -ETIMEDOUT if I/O did not drain.
 */
int lunvme_quiesce(struct lunvme_dev *dev)
{
	struct nvme_ctrl *ctrl = &dev->ctrl;

	nvme_start_freeze(ctrl);
	if (lu_nvme_wait_freeze(ctrl) <= 0)
		return -ETIMEDOUT;
	nvme_quiesce_io_queues(ctrl);
	nvme_stop_keep_alive(ctrl);
	flush_work(&ctrl->scan_work);
	dev->frozen = true;
	flush_work(&ctrl->async_event_work);
	blk_freeze_queue_start(ctrl->admin_q);
	if (blk_mq_freeze_queue_wait_timeout(ctrl->admin_q,
					     NVME_ADMIN_TIMEOUT) <= 0)
		return -ETIMEDOUT;
	nvme_quiesce_admin_queue(ctrl);
	lunvme_irqs_disable(dev);
	return 0;
}

/**
 * lunvme_check_running() - is the controller enabled and healthy
 * @dev: controller
 *
 * Return: 0, or -EIO after logging what is wrong.
 */
int lunvme_check_running(struct lunvme_dev *dev)
{
	u32 csts = readl(dev->bar + NVME_REG_CSTS);
	u32 cc = readl(dev->bar + NVME_REG_CC);

	if (csts != ~0U && (cc & NVME_CC_ENABLE) && (csts & NVME_CSTS_RDY) &&
	    !(csts & (NVME_CSTS_CFS | NVME_CSTS_SHST_MASK)))
		return 0;
	dev_err(dev->ctrl.device, "controller not running (CC %#x, CSTS %#x)\n",
		cc, csts);
	return -EIO;
}

static void lunvme_queues_dead(struct lunvme_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_queues; i++)
		dev->queues[i].live = false;
}

/**
 * lunvme_stop() - quiesce, disable the controller, cancel what is left
 * @dev: controller
 * @shutdown: drain I/O, delete the I/O queues, CC.SHN shutdown (reboot,
 *	remove); else CC.EN=0 at once (reset), and nvme-core retries the
 *	cancelled commands once the controller is back
 *
 * Not used by freeze(), which keeps the controller enabled with its queues.
 */
void lunvme_stop(struct lunvme_dev *dev, bool shutdown)
{
	enum nvme_ctrl_state state = nvme_ctrl_state(&dev->ctrl);
	bool present = readl(dev->bar + NVME_REG_CSTS) != ~0U;

	mutex_lock(&dev->shutdown_lock);
	if (state == NVME_CTRL_LIVE || state == NVME_CTRL_RESETTING) {
		nvme_start_freeze(&dev->ctrl);
		if (present && shutdown)
			lu_nvme_wait_freeze(&dev->ctrl);
	}
	nvme_quiesce_io_queues(&dev->ctrl);
	if (present && dev->queues[0].live) {
		/*
		 * After a failed freeze() the admin queue is frozen and
		 * interrupts are off: a Delete I/O Queue would never
		 * complete. Deleting the queues before CC.SHN is only
		 * recommended; the I/O queues are idle then anyway.
		 */
		if (shutdown && !dev->frozen)
			lunvme_io_queues_delete(dev);
		nvme_disable_ctrl(&dev->ctrl, shutdown);
	}
	nvme_quiesce_admin_queue(&dev->ctrl);
	lunvme_sync_irqs(dev);
	lunvme_queues_dead(dev);
	nvme_cancel_tagset(&dev->ctrl);
	nvme_cancel_admin_tagset(&dev->ctrl);
	if (shutdown) {
		/* Let anything still queued fail instead of waiting. */
		nvme_unquiesce_io_queues(&dev->ctrl);
		nvme_unquiesce_admin_queue(&dev->ctrl);
	}
	mutex_unlock(&dev->shutdown_lock);
}

/**
 * lunvme_teardown() - undo lunvme_alloc() and the start helpers
 * @dev: controller, stopped or never started
 *
 * Queue memory goes back to the live update core, which holds it while a
 * failed retrieve may still have the controller using it.
 */
void lunvme_teardown(struct lunvme_dev *dev)
{
	lunvme_irqs_free(dev);
	if (dev->ctrl.tagset)
		nvme_remove_io_tag_set(&dev->ctrl);
	if (dev->ctrl.admin_tagset)
		nvme_remove_admin_tag_set(&dev->ctrl);
	pci_lu_fault_remove(dev->fault);
	lunvme_dbbuf_free(dev);
	lunvme_queues_free(dev);
	lunvme_free_resources(dev);
	nvme_uninit_ctrl(&dev->ctrl);
	nvme_put_ctrl(&dev->ctrl);
}
