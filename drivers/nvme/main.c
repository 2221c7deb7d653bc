// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme: NVMe PCI transport on nvme-core with live update.
 *
 * The four hardware paths, each one sequence:
 *
 *   probe     reset the controller (CC.EN=0), program the admin queue,
 *             enable, identify, create I/O queues;
 *   retrieve  check the controller still runs as the record says, adopt
 *             its queues and their indices, bus mastering and interrupts
 *             back, identify; no write to CC, no queue created;
 *   freeze    drain I/O with the controller enabled and its queues in
 *             place, record them; no CC.SHN, no queue deleted;
 *   shutdown  delete the I/O queues, CC.SHN shutdown.
 *
 * Software state (nvme-core controller, blk-mq tag sets, disks) comes from
 * the same helpers in both probe and retrieve.
 */
#include <linux/module.h>

#include "lunvme.h"

static unsigned int lunvme_io_queues_wanted(void)
{
	return min_t(unsigned int, num_possible_cpus(), LUNVME_MAX_IO_QUEUES);
}

/* One I/O queue pair per vector after the admin one, as granted. */
static int lunvme_create_io_queues(struct lunvme_dev *dev)
{
	int nr = dev->nr_vecs > 1 ? dev->nr_vecs - 1 : 1;
	int ret;
	u16 qid;

	ret = nvme_set_queue_count(&dev->ctrl, &nr);
	if (ret)
		return ret;
	while (nr && !lunvme_doorbells_fit(dev->pdev, dev->db_stride, nr + 1))
		nr--;
	for (qid = 1; qid <= nr; qid++) {
		ret = lunvme_io_queue_create(dev, qid);
		if (ret)
			return ret;
		dev->nr_queues++;
	}
	return 0;
}

/**
 * lunvme_cold_start() - bring the controller up from reset
 * @dev: controller with its software state allocated
 *
 * The cold path of probe() and of a controller reset: whatever firmware or
 * a previous kernel left in the controller is reset first.
 * Return: 0 or a negative errno.
 */
int lunvme_cold_start(struct lunvme_dev *dev)
{
	int ret;

	lunvme_read_cap(dev);
	if (!lunvme_doorbells_fit(dev->pdev, dev->db_stride, 1)) {
		dev_err(&dev->pdev->dev, "admin doorbells beyond BAR0 (CAP.DSTRD %llu)\n",
			NVME_CAP_STRIDE(dev->ctrl.cap));
		return -ENODEV;
	}
	dev->io_depth = min_t(u32, NVME_CAP_MQES(dev->ctrl.cap) + 1,
			      LUNVME_IO_DEPTH);
	ret = nvme_disable_ctrl(&dev->ctrl, false);
	if (ret)
		return ret;
	/*
	 * Vectors before the enable: a controller may bind the admin CQ to
	 * its interrupt when CC.EN is set (QEMU drops MSI-X messages of a
	 * vector that was not enabled then).
	 */
	if (!dev->nr_vecs) {
		ret = lunvme_irqs_alloc(dev, 1, lunvme_io_queues_wanted() + 1,
					PCI_IRQ_ALL_TYPES);
		if (ret)
			return ret;
	}
	ret = lunvme_queue_alloc(dev, 0, NVME_AQ_DEPTH);
	if (ret)
		return ret;
	lunvme_admin_queue_program(dev);
	ret = nvme_enable_ctrl(&dev->ctrl);
	if (ret)
		return ret;
	pci_set_master(dev->pdev);
	ret = lunvme_queue_irq(&dev->queues[0]);
	if (ret)
		return ret;
	dev->nr_queues = 1;
	ret = lunvme_start_admin(dev);
	if (ret)
		return ret;
	ret = lunvme_create_io_queues(dev);
	if (ret)
		return ret;
	lunvme_dbbuf_enable(dev);
	return lunvme_start_io(dev);
}

static int lunvme_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lunvme_dev *dev;
	int ret;

	dev = lunvme_alloc(pdev);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = lunvme_cold_start(dev);
	if (ret)
		goto out_teardown;
	dev_info(dev->ctrl.device, "cold start: %u I/O queues of %u entries%s\n",
		 dev->nr_queues - 1, dev->io_depth,
		 dev->dbbuf_dbs ? ", shadow doorbells" : "");
	return 0;

out_teardown:
	nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_DELETING);
	lunvme_stop(dev, false);
	lunvme_teardown(dev);
	return ret;
}

/* Interrupts exactly as the queues were created: same type, same count. */
static int lunvme_restore_irqs(struct lunvme_dev *dev, const void *rec)
{
	unsigned int type, nr = lunvme_record_irqs(rec, &type);
	unsigned int qid;
	int ret;

	ret = lunvme_irqs_alloc(dev, nr, nr, type);
	if (ret)
		return ret;
	for (qid = 0; qid < dev->nr_queues; qid++) {
		ret = lunvme_queue_irq(&dev->queues[qid]);
		if (ret)
			return ret;
	}
	return 0;
}

static int lunvme_retrieve(struct pci_dev *pdev, const struct pci_device_id *id,
			   const void *rec, size_t len)
{
	struct lunvme_dev *dev;
	int ret;

	dev = lunvme_alloc(pdev);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = lunvme_record_check(dev, rec, len);
	if (ret)
		goto out_teardown;
	ret = lunvme_record_adopt(dev, rec);
	if (ret)
		goto out_teardown;
	/* Cleared at kexec; a doorbell without it makes the controller fatal. */
	pci_set_master(pdev);
	ret = lunvme_restore_irqs(dev, rec);
	if (ret)
		goto out_teardown;
	ret = lunvme_start_admin(dev);
	if (ret)
		goto out_teardown;
	ret = lunvme_record_identity(dev, rec);
	if (ret)
		goto out_teardown;
	ret = lunvme_start_io(dev);
	if (ret)
		goto out_teardown;
	dev_info(dev->ctrl.device, "retrieved running controller: %u I/O queues%s, no reset\n",
		 dev->nr_queues - 1,
		 dev->dbbuf_dbs ? ", shadow doorbells" : "");
	return 0;

out_teardown:
	/* The controller may still be running: leave it, probe() resets it. */
	nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_DELETING);
	nvme_stop_ctrl(&dev->ctrl);
	nvme_remove_namespaces(&dev->ctrl);
	lunvme_teardown(dev);
	return ret;
}

/*
 * Once the controller is DELETING no reset can start (nvme-core allows
 * RESETTING only from NEW and LIVE): a command that times out while freeze
 * drains is failed and the controller disabled (lunvme_timeout()), so the
 * freeze fails and shutdown() runs. A reset scheduled then would instead
 * block on the frozen admin queue, and freeze on the reset, for ever.
 * Return: was it still live?
 */
static bool lunvme_forbid_reset(struct lunvme_dev *dev)
{
	bool live;

	/* A reset in progress ends first, its admin queue still running. */
	flush_work(&dev->ctrl.reset_work);
	live = nvme_ctrl_state(&dev->ctrl) == NVME_CTRL_LIVE;
	nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_DELETING);
	cancel_work_sync(&dev->ctrl.reset_work);
	return live;
}

static int lunvme_freeze(struct pci_dev *pdev, void *rec, size_t *len)
{
	struct lunvme_dev *dev = pci_get_drvdata(pdev);
	int ret;

	/* Only a live controller is frozen, and no reset from here on. */
	if (!lunvme_forbid_reset(dev))
		return -EBUSY;
	ret = lunvme_quiesce(dev);
	if (!ret)
		ret = lunvme_check_running(dev);
	if (!ret)
		ret = pci_lu_fault_freeze(dev->fault);
	if (!ret)
		ret = lunvme_record_write(dev, rec, len);
	if (ret)
		return ret;
	dev_info(dev->ctrl.device, "frozen for live update: %u I/O queues\n",
		 dev->nr_queues - 1);
	return 0;
}

/* Also after a failed freeze(), on a half-quiesced controller; twice is safe. */
static void lunvme_shutdown(struct pci_dev *pdev)
{
	lunvme_stop(pci_get_drvdata(pdev), true);
}

static void lunvme_remove(struct pci_dev *pdev)
{
	struct lunvme_dev *dev = pci_get_drvdata(pdev);

	nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_DELETING);
	flush_work(&dev->ctrl.reset_work);
	nvme_stop_ctrl(&dev->ctrl);
	nvme_remove_namespaces(&dev->ctrl);
	lunvme_stop(dev, true);
	lunvme_teardown(dev);
}

/* Only controllers named with driver_override, never by autoload: see pci_lu.h. */
static const struct pci_device_id lunvme_ids[] = {
	{ PCI_LU_DEVICE_CLASS(PCI_CLASS_STORAGE_EXPRESS, 0xffffff) },
	{ }
};

static struct pci_lu_driver lunvme_driver = {
	.driver = {
		.name = "lunvme",
		.id_table = lunvme_ids,
	},
	.probe = lunvme_probe,
	.retrieve = lunvme_retrieve,
	.freeze = lunvme_freeze,
	.shutdown = lunvme_shutdown,
	.remove = lunvme_remove,
	.record_version = LUNVME_RECORD_VERSION,
};
module_pci_lu_driver(lunvme_driver);

MODULE_DESCRIPTION("NVMe PCI transport that keeps running across kexec");
MODULE_LICENSE("GPL");
