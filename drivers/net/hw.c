// SPDX-License-Identifier: GPL-2.0
/*
 * lunic: register sequences.
 *
 * probe() resets the MAC and the PHY and then calls lunic_hw_init(), which
 * writes every register the driver depends on: QEMU's CTRL.RST only
 * reloads the MAC address, and real firmware leaves other state behind, so
 * nothing may be assumed to hold its reset value. retrieve() writes none
 * of these; it only reads them (lunic_record_check()).
 */
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/iopoll.h>
#include <linux/mii.h>

#include "lunic.h"

/* 802.3x flow control frame: destination 01:80:c2:00:00:01, type 0x8808 */
#define LUNIC_FCAL_PAUSE	0x00c28001
#define LUNIC_FCAH_PAUSE	0x0100
#define LUNIC_FCT_PAUSE		0x8808
/* IEEE 802.3 inter-packet gap for copper: IPGT 8, IPGR1 8, IPGR2 6 */
#define LUNIC_TIPG_COPPER	(8 | 8 << 10 | 6 << 20)

/**
 * lunic_hw_reset() - stop DMA and reset the MAC
 * @ad: adapter
 *
 * Leaves every interrupt cause masked and cleared.
 *
 * Return: 0 or -ETIMEDOUT.
 */
int lunic_hw_reset(struct lunic_adapter *ad)
{
	u32 ctrl;
	int ret;

	lunic_wr(ad, LUNIC_IMC, LUNIC_INT_ALL);
	lunic_hw_stop_dma(ad);
	ctrl = lunic_rd(ad, LUNIC_CTRL);
	lunic_wr(ad, LUNIC_CTRL, ctrl | LUNIC_CTRL_RST);
	/* The MAC ignores register accesses for about 1 ms after RST. */
	usleep_range(1000, 2000);
	ret = readl_poll_timeout(ad->regs + LUNIC_CTRL, ctrl,
				 !(ctrl & LUNIC_CTRL_RST), 100, 20000);
	lunic_wr(ad, LUNIC_IMC, LUNIC_INT_ALL);
	lunic_rd(ad, LUNIC_ICR);
	return ret;
}

/**
 * lunic_hw_stop_dma() - stop the receiver and the transmitter
 * @ad: adapter
 *
 * The 82574 keeps receiving (and writing to memory) until RCTL.EN is
 * cleared, whatever else is done to it; give in-flight DMA time to finish.
 */
void lunic_hw_stop_dma(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_RCTL, lunic_rd(ad, LUNIC_RCTL) & ~LUNIC_RCTL_EN);
	lunic_wr(ad, LUNIC_TCTL, lunic_rd(ad, LUNIC_TCTL) & ~LUNIC_TCTL_EN);
	lunic_flush(ad);
	usleep_range(10000, 11000);
}

static int lunic_phy_write(struct lunic_adapter *ad, u32 reg, u16 val)
{
	u32 mdic;
	int ret;

	lunic_wr(ad, LUNIC_MDIC, FIELD_PREP(LUNIC_MDIC_DATA, val) |
		 FIELD_PREP(LUNIC_MDIC_REG, reg) |
		 FIELD_PREP(LUNIC_MDIC_PHY, LUNIC_PHY_ADDR) |
		 LUNIC_MDIC_OP_WRITE);
	ret = readl_poll_timeout(ad->regs + LUNIC_MDIC, mdic,
				 mdic & LUNIC_MDIC_READY, 50, 10000);
	if (!ret && (mdic & LUNIC_MDIC_ERROR))
		ret = -EIO;
	return ret;
}

/**
 * lunic_hw_start_link() - reset the PHY and let it autonegotiate
 * @ad: adapter
 *
 * The link comes up later, with a link status change interrupt.
 */
void lunic_hw_start_link(struct lunic_adapter *ad)
{
	u32 ctrl = lunic_rd(ad, LUNIC_CTRL);

	lunic_wr(ad, LUNIC_CTRL, ctrl | LUNIC_CTRL_PHY_RST);
	lunic_flush(ad);
	usleep_range(100, 200);
	ctrl &= ~(LUNIC_CTRL_PHY_RST | LUNIC_CTRL_LRST | LUNIC_CTRL_ILOS |
		  LUNIC_CTRL_FRCSPD | LUNIC_CTRL_FRCDPX | LUNIC_CTRL_RFCE |
		  LUNIC_CTRL_TFCE | LUNIC_CTRL_VME);
	lunic_wr(ad, LUNIC_CTRL, ctrl | LUNIC_CTRL_SLU | LUNIC_CTRL_ASDE);
	/* The PHY needs up to 10 ms after reset before MDIO works. */
	usleep_range(10000, 11000);
	/* STATUS.PHYRA is set by the PHY reset; writing 0 clears it. */
	lunic_wr(ad, LUNIC_STATUS, 0);
	if (lunic_phy_write(ad, MII_BMCR, BMCR_ANENABLE | BMCR_ANRESTART |
			    BMCR_FULLDPLX | BMCR_SPEED1000))
		netdev_warn(ad->netdev, "PHY does not answer: autonegotiation not restarted\n");
}

static u16 lunic_eeprom_read(struct lunic_adapter *ad, unsigned int word)
{
	u32 eerd;

	lunic_wr(ad, LUNIC_EERD, FIELD_PREP(LUNIC_EERD_ADDR, word) |
		 LUNIC_EERD_START);
	if (readl_poll_timeout(ad->regs + LUNIC_EERD, eerd,
			       eerd & LUNIC_EERD_DONE, 5, 10000))
		return 0xffff;
	return FIELD_GET(LUNIC_EERD_DATA, eerd);
}

/* Receive address 0 as programmed, zeroes if it is not valid. */
void lunic_hw_get_mac(struct lunic_adapter *ad, u8 *mac)
{
	u32 ral = lunic_rd(ad, LUNIC_RAL(0));
	u32 rah = lunic_rd(ad, LUNIC_RAH(0));

	eth_zero_addr(mac);
	if (!(rah & LUNIC_RAH_AV))
		return;
	put_unaligned_le32(ral, mac);
	put_unaligned_le16(rah & 0xffff, mac + 4);
}

/**
 * lunic_hw_read_mac() - the permanent MAC address
 * @ad: adapter
 * @mac: result
 *
 * From the EEPROM (words 0-2); else what the MAC loaded into receive
 * address 0 at reset; else a random address.
 */
void lunic_hw_read_mac(struct lunic_adapter *ad, u8 *mac)
{
	unsigned int i;

	for (i = 0; i < ETH_ALEN / 2; i++)
		put_unaligned_le16(lunic_eeprom_read(ad, i), mac + 2 * i);
	if (is_valid_ether_addr(mac))
		return;
	lunic_hw_get_mac(ad, mac);
	if (is_valid_ether_addr(mac))
		return;
	eth_random_addr(mac);
	pci_warn(ad->pdev, "no valid MAC address in EEPROM or RAL0, using %pM\n",
		 mac);
}

void lunic_hw_set_mac(struct lunic_adapter *ad, const u8 *mac)
{
	lunic_wr(ad, LUNIC_RAL(0), get_unaligned_le32(mac));
	lunic_wr(ad, LUNIC_RAH(0), get_unaligned_le16(mac + 4) | LUNIC_RAH_AV);
}

static void lunic_hw_clear_filters(struct lunic_adapter *ad)
{
	unsigned int i;

	for (i = 1; i < LUNIC_RA_NUM; i++) {
		lunic_wr(ad, LUNIC_RAH(i), 0);
		lunic_wr(ad, LUNIC_RAL(i), 0);
	}
	for (i = 0; i < LUNIC_MTA_NUM; i++)
		lunic_wr(ad, LUNIC_MTA(i), 0);
	for (i = 0; i < LUNIC_VFTA_NUM; i++)
		lunic_wr(ad, LUNIC_VFTA(i), 0);
}

void lunic_hw_rx_ring_program(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_RDBAL, lower_32_bits(ad->rx.dma));
	lunic_wr(ad, LUNIC_RDBAH, upper_32_bits(ad->rx.dma));
	lunic_wr(ad, LUNIC_RDLEN, ad->rx.count * sizeof(*ad->rx.desc));
	lunic_wr(ad, LUNIC_RDH, 0);
	/* Every buffer but one belongs to the device. */
	lunic_wr(ad, LUNIC_RDT, ad->rx.count - 1);
}

void lunic_hw_tx_ring_program(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_TDBAL, lower_32_bits(ad->tx.dma));
	lunic_wr(ad, LUNIC_TDBAH, upper_32_bits(ad->tx.dma));
	lunic_wr(ad, LUNIC_TDLEN, ad->tx.count * sizeof(*ad->tx.desc));
	lunic_wr(ad, LUNIC_TDH, 0);
	lunic_wr(ad, LUNIC_TDT, 0);
}

/* TCTL and RCTL as the driver runs them; RCTL also from the rx mode. */
void lunic_hw_enable_dma(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_TCTL, LUNIC_TCTL_RUN);
	lunic_hw_update_rx_mode(ad);
}

static void lunic_hw_init_offloads(struct lunic_adapter *ad)
{
	u32 rxcsum = LUNIC_RXCSUM_IPOFL | LUNIC_RXCSUM_TUOFL;

	if (!(ad->netdev->features & NETIF_F_RXCSUM))
		rxcsum = 0;
	lunic_wr(ad, LUNIC_RXCSUM, rxcsum);
	/* Legacy RX descriptors (EXTEN clear), no NFS/iSCSI filtering. */
	lunic_wr(ad, LUNIC_RFCTL, LUNIC_RFCTL_ISCSI_DIS | LUNIC_RFCTL_NFSW_DIS |
		 LUNIC_RFCTL_NFSR_DIS | LUNIC_RFCTL_ACK_DIS);
	lunic_wr(ad, LUNIC_MRQC, 0);
}

static void lunic_hw_init_queues(struct lunic_adapter *ad)
{
	/* NAPI and ITR moderate interrupts: no per-packet delay timers. */
	lunic_wr(ad, LUNIC_RDTR, 0);
	lunic_wr(ad, LUNIC_RADV, 0);
	lunic_wr(ad, LUNIC_TIDV, 0);
	lunic_wr(ad, LUNIC_TADV, 0);
	lunic_wr(ad, LUNIC_RXDCTL, LUNIC_XDCTL_GRAN |
		 FIELD_PREP(LUNIC_XDCTL_WTHRESH, 1));
	lunic_wr(ad, LUNIC_TXDCTL, LUNIC_XDCTL_GRAN | LUNIC_XDCTL_COUNT_DESC |
		 FIELD_PREP(LUNIC_XDCTL_WTHRESH, 1));
	lunic_wr(ad, LUNIC_TIPG, LUNIC_TIPG_COPPER);
	lunic_wr(ad, LUNIC_TARC0, LUNIC_TARC_ENABLE | LUNIC_TARC_ERRATA |
		 FIELD_PREP(LUNIC_TARC_COUNT, 3));
	lunic_hw_rx_ring_program(ad);
	lunic_hw_tx_ring_program(ad);
}

/**
 * lunic_hw_init() - program the MAC from nothing, after lunic_hw_reset()
 * @ad: adapter with its rings initialised and dev_addr set
 *
 * Ends with the receiver and transmitter enabled. Interrupts are set up
 * separately (lunic_irq_setup()).
 */
void lunic_hw_init(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_CTRL_EXT, LUNIC_CTRL_EXT_DRV_LOAD);
	lunic_wr(ad, LUNIC_WUC, 0);
	lunic_wr(ad, LUNIC_WUFC, 0);
	lunic_hw_set_mac(ad, ad->netdev->dev_addr);
	lunic_hw_clear_filters(ad);
	lunic_wr(ad, LUNIC_FCAL, LUNIC_FCAL_PAUSE);
	lunic_wr(ad, LUNIC_FCAH, LUNIC_FCAH_PAUSE);
	lunic_wr(ad, LUNIC_FCT, LUNIC_FCT_PAUSE);
	lunic_wr(ad, LUNIC_FCTTV, 0);
	lunic_wr(ad, LUNIC_VET, ETH_P_8021Q);
	lunic_hw_init_offloads(ad);
	lunic_hw_init_queues(ad);
	/* The statistics registers clear on read: start from zero. */
	lunic_hw_stats_update(ad);
	memset(ad->hw_stats, 0, lunic_num_hw_stats() * sizeof(*ad->hw_stats));
	lunic_hw_enable_dma(ad);
}

/**
 * lunic_hw_irq_program() - route interrupt causes to this kernel's vectors
 * @ad: adapter; ad->msix and ad->nvec set
 *
 * Also sets ad->ims_queues, the causes NAPI masks and unmasks.
 */
void lunic_hw_irq_program(struct lunic_adapter *ad)
{
	u32 ctrl_ext = lunic_rd(ad, LUNIC_CTRL_EXT);

	ctrl_ext &= ~(LUNIC_CTRL_EXT_IAME | LUNIC_CTRL_EXT_EIAME |
		      LUNIC_CTRL_EXT_PBA_CLR);
	if (ad->msix) {
		lunic_wr(ad, LUNIC_IVAR,
			 FIELD_PREP(LUNIC_IVAR_RXQ0, LUNIC_IVAR_VALID | 0) |
			 FIELD_PREP(LUNIC_IVAR_TXQ0, LUNIC_IVAR_VALID | 1) |
			 FIELD_PREP(LUNIC_IVAR_OTHER, LUNIC_IVAR_VALID | 2));
		/* Queue causes clear themselves when their vector fires,
		 * so the next frame raises it again.
		 */
		lunic_wr(ad, LUNIC_EIAC, LUNIC_INT_RXQ0 | LUNIC_INT_TXQ0);
		lunic_wr(ad, LUNIC_EITR(0), LUNIC_ITR_DEFAULT);
		lunic_wr(ad, LUNIC_EITR(1), LUNIC_ITR_DEFAULT);
		lunic_wr(ad, LUNIC_EITR(2), LUNIC_ITR_DEFAULT);
		ctrl_ext |= LUNIC_CTRL_EXT_PBA_CLR;
		ad->ims_queues = LUNIC_INT_RXQ0 | LUNIC_INT_TXQ0;
	} else {
		lunic_wr(ad, LUNIC_IVAR, 0);
		lunic_wr(ad, LUNIC_EIAC, 0);
		lunic_wr(ad, LUNIC_ITR, LUNIC_ITR_DEFAULT);
		ad->ims_queues = LUNIC_INT_RXT0 | LUNIC_INT_RXDMT0 |
				 LUNIC_INT_RXO | LUNIC_INT_TXDW;
	}
	lunic_wr(ad, LUNIC_CTRL_EXT, ctrl_ext);
}

void lunic_hw_irq_mask(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_IMC, LUNIC_INT_ALL);
	lunic_flush(ad);
}

/* Link changes are reported whether or not the interface is up. */
void lunic_hw_irq_unmask_other(struct lunic_adapter *ad)
{
	lunic_wr(ad, LUNIC_IMS, LUNIC_INT_LSC |
		 (ad->msix ? LUNIC_INT_OTHER : 0));
}

/* Multicast table index of an address (MO = 0: bits 47:36). */
static u32 lunic_mta_hash(const u8 *addr)
{
	return ((addr[4] >> 4) | ((u16)addr[5] << 4)) & 0xfff;
}

u32 lunic_hw_rx_mode(struct net_device *netdev)
{
	u32 rctl = LUNIC_RCTL_ALWAYS;

	if (netdev->mtu > ETH_DATA_LEN)
		rctl |= LUNIC_RCTL_LPE;
	if (netdev->flags & IFF_PROMISC)
		rctl |= LUNIC_RCTL_UPE | LUNIC_RCTL_MPE;
	else if (netdev->flags & IFF_ALLMULTI)
		rctl |= LUNIC_RCTL_MPE;
	return rctl;
}

/**
 * lunic_hw_update_rx_mode() - RCTL and multicast table from the netdev
 * @ad: adapter
 *
 * RCTL.EN stays set: changing filters or the MTU (LPE) does not stop the
 * receiver, which copes with any frame size by chaining 2 KiB buffers.
 */
void lunic_hw_update_rx_mode(struct lunic_adapter *ad)
{
	struct net_device *netdev = ad->netdev;
	u32 mta[LUNIC_MTA_NUM] = { };
	struct netdev_hw_addr *ha;
	unsigned int i;
	u32 hash;

	netdev_for_each_mc_addr(ha, netdev) {
		hash = lunic_mta_hash(ha->addr);
		mta[hash >> 5] |= BIT(hash & 0x1f);
	}
	for (i = 0; i < LUNIC_MTA_NUM; i++)
		lunic_wr(ad, LUNIC_MTA(i), mta[i]);
	ad->rctl = lunic_hw_rx_mode(netdev);
	lunic_wr(ad, LUNIC_RCTL, ad->rctl);
}

bool lunic_hw_link_up(struct lunic_adapter *ad)
{
	return lunic_rd(ad, LUNIC_STATUS) & LUNIC_STATUS_LU;
}

int lunic_hw_link_speed(struct lunic_adapter *ad)
{
	static const int speeds[] = { SPEED_10, SPEED_100, SPEED_1000,
				      SPEED_1000 };

	return speeds[FIELD_GET(LUNIC_STATUS_SPEED,
				lunic_rd(ad, LUNIC_STATUS))];
}

/* Carrier follows STATUS.LU; called from the link status interrupt. */
void lunic_hw_update_link(struct lunic_adapter *ad)
{
	struct net_device *netdev = ad->netdev;
	bool up = lunic_hw_link_up(ad);

	if (up == netif_carrier_ok(netdev))
		return;
	if (up) {
		netif_carrier_on(netdev);
		netif_info(ad, link, netdev, "Link is Up %d Mbps\n",
			   lunic_hw_link_speed(ad));
	} else {
		netif_carrier_off(netdev);
		netif_info(ad, link, netdev, "Link is Down\n");
	}
}
