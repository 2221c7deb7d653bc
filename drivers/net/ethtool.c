// SPDX-License-Identifier: GPL-2.0
/*
 * lunic: ethtool_ops.
 *
 * Statistics come from the MAC's counters, which clear on read and are
 * accumulated here. Ring sizes can be changed: the rings are stopped and
 * reallocated in preserved memory, so a later live update carries the new
 * size in its record.
 */
#include <linux/ethtool.h>
#include <linux/linkmode.h>
#include <linux/rtnetlink.h>

#include "lunic.h"

struct lunic_stat {
	char name[ETH_GSTRING_LEN];
	u16 reg;
	bool wide;		/* low word at reg, high word at reg + 4 */
};

static const struct lunic_stat lunic_stats[] = {
	{ "rx_crc_errors",	0x4000 },
	{ "rx_align_errors",	0x4004 },
	{ "rx_symbol_errors",	0x4008 },
	{ "rx_errors",		0x400c },
	{ "rx_missed",		0x4010 },
	{ "tx_single_coll",	0x4014 },
	{ "tx_excess_coll",	0x4018 },
	{ "tx_multi_coll",	0x401c },
	{ "tx_late_coll",	0x4020 },
	{ "collisions",		0x4028 },
	{ "tx_deferred",	0x4030 },
	{ "rx_length_errors",	0x4040 },
	{ "rx_xon",		0x4048 },
	{ "tx_xon",		0x404c },
	{ "rx_xoff",		0x4050 },
	{ "tx_xoff",		0x4054 },
	{ "rx_good_packets",	0x4074 },
	{ "rx_broadcast",	0x4078 },
	{ "rx_multicast",	0x407c },
	{ "tx_good_packets",	0x4080 },
	{ "rx_good_bytes",	0x4088, true },
	{ "tx_good_bytes",	0x4090, true },
	{ "rx_no_buffer",	0x40a0 },
	{ "rx_undersize",	0x40a4 },
	{ "rx_fragments",	0x40a8 },
	{ "rx_oversize",	0x40ac },
	{ "rx_jabber",		0x40b0 },
	{ "rx_total_bytes",	0x40c0, true },
	{ "tx_total_bytes",	0x40c8, true },
	{ "rx_total_packets",	0x40d0 },
	{ "tx_total_packets",	0x40d4 },
	{ "tx_multicast",	0x40f0 },
	{ "tx_broadcast",	0x40f4 },
};

static const char lunic_sw_stats[][ETH_GSTRING_LEN] = {
	"rx_csum_errors", "rx_dropped",
};

unsigned int lunic_num_hw_stats(void)
{
	return ARRAY_SIZE(lunic_stats);
}

/* Fold the clear-on-read counters into ad->hw_stats. */
void lunic_hw_stats_update(struct lunic_adapter *ad)
{
	const struct lunic_stat *s;
	unsigned int i;
	u64 val;

	spin_lock(&ad->stats_lock);
	for (i = 0; i < ARRAY_SIZE(lunic_stats); i++) {
		s = &lunic_stats[i];
		val = lunic_rd(ad, s->reg);
		/* The high word must be read after the low one. */
		if (s->wide)
			val |= (u64)lunic_rd(ad, s->reg + 4) << 32;
		ad->hw_stats[i] += val;
	}
	spin_unlock(&ad->stats_lock);
}

static int lunic_get_sset_count(struct net_device *netdev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(lunic_stats) + ARRAY_SIZE(lunic_sw_stats);
}

static void lunic_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(lunic_stats); i++)
		ethtool_puts(&data, lunic_stats[i].name);
	for (i = 0; i < ARRAY_SIZE(lunic_sw_stats); i++)
		ethtool_puts(&data, lunic_sw_stats[i]);
}

static void lunic_get_ethtool_stats(struct net_device *netdev,
				    struct ethtool_stats *stats, u64 *data)
{
	struct lunic_adapter *ad = netdev_priv(netdev);
	unsigned int n = ARRAY_SIZE(lunic_stats);

	lunic_hw_stats_update(ad);
	spin_lock(&ad->stats_lock);
	memcpy(data, ad->hw_stats, n * sizeof(*data));
	spin_unlock(&ad->stats_lock);
	data[n] = ad->rx.csum_err;
	data[n + 1] = ad->rx.dropped;
}

static void lunic_get_drvinfo(struct net_device *netdev,
			      struct ethtool_drvinfo *info)
{
	struct lunic_adapter *ad = netdev_priv(netdev);

	strscpy(info->driver, LUNIC_NAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(ad->pdev), sizeof(info->bus_info));
}

static const int lunic_link_modes[] = {
	ETHTOOL_LINK_MODE_10baseT_Half_BIT,
	ETHTOOL_LINK_MODE_10baseT_Full_BIT,
	ETHTOOL_LINK_MODE_100baseT_Half_BIT,
	ETHTOOL_LINK_MODE_100baseT_Full_BIT,
	ETHTOOL_LINK_MODE_1000baseT_Full_BIT,
	ETHTOOL_LINK_MODE_Autoneg_BIT,
	ETHTOOL_LINK_MODE_TP_BIT,
};

static int lunic_get_link_ksettings(struct net_device *netdev,
				    struct ethtool_link_ksettings *cmd)
{
	struct lunic_adapter *ad = netdev_priv(netdev);
	u32 status = lunic_rd(ad, LUNIC_STATUS);

	linkmode_zero(cmd->link_modes.supported);
	linkmode_set_bit_array(lunic_link_modes, ARRAY_SIZE(lunic_link_modes),
			       cmd->link_modes.supported);
	linkmode_copy(cmd->link_modes.advertising, cmd->link_modes.supported);
	cmd->base.port = PORT_TP;
	cmd->base.phy_address = LUNIC_PHY_ADDR;
	cmd->base.autoneg = AUTONEG_ENABLE;
	cmd->base.speed = SPEED_UNKNOWN;
	cmd->base.duplex = DUPLEX_UNKNOWN;
	if (status & LUNIC_STATUS_LU) {
		cmd->base.speed = lunic_hw_link_speed(ad);
		cmd->base.duplex = status & LUNIC_STATUS_FD ? DUPLEX_FULL :
							       DUPLEX_HALF;
	}
	return 0;
}

static void lunic_get_ringparam(struct net_device *netdev,
				struct ethtool_ringparam *ring,
				struct kernel_ethtool_ringparam *kring,
				struct netlink_ext_ack *extack)
{
	struct lunic_adapter *ad = netdev_priv(netdev);

	ring->rx_max_pending = LUNIC_RING_MAX;
	ring->tx_max_pending = LUNIC_RING_MAX;
	ring->rx_pending = ad->rx.count;
	ring->tx_pending = ad->tx.count;
}

/* New rings: stop DMA, reallocate, program, start again. */
static int lunic_resize(struct lunic_adapter *ad, unsigned int rx,
			unsigned int tx)
{
	unsigned int old_rx = ad->rx.count, old_tx = ad->tx.count;
	int ret;

	lunic_hw_stop_dma(ad);
	lunic_tx_clean_all(ad);
	lunic_rx_drop_partial(ad);
	lunic_rings_free(ad);
	ret = lunic_rings_alloc(ad, rx, tx);
	if (ret && lunic_rings_alloc(ad, old_rx, old_tx))
		return ret;	/* not even the old size: the NIC stays off */
	lunic_rx_ring_init(ad);
	lunic_tx_ring_init(ad, 0);
	lunic_hw_rx_ring_program(ad);
	lunic_hw_tx_ring_program(ad);
	lunic_hw_enable_dma(ad);
	return ret;
}

static int lunic_set_ringparam(struct net_device *netdev,
			       struct ethtool_ringparam *ring,
			       struct kernel_ethtool_ringparam *kring,
			       struct netlink_ext_ack *extack)
{
	struct lunic_adapter *ad = netdev_priv(netdev);
	unsigned int rx, tx;
	bool running = ad->up;
	int ret;

	/* RDLEN and TDLEN must be multiples of 128 bytes: 8 descriptors. */
	rx = ALIGN(clamp(ring->rx_pending, LUNIC_RING_MIN, LUNIC_RING_MAX), 8);
	tx = ALIGN(clamp(ring->tx_pending, LUNIC_RING_MIN, LUNIC_RING_MAX), 8);
	if (rx == ad->rx.count && tx == ad->tx.count)
		return 0;
	if (running)
		lunic_down(ad);
	ret = lunic_resize(ad, rx, tx);
	if (!ad->rx.desc) {
		/* Not even the old rings: nothing lunic_up() could run on. */
		netif_device_detach(netdev);
		netdev_err(netdev, "no memory for any RX/TX rings: interface off until the driver is bound again\n");
		return ret;
	}
	if (running)
		lunic_up(ad);
	return ret;
}

static u32 lunic_get_msglevel(struct net_device *netdev)
{
	struct lunic_adapter *ad = netdev_priv(netdev);

	return ad->msg_enable;
}

static void lunic_set_msglevel(struct net_device *netdev, u32 val)
{
	struct lunic_adapter *ad = netdev_priv(netdev);

	ad->msg_enable = val;
}

const struct ethtool_ops lunic_ethtool_ops = {
	.get_drvinfo		= lunic_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_link_ksettings	= lunic_get_link_ksettings,
	.get_ringparam		= lunic_get_ringparam,
	.set_ringparam		= lunic_set_ringparam,
	.get_sset_count		= lunic_get_sset_count,
	.get_strings		= lunic_get_strings,
	.get_ethtool_stats	= lunic_get_ethtool_stats,
	.get_msglevel		= lunic_get_msglevel,
	.set_msglevel		= lunic_set_msglevel,
};
