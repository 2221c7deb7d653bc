// SPDX-License-Identifier: GPL-2.0
/*
 * lunvme blk-mq operations: commands to the submission queues with their
 * data mapped as PRPs or SGLs, completions back to nvme-core, and timeouts
 * (abort, then controller reset).
 */
#include "lunvme.h"

static int lunvme_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			    unsigned int hctx_idx, bool admin)
{
	struct lunvme_dev *dev = to_lunvme(data);

	hctx->driver_data = &dev->queues[admin ? 0 : hctx_idx + 1];
	return 0;
}

static int lunvme_init_admin_hctx(struct blk_mq_hw_ctx *hctx, void *data,
				  unsigned int hctx_idx)
{
	return lunvme_init_hctx(hctx, data, hctx_idx, true);
}

static int lunvme_init_io_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			       unsigned int hctx_idx)
{
	return lunvme_init_hctx(hctx, data, hctx_idx, false);
}

static int lunvme_init_request(struct blk_mq_tag_set *set, struct request *req,
			       unsigned int hctx_idx, lu_numa_node_t numa_node)
{
	struct lunvme_iod *iod = blk_mq_rq_to_pdu(req);

	nvme_req(req)->ctrl = set->driver_data;
	nvme_req(req)->cmd = &iod->cmd;
	return 0;
}

/* Step to the next mapped segment; false if the list ran out. */
static bool lunvme_next_seg(struct scatterlist **sg, u64 *addr, int *len)
{
	*sg = sg_next(*sg);
	if (!*sg)
		return false;
	*addr = sg_dma_address(*sg);
	*len = sg_dma_len(*sg);
	return true;
}

/*
 * PRP1 points at the first byte; PRP2 at the second page, or at a list of
 * the remaining pages when there are more than two. The block layer's
 * virt_boundary (set by nvme-core) keeps every segment but the first and
 * last page aligned, so each list entry is a whole page.
 */
static blk_status_t lunvme_setup_prps(struct lunvme_dev *dev,
				      struct lunvme_iod *iod, int length)
{
	struct scatterlist *sg = iod->sgt.sgl;
	u64 addr = sg_dma_address(sg);
	int len = sg_dma_len(sg);
	int first = NVME_CTRL_PAGE_SIZE - (addr & (NVME_CTRL_PAGE_SIZE - 1));
	__le64 *prp_list;
	int i = 0;

	iod->cmd.rw.dptr.prp1 = cpu_to_le64(addr);
	length -= first;
	if (length <= 0)
		return BLK_STS_OK;
	len -= first;
	addr += first;
	if (len <= 0 && !lunvme_next_seg(&sg, &addr, &len))
		goto bad_sgl;
	if (length <= NVME_CTRL_PAGE_SIZE) {
		iod->cmd.rw.dptr.prp2 = cpu_to_le64(addr);
		return BLK_STS_OK;
	}

	prp_list = dma_pool_alloc(dev->prp_pool, GFP_ATOMIC, &iod->list_dma);
	if (!prp_list)
		return BLK_STS_RESOURCE;
	iod->list = prp_list;
	iod->cmd.rw.dptr.prp2 = cpu_to_le64(iod->list_dma);
	for (;;) {
		prp_list[i++] = cpu_to_le64(addr);
		addr += NVME_CTRL_PAGE_SIZE;
		len -= NVME_CTRL_PAGE_SIZE;
		length -= NVME_CTRL_PAGE_SIZE;
		if (length <= 0)
			return BLK_STS_OK;
		if (len <= 0 && !lunvme_next_seg(&sg, &addr, &len))
			goto bad_sgl;
	}

bad_sgl:
	dev_err_ratelimited(dev->ctrl.device,
			    "scatterlist does not cover %u bytes\n",
			    length);
	return BLK_STS_IOERR;
}

static void lunvme_sgl_set_data(struct nvme_sgl_desc *sge, dma_addr_t addr,
				u32 len)
{
	sge->addr = cpu_to_le64(addr);
	sge->length = cpu_to_le32(len);
	sge->type = NVME_SGL_FMT_DATA_DESC << 4;
}

static_assert(LUNVME_MAX_SEGS * sizeof(struct nvme_sgl_desc) <=
	      NVME_CTRL_PAGE_SIZE);

/*
 * One data block descriptor per mapped segment: in the command itself
 * for one, else in a page the command points at as its last segment.
 */
static blk_status_t lunvme_setup_sgls(struct lunvme_dev *dev,
				      struct lunvme_iod *iod)
{
	struct nvme_sgl_desc *sgl = &iod->cmd.rw.dptr.sgl;
	struct scatterlist *sg;
	int i;

	iod->cmd.rw.flags = NVME_CMD_SGL_METABUF;
	if (iod->nents == 1) {
		lunvme_sgl_set_data(sgl, sg_dma_address(iod->sgt.sgl),
				    sg_dma_len(iod->sgt.sgl));
		return BLK_STS_OK;
	}
	iod->list = dma_pool_alloc(dev->prp_pool, GFP_ATOMIC, &iod->list_dma);
	if (!iod->list)
		return BLK_STS_RESOURCE;
	sgl->addr = cpu_to_le64(iod->list_dma);
	sgl->length = cpu_to_le32(iod->nents * sizeof(*sgl));
	sgl->type = NVME_SGL_FMT_LAST_SEG_DESC << 4;
	for_each_sgtable_dma_sg(&iod->sgt, sg, i)
		lunvme_sgl_set_data((struct nvme_sgl_desc *)iod->list + i,
				    sg_dma_address(sg), sg_dma_len(sg));
	return BLK_STS_OK;
}

/*
 * Like the upstream driver: where the controller takes SGLs, an I/O of
 * large segments is described by one descriptor per segment rather than
 * one PRP per page - a single descriptor in the command for a physically
 * contiguous buffer (huge pages, large folios). Small segments stay on
 * PRPs, which are as short then.
 */
static bool lunvme_use_sgls(struct lunvme_dev *dev, struct request *req,
			    unsigned int nseg)
{
	struct lunvme_queue *q = req->mq_hctx->driver_data;

	return q->qid && nvme_ctrl_sgl_supported(&dev->ctrl) &&
	       blk_rq_payload_bytes(req) / nseg >= LUNVME_SGL_MIN_SEG;
}

static void lunvme_unmap_data(struct lunvme_dev *dev, struct request *req)
{
	struct lunvme_iod *iod = blk_mq_rq_to_pdu(req);

	if (iod->dma_len) {
		dma_unmap_page(&dev->pdev->dev, iod->dma, iod->dma_len,
			       rq_dma_dir(req));
		iod->dma_len = 0;
		return;
	}
	if (iod->list)
		dma_pool_free(dev->prp_pool, iod->list, iod->list_dma);
	iod->list = NULL;
	if (iod->nents)
		dma_unmap_sgtable(&dev->pdev->dev, &iod->sgt, rq_dma_dir(req), 0);
	iod->nents = 0;
	if (iod->sgt.sgl)
		mempool_free(iod->sgt.sgl, dev->sg_pool);
	iod->sgt.sgl = NULL;
}

/*
 * One segment within two controller pages - every 4 KiB I/O - or one
 * segment for a single SGL descriptor: the command comes straight from
 * the bio_vec, without a scatterlist.
 */
static blk_status_t lunvme_map_simple(struct lunvme_dev *dev,
				      struct request *req, struct bio_vec *bv,
				      bool sgl)
{
	struct lunvme_iod *iod = blk_mq_rq_to_pdu(req);
	unsigned int first = NVME_CTRL_PAGE_SIZE -
			     (bv->bv_offset & (NVME_CTRL_PAGE_SIZE - 1));

	iod->dma = dma_map_bvec(&dev->pdev->dev, bv, rq_dma_dir(req), 0);
	if (dma_mapping_error(&dev->pdev->dev, iod->dma))
		return BLK_STS_RESOURCE;
	iod->dma_len = bv->bv_len;
	if (sgl) {
		iod->cmd.rw.flags = NVME_CMD_SGL_METABUF;
		lunvme_sgl_set_data(&iod->cmd.rw.dptr.sgl, iod->dma,
				    bv->bv_len);
		return BLK_STS_OK;
	}
	iod->cmd.rw.dptr.prp1 = cpu_to_le64(iod->dma);
	if (bv->bv_len > first)
		iod->cmd.rw.dptr.prp2 = cpu_to_le64(iod->dma + first);
	return BLK_STS_OK;
}

static blk_status_t lunvme_map_data(struct lunvme_dev *dev,
				    struct request *req)
{
	struct lunvme_iod *iod = blk_mq_rq_to_pdu(req);
	blk_status_t ret;
	int rc;

	if (blk_rq_nr_phys_segments(req) == 1) {
		struct bio_vec bv = req_bvec(req);

		if ((bv.bv_offset & (NVME_CTRL_PAGE_SIZE - 1)) + bv.bv_len <=
		    2 * NVME_CTRL_PAGE_SIZE)
			return lunvme_map_simple(dev, req, &bv, false);
		if (lunvme_use_sgls(dev, req, 1))
			return lunvme_map_simple(dev, req, &bv, true);
	}

	iod->sgt.sgl = mempool_alloc(dev->sg_pool, GFP_ATOMIC);
	if (!iod->sgt.sgl)
		return BLK_STS_RESOURCE;
	sg_init_table(iod->sgt.sgl, blk_rq_nr_phys_segments(req));
	iod->sgt.orig_nents = lu_blk_rq_map_sg(req, iod->sgt.sgl);
	if (!iod->sgt.orig_nents) {
		ret = BLK_STS_IOERR;
		goto out_unmap;
	}
	rc = dma_map_sgtable(&dev->pdev->dev, &iod->sgt, rq_dma_dir(req),
			     DMA_ATTR_NO_WARN);
	if (rc) {
		ret = rc == -ENOMEM ? BLK_STS_RESOURCE : BLK_STS_IOERR;
		goto out_unmap;
	}
	iod->nents = iod->sgt.nents;

	if (lunvme_use_sgls(dev, req, iod->nents))
		ret = lunvme_setup_sgls(dev, iod);
	else
		ret = lunvme_setup_prps(dev, iod, blk_rq_payload_bytes(req));
	if (!ret)
		return BLK_STS_OK;
out_unmap:
	lunvme_unmap_data(dev, req);
	return ret;
}

static blk_status_t lunvme_queue_rq(struct blk_mq_hw_ctx *hctx,
				    const struct blk_mq_queue_data *bd)
{
	struct lunvme_queue *q = hctx->driver_data;
	struct lunvme_dev *dev = q->dev;
	struct request *req = bd->rq;
	struct lunvme_iod *iod = blk_mq_rq_to_pdu(req);
	blk_status_t ret;

	if (unlikely(!q->live))
		return BLK_STS_IOERR;
	if (unlikely(!nvme_check_ready(&dev->ctrl, req, true)))
		return nvme_fail_nonready_command(&dev->ctrl, req);

	ret = nvme_setup_cmd(req->q->queuedata, req);
	if (ret)
		return ret;
	iod->aborted = false;
	iod->nents = 0;
	iod->dma_len = 0;
	iod->list = NULL;
	iod->sgt.sgl = NULL;
	if (blk_rq_nr_phys_segments(req)) {
		ret = lunvme_map_data(dev, req);
		if (ret) {
			nvme_cleanup_cmd(req);
			return ret;
		}
	}
	nvme_start_request(req);
	lunvme_sq_push(q, &iod->cmd, bd->last);
	return BLK_STS_OK;
}

static void lunvme_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	lunvme_sq_ring(hctx->driver_data);
}

static void lunvme_unmap_rq(struct request *req)
{
	lunvme_unmap_data(to_lunvme(nvme_req(req)->ctrl), req);
}

static void lunvme_complete_rq(struct request *req)
{
	lunvme_unmap_rq(req);
	nvme_complete_rq(req);
}

/* Successful I/O of one interrupt ends in one call into blk-mq. */
void lunvme_complete_batch(struct io_comp_batch *iob)
{
	nvme_complete_batch(iob, lunvme_unmap_rq);
}

/**
 * lunvme_complete_cqe() - hand one completion to nvme-core
 * @q: queue it was found on
 * @cqe: the completion entry
 * @iob: batch to add a successful I/O to, or NULL
 *
 * Context: q->cq_lock held.
 */
void lunvme_complete_cqe(struct lunvme_queue *q, struct nvme_completion *cqe,
			 struct io_comp_batch *iob)
{
	struct lunvme_dev *dev = q->dev;
	struct blk_mq_tags *tags;
	struct request *req;

	if (unlikely(nvme_is_aen_req(q->qid, cqe->command_id))) {
		atomic_dec_if_positive(&dev->aer_outstanding);
		nvme_complete_async_event(&dev->ctrl, cqe->status,
					  &cqe->result);
		return;
	}

	if (unlikely(lunvme_fault_drop_completion(q, cqe)))
		return;
	tags = q->qid ? dev->tagset.tags[q->qid - 1] : dev->admin_tagset.tags[0];
	req = nvme_find_rq(tags, cqe->command_id);
	if (unlikely(!req)) {
		dev_warn(dev->ctrl.device,
			 "invalid command id %d completed on queue %d\n",
			 cqe->command_id, le16_to_cpu(cqe->sq_id));
		return;
	}
	if (!nvme_try_complete_req(req, cqe->status, cqe->result) &&
	    !blk_mq_add_to_batch(req, iob,
				 nvme_req(req)->status != NVME_SC_SUCCESS,
				 lunvme_complete_batch))
		lunvme_complete_rq(req);
}

static LU_RQ_END_IO(lunvme_abort_endio, req, error)
{
	dev_warn(nvme_req(req)->ctrl->device, "abort status %#x\n",
		 nvme_req(req)->status);
	blk_mq_free_request(req);
	return RQ_END_IO_NONE;
}

static void lunvme_send_abort(struct lunvme_dev *dev, struct request *req)
{
	struct lunvme_queue *q = req->mq_hctx->driver_data;
	struct nvme_command cmd = { };
	struct request *abort_req;

	cmd.abort.opcode = nvme_admin_abort_cmd;
	cmd.abort.cid = nvme_cid(req);
	cmd.abort.sqid = cpu_to_le16(q->qid);

	abort_req = blk_mq_alloc_request(dev->ctrl.admin_q, nvme_req_op(&cmd),
					 BLK_MQ_REQ_NOWAIT);
	if (IS_ERR(abort_req))
		return;
	nvme_init_request(abort_req, &cmd);
	abort_req->end_io = lunvme_abort_endio;
	blk_execute_rq_nowait(abort_req, false);
}

/*
 * First a lost interrupt is ruled out, then the command is aborted; if it
 * times out again, or it is an admin command, the controller is disabled
 * at once, which hands every outstanding command back to nvme-core to be
 * retried, and the reset work brings it up again.
 */
static enum blk_eh_timer_return lunvme_timeout(struct request *req)
{
	struct lunvme_iod *iod = blk_mq_rq_to_pdu(req);
	struct lunvme_queue *q = req->mq_hctx->driver_data;
	struct lunvme_dev *dev = q->dev;

	lunvme_poll_cq(q);
	if (blk_mq_rq_state(req) != MQ_RQ_IN_FLIGHT) {
		dev_warn(dev->ctrl.device,
			 "command %d on queue %d completed without interrupt\n",
			 req->tag, q->qid);
		return BLK_EH_DONE;
	}

	switch (nvme_ctrl_state(&dev->ctrl)) {
	case NVME_CTRL_LIVE:
		break;
	case NVME_CTRL_RESETTING:
		/* The reset work disables the controller and cancels it. */
		return BLK_EH_RESET_TIMER;
	default:
		/* Bring-up or teardown: stop the controller, fail the command. */
		dev_warn(dev->ctrl.device,
			 "command %d on queue %d timed out while not live, disabling controller\n",
			 req->tag, q->qid);
		nvme_disable_ctrl(&dev->ctrl, false);
		nvme_req(req)->flags |= NVME_REQ_CANCELLED;
		nvme_req(req)->status = NVME_SC_HOST_ABORTED_CMD;
		blk_mq_complete_request(req);
		return BLK_EH_DONE;
	}

	if (!q->qid || iod->aborted) {
		dev_warn(dev->ctrl.device,
			 "command %d on queue %d timed out, resetting controller\n",
			 req->tag, q->qid);
		nvme_req(req)->flags |= NVME_REQ_CANCELLED;
		if (!nvme_change_ctrl_state(&dev->ctrl, NVME_CTRL_RESETTING))
			return BLK_EH_DONE;
		lunvme_stop(dev, false);
		/* No reset coming: let the retried commands fail, not hang. */
		if (nvme_try_sched_reset(&dev->ctrl))
			nvme_unquiesce_io_queues(&dev->ctrl);
		return BLK_EH_DONE;
	}

	dev_warn(dev->ctrl.device, "command %d on queue %d timed out, aborting\n",
		 req->tag, q->qid);
	iod->aborted = true;
	lunvme_send_abort(dev, req);
	return BLK_EH_RESET_TIMER;
}

static void lunvme_map_queues(struct blk_mq_tag_set *set)
{
	struct lunvme_dev *dev = to_lunvme(set->driver_data);
	struct blk_mq_queue_map *map = &set->map[HCTX_TYPE_DEFAULT];

	if (dev->nr_vecs > 1)
		lu_blk_mq_map_pci_queues(map, dev->pdev, 1);
	else
		blk_mq_map_queues(map);
}

const struct blk_mq_ops lunvme_admin_mq_ops = {
	.queue_rq	= lunvme_queue_rq,
	.complete	= lunvme_complete_rq,
	.init_hctx	= lunvme_init_admin_hctx,
	.init_request	= lunvme_init_request,
	.timeout	= lunvme_timeout,
};

const struct blk_mq_ops lunvme_mq_ops = {
	.queue_rq	= lunvme_queue_rq,
	.commit_rqs	= lunvme_commit_rqs,
	.complete	= lunvme_complete_rq,
	.init_hctx	= lunvme_init_io_hctx,
	.init_request	= lunvme_init_request,
	.map_queues	= lunvme_map_queues,
	.timeout	= lunvme_timeout,
};
