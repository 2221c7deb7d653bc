// SPDX-License-Identifier: GPL-2.0
/*
 * lunic: net_device_ops.
 *
 * The receiver and transmitter run from probe() or retrieve() until
 * shutdown() or remove(), whether or not the interface is up: open and stop
 * only start and stop NAPI, the queue interrupts and the TX queue. Frames
 * that arrive while the interface is down wait in the ring, like those
 * that arrive during a live update.
 */
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>

#include "lunic.h"

void lunic_irq_sync(struct lunic_adapter *ad)
{
	int i;

	for (i = 0; i < ad->nvec; i++)
		synchronize_irq(pci_irq_vector(ad->pdev, i));
}

/**
 * lunic_kick() - unmask the queue interrupts and poll once
 * @work: &lunic_adapter.kick
 *
 * Frames may wait in the ring since before open, up to a whole live
 * update's worth. They must not reach the stack before dev_open() has
 * finished: the routes of the interface's addresses only appear with
 * NETDEV_UP, after ndo_open, and frames seen earlier are dropped as not
 * ours. Taking RTNL here waits for that; never block on it, as
 * lunic_down() cancels this work with RTNL held.
 */
void lunic_kick(struct work_struct *work)
{
	struct lunic_adapter *ad = container_of(to_delayed_work(work),
						struct lunic_adapter, kick);

	if (!rtnl_trylock()) {
		schedule_delayed_work(&ad->kick, 1);
		return;
	}
	if (ad->up) {
		lunic_irq_enable_queues(ad);
		napi_schedule(&ad->napi);
	}
	rtnl_unlock();
}

/* Start NAPI and the TX queue; the interface is going up. */
void lunic_up(struct lunic_adapter *ad)
{
	ad->up = true;
	napi_enable(&ad->napi);
	schedule_delayed_work(&ad->kick, 0);
	netif_start_queue(ad->netdev);
}

/*
 * Pairs with lunic_up(); the receiver keeps running. RX processing stops
 * before the TX queue does: a reply the stack makes to a frame of the last
 * poll must still reach the ring, not a stopped queue that a kexec then
 * throws away. Safe to call twice: shutdown() follows a freeze() that
 * failed after quiescing.
 */
void lunic_down(struct lunic_adapter *ad)
{
	if (!ad->up)
		return;
	ad->up = false;
	cancel_delayed_work_sync(&ad->kick);
	lunic_wr(ad, LUNIC_IMC, ad->ims_queues);
	lunic_flush(ad);
	lunic_irq_sync(ad);
	napi_disable(&ad->napi);
	netif_tx_disable(ad->netdev);
}

/**
 * lunic_quiesce() - stop all software activity for freeze() or shutdown()
 * @ad: adapter
 *
 * Detaches the interface, stops NAPI and masks every interrupt cause. The
 * hardware keeps running: what happens to it is the caller's business.
 */
void lunic_quiesce(struct lunic_adapter *ad)
{
	rtnl_lock();
	lunic_down(ad);
	netif_device_detach(ad->netdev);
	rtnl_unlock();
	lunic_hw_irq_mask(ad);
	lunic_irq_sync(ad);
}

static int lunic_open(struct net_device *netdev)
{
	lunic_up(netdev_priv(netdev));
	return 0;
}

static int lunic_stop(struct net_device *netdev)
{
	lunic_down(netdev_priv(netdev));
	return 0;
}

static void lunic_set_rx_mode(struct net_device *netdev)
{
	lunic_hw_update_rx_mode(netdev_priv(netdev));
}

static int lunic_set_mac(struct net_device *netdev, void *p)
{
	int ret = eth_mac_addr(netdev, p);

	if (!ret)
		lunic_hw_set_mac(netdev_priv(netdev), netdev->dev_addr);
	return ret;
}

/* Frames of any size chain 2 KiB buffers: only RCTL.LPE changes. */
static int lunic_change_mtu(struct net_device *netdev, int mtu)
{
	WRITE_ONCE(netdev->mtu, mtu);
	lunic_hw_update_rx_mode(netdev_priv(netdev));
	return 0;
}

static int lunic_set_features(struct net_device *netdev,
			      netdev_features_t features)
{
	struct lunic_adapter *ad = netdev_priv(netdev);
	u32 rxcsum = 0;

	if (features & NETIF_F_RXCSUM)
		rxcsum = LUNIC_RXCSUM_IPOFL | LUNIC_RXCSUM_TUOFL;
	lunic_wr(ad, LUNIC_RXCSUM, rxcsum);
	return 0;
}

/* Context descriptors hold 8-bit offsets: no offload beyond them. */
static netdev_features_t lunic_features_check(struct sk_buff *skb,
					      struct net_device *netdev,
					      netdev_features_t features)
{
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    skb_checksum_start_offset(skb) + skb->csum_offset > U8_MAX)
		features &= ~(NETIF_F_CSUM_MASK | NETIF_F_GSO_MASK);
	return features;
}

static void lunic_ring_stats(struct lunic_ring_stats *s, u64 *packets,
			     u64 *bytes)
{
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		*packets = u64_stats_read(&s->packets);
		*bytes = u64_stats_read(&s->bytes);
	} while (u64_stats_fetch_retry(&s->syncp, start));
}

static void lunic_get_stats64(struct net_device *netdev,
			      struct rtnl_link_stats64 *stats)
{
	struct lunic_adapter *ad = netdev_priv(netdev);

	lunic_ring_stats(&ad->rx.stats, &stats->rx_packets, &stats->rx_bytes);
	lunic_ring_stats(&ad->tx.stats, &stats->tx_packets, &stats->tx_bytes);
	stats->rx_dropped = ad->rx.dropped;
	stats->tx_dropped = netdev->stats.tx_dropped;
}

static void lunic_tx_timeout(struct net_device *netdev, unsigned int txq)
{
	struct lunic_adapter *ad = netdev_priv(netdev);

	netdev_err(netdev, "TX timeout: TDH %u TDT %u, next to clean %u\n",
		   lunic_rd(ad, LUNIC_TDH), lunic_rd(ad, LUNIC_TDT),
		   ad->tx.next_to_clean);
}

const struct net_device_ops lunic_netdev_ops = {
	.ndo_open		= lunic_open,
	.ndo_stop		= lunic_stop,
	.ndo_start_xmit		= lunic_xmit,
	.ndo_features_check	= lunic_features_check,
	.ndo_set_rx_mode	= lunic_set_rx_mode,
	.ndo_set_mac_address	= lunic_set_mac,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_mtu		= lunic_change_mtu,
	.ndo_set_features	= lunic_set_features,
	.ndo_get_stats64	= lunic_get_stats64,
	.ndo_tx_timeout		= lunic_tx_timeout,
};
