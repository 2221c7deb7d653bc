// SPDX-License-Identifier: GPL-2.0
/*
 * lunic: descriptor rings, NAPI and interrupt handlers.
 *
 * RX: every descriptor permanently owns one 2 KiB buffer in preserved
 * memory (buffer i for descriptor i); frames are copied into fresh skbs,
 * so the buffers survive a kexec with whatever the device wrote into them.
 * All descriptors but one belong to the device: RDT = next_to_clean - 1.
 *
 * TX: extended data descriptors, preceded by a context descriptor when the
 * checksum offsets change or for TCP segmentation; RS on the last
 * descriptor of each packet.
 */
#include <linux/etherdevice.h>
#include <linux/iopoll.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <net/ip6_checksum.h>

#include "lunic.h"

static unsigned int lunic_next(unsigned int i, unsigned int count)
{
	return ++i == count ? 0 : i;
}

/**
 * lunic_rx_ring_init() - give every RX descriptor its buffer
 * @ad: adapter with freshly allocated rings (probe, ring resize)
 */
void lunic_rx_ring_init(struct lunic_adapter *ad)
{
	struct lunic_rx_ring *rx = &ad->rx;
	unsigned int i;

	for (i = 0; i < rx->count; i++) {
		rx->desc[i].addr = cpu_to_le64(rx->bufs_dma +
					       (u64)i * LUNIC_RX_BUF_SIZE);
		rx->desc[i].status = 0;
	}
	rx->next_to_clean = 0;
}

/**
 * lunic_tx_ring_init() - empty TX ring starting at the device's tail
 * @ad: adapter
 * @tail: TDT (== TDH), 0 after a reset
 */
void lunic_tx_ring_init(struct lunic_adapter *ad, unsigned int tail)
{
	struct lunic_tx_ring *tx = &ad->tx;

	memset(tx->buf, 0, tx->count * sizeof(*tx->buf));
	tx->next_to_use = tail;
	tx->next_to_clean = tail;
	tx->ctx = 0;
}

static unsigned int lunic_tx_free(const struct lunic_tx_ring *tx)
{
	return (tx->next_to_clean + tx->count - tx->next_to_use - 1) %
	       tx->count;
}

static void lunic_tx_unmap(struct lunic_adapter *ad, struct lunic_tx_buf *b)
{
	struct device *dev = &ad->pdev->dev;

	if (b->len && b->page)
		dma_unmap_page(dev, b->dma, b->len, DMA_TO_DEVICE);
	else if (b->len)
		dma_unmap_single(dev, b->dma, b->len, DMA_TO_DEVICE);
	b->len = 0;
}

/* Free one packet's descriptors, from @i (its first) to its last. */
static unsigned int lunic_tx_free_packet(struct lunic_adapter *ad,
					 unsigned int i, int budget)
{
	struct lunic_tx_ring *tx = &ad->tx;
	struct sk_buff *skb = tx->buf[i].skb;
	unsigned int last = tx->buf[i].last;

	WRITE_ONCE(tx->buf[i].skb, NULL);
	for (;;) {
		lunic_tx_unmap(ad, &tx->buf[i]);
		if (i == last)
			break;
		i = lunic_next(i, tx->count);
	}
	napi_consume_skb(skb, budget);
	return lunic_next(last, tx->count);
}

/*
 * The first buffer of a packet carries its skb, published by lunic_xmit()
 * after everything else: a NULL skb ends the packets to look at, whatever
 * next_to_use the other CPU has reached.
 */
static struct lunic_tx_buf *lunic_tx_pending(struct lunic_tx_ring *tx,
					     unsigned int i)
{
	struct lunic_tx_buf *b = &tx->buf[i];

	if (!READ_ONCE(b->skb))
		return NULL;
	/* Pairs with smp_wmb() in lunic_xmit(): last and bytes are set. */
	smp_rmb();
	return b;
}

/* Reclaim what the device has sent; true if the ring is clean. */
static bool lunic_tx_clean(struct lunic_adapter *ad, int budget)
{
	struct lunic_tx_ring *tx = &ad->tx;
	unsigned int pkts = 0, bytes = 0, i = tx->next_to_clean;
	struct lunic_tx_buf *b;

	while (pkts < 256 && (b = lunic_tx_pending(tx, i))) {
		if (!(le32_to_cpu(READ_ONCE(tx->desc[b->last].status_opts)) &
		      LUNIC_TXD_STAT_DD))
			break;
		dma_rmb();
		bytes += b->bytes;
		pkts++;
		i = lunic_tx_free_packet(ad, i, budget);
	}
	tx->next_to_clean = i;
	netdev_completed_queue(ad->netdev, pkts, bytes);
	u64_stats_update_begin(&tx->stats.syncp);
	u64_stats_add(&tx->stats.packets, pkts);
	u64_stats_add(&tx->stats.bytes, bytes);
	u64_stats_update_end(&tx->stats.syncp);

	/* Pairs with the barrier in lunic_maybe_stop(). */
	smp_mb();
	if (netif_queue_stopped(ad->netdev) &&
	    lunic_tx_free(tx) >= 2 * LUNIC_TX_DESC_NEEDED &&
	    netif_device_present(ad->netdev))
		netif_wake_queue(ad->netdev);
	return !lunic_tx_pending(tx, i);
}

/**
 * lunic_tx_clean_all() - drop every packet still on the TX ring
 * @ad: adapter whose transmitter is drained or stopped
 */
void lunic_tx_clean_all(struct lunic_adapter *ad)
{
	struct lunic_tx_ring *tx = &ad->tx;
	unsigned int i = tx->next_to_clean;

	while (lunic_tx_pending(tx, i))
		i = lunic_tx_free_packet(ad, i, 0);
	tx->next_to_clean = i;
	netdev_reset_queue(ad->netdev);
}

static bool lunic_tx_idle(struct lunic_adapter *ad)
{
	return lunic_rd(ad, LUNIC_TDH) == lunic_rd(ad, LUNIC_TDT);
}

/* Wait until the device has fetched every queued TX descriptor. */
int lunic_tx_drain(struct lunic_adapter *ad)
{
	bool idle;

	return read_poll_timeout(lunic_tx_idle, idle, idle, 100, 100000, false,
				 ad);
}

/* Descriptors @skb needs: a context and its buffers, split as the
 * device requires.
 */
static unsigned int lunic_tx_descs(const struct sk_buff *skb)
{
	unsigned int n = 1 + DIV_ROUND_UP(skb_headlen(skb), LUNIC_MAX_PER_TXD);
	unsigned int f;

	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++)
		n += DIV_ROUND_UP(skb_frag_size(&skb_shinfo(skb)->frags[f]),
				  LUNIC_MAX_PER_TXD);
	return n;
}

static void lunic_tx_ctx(struct lunic_tx_ring *tx,
			 const struct lunic_tx_ctx_desc *ctx)
{
	memcpy(&tx->desc[tx->next_to_use], ctx, sizeof(*ctx));
	tx->buf[tx->next_to_use].len = 0;
	tx->next_to_use = lunic_next(tx->next_to_use, tx->count);
}

/* Checksum context; lunic_features_check() keeps the offsets < 256. */
static void lunic_tx_csum(struct lunic_tx_ring *tx, struct sk_buff *skb)
{
	unsigned int css = skb_checksum_start_offset(skb);
	unsigned int cso = css + skb->csum_offset;
	bool tcp = skb->csum_offset == offsetof(struct tcphdr, check);
	u32 key = css | cso << 8 | tcp << 16 | BIT(31);
	struct lunic_tx_ctx_desc ctx = {
		.tucss = css,
		.tucso = cso,
		.cmd_len = cpu_to_le32(LUNIC_TXD_CMD_DEXT |
				       (tcp ? LUNIC_TXD_CMD_TCP : 0)),
	};

	if (key == tx->ctx)
		return;		/* the device still holds this context */
	lunic_tx_ctx(tx, &ctx);
	tx->ctx = key;
}

/* TCP segmentation context; the device rewrites lengths and checksums. */
static int lunic_tx_tso(struct lunic_tx_ring *tx, struct sk_buff *skb,
			u32 *dcmd, u32 *popts)
{
	u32 cmd = LUNIC_TXD_CMD_DEXT | LUNIC_TXD_CMD_TSE | LUNIC_TXD_CMD_TCP;
	struct lunic_tx_ctx_desc ctx = { };
	unsigned int hdr_len;
	struct iphdr *iph;
	int ret;

	ret = skb_cow_head(skb, 0);
	if (ret)
		return ret;
	hdr_len = skb_tcp_all_headers(skb);
	if (skb_is_gso_v6(skb)) {
		tcp_v6_gso_csum_prep(skb);
	} else {
		iph = ip_hdr(skb);
		iph->tot_len = 0;
		iph->check = 0;
		tcp_hdr(skb)->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr,
							 0, IPPROTO_TCP, 0);
		ctx.ipcss = skb_network_offset(skb);
		ctx.ipcso = ctx.ipcss + offsetof(struct iphdr, check);
		ctx.ipcse = cpu_to_le16(skb_transport_offset(skb) - 1);
		cmd |= LUNIC_TXD_CMD_IP;
		*popts |= LUNIC_TXD_POPTS_IXSM;
	}
	ctx.tucss = skb_transport_offset(skb);
	ctx.tucso = ctx.tucss + offsetof(struct tcphdr, check);
	ctx.cmd_len = cpu_to_le32(cmd | (skb->len - hdr_len));
	ctx.hdr_len = hdr_len;
	ctx.mss = cpu_to_le16(skb_shinfo(skb)->gso_size);
	lunic_tx_ctx(tx, &ctx);
	tx->ctx = 0;		/* never reused for plain checksums */
	*dcmd |= LUNIC_TXD_CMD_TSE;
	*popts |= LUNIC_TXD_POPTS_TXSM;
	return 0;
}

/* Descriptors for one mapped buffer from @i; returns the last one used. */
static unsigned int lunic_tx_fill(struct lunic_tx_ring *tx, unsigned int i,
				  dma_addr_t dma, u32 len, u32 dcmd, u32 popts)
{
	struct lunic_tx_desc *d;
	u32 n;

	for (;;) {
		n = min_t(u32, len, LUNIC_MAX_PER_TXD);
		d = &tx->desc[i];
		d->addr = cpu_to_le64(dma);
		d->cmd_len = cpu_to_le32(n | LUNIC_TXD_DTYP_DATA |
					 LUNIC_TXD_CMD_DEXT |
					 LUNIC_TXD_CMD_IFCS | dcmd);
		d->status_opts = cpu_to_le32(popts);
		len -= n;
		dma += n;
		if (!len)
			return i;
		i = lunic_next(i, tx->count);
		tx->buf[i].len = 0;	/* unmapped with the first part */
	}
}

static int lunic_tx_map_one(struct lunic_adapter *ad, unsigned int *i,
			    dma_addr_t dma, u32 len, bool page, u32 dcmd,
			    u32 popts)
{
	struct lunic_tx_buf *b = &ad->tx.buf[*i];

	b->len = 0;
	if (dma_mapping_error(&ad->pdev->dev, dma))
		return -ENOMEM;
	b->dma = dma;
	b->len = len;
	b->page = page;
	*i = lunic_tx_fill(&ad->tx, *i, dma, len, dcmd, popts);
	return 0;
}

/* Map head and fragments; returns the index of the last descriptor. */
static int lunic_tx_map(struct lunic_adapter *ad, struct sk_buff *skb,
			u32 dcmd, u32 popts)
{
	struct device *dev = &ad->pdev->dev;
	struct lunic_tx_ring *tx = &ad->tx;
	unsigned int i = tx->next_to_use, f, start = i;
	const skb_frag_t *frag;
	dma_addr_t dma;
	u32 len = skb_headlen(skb);

	dma = dma_map_single(dev, skb->data, len, DMA_TO_DEVICE);
	if (lunic_tx_map_one(ad, &i, dma, len, false, dcmd, popts))
		return -ENOMEM;
	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++) {
		frag = &skb_shinfo(skb)->frags[f];
		i = lunic_next(i, tx->count);
		len = skb_frag_size(frag);
		dma = skb_frag_dma_map(dev, frag, 0, len, DMA_TO_DEVICE);
		if (lunic_tx_map_one(ad, &i, dma, len, true, dcmd, popts))
			goto unwind;
	}
	return i;

unwind:
	while (i != start) {
		i = i ? i - 1 : tx->count - 1;
		lunic_tx_unmap(ad, &tx->buf[i]);
	}
	return -ENOMEM;
}

static void lunic_maybe_stop(struct lunic_adapter *ad)
{
	if (likely(lunic_tx_free(&ad->tx) >= LUNIC_TX_DESC_NEEDED))
		return;
	netif_stop_queue(ad->netdev);
	/* Pairs with the barrier in lunic_tx_clean(). */
	smp_mb();
	if (lunic_tx_free(&ad->tx) >= LUNIC_TX_DESC_NEEDED)
		netif_start_queue(ad->netdev);
}

static int lunic_tx_offload(struct lunic_tx_ring *tx, struct sk_buff *skb,
			    u32 *dcmd, u32 *popts)
{
	if (skb_is_gso(skb))
		return lunic_tx_tso(tx, skb, dcmd, popts);
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		lunic_tx_csum(tx, skb);
		*popts |= LUNIC_TXD_POPTS_TXSM;
	}
	return 0;
}

netdev_tx_t lunic_xmit(struct sk_buff *skb, struct net_device *netdev)
{
	struct lunic_adapter *ad = netdev_priv(netdev);
	struct lunic_tx_ring *tx = &ad->tx;
	unsigned int first = tx->next_to_use, len = skb->len;
	u32 dcmd = 0, popts = 0;
	int last;

	/* Only a buffer split in many pieces gets here: rare. */
	if (unlikely(lunic_tx_free(tx) < lunic_tx_descs(skb))) {
		netif_stop_queue(netdev);
		return NETDEV_TX_BUSY;
	}
	if (lunic_tx_offload(tx, skb, &dcmd, &popts))
		goto drop;
	last = lunic_tx_map(ad, skb, dcmd, popts);
	if (last < 0)
		goto drop;
	tx->desc[last].cmd_len |= cpu_to_le32(LUNIC_TXD_CMD_EOP |
					      LUNIC_TXD_CMD_RS);
	tx->buf[first].last = last;
	tx->buf[first].bytes = len;
	/* Pairs with smp_rmb() in lunic_tx_pending(). */
	smp_wmb();
	WRITE_ONCE(tx->buf[first].skb, skb);
	tx->next_to_use = lunic_next(last, tx->count);
	lunic_maybe_stop(ad);
	/* writel() orders the descriptor writes before the tail. */
	if (__netdev_tx_sent_queue(netdev_get_tx_queue(netdev, 0), len,
				   netdev_xmit_more()))
		lunic_wr(ad, LUNIC_TDT, tx->next_to_use);
	return NETDEV_TX_OK;

drop:
	/* A context descriptor may have been written: forget it. */
	tx->next_to_use = first;
	tx->ctx = 0;
	dev_kfree_skb_any(skb);
	netdev->stats.tx_dropped++;
	return NETDEV_TX_OK;
}

/**
 * lunic_rx_drop_partial() - forget a frame whose first buffers were seen
 * @ad: adapter, NAPI stopped
 */
void lunic_rx_drop_partial(struct lunic_adapter *ad)
{
	dev_kfree_skb_any(ad->rx.skb);
	ad->rx.skb = NULL;
}

static void lunic_rx_csum(struct lunic_adapter *ad, struct sk_buff *skb,
			  u8 status, u8 errors)
{
	skb_checksum_none_assert(skb);
	if (!(ad->netdev->features & NETIF_F_RXCSUM) ||
	    (status & LUNIC_RXD_STAT_IXSM))
		return;
	if (errors & (LUNIC_RXD_ERR_TCPE | LUNIC_RXD_ERR_IPE)) {
		ad->rx.csum_err++;
		return;
	}
	if (status & (LUNIC_RXD_STAT_TCPCS | LUNIC_RXD_STAT_UDPCS))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
}

static void lunic_rx_deliver(struct lunic_adapter *ad, struct sk_buff *skb,
			     u8 status, u8 errors)
{
	struct lunic_rx_ring *rx = &ad->rx;

	lunic_rx_csum(ad, skb, status, errors);
	skb->protocol = eth_type_trans(skb, ad->netdev);
	u64_stats_update_begin(&rx->stats.syncp);
	u64_stats_inc(&rx->stats.packets);
	u64_stats_add(&rx->stats.bytes, skb->len);
	u64_stats_update_end(&rx->stats.syncp);
	napi_gro_receive(&ad->napi, skb);
}

/* Copy one buffer out; true if it completed a frame for the stack. */
static bool lunic_rx_one(struct lunic_adapter *ad, struct lunic_rx_desc *d,
			 const void *buf)
{
	struct lunic_rx_ring *rx = &ad->rx;
	unsigned int len = le16_to_cpu(d->length);
	bool eop = d->status & LUNIC_RXD_STAT_EOP;

	if (rx->discard) {
		rx->discard = !eop;
		return false;
	}
	if (!rx->skb && len <= LUNIC_RX_BUF_SIZE)
		rx->skb = napi_alloc_skb(&ad->napi, eop ? len : LUNIC_MAX_FRAME);
	/* The length is the device's word: never read past the buffer. */
	if (len > LUNIC_RX_BUF_SIZE || !rx->skb ||
	    (d->errors & LUNIC_RXD_ERR_FRAME) || len > skb_tailroom(rx->skb)) {
		rx->dropped++;
		lunic_rx_drop_partial(ad);
		rx->discard = !eop;
		return false;
	}
	skb_put_data(rx->skb, buf, len);
	if (!eop)
		return false;
	lunic_rx_deliver(ad, rx->skb, d->status, d->errors);
	rx->skb = NULL;
	return true;
}

static int lunic_rx_clean(struct lunic_adapter *ad, int budget)
{
	struct lunic_rx_ring *rx = &ad->rx;
	unsigned int i = rx->next_to_clean, seen = 0;
	struct lunic_rx_desc *d;
	int done = 0;

	while (done < budget) {
		d = &rx->desc[i];
		if (!(READ_ONCE(d->status) & LUNIC_RXD_STAT_DD))
			break;
		dma_rmb();
		done += lunic_rx_one(ad, d, rx->bufs + i * LUNIC_RX_BUF_SIZE);
		d->status = 0;
		i = lunic_next(i, rx->count);
		seen++;
	}
	rx->next_to_clean = i;
	/* Hand the buffers back; writel() orders the status writes first. */
	if (seen)
		lunic_wr(ad, LUNIC_RDT, (i ? i : rx->count) - 1);
	return done;
}

void lunic_irq_enable_queues(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_IMS, ad->ims_queues);
}

/*
 * RX before TX: what the stack sends in reply to this poll's frames is
 * reclaimed in the same poll if the device has sent it. Every reply stays
 * charged to its socket until reclaimed, and after a live update the
 * frames of the whole update are answered in one burst: the ICMP socket
 * holds some 140 echo replies, and the rest of a longer backlog was
 * dropped by the stack when two polls' worth waited to be reclaimed.
 */
int lunic_poll(struct napi_struct *napi, int budget)
{
	struct lunic_adapter *ad = container_of(napi, struct lunic_adapter,
						napi);
	int done = lunic_rx_clean(ad, budget);
	bool tx_done = lunic_tx_clean(ad, budget);

	if (!tx_done || done == budget)
		return budget;
	if (napi_complete_done(napi, done))
		lunic_irq_enable_queues(ad);
	return done;
}

static void lunic_schedule(struct lunic_adapter *ad)
{
	if (napi_schedule_prep(&ad->napi)) {
		lunic_wr(ad, LUNIC_IMC, ad->ims_queues);
		__napi_schedule(&ad->napi);
	}
}

/* MSI-X vectors 0 (RX) and 1 (TX): EIAC already cleared the cause. */
irqreturn_t lunic_intr_queues(int irq, void *data)
{
	lunic_schedule(data);
	return IRQ_HANDLED;
}

/* MSI-X vector 2: link and other causes; ICR does not clear on read here. */
irqreturn_t lunic_intr_other(int irq, void *data)
{
	struct lunic_adapter *ad = data;
	u32 icr = lunic_rd(ad, LUNIC_ICR);

	lunic_wr(ad, LUNIC_ICR, icr & ~ad->ims_queues);
	if (icr & LUNIC_INT_LSC)
		lunic_hw_update_link(ad);
	lunic_hw_irq_unmask_other(ad);
	return IRQ_HANDLED;
}

/* MSI or INTx: one vector for everything; reading ICR clears it. */
irqreturn_t lunic_intr_single(int irq, void *data)
{
	struct lunic_adapter *ad = data;
	u32 icr = lunic_rd(ad, LUNIC_ICR);

	if (!(icr & LUNIC_INT_ASSERTED))
		return IRQ_NONE;	/* shared INTx, not ours */
	if (icr & LUNIC_INT_LSC)
		lunic_hw_update_link(ad);
	if (icr & ad->ims_queues)
		lunic_schedule(ad);
	return IRQ_HANDLED;
}
