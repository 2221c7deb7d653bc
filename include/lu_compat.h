/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel API differences between the two kernels this project builds
 * for: Debian's 6.12 and the 7.3 KHO test kernel. Drivers call the lu_
 * helpers here instead of testing versions themselves; each helper says
 * what changed. The version boundaries are those of the two kernels we
 * build and test on, not the exact release of each change. Include it
 * after <linux/blk-mq.h> and, for the nvme helpers, nvme-core's nvme.h.
 */
#ifndef _LU_COMPAT_H
#define _LU_COMPAT_H

#include <linux/version.h>

/*
 * Only the kernels this project builds and tests on. Another release may
 * differ in an API below without a compile error (a callback's argument
 * list, an ops member a newer nvme-core needs set), so it is refused here
 * rather than built into a driver that misbehaves.
 */
#if (KERNEL_VERSION(6, 12, 0) > LINUX_VERSION_CODE || \
	KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE) && \
	(KERNEL_VERSION(7, 3, 0) > LINUX_VERSION_CODE || \
	KERNEL_VERSION(7, 4, 0) <= LINUX_VERSION_CODE)
#error "built and tested for Linux 6.12 and 7.3 only: see lu_compat.h"
#endif

#define LU_KERNEL_BEFORE_7	(KERNEL_VERSION(7, 0, 0) > LINUX_VERSION_CODE)

#if LU_KERNEL_BEFORE_7
#include <linux/blk-mq-pci.h>
#endif

struct blk_mq_queue_map;
struct nvme_ctrl;
struct pci_dev;
struct request;
struct scatterlist;

/*
 * Spread the I/O queues over the CPUs as the PCI interrupts are: 6.12 has
 * blk_mq_pci_map_queues(); newer kernels ask the bus for the affinity in
 * blk_mq_map_hw_queues(), which 6.12's PCI bus cannot answer yet.
 */
static inline void lu_blk_mq_map_pci_queues(struct blk_mq_queue_map *qmap,
					    struct pci_dev *pdev,
					    unsigned int offset)
{
#if LU_KERNEL_BEFORE_7
	blk_mq_pci_map_queues(qmap, pdev, offset);
#else
	blk_mq_map_hw_queues(qmap, &pdev->dev, offset);
#endif
}

/*
 * Wait for the I/O queues frozen by nvme_start_freeze() to drain, for the
 * controller's I/O timeout: 6.12 takes the timeout as an argument, newer
 * nvme-core uses ctrl->io_timeout itself.
 * Return: > 0 if the queues drained in time.
 */
static inline long lu_nvme_wait_freeze(struct nvme_ctrl *ctrl)
{
#if LU_KERNEL_BEFORE_7
	return nvme_wait_freeze_timeout(ctrl, NVME_IO_TIMEOUT);
#else
	return nvme_wait_freeze_timeout(ctrl);
#endif
}

/* blk_rq_map_sg() no longer takes the request queue. */
static inline int lu_blk_rq_map_sg(struct request *rq,
				   struct scatterlist *sglist)
{
#if LU_KERNEL_BEFORE_7
	return blk_rq_map_sg(rq->q, rq, sglist);
#else
	return blk_rq_map_sg(rq, sglist);
#endif
}

/*
 * A request's end_io callback gained the completion batch as a third
 * argument: define one as
 *	static LU_RQ_END_IO(fn, rq, err)
 *	{ ... }
 */
#if LU_KERNEL_BEFORE_7
#define LU_RQ_END_IO(fn, rq, err) \
	enum rq_end_io_ret fn(struct request *rq, blk_status_t err)
#else
#define LU_RQ_END_IO(fn, rq, err) \
	enum rq_end_io_ret fn(struct request *rq, blk_status_t err, \
			      const struct io_comp_batch *iob)
#endif

/* blk_mq_ops.init_request's NUMA node became signed (NUMA_NO_NODE). */
#if LU_KERNEL_BEFORE_7
typedef unsigned int lu_numa_node_t;
#else
typedef int lu_numa_node_t;
#endif

/*
 * nvme-core asks the transport for the queues' virt boundary; 6.12 set it
 * itself. lunvme keeps the controller page boundary for every request,
 * which nvme_get_virt_boundary() gives: PRPs need it, and its SGL
 * mapping works within it. Goes in struct nvme_ctrl_ops.
 */
#if LU_KERNEL_BEFORE_7
#define LU_NVME_CTRL_OPS_PRP_BOUNDARY
#else
#define LU_NVME_CTRL_OPS_PRP_BOUNDARY \
	.get_virt_boundary = nvme_get_virt_boundary,
#endif

#endif /* _LU_COMPAT_H */
