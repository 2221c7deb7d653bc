// SPDX-License-Identifier: GPL-2.0
/*
 * lunic: software state shared by probe() and retrieve().
 *
 * Nothing here writes a device register except lunic_irq_setup(), which
 * routes the interrupt causes to the vectors this kernel allocated: the
 * vectors are new in every kernel, whichever path bound the device.
 */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/pci_lu_driver.h>

#include "lunic.h"

static void lunic_fault_remove(void *fault)
{
	pci_lu_fault_remove(fault);
}

/**
 * lunic_sw_alloc() - net_device, BAR mapping and DMA mask for a device
 * @pdev: the device being bound
 *
 * Everything is device-managed, so that a failed retrieve() gives it all
 * back before the core's fallback to probe(). Pairs with nothing: the
 * devres release after remove() undoes it.
 *
 * Return: the adapter or an ERR_PTR().
 */
struct lunic_adapter *lunic_sw_alloc(struct pci_dev *pdev)
{
	struct net_device *netdev;
	struct lunic_adapter *ad;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ERR_PTR(ret);
	netdev = devm_alloc_etherdev(&pdev->dev, sizeof(*ad));
	if (!netdev)
		return ERR_PTR(-ENOMEM);
	SET_NETDEV_DEV(netdev, &pdev->dev);
	ad = netdev_priv(netdev);
	ad->netdev = netdev;
	ad->pdev = pdev;
	ad->msg_enable = netif_msg_init(-1, NETIF_MSG_DRV | NETIF_MSG_LINK);
	ad->regs = pcim_iomap_region(pdev, 0, LUNIC_NAME);
	if (IS_ERR(ad->regs))
		return ERR_CAST(ad->regs);
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ERR_PTR(ret);
	ad->hw_stats = devm_kcalloc(&pdev->dev, lunic_num_hw_stats(),
				    sizeof(*ad->hw_stats), GFP_KERNEL);
	if (!ad->hw_stats)
		return ERR_PTR(-ENOMEM);
	ad->fault = pci_lu_fault_add(pdev, lunic_record_faults,
				     lunic_nr_record_faults);
	ret = devm_add_action_or_reset(&pdev->dev, lunic_fault_remove,
				       ad->fault);
	if (ret)
		return ERR_PTR(ret);
	spin_lock_init(&ad->stats_lock);
	u64_stats_init(&ad->rx.stats.syncp);
	u64_stats_init(&ad->tx.stats.syncp);

	netdev->netdev_ops = &lunic_netdev_ops;
	netdev->ethtool_ops = &lunic_ethtool_ops;
	netdev->watchdog_timeo = 5 * HZ;
	netdev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM |
			      NETIF_F_IPV6_CSUM | NETIF_F_RXCSUM |
			      NETIF_F_TSO | NETIF_F_TSO6;
	netdev->features = netdev->hw_features;
	netdev->min_mtu = ETH_MIN_MTU;
	netdev->max_mtu = LUNIC_MAX_MTU;
	netif_napi_add(netdev, &ad->napi, lunic_poll);
	INIT_DELAYED_WORK(&ad->kick, lunic_kick);
	netif_carrier_off(netdev);
	pci_set_drvdata(pdev, ad);
	return ad;
}

static void lunic_rings_set(struct lunic_adapter *ad, unsigned int rx_count,
			    unsigned int tx_count)
{
	ad->rx.count = rx_count;
	ad->tx.count = tx_count;
	ad->rx.skb = NULL;
	ad->rx.discard = false;
}

static int lunic_tx_buf_alloc(struct lunic_adapter *ad, unsigned int count)
{
	ad->tx.buf = devm_kcalloc(&ad->pdev->dev, count, sizeof(*ad->tx.buf),
				  GFP_KERNEL);
	return ad->tx.buf ? 0 : -ENOMEM;
}

/**
 * lunic_rings_alloc() - new rings and RX buffers in preserved memory
 * @ad: adapter
 * @rx_count: RX descriptors, a multiple of 8
 * @tx_count: TX descriptors, a multiple of 8
 *
 * Pairs with lunic_rings_free().
 *
 * Return: 0 or -ENOMEM.
 */
int lunic_rings_alloc(struct lunic_adapter *ad, unsigned int rx_count,
		      unsigned int tx_count)
{
	struct pci_dev *pdev = ad->pdev;

	lunic_rings_set(ad, rx_count, tx_count);
	ad->rx.desc = pci_lu_alloc(pdev, LUNIC_TAG_RX_RING,
				   rx_count * sizeof(*ad->rx.desc), &ad->rx.dma);
	ad->rx.bufs = pci_lu_alloc(pdev, LUNIC_TAG_RX_BUFS,
				   rx_count * LUNIC_RX_BUF_SIZE,
				   &ad->rx.bufs_dma);
	ad->tx.desc = pci_lu_alloc(pdev, LUNIC_TAG_TX_RING,
				   tx_count * sizeof(*ad->tx.desc), &ad->tx.dma);
	if (!ad->rx.desc || !ad->rx.bufs || !ad->tx.desc ||
	    lunic_tx_buf_alloc(ad, tx_count)) {
		lunic_rings_free(ad);
		return -ENOMEM;
	}
	return 0;
}

/* Every RX descriptor must still point at its own buffer. */
static int lunic_rx_map_check(struct lunic_adapter *ad)
{
	unsigned int i;
	u64 want;

	for (i = 0; i < ad->rx.count; i++) {
		want = ad->rx.bufs_dma + (u64)i * LUNIC_RX_BUF_SIZE;
		if (le64_to_cpu(ad->rx.desc[i].addr) == want)
			continue;
		pci_err(ad->pdev, "retrieve: RX descriptor %u points at %#llx, expected %#llx\n",
			i, le64_to_cpu(ad->rx.desc[i].addr), want);
		return -ESTALE;
	}
	return 0;
}

/**
 * lunic_rings_restore() - adopt the rings and buffers freeze() recorded
 * @ad: adapter
 * @rec: the record, already checked against the device
 *
 * On error nothing is freed: the device may still DMA into the old memory,
 * and the core keeps it until probe() has reset the device.
 *
 * Return: 0, -ENOENT or -ESTALE.
 */
int lunic_rings_restore(struct lunic_adapter *ad,
			const struct lunic_record *rec)
{
	struct pci_dev *pdev = ad->pdev;

	lunic_rings_set(ad, rec->rx_count, rec->tx_count);
	ad->rx.desc = pci_lu_restore(pdev, LUNIC_TAG_RX_RING,
				     rec->rx_count * sizeof(*ad->rx.desc),
				     &ad->rx.dma);
	ad->rx.bufs = pci_lu_restore(pdev, LUNIC_TAG_RX_BUFS,
				     rec->rx_count * LUNIC_RX_BUF_SIZE,
				     &ad->rx.bufs_dma);
	ad->tx.desc = pci_lu_restore(pdev, LUNIC_TAG_TX_RING,
				     rec->tx_count * sizeof(*ad->tx.desc),
				     &ad->tx.dma);
	if (!ad->rx.desc || !ad->rx.bufs || !ad->tx.desc)
		return -ENOENT;
	if (ad->rx.dma != rec->rx_ring_dma || ad->tx.dma != rec->tx_ring_dma ||
	    ad->rx.bufs_dma != rec->rx_bufs_dma) {
		pci_err(pdev, "retrieve: preserved memory is not where the record says\n");
		return -ESTALE;
	}
	if (lunic_rx_map_check(ad))
		return -ESTALE;
	return lunic_tx_buf_alloc(ad, rec->tx_count);
}

/**
 * lunic_rings_free() - give back what lunic_rings_alloc() took
 * @ad: adapter; the device no longer uses the rings (DMA stopped)
 */
void lunic_rings_free(struct lunic_adapter *ad)
{
	struct pci_dev *pdev = ad->pdev;

	if (ad->rx.desc)
		pci_lu_free(pdev, ad->rx.count * sizeof(*ad->rx.desc),
			    ad->rx.desc, ad->rx.dma);
	if (ad->rx.bufs)
		pci_lu_free(pdev, ad->rx.count * LUNIC_RX_BUF_SIZE,
			    ad->rx.bufs, ad->rx.bufs_dma);
	if (ad->tx.desc)
		pci_lu_free(pdev, ad->tx.count * sizeof(*ad->tx.desc),
			    ad->tx.desc, ad->tx.dma);
	if (ad->tx.buf)
		devm_kfree(&pdev->dev, ad->tx.buf);
	ad->rx.desc = NULL;
	ad->rx.bufs = NULL;
	ad->tx.desc = NULL;
	ad->tx.buf = NULL;
}

static int lunic_request_irq(struct lunic_adapter *ad, int nr,
			     irq_handler_t handler, unsigned long flags,
			     const char *what)
{
	struct device *dev = &ad->pdev->dev;
	const char *name;

	name = devm_kasprintf(dev, GFP_KERNEL, "%s-%s", LUNIC_NAME, what);
	if (!name)
		return -ENOMEM;
	return devm_request_irq(dev, pci_irq_vector(ad->pdev, nr), handler,
				flags, name, ad);
}

/**
 * lunic_irq_setup() - allocate vectors, request them, route the causes
 * @ad: adapter, with every interrupt cause masked
 *
 * MSI-X with an RX, a TX and a vector for the other causes (link), each
 * throttled on its own, or else one MSI or INTx vector for everything. A kernel after kexec finds
 * MSI-X disabled and allocates again.
 *
 * Return: 0 or a negative errno.
 */
int lunic_irq_setup(struct lunic_adapter *ad)
{
	struct pci_dev *pdev = ad->pdev;
	int ret;

	ad->nvec = pci_alloc_irq_vectors(pdev, 3, 3, PCI_IRQ_MSIX);
	ad->msix = ad->nvec == 3;
	if (!ad->msix)
		ad->nvec = pci_alloc_irq_vectors(pdev, 1, 1,
						 PCI_IRQ_MSI | PCI_IRQ_INTX);
	if (ad->nvec < 0)
		return ad->nvec;

	if (ad->msix) {
		ret = lunic_request_irq(ad, 0, lunic_intr_queues, 0, "rx");
		if (!ret)
			ret = lunic_request_irq(ad, 1, lunic_intr_queues, 0, "tx");
		if (!ret)
			ret = lunic_request_irq(ad, 2, lunic_intr_other, 0,
						"other");
	} else {
		ret = lunic_request_irq(ad, 0, lunic_intr_single,
					pdev->msi_enabled ? 0 : IRQF_SHARED,
					"all");
	}
	if (ret)
		return ret;
	lunic_hw_irq_program(ad);
	return 0;
}

int lunic_register(struct lunic_adapter *ad)
{
	int ret = register_netdev(ad->netdev);

	if (ret)
		pci_err(ad->pdev, "register_netdev failed: %d\n", ret);
	return ret;
}
