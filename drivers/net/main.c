// SPDX-License-Identifier: GPL-2.0
/*
 * lunic: Intel 82574L driver with separate live-update paths.
 *
 *   probe     cold start: reset MAC and PHY, program every register the
 *             driver relies on, put the rings in preserved memory, start
 *             the link;
 *   retrieve  the previous kernel froze the NIC: check that the device is
 *             the one, and in the state, the record describes; adopt its
 *             rings and the frames that arrived meanwhile; no reset;
 *   freeze    kexec with the NIC preserved: stop and drain TX, mask
 *             interrupts, leave the receiver running into preserved
 *             buffers and write the record;
 *   shutdown  any other reboot: stop DMA and reset, as a plain driver.
 *
 * Software state comes from the same helpers (sw.c) on both bind paths;
 * only the hardware sequence differs.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/pci_lu_driver.h>
#include <linux/rtnetlink.h>

#include "lunic.h"

static int lunic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct lunic_adapter *ad;
	u8 mac[ETH_ALEN];
	int ret;

	ad = lunic_sw_alloc(pdev);
	if (IS_ERR(ad))
		return PTR_ERR(ad);
	/* Firmware or a previous kernel may have left it running. */
	ret = lunic_hw_reset(ad);
	if (ret)
		return dev_err_probe(&pdev->dev, ret, "MAC reset timed out\n");
	ret = lunic_rings_alloc(ad, LUNIC_RING_DEFAULT, LUNIC_RING_DEFAULT);
	if (ret)
		return ret;
	lunic_hw_read_mac(ad, mac);
	eth_hw_addr_set(ad->netdev, mac);

	lunic_rx_ring_init(ad);
	lunic_tx_ring_init(ad, 0);
	pci_set_master(pdev);
	lunic_hw_init(ad);
	ret = lunic_irq_setup(ad);
	if (ret)
		goto err_stop;
	lunic_hw_start_link(ad);
	lunic_hw_irq_unmask_other(ad);
	ret = lunic_register(ad);
	if (ret)
		goto err_stop;
	netdev_info(ad->netdev, "probe: reset, %pM, %s, link negotiating\n",
		    mac, ad->msix ? "MSI-X" : ad->pdev->msi_enabled ? "MSI" : "INTx");
	return 0;

err_stop:
	lunic_hw_irq_mask(ad);
	lunic_hw_stop_dma(ad);
	pci_clear_master(pdev);
	return ret;
}

static int lunic_retrieve(struct pci_dev *pdev, const struct pci_device_id *id,
			  const void *data, size_t len)
{
	const struct lunic_record *rec = data;
	ktime_t start = ktime_get();
	struct lunic_adapter *ad;
	unsigned int waiting;
	int ret;

	/*
	 * Everything below is device-managed: on error the core releases it
	 * and probe() resets the device, so each failure simply returns.
	 * lunvme, whose state lives in nvme-core, unwinds with a label.
	 */
	ad = lunic_sw_alloc(pdev);
	if (IS_ERR(ad))
		return PTR_ERR(ad);
	ret = lunic_record_check(ad, rec, len);
	if (ret)
		return ret;
	ret = lunic_rings_restore(ad, rec);
	if (ret)
		return ret;
	eth_hw_addr_set(ad->netdev, rec->mac);
	ad->netdev->mtu = rec->mtu;
	ad->rctl = rec->rctl;
	ad->rx.next_to_clean = rec->rx_next_to_clean;
	ad->rx.discard = rec->flags & LUNIC_REC_RX_MIDFRAME;
	lunic_tx_ring_init(ad, rec->tdt);

	/* DMA resumes here: frames queued during the update land in the
	 * preserved buffers and wait there for NAPI.
	 */
	pci_set_master(pdev);
	ret = lunic_irq_setup(ad);
	if (ret)
		return ret;
	/* STATUS.LU was checked: the link never went down, no renegotiation. */
	netif_carrier_on(ad->netdev);
	lunic_hw_irq_unmask_other(ad);
	ret = lunic_register(ad);
	if (ret) {
		lunic_hw_irq_mask(ad);
		return ret;
	}
	waiting = (lunic_rd(ad, LUNIC_RDH) + rec->rx_count -
		   rec->rx_next_to_clean) % rec->rx_count;
	netdev_info(ad->netdev, "retrieve: %pM adopted without reset, %u frames waiting, carrier on after %lld us\n",
		    rec->mac, waiting, ktime_us_delta(ktime_get(), start));
	return 0;
}

/*
 * Test only: the record fields lunic's debugfs record_fault can name
 * (drivers/pci/liveupdate/devfault.c). One field wrong but plausible, so
 * that retrieve() must find it without the CRC's help.
 */
enum lunic_record_fault {
	LUNIC_RF_NONE,
	LUNIC_RF_MAC,
	LUNIC_RF_MAC_INVALID,
	LUNIC_RF_RX_COUNT,
	LUNIC_RF_RDT,
	LUNIC_RF_MTU,
	LUNIC_RF_FLAGS,
	LUNIC_RF_RCTL,
	LUNIC_RF_RX_RING_DMA,
	LUNIC_RF_RX_BUFS_DMA,
	LUNIC_RF_TCTL,
	LUNIC_RF_RX_LAYOUT,
	LUNIC_RF_RFCTL_EXTEN,
};

const char * const lunic_record_faults[] = {
	[LUNIC_RF_NONE]		= "none",
	[LUNIC_RF_MAC]		= "mac",
	[LUNIC_RF_MAC_INVALID]	= "mac_invalid",
	[LUNIC_RF_RX_COUNT]	= "rx_count",
	[LUNIC_RF_RDT]		= "rdt",
	[LUNIC_RF_MTU]		= "mtu",
	[LUNIC_RF_FLAGS]	= "flags",
	[LUNIC_RF_RCTL]		= "rctl",
	[LUNIC_RF_RX_RING_DMA]	= "rx_ring_dma",
	[LUNIC_RF_RX_BUFS_DMA]	= "rx_bufs_dma",
	[LUNIC_RF_TCTL]		= "tctl",
	[LUNIC_RF_RX_LAYOUT]	= "rx_layout",
	[LUNIC_RF_RFCTL_EXTEN]	= "rfctl_exten",
};

const unsigned int lunic_nr_record_faults = ARRAY_SIZE(lunic_record_faults);

static void lunic_record_damage(struct lunic_adapter *ad,
				struct lunic_record *rec)
{
	switch (pci_lu_fault_record(ad->fault)) {
	case LUNIC_RF_NONE:
		break;
	case LUNIC_RF_MAC:
		rec->mac[5] ^= 1;
		break;
	case LUNIC_RF_MAC_INVALID:
		rec->mac[0] |= 1;	/* multicast */
		break;
	case LUNIC_RF_RX_COUNT:
		rec->rx_count = LUNIC_RING_MAX + 8;
		break;
	case LUNIC_RF_RDT:
		rec->rdt = rec->rx_count;
		break;
	case LUNIC_RF_MTU:
		rec->mtu = LUNIC_MAX_MTU + 1;
		break;
	case LUNIC_RF_FLAGS:
		rec->flags |= BIT(7);
		break;
	case LUNIC_RF_RCTL:	/* still lunic's setup, not the NIC's */
		rec->rctl ^= LUNIC_RCTL_MPE;
		break;
	case LUNIC_RF_RX_RING_DMA:
		rec->rx_ring_dma += PAGE_SIZE;
		break;
	case LUNIC_RF_RX_BUFS_DMA:
		rec->rx_bufs_dma += PAGE_SIZE;
		break;
	case LUNIC_RF_TCTL:
		rec->tctl &= ~LUNIC_TCTL_PSP;
		break;
	/*
	 * The last two program the NIC as a hostile previous kernel could,
	 * the record agreeing with it: 16 KiB receive buffers, extended
	 * descriptors. Only the layout checks can refuse them.
	 */
	case LUNIC_RF_RX_LAYOUT:
		rec->rctl |= LUNIC_RCTL_BSEX | FIELD_PREP(LUNIC_RCTL_BSIZE, 1);
		lunic_wr(ad, LUNIC_RCTL, rec->rctl);
		break;
	case LUNIC_RF_RFCTL_EXTEN:
		lunic_wr(ad, LUNIC_RFCTL,
			 lunic_rd(ad, LUNIC_RFCTL) | LUNIC_RFCTL_EXTEN);
		break;
	}
}

static int lunic_freeze(struct pci_dev *pdev, void *data, size_t *len)
{
	struct lunic_adapter *ad = pci_get_drvdata(pdev);
	struct lunic_record *rec = data;
	int ret;

	/* Only a NIC with its rings can be handed over (see set_ringparam). */
	if (!ad->rx.desc || *len < sizeof(*rec))
		return -ENODEV;
	lunic_quiesce(ad);
	ret = lunic_tx_drain(ad);
	if (ret) {
		pci_err(pdev, "freeze: TX ring did not drain (TDH %u TDT %u)\n",
			lunic_rd(ad, LUNIC_TDH), lunic_rd(ad, LUNIC_TDT));
		return ret;
	}
	lunic_tx_clean_all(ad);
	ret = pci_lu_fault_freeze(ad->fault);
	if (ret)
		return ret;

	memset(rec, 0, sizeof(*rec));
	ether_addr_copy(rec->mac, ad->netdev->dev_addr);
	rec->mtu = ad->netdev->mtu;
	rec->rctl = lunic_rd(ad, LUNIC_RCTL);
	rec->tctl = lunic_rd(ad, LUNIC_TCTL);
	rec->rx_count = ad->rx.count;
	rec->tx_count = ad->tx.count;
	rec->rx_next_to_clean = ad->rx.next_to_clean;
	rec->rdt = lunic_rd(ad, LUNIC_RDT);
	rec->tdt = lunic_rd(ad, LUNIC_TDT);
	if (ad->rx.skb || ad->rx.discard)
		rec->flags |= LUNIC_REC_RX_MIDFRAME;
	rec->rx_ring_dma = ad->rx.dma;
	rec->rx_bufs_dma = ad->rx.bufs_dma;
	rec->tx_ring_dma = ad->tx.dma;
	lunic_rx_drop_partial(ad);
	lunic_record_damage(ad, rec);
	*len = sizeof(*rec);
	netdev_info(ad->netdev, "freeze: TX drained, interrupts masked, receiver left running (RDH %u RDT %u)\n",
		    lunic_rd(ad, LUNIC_RDH), rec->rdt);
	return 0;
}

/* Also after a failed freeze(), on a half-quiesced NIC; twice is safe. */
static void lunic_shutdown(struct pci_dev *pdev)
{
	struct lunic_adapter *ad = pci_get_drvdata(pdev);

	lunic_quiesce(ad);
	/* The 82574 keeps receiving until RCTL.EN is cleared. */
	lunic_hw_stop_dma(ad);
	lunic_hw_reset(ad);
	pci_clear_master(pdev);
	/* Wake-on-LAN is not supported: never arm PME. */
	pci_wake_from_d3(pdev, false);
	netdev_info(ad->netdev, "shutdown: DMA stopped, reset\n");
}

static void lunic_remove(struct pci_dev *pdev)
{
	struct lunic_adapter *ad = pci_get_drvdata(pdev);

	unregister_netdev(ad->netdev);
	lunic_hw_irq_mask(ad);
	lunic_irq_sync(ad);
	lunic_hw_stop_dma(ad);
	pci_clear_master(pdev);
	/* A ring resize that got no memory left none (set_ringparam). */
	if (ad->tx.buf)
		lunic_tx_clean_all(ad);
	lunic_rx_drop_partial(ad);
	lunic_rings_free(ad);
	/* netdev, interrupts and the BAR mapping are device-managed. */
}

/* Is the record itself sane, before any of it is compared or used? */
static const char *lunic_record_bad(const struct lunic_record *rec,
				    size_t len)
{
	if (len != sizeof(*rec))
		return "record of the wrong size";
	if (!is_valid_ether_addr(rec->mac))
		return "invalid MAC address";
	if (rec->rx_count < LUNIC_RING_MIN || rec->rx_count > LUNIC_RING_MAX ||
	    rec->rx_count % 8 || rec->tx_count < LUNIC_RING_MIN ||
	    rec->tx_count > LUNIC_RING_MAX || rec->tx_count % 8)
		return "ring sizes out of range";
	if (rec->rx_next_to_clean >= rec->rx_count ||
	    rec->rdt >= rec->rx_count || rec->tdt >= rec->tx_count)
		return "ring index out of range";
	if (rec->mtu < ETH_MIN_MTU || rec->mtu > LUNIC_MAX_MTU)
		return "MTU out of range";
	if (rec->flags & ~LUNIC_REC_RX_MIDFRAME || rec->reserved)
		return "unknown flags or reserved field set";
	/* The receive ring is 2 KiB legacy buffers: no other RCTL layout. */
	if ((rec->rctl & ~LUNIC_RCTL_MODE) != LUNIC_RCTL_ALWAYS)
		return "RCTL is not lunic's receive setup";
	if (rec->tctl != LUNIC_TCTL_RUN)
		return "TCTL is not lunic's transmit setup";
	return NULL;
}

struct lunic_reg_check {
	const char *name;
	u32 reg;
	u32 mask;
	u32 want;
};

/* The registers a frozen NIC must still show; refusal -ESTALE. */
static int lunic_regs_check(struct lunic_adapter *ad,
			    const struct lunic_record *rec)
{
	const struct lunic_reg_check checks[] = {
		{ "STATUS.LU", LUNIC_STATUS, LUNIC_STATUS_LU, LUNIC_STATUS_LU },
		{ "RCTL", LUNIC_RCTL, ~0U, rec->rctl },
		{ "TCTL", LUNIC_TCTL, ~0U, rec->tctl },
		{ "RFCTL.EXTEN", LUNIC_RFCTL, LUNIC_RFCTL_EXTEN, 0 },
		{ "RDBAL", LUNIC_RDBAL, ~0U, lower_32_bits(rec->rx_ring_dma) },
		{ "RDBAH", LUNIC_RDBAH, ~0U, upper_32_bits(rec->rx_ring_dma) },
		{ "RDLEN", LUNIC_RDLEN, ~0U, rec->rx_count * 16 },
		{ "RDT", LUNIC_RDT, ~0U, rec->rdt },
		{ "TDBAL", LUNIC_TDBAL, ~0U, lower_32_bits(rec->tx_ring_dma) },
		{ "TDBAH", LUNIC_TDBAH, ~0U, upper_32_bits(rec->tx_ring_dma) },
		{ "TDLEN", LUNIC_TDLEN, ~0U, rec->tx_count * 16 },
		{ "TDH", LUNIC_TDH, ~0U, rec->tdt },
		{ "TDT", LUNIC_TDT, ~0U, rec->tdt },
	};
	unsigned int i;
	u32 val;

	for (i = 0; i < ARRAY_SIZE(checks); i++) {
		val = lunic_rd(ad, checks[i].reg) & checks[i].mask;
		if (val == checks[i].want)
			continue;
		pci_err(ad->pdev, "retrieve: %s is %#x, record says %#x: device was reset or reprogrammed\n",
			checks[i].name, val, checks[i].want);
		return -ESTALE;
	}
	return 0;
}

/**
 * lunic_record_check() - is the NIC the one, and in the state, freeze() left?
 * @ad: adapter, registers mapped, nothing else touched
 * @rec: the record
 * @len: its length
 *
 * The record is judged whole first, then the device against it. A device
 * that was reset, reprogrammed or replaced since the record was written
 * fails one of these; retrieve() then refuses and the core falls back to
 * probe(), which resets it.
 *
 * Return: 0, or -EINVAL (bad record), -ENODEV (not this NIC) or -ESTALE
 * (NIC not as recorded) with the reason logged.
 */
int lunic_record_check(struct lunic_adapter *ad, const struct lunic_record *rec,
		       size_t len)
{
	struct pci_dev *pdev = ad->pdev;
	const char *why = lunic_record_bad(rec, len);
	u8 mac[ETH_ALEN];

	if (why) {
		pci_err(pdev, "retrieve: record refused: %s\n", why);
		return -EINVAL;
	}
	if (lunic_rd(ad, LUNIC_STATUS) == ~0U) {
		pci_err(pdev, "retrieve: device reads all-ones: gone or not responding\n");
		return -ENODEV;
	}
	lunic_hw_get_mac(ad, mac);
	if (!ether_addr_equal(mac, rec->mac)) {
		pci_err(pdev, "retrieve: MAC address %pM, record says %pM: not the NIC that was frozen\n",
			mac, rec->mac);
		return -ENODEV;
	}
	return lunic_regs_check(ad, rec);
}

/* Only NICs named with driver_override, never by autoload: see pci_lu.h. */
static const struct pci_device_id lunic_ids[] = {
	{ PCI_LU_DEVICE(PCI_VENDOR_ID_INTEL, 0x10d3) },	/* 82574L */
	{ }
};

static struct pci_lu_driver lunic_driver = {
	.driver = {
		.name = LUNIC_NAME,
		.id_table = lunic_ids,
	},
	.probe = lunic_probe,
	.retrieve = lunic_retrieve,
	.freeze = lunic_freeze,
	.shutdown = lunic_shutdown,
	.remove = lunic_remove,
	.record_version = LUNIC_RECORD_VERSION,
};
module_pci_lu_driver(lunic_driver);

MODULE_DESCRIPTION("Intel 82574L Ethernet driver that survives a kexec live update");
MODULE_LICENSE("GPL");
